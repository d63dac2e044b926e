# SPDX-License-Identifier: GPL-2.0-only
# sim/ept: the EPT format (ept.h) and the shared two-dimensional walker.
LIB_SRCS += sim/ept/walk.c
TESTS    += tests/sim/ept/test_walk
BENCHES  += bench/walk
