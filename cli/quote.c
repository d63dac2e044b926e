// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text that leaves tdpsim to be run or read by a person: arguments of the
 * commands it prints (replay lines, job lists) quoted for sh, and echoes of
 * input with its control bytes escaped.
 *
 * Every emitted command goes through cli_shquote(), so that the replay line
 * of explore, its JSON "replay" field, compare's replay column and both job
 * lists quote alike.  A command is one line: an argument holding a control
 * character (a newline would end a job in the middle) cannot be written,
 * and is refused where it enters (cli_check_arg).
 */
#include "cli/cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool cli_has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

void cli_shquote(FILE *f, const char *s)
{
	/* Characters sh never treats specially, outside quotes too; '=' and
	 * ':' only matter to words before the command name, '%' and '@' to
	 * nothing.  Anything else is quoted, the empty word included. */
	bool plain = *s != 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_./:=,@%+-", *p))
			plain = false;
	if (plain) {
		fputs(s, f);
		return;
	}
	/* Runs of other characters in '...', each single quote as \' between
	 * them: "it's" is 'it'\''s', "'s" is \''s' (no empty '' around a
	 * quote: some word splitters, glibc's wordexp among them, take one
	 * for a word of its own). */
	if (!*s) {
		fputs("''", f);
		return;
	}
	for (const char *p = s; *p;) {
		if (*p == '\'') {
			fputs("\\'", f);
			p++;
			continue;
		}
		fputc('\'', f);
		for (; *p && *p != '\''; p++)
			fputc(*p, f);
		fputc('\'', f);
	}
}

char *cli_esc(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return strdup("?");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p == '\\')
			fputs("\\\\", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fclose(f);
	return out;
}

int cli_check_arg(const char *what, const char *s)
{
	if (!cli_has_ctrl(s))
		return 0;
	char *e = cli_esc(s);
	cli_bad("%s '%s': holds a control character; commands tdpsim writes "
		"(replay lines, job lists) are one line each, so it is not accepted",
		what, e);
	free(e);
	return -1;
}
