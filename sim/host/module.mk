# sim/host: host physical memory (frames, folios), the VMM's address space.
LIB_SRCS += sim/host/host.c sim/host/host_vma.c
TESTS    += tests/sim/host/test_host
