/* Shared options, config files (INI via inih) and --set. */
#include "cli/cli.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>

int opts_parse_one(struct opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(a, "--set") || !strcmp(a, "--config") ||
	    !strcmp(a, "--json") || !strcmp(a, "--seed") || !strcmp(a, "--log")) {
		if (!val) {
			cli_bad("%s needs a value", a);
			return -1;
		}
		(*i)++;
	} else {
		return 0;
	}
	if (!strcmp(a, "--set")) {
		if (cli_check_arg("--set", val))
			return -1; /* it goes into replay commands */
		if (!strchr(val, '=')) {
			cli_bad("--set %s: expected key=value", val);
			return -1;
		}
		if (o->nsets == sizeof(o->sets) / sizeof(o->sets[0])) {
			cli_bad("too many --set options");
			return -1;
		}
		o->sets[o->nsets++] = strdup(val);
	} else if (!strcmp(a, "--seed")) {
		char buf[64];
		snprintf(buf, sizeof(buf), "sim.seed=%s", val);
		if (o->nsets == sizeof(o->sets) / sizeof(o->sets[0]))
			return -1;
		o->sets[o->nsets++] = strdup(buf);
		o->seed_given = true;
	} else if (!strcmp(a, "--config")) {
		if (cli_check_arg("--config", val))
			return -1; /* it goes into replay commands */
		o->config = val;
	} else if (!strcmp(a, "--json")) {
		o->json = val;
	} else {
		o->log = val;
	}
	return 1;
}

/* Debian's inih is built without INI_HANDLER_LINENO, so the line number
 * comes from a reader that counts the lines it hands to the parser. */
struct ini_ctx {
	struct params *p;
	const char *path;
	FILE *f;
	int lineno;
	char err[300];
	bool failed;
};

static char *ini_read(char *buf, int size, void *user)
{
	struct ini_ctx *c = user;
	char *r = fgets(buf, size, c->f);
	if (r)
		c->lineno++;
	return r;
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
		snprintf(c->err, sizeof(c->err), "%s:%d: %s", c->path, c->lineno, err);
		c->failed = true;
		return 0;
	}
	return 1;
}

int config_load(struct params *p, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return cli_bad("%s: cannot open config file", path), -1;
	struct ini_ctx c = { .p = p, .path = path, .f = f };
	int rc = ini_parse_stream(ini_read, &c, ini_cb, &c);
	fclose(f);
	if (c.failed)
		return cli_bad("%s", c.err), -1;
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
	o->nsets = 0;
}
