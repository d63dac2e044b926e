# SPDX-License-Identifier: GPL-2.0-only
LIB_SRCS += scenarios/params.c scenarios/scenario.c scenarios/selftest.c scenarios/vm.c \
	scenarios/vmm.c scenarios/feed.c scenarios/scn_parse.c scenarios/scn_run.c scenarios/scn_actions.c

# The built-in catalog: workloads/scenarios/*.scn embedded into the binary.
SCN_FILES := $(sort $(wildcard workloads/scenarios/*.scn))
LIB_GEN_OBJS += $(O)/gen/scn_catalog.o

$(O)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<
$(O)/gen/scn_catalog.c: $(SCN_FILES) $(O)/tools/embed
	@mkdir -p $(@D)
	$(O)/tools/embed $@ $(SCN_FILES)
$(O)/gen/scn_catalog.o: $(O)/gen/scn_catalog.c
	$(CC) $(CFLAGS) -c $< -o $@
TESTS    += tests/scenarios/test_params tests/scenarios/test_replay tests/scenarios/test_oracles tests/scenarios/test_feed
BENCHES  += bench/replay bench/scale
FUZZERS  += fuzz/scn_parse.c
tests/scenarios/test_params_UNITS := sim/core
tests/scenarios/test_params_OBJS  := scenarios/params.o
tests/scenarios/test_feed_UNITS   := workloads traces sim/core
tests/scenarios/test_feed_OBJS    := scenarios/feed.o
# Whole runs: everything below the command.
SCN_TEST_UNITS := scenarios kvmmu sim workloads traces gen
tests/scenarios/test_replay_UNITS  := $(SCN_TEST_UNITS)
tests/scenarios/test_oracles_UNITS := $(SCN_TEST_UNITS)
