# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS += sim/core/sched.c sim/core/mem.c sim/core/sync.c sim/core/rng.c \
            sim/core/stats.c sim/core/params.c sim/core/ctx.c \
            sim/core/ctx_x86_64.S
TESTS    += tests/sim/core/test_sched tests/sim/core/test_sync
BENCHES  += bench/sched
