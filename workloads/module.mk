# SPDX-License-Identifier: GPL-2.0-only
# workloads/: synthetic access-stream generators.
LIB_SRCS += workloads/gen.c workloads/params.c workloads/zipf.c
TESTS    += tests/workloads/test_gen
tests/workloads/test_gen_UNITS := workloads traces sim/core
