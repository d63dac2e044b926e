# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS += sim/cpu/cpu.c sim/cpu/access.c sim/cpu/env.c
TESTS    += tests/sim/cpu/test_cpu
