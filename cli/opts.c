// SPDX-License-Identifier: GPL-2.0-only
/* Shared options, config files (INI via inih) and --set. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The last --set list grown: a root for LeakSanitizer.  A run can end the
 * process from a simulated thread's own stack (the Linux MMU build's
 * kshim_host_die()), where the command's stack frame holding the list is
 * not scanned, and make check fails on any leak report. */
static char **opts_sets_root;

/* Appends a copy of "key=value" to o->sets (as many as given: there was
 * room for 256, and --seed past them failed without a word). */
static int opts_add_set(struct opts *o, const char *kv)
{
	if (o->nsets == o->cap) {
		unsigned cap = o->cap ? 2 * o->cap : 16;
		char **n = realloc(o->sets, cap * sizeof(char *));
		if (!n)
			return cli_bad("out of memory"), -1;
		o->sets = opts_sets_root = n;
		o->cap = cap;
	}
	o->sets[o->nsets] = strdup(kv);
	if (!o->sets[o->nsets])
		return cli_bad("out of memory"), -1;
	o->nsets++;
	return 0;
}

/* Takes shared option @name ("--set", ...) with its value; 0, or -1 on
 * bad input (printed). */
static int opts_take(struct opts *o, const char *name, const char *val)
{
	if (!strcmp(name, "--set")) {
		if (cli_check_arg("--set", val))
			return -1; /* it goes into replay commands */
		if (!strchr(val, '='))
			return cli_bad("--set %s: expected key=value", val), -1;
		return opts_add_set(o, val);
	}
	if (!strcmp(name, "--seed")) {
		/* Whole, however long: a cut value could parse as another. */
		char *kv = cli_fmt("sim.seed=%s", val);
		int rc = opts_add_set(o, kv);
		free(kv);
		o->seed_given = !rc;
		return rc;
	}
	if (!strcmp(name, "--config")) {
		if (cli_check_arg("--config", val))
			return -1; /* it goes into replay commands */
		o->config = val;
	} else if (!strcmp(name, "--json")) {
		o->json = val;
	} else if (!strcmp(name, "--csv")) {
		o->csv = val;
	} else {
		o->log = val;
	}
	return 0;
}

static const char *const shared_opts[] = {
	"--set", "--config", "--json", "--seed", "--log", "--csv", NULL,
};

/* ------------------------------------------------------ the one scanner */

void cli_scan_init(struct cli_scan *s, const char *cmd, int argc, char **argv,
		   const struct option *own, struct opts *o)
{
	memset(s, 0, sizeof(*s));
	s->cmd = cmd;
	s->argc = argc;
	s->argv = argv;
	s->o = o;
	size_t n = 0;
	for (; own && own[n].name && n < CLI_SCAN_MAX - 8; n++)
		s->lo[n] = own[n];
	for (size_t k = 0; o && shared_opts[k]; k++)
		s->lo[n++] = (struct option){ shared_opts[k] + 2, required_argument,
					      NULL, CLI_OPT_SHARED };
	s->lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	/* A one-letter row is a short option too (-o FILE). */
	size_t ns = (size_t)snprintf(s->shorts, sizeof(s->shorts), "-:h");
	for (size_t k = 0; k < n; k++) {
		bool one = !s->lo[k].name[1];
		snprintf(s->names[k], sizeof(s->names[k]), "%s%s", one ? "-" : "--",
			 s->lo[k].name);
		s->known[k] = s->names[k];
		if (one && ns + 3 < sizeof(s->shorts)) {
			s->shorts[ns++] = s->lo[k].name[0];
			if (s->lo[k].has_arg == required_argument)
				s->shorts[ns++] = ':';
			s->shorts[ns] = 0;
		}
	}
	/* GNU getopt: 0 starts afresh; '-' returns operands in place (the
	 * order of the words is kept for the jobs of a campaign); ':' tells a
	 * missing value from an unknown option. */
	optind = 0;
	opterr = 0;
}

int cli_scan_next(struct cli_scan *s, const char **val)
{
	int idx = -1;
	s->start = optind ? optind : 1;
	int c = getopt_long(s->argc, s->argv, s->shorts, s->lo, &idx);
	*val = optarg;
	if (c == -1 && optind < s->argc) {
		/* After "--": operands only. */
		s->start = optind;
		*val = s->argv[optind++];
		return CLI_SCAN_ARG;
	}
	if (c == -1 || c == 1 || c == 'h')
		return c == 1 ? CLI_SCAN_ARG : c;
	for (size_t k = 0; c > 0 && c < 0x80 && s->lo[k].name; k++)
		if (!s->lo[k].name[1] && s->lo[k].name[0] == c)
			return s->lo[k].val;	/* a short option */
	const char *word = s->argv[optind - 1];
	if (c == ':')
		return cli_bad("%s: %s needs a value", s->cmd, word), CLI_SCAN_BAD;
	if (c == '?') {
		char *name = strndup(word, strcspn(word, "="));
		cli_bad("%s: unexpected argument '%s'%s (tdpsim %s --help)", s->cmd,
			word, cli_did_you_mean(name ? name : word, s->known), s->cmd);
		free(name);
		return CLI_SCAN_BAD;
	}
	if (c == CLI_OPT_SHARED && opts_take(s->o, s->names[idx], optarg))
		return CLI_SCAN_BAD;
	return c;
}

void cli_scan_words(const struct cli_scan *s, char **list, int *n)
{
	for (int i = s->start; i < optind; i++)
		list[(*n)++] = s->argv[i];
}

/* A config file is read whole, at most this many bytes: --config /dev/zero
 * (or any huge file) must end, with a message. */
enum { CONFIG_MAX = 1 << 20 };

/* Debian's inih is built without INI_HANDLER_LINENO, so the line number
 * comes from a reader that counts the lines it hands to the parser; it
 * hands them out of the file's text, read and checked beforehand. */
struct ini_ctx {
	struct params *p;
	const char *path;
	const char *text, *end, *pos;
	unsigned lineno;
	char err[600];
	bool failed;
};

/* fgets() over the text: up to @size - 1 bytes, through a newline. */
static char *ini_read(char *buf, int size, void *user)
{
	struct ini_ctx *c = user;
	if (c->pos == c->end || size < 2)
		return NULL;
	size_t n = 0;
	while (c->pos < c->end && n < (size_t)size - 1) {
		char ch = *c->pos++;
		buf[n++] = ch;
		if (ch == '\n')
			break;
	}
	buf[n] = 0;
	c->lineno++;
	return buf;
}

static int ini_cb(void *user, const char *section, const char *name,
		  const char *value)
{
	struct ini_ctx *c = user;
	char key[160], err[256];
	if (section && *section)
		snprintf(key, sizeof(key), "%s.%s", section, name);
	else
		snprintf(key, sizeof(key), "%s", name);
	if (params_set(c->p, key, value, err, sizeof(err))) {
		snprintf(c->err, sizeof(c->err), "%s:%u: %s", c->path, c->lineno, err);
		c->failed = true;
		return 0;
	}
	return 1;
}

/* Reads @path whole into a malloc'd buffer: a regular file of at most
 * CONFIG_MAX bytes (a FIFO, a device or a folder is not a config file). */
static char *config_read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cli_bad("%s: cannot open config file (%s)", path,
			       strerror(errno)), NULL;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_bad("%s: not a regular file: not a config file", path), NULL;
	}
	char *buf = malloc(CONFIG_MAX + 1);
	size_t n = 0;
	ssize_t got = 1;
	while (buf && n <= CONFIG_MAX &&
	       (got = read(fd, buf + n, CONFIG_MAX + 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (!buf || got < 0) {
		free(buf);
		return cli_bad("%s: cannot read config file", path), NULL;
	}
	if (n > CONFIG_MAX) {
		free(buf);
		return cli_bad("%s: larger than %d bytes: not a config file", path,
			       CONFIG_MAX), NULL;
	}
	*len = n;
	return buf;
}

int config_load(struct params *p, const char *path)
{
	size_t len;
	char *text = config_read(path, &len);
	if (!text)
		return -1;
	/* inih stops a line at a NUL and skips the rest of it quietly. */
	const char *nul = memchr(text, 0, len);
	if (nul) {
		unsigned line = 1;
		for (const char *q = text; q < nul; q++)
			line += *q == '\n';
		free(text);
		return cli_bad("%s:%u: a NUL byte: not a text file", path, line), -1;
	}
	struct ini_ctx c = { .p = p, .path = path, .text = text, .end = text + len,
			     .pos = text };
	int rc = ini_parse_stream(ini_read, &c, ini_cb, &c);
	free(text);
	if (c.failed) {
		/* The message may quote the file's bytes: escape them. */
		char *e = cli_esc(c.err);
		cli_bad("%s", e);
		free(e);
		return -1;
	}
	if (rc > 0)
		return cli_bad("%s:%d: not a 'key = value' line", path, rc), -1;
	if (rc < 0)
		return cli_bad("%s: cannot read config file", path), -1;
	return 0;
}

int opts_apply(struct opts *o)
{
	char err[256];
	if (o->config && config_load(&o->p, o->config))
		return -1;
	for (unsigned i = 0; i < o->nsets; i++) {
		char *eq = strchr(o->sets[i], '=');
		*eq = 0;
		int rc = params_set(&o->p, o->sets[i], eq + 1, err, sizeof(err));
		*eq = '=';
		if (rc) {
			cli_bad("--set %s: %s", o->sets[i], err);
			return -1;
		}
	}
	if (params_validate(&o->p, err, sizeof(err)) ||
	    cli_params_check(&o->p, err, sizeof(err))) {
		cli_bad("%s", err);
		return -1;
	}
	return 0;
}

void opts_free(struct opts *o)
{
	for (unsigned i = 0; i < o->nsets; i++)
		free(o->sets[i]);
	if (opts_sets_root == o->sets)
		opts_sets_root = NULL;
	free(o->sets);
	o->sets = NULL;
	o->nsets = o->cap = 0;
}

static char did_you_mean_buf[200];

static const char *suggestion(const char *best)
{
	if (!best)
		return "";
	snprintf(did_you_mean_buf, sizeof(did_you_mean_buf), " (did you mean '%s'?)", best);
	return did_you_mean_buf;
}

static const char *list_next(void *ctx, size_t i)
{
	return ((const char *const *)ctx)[i];
}

const char *cli_did_you_mean(const char *word, const char *const *candidates)
{
	return suggestion(sim_nearest(word, list_next, (void *)candidates));
}

static const char *scenario_next(void *ctx, size_t i)
{
	(void)ctx;
	return i < scenario_count() ? scenario_get(i)->name : NULL;
}

const char *cli_did_you_mean_scenario(const char *name)
{
	return suggestion(sim_nearest(name, scenario_next, NULL));
}
