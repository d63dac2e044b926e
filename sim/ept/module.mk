# SPDX-License-Identifier: GPL-2.0-only
# sim/ept: the EPT format (ept.h) and the shared two-dimensional walker.
LIB_SRCS += sim/ept/walk.c
TESTS    += tests/sim/ept/test_walk
BENCHES  += bench/walk
tests/sim/ept/test_walk_UNITS := sim/ept sim/npt sim/tlb sim/pml sim/host sim/check sim/core
tests/sim/ept/test_walk_OBJS  := scenarios/params.o
