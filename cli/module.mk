# SPDX-License-Identifier: GPL-2.0-only
CLI_SRCS += cli/main.c cli/opts.c cli/results.c cli/cmd_run.c cli/explore.c cli/cmd_trace.c cli/replay.c cli/compare.c cli/report.c cli/report_model.c cli/report_md.c cli/report_gp.c cli/util.c cli/outdir.c cli/quote.c cli/outfile.c cli/figures.c cli/sha256.c cli/version.c cli/stats_doc.c
FUZZERS  += fuzz/config_ini.c fuzz/report_json.c fuzz/joblist.c

# tests/traces/test_cmd_trace runs `tdpsim trace` in-process: it links the
# command's objects, all of cli/ but main.c.
CLI_UNIT_OBJS := $(patsubst %.c,$(O)/%.o,$(filter-out cli/main.c,$(CLI_SRCS)))
$(O)/tests/traces/test_cmd_trace: $(O)/tests/traces/test_cmd_trace.o $(CLI_UNIT_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(CLI_UNIT_OBJS) $(LIB) $(LIBS) $(TEST_LIBS)
