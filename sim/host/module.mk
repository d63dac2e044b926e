# SPDX-License-Identifier: GPL-2.0-only
# sim/host: host physical memory (frames, folios), the VMM's address space,
# host kernel events (writeback, reclaim, MADV_*, migration, THP) and the
# lost-folio-write oracle.
LIB_SRCS += sim/host/host.c sim/host/host_vma.c sim/host/events.c
TESTS    += tests/sim/host/test_host tests/sim/host/test_events
tests/sim/host/test_host_UNITS   := sim/host sim/check sim/core
tests/sim/host/test_host_OBJS    := scenarios/params.o
# test_version_carry_oom makes the host's callocs fail (-Wl,--wrap).
$(O)/tests/sim/host/test_host: private LDFLAGS += -Wl,--wrap=calloc
tests/sim/host/test_events_UNITS := sim/host sim/check sim/core
tests/sim/host/test_events_OBJS  := scenarios/params.o
