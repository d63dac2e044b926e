# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS += sim/cpu/cpu.c sim/cpu/access.c sim/cpu/env.c
TESTS    += tests/sim/cpu/test_cpu
tests/sim/cpu/test_cpu_UNITS := sim/cpu sim/ept sim/npt sim/tlb sim/pml sim/host \
                              sim/check sim/core
tests/sim/cpu/test_cpu_OBJS  := scenarios/params.o
