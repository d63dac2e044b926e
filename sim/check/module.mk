# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS += sim/check/check.c
