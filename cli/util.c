// SPDX-License-Identifier: GPL-2.0-only
/* Small helpers every command shares: memory, strings, numbers, folders,
 * the clock, the configuration as JSON. */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_bad(const char *fmt, ...)
{
	va_list ap;
	fputs("tdpsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BADINPUT;
}

void *cli_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("tdpsim: out of memory\n", stderr);
		exit(EXIT_BADINPUT);
	}
	return p;
}

char *cli_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("tdpsim: out of memory\n", stderr);
		exit(EXIT_BADINPUT);
	}
	return s;
}

char *cli_self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return strdup("tdpsim");
	buf[n] = 0;
	return strdup(buf);
}

int cli_parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	/* Each end as every number of the program: decimal or 0x hex. */
	const char *dots = strstr(s, "..");
	char first[32];
	size_t n = dots ? (size_t)(dots - s) : strlen(s);
	if (n == 0 || n >= sizeof(first))
		return -1;
	memcpy(first, s, n);
	first[n] = 0;
	if (sim_parse_u64(first, a))
		return -1;
	if (!dots) {
		*b = *a;
		return 0;
	}
	return sim_parse_u64(dots + 2, b) || *b < *a ? -1 : 0;
}

int cli_mkdirs(const char *path)
{
	char *p = strdup(path);
	int rc = 0;
	for (char *s = p + 1; *s && !rc; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (!rc && mkdir(p, 0777) && errno != EEXIST)
		rc = -1;
	struct stat st;
	if (!rc && (stat(p, &st) || !S_ISDIR(st.st_mode)))
		rc = -1;
	free(p);
	return rc;
}

json_t *cli_config_json(const struct params *p)
{
	json_t *o = json_object();
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		char buf[128];
		params_get(p, d, buf, sizeof(buf));
		json_object_set_new(o, d->key,
				    d->type == PARAM_T_U64
					    ? json_integer((json_int_t)strtoull(buf, NULL, 10))
					    : json_string(buf));
	}
	return o;
}

/* The configuration without sim.seed, canonical (sorted keys). */
char *cli_config_canon(json_t *config)
{
	json_t *c = json_copy(config);
	json_object_del(c, "sim.seed");
	char *s = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(c);
	return s ? s : strdup("");
}

char *cli_config_tag(const char *scenario, json_t *config)
{
	char *c = cli_config_canon(config);
	uint32_t h = 2166136261u;
	for (const char *p = scenario; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (const char *p = c; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	free(c);
	return cli_fmt("%08x", h);
}

double cli_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct jobs {
	const char *tdpsim, *cmd;
	char **pass;
	int npass;
	uint64_t njobs;
	void (*tail)(FILE *f, uint64_t j, void *ctx);
	void *ctx;
};

static int write_jobs(FILE *f, void *arg)
{
	const struct jobs *J = arg;
	for (uint64_t j = 0; j < J->njobs; j++) {
		cli_shquote(f, J->tdpsim);
		fprintf(f, " %s", J->cmd);
		for (int i = 0; i < J->npass; i++) {
			fputc(' ', f);
			cli_shquote(f, J->pass[i]);
		}
		J->tail(f, j, J->ctx);
		fputc('\n', f);
	}
	return 0;
}

int cli_emit_jobs(const char *file, const char *tdpsim, const char *cmd,
		  char **pass, int npass, uint64_t njobs,
		  void (*tail)(FILE *f, uint64_t j, void *ctx), void *ctx)
{
	/* One job a line: a newline in an argument would end the job there
	 * and run the rest of the line as a command of its own. */
	if (cli_check_arg("--tdpsim", tdpsim))
		return EXIT_BADINPUT;
	for (int i = 0; i < npass; i++)
		if (cli_check_arg("argument", pass[i]))
			return EXIT_BADINPUT;
	struct jobs J = { tdpsim, cmd, pass, npass, njobs, tail, ctx };
	return cli_write_file(file, NULL, write_jobs, &J) ? EXIT_BADINPUT : EXIT_OK;
}
