// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario files (.scn), the parser: text into struct scn.  Line-oriented;
 * '#' starts a comment.  The language is the three tables below —
 * directives (the first word of a line), workload kinds, and the actions of
 * scn_actions.c — and scn_grammar() prints it from them (tdpsim scenarios
 * --grammar; README's "Scenario files" holds the same text, checked by
 * tests/cli/scn_grammar.sh).  Errors name FILE:LINE.
 */
#include "scenarios/scn.h"
#include "sim/core/compiler.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *file;
	int line;
	char *err;
	size_t errlen;
};

const char scn_host_events[] =
	"writeback, reclaim, madv_dontneed, madv_free, migrate, thp_split, "
	"thp_collapse, age";
const char *const scn_ops[6] = { "==", "!=", "<", "<=", ">", ">=" };

static int perr(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int perr(struct parser *ps, const char *fmt, ...)
{
	int n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->file, ps->line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Every number of the language: decimal or 0x hex, K/M/G/T, KiB..TiB. */
static int parse_u64(const char *s, uint64_t *out)
{
	return sim_parse_size(s, out);
}

/* ", " between the names of a table, for "unknown X 'y' (a, b, c)". */
static void list_names(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", names[i]);
}

static int parse_vcpus(struct parser *ps, const char *w, unsigned *a, unsigned *b)
{
	if (!strcmp(w, "all")) {
		*a = 0;
		*b = UINT32_MAX;
		return 0;
	}
	char lo[64];
	const char *dash = strchr(w, '-');
	uint64_t x, y;
	snprintf(lo, sizeof(lo), "%.*s", dash ? (int)(dash - w) : (int)strlen(w), w);
	if (sim_parse_u64(lo, &x) || (dash ? sim_parse_u64(dash + 1, &y) : (y = x, 0)) ||
	    y < x || y > 1023)
		return perr(ps, "bad vCPU set '%s' (all, N or N-M, below 1024)", w);
	*a = (unsigned)x;
	*b = (unsigned)y;
	return 0;
}

/* ------------------------------------------------------------- workloads */

static int wl_gen(struct parser *ps, struct wl *wl, char **w, int n)
{
	wl->kind = WL_GEN;
	workload_defaults(&wl->gp);
	char e[200];
	for (int i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq)
			return perr(ps, "gen: expected KEY=VALUE, got '%s'", w[i]);
		*eq = 0;
		if (workload_set(&wl->gp, w[i], eq + 1, e, sizeof(e)))
			return perr(ps, "gen: %s", e);
	}
	struct workload_gen *g = workload_new(&wl->gp, e, sizeof(e));
	if (!g)
		return perr(ps, "gen: %s", e);
	workload_free(g);
	return 0;
}

static int wl_trace(struct parser *ps, struct wl *wl, char **w, int n)
{
	if (n != 1)
		return perr(ps, "workload trace takes one PATH");
	wl->kind = WL_TRACE;
	/* A relative path is relative to the .scn file, as an #include is to
	 * its file, not to where tdpsim runs. */
	const char *slash = strrchr(ps->file, '/');
	if (w[0][0] != '/' && slash) {
		size_t dl = (size_t)(slash - ps->file) + 1;
		wl->path = malloc(dl + strlen(w[0]) + 1);
		if (wl->path) {
			memcpy(wl->path, ps->file, dl);
			strcpy(wl->path + dl, w[0]);
		}
	} else {
		wl->path = strdup(w[0]);
	}
	return wl->path ? 0 : perr(ps, "out of memory");
}

static int wl_pages(struct parser *ps, struct wl *wl, char **w, int n)
{
	wl->kind = WL_PAGES;
	wl->passes = 1;
	wl->access = TRACE_WRITE;
	if (n < 1 || parse_u64(w[0], &wl->pages) || wl->pages == 0)
		return perr(ps, "workload pages needs a page count");
	for (int i = 1; i < n; i++) {
		if (!strcmp(w[i], "passes") && i + 1 < n) {
			if (parse_u64(w[++i], &wl->passes) || !wl->passes)
				return perr(ps, "bad passes '%s'", w[i]);
		} else if (!strcmp(w[i], "gap") && i + 1 < n) {
			if (parse_u64(w[++i], &wl->gap) || wl->gap > UINT32_MAX)
				return perr(ps, "bad gap '%s'", w[i]);
		} else if (!strcmp(w[i], "base") && i + 1 < n) {
			if (parse_u64(w[++i], &wl->base) || wl->base % 4096 ||
			    wl->base >= (UINT64_C(1) << 52))
				return perr(ps, "bad base '%s' (a 4K-aligned GPA)", w[i]);
		} else if (!strcmp(w[i], "read")) {
			wl->access = TRACE_READ;
		} else if (!strcmp(w[i], "write")) {
			wl->access = TRACE_WRITE;
		} else if (!strcmp(w[i], "fetch")) {
			wl->access = TRACE_FETCH;
		} else if (!strcmp(w[i], "procs") && i + 1 < n) {
			if (parse_u64(w[++i], &wl->procs) || !wl->procs || wl->procs > 4095)
				return perr(ps, "bad procs '%s' (1..4095)", w[i]);
		} else {
			return perr(ps, "pages: unexpected '%s' (passes N, gap G, base GPA, "
				    "read, write, fetch, procs K)", w[i]);
		}
	}
	return 0;
}

/* What a workload line runs: w[0] is the kind, its arguments follow. */
static const struct {
	const char *name, *args, *help;
	int (*parse)(struct parser *ps, struct wl *wl, char **w, int n);
} wl_kinds[] = {
	{ "pages", "N [passes P] [read|write|fetch] [gap G] [base GPA] [procs K]",
	  "N pages per vCPU, written in turn (a base at or above vm.mem: vm.rom's "
	  "read-only slot, then MMIO; procs K: K guest processes take turns, each "
	  "a MOV to CR3 and the N pages in its own address space, and process 0 "
	  "unmaps half of them after each turn: guest.pcid, guest.unmap_flush)",
	  wl_pages },
	{ "gen", "KEY=VALUE ...",
	  "a generator: pattern=zipf ws=64M writes=0.5 count=1000000 ...", wl_gen },
	{ "trace", "PATH",
	  "a trace file (any format); a relative PATH is relative to the .scn", wl_trace },
};
#define NWL_KINDS ARRAY_SIZE(wl_kinds)

static int parse_workload(struct parser *ps, struct scn *sc, char **w, int n)
{
	if (sc->nwl == MAX_ITEMS)
		return perr(ps, "too many workload lines");
	struct wl *wl = &sc->wl[sc->nwl];
	memset(wl, 0, sizeof(*wl));
	wl->line = ps->line;
	/* "start CYCLE" may follow the vCPU set. */
	if (n >= 4 && !strcmp(w[2], "start")) {
		if (parse_u64(w[3], &wl->start))
			return perr(ps, "bad start cycle '%s'", w[3]);
		/* The idle before the first access is one record gap, 32 bits:
		 * a later start cannot be represented (it was clamped). */
		if (wl->start > UINT32_MAX)
			return perr(ps, "start cycle %s: at most 4294967295", w[3]);
		for (int i = 2; i + 2 < n; i++)
			w[i] = w[i + 2];
		n -= 2;
	}
	if (n < 3)
		return perr(ps, "workload needs VCPUS [start CYCLE] gen|trace|pages");
	if (parse_vcpus(ps, w[1], &wl->first, &wl->last))
		return -1;
	for (size_t k = 0; k < NWL_KINDS; k++) {
		if (strcmp(w[2], wl_kinds[k].name))
			continue;
		if (wl_kinds[k].parse(ps, wl, w + 3, n - 3))
			return -1;
		sc->nwl++;
		return 0;
	}
	const char *names[NWL_KINDS];
	char list[128];
	for (size_t k = 0; k < NWL_KINDS; k++)
		names[k] = wl_kinds[k].name;
	list_names(list, sizeof(list), names, NWL_KINDS);
	return perr(ps, "unknown workload kind '%s' (%s)", w[2], list);
}

/* --------------------------------------------------------------- actions */

static int parse_on_off(const char *w, uint64_t *out)
{
	if (strcmp(w, "on") && strcmp(w, "off"))
		return -1;
	*out = !strcmp(w, "on");
	return 0;
}

/* @w: the action's arguments, read as its row's args say (scn.h). */
static int action_args(struct action *a, const char *args, char **w, int n)
{
	char spec[64];
	int i = 0;
	unsigned filled = 0;
	snprintf(spec, sizeof(spec), "%s", args);
	for (char *t = strtok(spec, " "); t; t = strtok(NULL, " "), i++) {
		uint64_t v;
		if (i == n)
			return -1;
		if (!strcmp(t, "EVENT")) {
			if (host_event_kind_parse(w[i], &a->host_kind))
				return -1;
			continue;
		}
		if (!strcmp(t, "on|off") ? parse_on_off(w[i], &v)
					 : parse_u64(w[i], &v) || (!strcmp(t, "LEN") && !v))
			return -1;
		*(filled++ ? &a->b : &a->a) = v;
	}
	return i == n ? 0 : -1;
}

static int parse_action(struct parser *ps, struct scn *sc, char **w, int n,
			bool after, cycles_t at)
{
	if (sc->nact == MAX_ITEMS)
		return perr(ps, "too many actions");
	struct action *a = &sc->act[sc->nact];
	memset(a, 0, sizeof(*a));
	a->after_guest = after;
	a->at = at;
	a->line = ps->line;
	if (n >= 2 && !strcmp(w[0], "phase")) {
		if (strlen(w[1]) >= sizeof(a->phase))
			return perr(ps, "phase name too long");
		snprintf(a->phase, sizeof(a->phase), "%s", w[1]);
		w += 2;
		n -= 2;
	}
	if (n < 1)
		return perr(ps, "missing action");
	for (unsigned k = 0; k < ACT_COUNT; k++) {
		const struct scn_action_def *d = &scn_actions[k];
		if (strcmp(w[0], d->name))
			continue;
		a->kind = (enum scn_act)k;
		if (action_args(a, d->args, w + 1, n - 1)) {
			if (!d->args[0])
				return perr(ps, "%s takes no argument", d->name);
			if (strstr(d->args, "EVENT"))
				return perr(ps, "%s takes %s (events: %s)", d->name,
					    d->args, scn_host_events);
			return perr(ps, "%s takes %s", d->name, d->args);
		}
		sc->nact++;
		return 0;
	}
	const char *names[ACT_COUNT];
	char list[512];
	for (unsigned k = 0; k < ACT_COUNT; k++)
		names[k] = scn_actions[k].name;
	list_names(list, sizeof(list), names, ACT_COUNT);
	return perr(ps, "unknown action '%s' (%s)", w[0], list);
}

/* ------------------------------------------------------------ directives */

static int parse_set(struct parser *ps, struct scn *sc, char **w, int n)
{
	if (n < 2)
		return perr(ps, "set needs KEY=VALUE");
	for (int i = 1; i < n; i++) {
		char *eq = strchr(w[i], '=');
		struct params p;
		char e[256];
		params_defaults(&p);
		if (!eq)
			return perr(ps, "set: expected KEY=VALUE, got '%s'", w[i]);
		*eq = 0;
		if (params_set(&p, w[i], eq + 1, e, sizeof(e)))
			return perr(ps, "%s", e);
		*eq = '=';
		if (sc->nsets == MAX_ITEMS)
			return perr(ps, "too many set lines");
		sc->sets[sc->nsets++] = strdup(w[i]);
	}
	return 0;
}

static int parse_at(struct parser *ps, struct scn *sc, char **w, int n)
{
	uint64_t at;
	if (n < 3 || parse_u64(w[1], &at))
		return perr(ps, "at needs CYCLE ACTION");
	return parse_action(ps, sc, w + 2, n - 2, false, at);
}

static int parse_after_guest(struct parser *ps, struct scn *sc, char **w, int n)
{
	return parse_action(ps, sc, w + 1, n - 1, true, 0);
}

static int parse_elf(struct parser *ps, struct scn *sc, char **w, int n)
{
	if (n < 2 || n > 3 || (n == 3 && parse_u64(w[2], &sc->elf_base)))
		return perr(ps, "elf takes PATH [BASE] (BASE: a PIE program's load "
			    "address)");
	free(sc->elf);
	sc->elf = strdup(w[1]);
	return 0;
}

static int parse_host_event(struct parser *ps, struct scn *sc, char **w, int n)
{
	if (sc->nhev == MAX_ITEMS)
		return perr(ps, "too many host-event lines");
	struct host_event *ev = &sc->hev[sc->nhev];
	uint64_t at, k = 0;
	if ((n != 5 && n != 7) || parse_u64(w[1], &at) ||
	    host_event_kind_parse(w[2], &ev->kind) ||
	    parse_u64(w[3], &ev->hva) || parse_u64(w[4], &ev->len) || !ev->len ||
	    (n == 7 && (strcmp(w[5], "kthread") || parse_u64(w[6], &k) ||
			k >= MAX_KTHREADS)))
		return perr(ps, "host-event takes CYCLE EVENT GPA LEN [kthread 0-7] "
			    "(events: %s)", scn_host_events);
	/* Each kthread's lines run in order: they must not go back in time. */
	for (unsigned i = sc->nhev; i-- > 0;)
		if (sc->hev_kthread[i] == k) {
			if (at < sc->hev[i].at)
				return perr(ps, "host events of kthread %llu go back "
					    "in time", (unsigned long long)k);
			break;
		}
	ev->at = at;
	sc->hev_kthread[sc->nhev++] = (unsigned char)k;
	return 0;
}

/* host-events random N [start CYCLE] [mean CYCLES] [kinds K,...] [range GPA LEN] */
static int parse_host_random(struct parser *ps, struct scn *sc, char **w, int n)
{
	static const char usage[] =
		"host-events takes random N [start CYCLE] [mean CYCLES] "
		"[kinds EVENT,EVENT,...] [range GPA LEN]";
	if (sc->nhrand == MAX_KTHREADS)
		return perr(ps, "too many host-events lines (at most %d)", MAX_KTHREADS);
	struct hev_random *hr = &sc->hrand[sc->nhrand];
	*hr = (struct hev_random){ .mean = 100000, .kinds = HOST_EV_ALL,
				   .line = ps->line };
	if (n < 3 || strcmp(w[1], "random") || parse_u64(w[2], &hr->n) ||
	    hr->n == 0 || hr->n > 1000000)
		return perr(ps, "%s; N is 1..1000000", usage);
	for (int i = 3; i < n;) {
		if (!strcmp(w[i], "start") && i + 1 < n && !parse_u64(w[i + 1], &hr->start)) {
			i += 2;
		} else if (!strcmp(w[i], "mean") && i + 1 < n &&
			   !parse_u64(w[i + 1], &hr->mean)) {
			i += 2;
		} else if (!strcmp(w[i], "range") && i + 2 < n &&
			   !parse_u64(w[i + 1], &hr->gpa) &&
			   !parse_u64(w[i + 2], &hr->len) && hr->len &&
			   hr->gpa % 4096 == 0 && hr->len % 4096 == 0) {
			i += 3;
		} else if (!strcmp(w[i], "kinds") && i + 1 < n) {
			char buf[256];
			snprintf(buf, sizeof(buf), "%s", w[i + 1]);
			hr->kinds = 0;
			for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
				enum host_event_kind k;
				if (host_event_kind_parse(t, &k))
					return perr(ps, "host-events: unknown event '%s' "
						    "(events: %s)", t, scn_host_events);
				hr->kinds |= HOST_EV_MASK(k);
			}
			if (!hr->kinds)
				return perr(ps, "host-events: kinds names no event "
					    "(events: %s)", scn_host_events);
			i += 2;
		} else {
			return perr(ps, "%s; a range is 4 KiB aligned", usage);
		}
	}
	sc->nhrand++;
	return 0;
}

/* "if KEY=VALUE[,...]": the keys and values must be real ones. */
static int parse_cond(struct parser *ps, struct expect *e, const char *cond)
{
	if (strlen(cond) >= sizeof(e->cond))
		return perr(ps, "expect if: the condition is %zu characters, at most %zu",
			    strlen(cond), sizeof(e->cond) - 1);
	snprintf(e->cond, sizeof(e->cond), "%s", cond);
	struct params p;
	params_defaults(&p);
	char buf[160], err[256];
	snprintf(buf, sizeof(buf), "%s", e->cond);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return perr(ps, "expect if: expected KEY=VALUE, got '%s'", tok);
		*eq = 0;
		if (params_set(&p, tok, eq + 1, err, sizeof(err)))
			return perr(ps, "expect if: %s", err);
	}
	return 0;
}

static int parse_expect(struct parser *ps, struct scn *sc, char **w, int n)
{
	if (sc->nex == MAX_ITEMS)
		return perr(ps, "too many expectations");
	struct expect *e = &sc->ex[sc->nex];
	memset(e, 0, sizeof(*e));
	e->line = ps->line;
	int i = 1;
	if (i < n && !strcmp(w[i], "if")) {
		if (i + 1 >= n)
			return perr(ps, "expect if needs KEY=VALUE");
		if (parse_cond(ps, e, w[i + 1]))
			return -1;
		i += 2;
	}
	if (i < n && !strcmp(w[i], "no-violation") && i + 1 == n) {
		e->kind = EX_NO_VIOLATION;
	} else if (i < n && !strcmp(w[i], "violation") && i + 2 == n) {
		e->kind = EX_VIOLATION;
		int k;
		for (k = 0; k < CHECK_NKINDS; k++)
			if (!strcmp(check_kind_name((enum check_kind)k), w[i + 1]))
				break;
		if (k == CHECK_NKINDS)
			return perr(ps, "unknown violation kind '%s'", w[i + 1]);
		e->vkind = (enum check_kind)k;
	} else if (i + 3 == n) {
		e->kind = EX_STAT;
		snprintf(e->stat, sizeof(e->stat), "%s", w[i]);
		unsigned o;
		for (o = 0; o < 6; o++)
			if (!strcmp(w[i + 1], scn_ops[o]))
				break;
		if (o == 6)
			return perr(ps, "bad operator '%s' (== != < <= > >=)", w[i + 1]);
		e->op = (enum ex_op)o;
		if (parse_u64(w[i + 2], &e->value))
			return perr(ps, "bad value '%s'", w[i + 2]);
	} else {
		return perr(ps, "expect: STAT OP VALUE, violation KIND or no-violation");
	}
	sc->nex++;
	return 0;
}

/* The first word of a line.  "summary" takes the rest of its line as it
 * is, before the line is split into words (parse NULL). */
static const struct {
	const char *name, *args, *help;
	int (*parse)(struct parser *ps, struct scn *sc, char **w, int n);
} directives[] = {
	{ "summary", "TEXT", "one line for tdpsim scenarios", NULL },
	{ "set", "KEY=VALUE ...",
	  "machine, VM, policies (before the user's --set)", parse_set },
	{ "workload", "VCPUS [start CYCLE] KIND ...",
	  "what the vCPUs run (KIND: below); VCPUS is all, N or N-M", parse_workload },
	{ "at", "CYCLE [phase NAME] ACTION ...",
	  "the timeline, on the VMM thread (ACTION: below; a phase records the "
	  "deltas of the key counters across it as phase.NAME.* stats)", parse_at },
	{ "after-guest", "[phase NAME] ACTION ...", "once every vCPU is done",
	  parse_after_guest },
	{ "host-event", "CYCLE EVENT GPA LEN [kthread K]",
	  "on host kthread K (0-7, default 0; each runs its lines in order)",
	  parse_host_event },
	{ "host-events", "random N [start CYCLE] [mean GAP] [kinds EVENT,...] "
	  "[range GPA LEN]",
	  "N events drawn from sim.seed (each explore seed another sequence), on "
	  "a kthread of their own; gaps uniform around mean (default 100000), "
	  "kinds default all, range default all RAM", parse_host_random },
	{ "elf", "PATH [BASE]",
	  "the traced program: its segments mapped with their permissions "
	  "before the run (BASE: a PIE program's load address)", parse_elf },
	{ "expect", "[if KEY=VALUE[,...]] STAT OP N",
	  "OP: == != < <= > >=; or, instead of STAT OP N, "
	  "violation KIND (at least one) or no-violation", parse_expect },
};
#define NDIRECTIVES ARRAY_SIZE(directives)

/* ---------------------------------------------------------------- grammar */

/* snprintf at @used of @buf (NULL when @len is 0: only counting);
 * returns the new length. */
static size_t gput(char *buf, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t gput(char *buf, size_t len, size_t used, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
			  fmt, ap);
	va_end(ap);
	return used + (n > 0 ? (size_t)n : 0);
}

/* One entry: "WORDS" padded to a column, then its help, filled to 80
 * columns (the words go on a line of their own when they reach it). */
static size_t grammar_entry(char *buf, size_t len, size_t used, const char *words,
			    const char *help)
{
	enum { COL = 36, WIDTH = 80 };
	const char *lead = words;
	if (strlen(words) + 1 > COL) {
		used = gput(buf, len, used, "%s\n", words);
		lead = "";
	}
	for (const char *h = help; *h;) {
		/* As many words as fit in WIDTH - COL columns. */
		size_t l = 0, fit = 0;
		while (h[l]) {
			size_t w = strcspn(h + l, " \n");
			if (fit && l + w > WIDTH - COL)
				break;
			fit = l + w;
			l = fit + (h[fit] != 0);
		}
		used = gput(buf, len, used, "%-*s%.*s\n", COL, lead, (int)fit, h);
		lead = "";
		h += l;
	}
	return used;
}

size_t scn_grammar(char *buf, size_t len)
{
	char words[256];
	size_t used = 0;
	for (size_t i = 0; i < NDIRECTIVES; i++) {
		snprintf(words, sizeof(words), "%s %s", directives[i].name,
			 directives[i].args);
		used = grammar_entry(buf, len, used, words, directives[i].help);
	}
	used = gput(buf, len, used, "\nKIND (workload):\n");
	for (size_t i = 0; i < NWL_KINDS; i++) {
		snprintf(words, sizeof(words), "  %s %s", wl_kinds[i].name, wl_kinds[i].args);
		used = grammar_entry(buf, len, used, words, wl_kinds[i].help);
	}
	used = gput(buf, len, used, "\nACTION (at, after-guest):\n");
	for (unsigned i = 0; i < ACT_COUNT; i++) {
		snprintf(words, sizeof(words), "  %s%s%s", scn_actions[i].name,
			 scn_actions[i].args[0] ? " " : "", scn_actions[i].args);
		used = grammar_entry(buf, len, used, words, scn_actions[i].help);
	}
	used = gput(buf, len, used, "\n");
	used = grammar_entry(buf, len, used, "EVENT", scn_host_events);
	used = grammar_entry(buf, len, used, "numbers",
			     "decimal or 0x hex; sizes and addresses take K/M/G/T "
			     "or KiB..TiB; addresses are guest-physical (the VMM "
			     "maps them to its hva)");
	used = grammar_entry(buf, len, used, "#", "starts a comment");
	return used;
}

/* --------------------------------------------------------------- the file */

static int split_words(char *line, char **w)
{
	int n = 0;
	for (char *p = line; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

/* "summary TEXT": the rest of the line, verbatim.  1 if @t is one. */
static int parse_summary(struct scn *sc, const char *t)
{
	while (isspace((unsigned char)*t))
		t++;
	if (strncmp(t, "summary", 7) || (t[7] && !isspace((unsigned char)t[7])))
		return 0;
	t += 7;
	while (isspace((unsigned char)*t))
		t++;
	free(sc->summary);
	sc->summary = strdup(t);
	return 1;
}

/* One line, split into words and handed to its directive. */
static int parse_line(struct parser *ps, struct scn *sc, char *line)
{
	if (parse_summary(sc, line))
		return 0;
	char *w[MAX_WORDS];
	int n = split_words(line, w);
	if (n < 0)
		return perr(ps, "more than %d words", MAX_WORDS);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < NDIRECTIVES; i++)
		if (directives[i].parse && !strcmp(w[0], directives[i].name))
			return directives[i].parse(ps, sc, w, n);
	const char *names[NDIRECTIVES];
	char list[256];
	for (size_t i = 0; i < NDIRECTIVES; i++)
		names[i] = directives[i].name;
	list_names(list, sizeof(list), names, NDIRECTIVES);
	return perr(ps, "unknown directive '%s' (%s)", w[0], list);
}

/* The whole file is read; then what no single line can tell. */
static int check_whole(struct parser *ps, struct scn *sc)
{
	if (sc->nwl == 0) {
		snprintf(ps->err, ps->errlen, "%s: no workload line: nothing would run",
			 ps->file);
		return -1;
	}
	for (unsigned i = 1; i < sc->nact; i++)
		if (!sc->act[i].after_guest && !sc->act[i - 1].after_guest &&
		    sc->act[i].at < sc->act[i - 1].at) {
			ps->line = sc->act[i].line;
			return perr(ps, "timeline goes back in time (at %llu after at %llu)",
				    (unsigned long long)sc->act[i].at,
				    (unsigned long long)sc->act[i - 1].at);
		}
	return 0;
}

static const char *base_name(const char *file)
{
	const char *b = strrchr(file, '/');
	return b ? b + 1 : file;
}

struct scn *scn_parse(const char *file, const char *text, size_t len,
		      char *err, size_t errlen)
{
	struct parser ps = { .file = file, .err = err, .errlen = errlen };
	struct scn *sc = calloc(1, sizeof(*sc));
	if (!sc) {
		snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	sc->file = strdup(file);
	char name[256];
	snprintf(name, sizeof(name), "%s", base_name(file));
	char *dot = strstr(name, ".scn");
	if (dot)
		*dot = 0;
	sc->name = strdup(name);

	char line[4096];
	for (size_t pos = 0, end; pos < len; pos = end + 1) {
		end = pos;
		while (end < len && text[end] != '\n')
			end++;
		ps.line++;
		if (memchr(text + pos, 0, end - pos)) {
			perr(&ps, "NUL byte in scenario text");
			goto bad;
		}
		if (end - pos >= sizeof(line)) {
			perr(&ps, "line longer than %zu bytes", sizeof(line) - 1);
			goto bad;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = 0;
		if (parse_line(&ps, sc, line))
			goto bad;
	}
	if (check_whole(&ps, sc))
		goto bad;
	return sc;
bad:
	scn_free(sc);
	return NULL;
}

void scn_free(struct scn *sc)
{
	if (!sc)
		return;
	for (unsigned i = 0; i < sc->nsets; i++)
		free(sc->sets[i]);
	for (unsigned i = 0; i < sc->nwl; i++)
		free(sc->wl[i].path);
	free(sc->file);
	free(sc->elf);
	free(sc->name);
	free(sc->summary);
	free(sc);
}
