# SPDX-License-Identifier: GPL-2.0-only
# sim/pml: page-modification logging buffers.
LIB_SRCS += sim/pml/pml.c
TESTS    += tests/sim/pml/test_pml
tests/sim/pml/test_pml_UNITS := sim/pml sim/host sim/check sim/core
tests/sim/pml/test_pml_OBJS  := scenarios/params.o
