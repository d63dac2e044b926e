# SPDX-License-Identifier: GPL-2.0-only
# sim/tlb: tagged TLBs, paging-structure caches and the nested TLB of one pCPU.
LIB_SRCS += sim/tlb/tlb.c sim/tlb/tlb_array.c sim/tlb/tlb_config.c \
            sim/tlb/tlb_flush.c sim/tlb/tlb_psc.c
TESTS    += tests/sim/tlb/test_tlb
BENCHES  += bench/tlb_hit
tests/sim/tlb/test_tlb_UNITS := sim/tlb sim/core
tests/sim/tlb/test_tlb_OBJS  := scenarios/params.o
