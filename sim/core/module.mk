# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS += sim/core/sched.c sim/core/mem.c sim/core/sync.c sim/core/rng.c \
            sim/core/stats.c sim/core/params.c sim/core/ctx.c \
            sim/core/ctx_x86_64.S
TESTS    += tests/sim/core/test_sched tests/sim/core/test_sync
BENCHES  += bench/sched
# Each test links its unit, what that needs, and the parameter registry
# (scenarios/params.o) for the defaults (Makefile: test_objs).
tests/sim/core/test_sched_UNITS := sim/core
tests/sim/core/test_sched_OBJS  := scenarios/params.o
tests/sim/core/test_sync_UNITS  := sim/core
tests/sim/core/test_sync_OBJS   := scenarios/params.o
# test_poison_lost makes the engine's mallocs fail (-Wl,--wrap).
$(O)/tests/sim/core/test_sync: private LDFLAGS += -Wl,--wrap=malloc
