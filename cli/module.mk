# SPDX-License-Identifier: GPL-2.0-only
CLI_SRCS += cli/main.c cli/opts.c cli/results.c cli/cmd_run.c cli/explore.c cli/cmd_trace.c cli/replay.c cli/compare.c cli/report.c cli/report_model.c cli/report_md.c cli/report_gp.c cli/util.c cli/outdir.c cli/quote.c cli/outfile.c cli/figures.c cli/sha256.c cli/version.c cli/stats_doc.c
FUZZERS  += fuzz/config_ini.c fuzz/report_json.c fuzz/joblist.c
# `tdpsim trace` in-process: the command's objects (all of cli/ but
# main.c) and what they drive, which for cli/ is every layer below it.
TESTS    += tests/cli/test_cmd_trace
tests/cli/test_cmd_trace_UNITS := $(SCN_TEST_UNITS)
tests/cli/test_cmd_trace_OBJS  := $(patsubst %.c,%.o,$(filter-out cli/main.c,$(CLI_SRCS)))
