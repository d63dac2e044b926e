# SPDX-License-Identifier: GPL-2.0-only
# sim/npt: the x86-64 long-mode entry format (NPT and guest paging), #NPF.
LIB_SRCS += sim/npt/npt.c
TESTS    += tests/sim/npt/test_npt
tests/sim/npt/test_npt_UNITS := sim/npt
