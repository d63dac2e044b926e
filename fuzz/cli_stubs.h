// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the CLI harnesses (fuzz/config_ini.c, fuzz/report_json.c) link
 * instead of cli/main.c: cli_bad() (wrapped: -Wl,--wrap=cli_bad) keeps the
 * last message for the harness to check instead of printing it, and the
 * built-in catalog is empty.
 */
#ifndef FUZZ_CLI_STUBS_H
#define FUZZ_CLI_STUBS_H

const char *fuzz_last_message(void);
void fuzz_clear_message(void);

#endif
