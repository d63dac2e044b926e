// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario files (.scn): a machine, a VM, policies, per-vCPU workloads, a
 * timeline of host and VMM events, and expectations.  Line-oriented; '#'
 * starts a comment.  README.md (Scenario files) has the whole grammar.
 *
 *   summary TEXT
 *   set KEY=VALUE [KEY=VALUE ...]            params, before the user's --set
 *   workload VCPUS gen KEY=VALUE ...          a generator (workloads/)
 *   workload VCPUS trace PATH                 a trace file (any format; a relative
 *                                             PATH is relative to the .scn file)
 *   workload VCPUS pages N [passes P] [read|write|fetch] [gap G] [base GPA]
 *                          [procs K]          K guest processes in turn, with
 *                                             MOV CR3 and munmap flushes
 *                                             (guest.pcid, guest.unmap_flush)
 *   at CYCLE ACTION ARGS...                   timeline, on the VMM thread
 *   host-events random N [start CYCLE] [mean CYCLES] [kinds K,K,...]
 *               [range GPA LEN]               N events drawn from sim.seed, on a
 *                                             kthread of their own (gaps uniform
 *                                             around mean, default 100000; kinds
 *                                             default all; range default all RAM)
 *   host-event CYCLE EVENT GPA LEN [kthread K]   on host kthread K (0-7, default
 *                                             0; one kthread runs its lines in order)
 *   after-guest ACTION ARGS...                once every vCPU is done
 *   expect [if KEY=VALUE[,KEY=VALUE]] STAT OP VALUE     OP: == != < <= > >=
 *   expect [if ...] violation KIND            at least one of KIND
 *   expect [if ...] no-violation
 *
 * VCPUS is "all", "N" or "N-M".  Addresses in actions are guest-physical
 * (the VMM maps them to its hva); sizes take K/M/G suffixes.
 */
#include "scenarios/feed.h"
#include "scenarios/vm.h"
#include "scenarios/vmm.h"
#include "workloads/workload.h"

#include <ctype.h>

#define unlikely(x) __builtin_expect(!!(x), 0)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 256
#define MAX_KTHREADS 8
#define MAX_WORDS 32

enum scn_act {
	ACT_LOG_DIRTY,      /* on|off: slot 0 KVM_MEM_LOG_DIRTY_PAGES */
	ACT_ZAP_ALL_FAST,   /* kvm_mmu_zap_all_fast (memslot delete/move path) */
	ACT_MIGRATE_VCPU,   /* vcpu N to pcpu P at its next preemption point */
	ACT_SMM,            /* vcpu N enters (1) or leaves (0) SMM */
	ACT_GET_DIRTY_LOG,  /* one KVM_GET_DIRTY_LOG of slot 0 (harvest) */
	ACT_STOP_GUESTS,    /* every vCPU returns to the VMM and stops */
	ACT_MEMSLOT_REPLACE,/* delete slot 0, free its memory, re-add it on new memory */
	ACT_PAUSE_GUESTS,   /* vCPUs leave KVM_RUN and wait in the VMM */
	ACT_RESUME_GUESTS,
	ACT_HOST,           /* a host kernel event, run by the VMM thread itself */
	ACT_LIVE_MIGRATE,   /* vmm_live_migrate: the guest is stopped after it */
	ACT_RING_HARVEST,   /* reap every vCPU's dirty ring, reset the rings */
	ACT_WRITE_TRACK,    /* GPA on|off: kvm_write_track_{add,remove}_gfn */
	ACT_RING_ORDER,     /* reap every ring, counting entries that go back */
};

struct action {
	enum scn_act kind;
	enum host_event_kind host_kind; /* ACT_HOST */
	char phase[32];   /* counters measured across the action, or "" */
	bool after_guest;
	cycles_t at;
	uint64_t a, b;
	int line;
};

enum wl_kind { WL_GEN, WL_TRACE, WL_PAGES };
struct wl {
	enum wl_kind kind;
	unsigned first, last;
	cycles_t start;       /* its first access no earlier than this cycle */
	struct workload_params gp;
	char *path;
	uint64_t pages, passes, gap;
	uint64_t procs;       /* WL_PAGES: guest processes (0: no CR3 writes) */
	uint64_t base;        /* WL_PAGES: GPA of the first page; at or above
				 vm.mem the pages are vm.rom's read-only slot,
				 then MMIO (no memslot) */
	uint8_t access;
	int line;
};

enum ex_kind { EX_STAT, EX_VIOLATION, EX_NO_VIOLATION };
enum ex_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
struct expect {
	enum ex_kind kind;
	char cond[160];   /* "key=value,key=value" or "" */
	char stat[96];
	enum ex_op op;
	uint64_t value;
	enum check_kind vkind;
	int line;
};

struct scn {
	char *file;
	char *elf;        /* "elf PATH [BASE]": the replayed program's segments */
	uint64_t elf_base; /* where a PIE program was loaded (its load bias) */
	char *name;
	char *summary;
	char *sets[MAX_ITEMS + 1];
	unsigned nsets;
	struct wl wl[MAX_ITEMS];
	unsigned nwl;
	struct action act[MAX_ITEMS];
	unsigned nact;
	struct expect ex[MAX_ITEMS];
	unsigned nex;
	/* host-event lines: run by host kthreads (hev_kthread[i] of them),
	 * concurrently with the VMM thread's timeline and with each other
	 * (hva filled in at build: GPA + the slot's hva). */
	struct host_event hev[MAX_ITEMS];
	unsigned char hev_kthread[MAX_ITEMS];
	unsigned nhev;
	/* host-events random lines: each its own kthread. */
	struct hev_random {
		uint64_t n, start, mean, gpa, len; /* len 0: all of vm.mem */
		unsigned kinds;
		int line;
	} hrand[MAX_KTHREADS];
	unsigned nhrand;
};


/* ----------------------------------------------------------------- parse */

struct parser {
	const char *file;
	int line;
	char *err;
	size_t errlen;
};

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

static int parse_u64(const char *s, uint64_t *out)
{
	return workload_parse_size(s, out);
}

static int parse_vcpus(struct parser *ps, const char *w, unsigned *a, unsigned *b)
{
	char *end;
	if (!strcmp(w, "all")) {
		*a = 0;
		*b = UINT32_MAX;
		return 0;
	}
	errno = 0;
	unsigned long x = strtoul(w, &end, 10);
	unsigned long y = x;
	if (*end == '-')
		y = strtoul(end + 1, &end, 10);
	if (errno || *end || end == w || y < x || y > 1023)
		return perr(ps, "bad vCPU set '%s' (all, N or N-M, below 1024)", w);
	*a = (unsigned)x;
	*b = (unsigned)y;
	return 0;
}

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
	if (!strcmp(w[2], "gen")) {
		wl->kind = WL_GEN;
		workload_defaults(&wl->gp);
		for (int i = 3; i < n; i++) {
			char *eq = strchr(w[i], '=');
			char e[200];
			if (!eq)
				return perr(ps, "gen: expected KEY=VALUE, got '%s'", w[i]);
			*eq = 0;
			if (workload_set(&wl->gp, w[i], eq + 1, e, sizeof(e)))
				return perr(ps, "gen: %s", e);
		}
		char e[200];
		struct workload_gen *g = workload_new(&wl->gp, e, sizeof(e));
		if (!g)
			return perr(ps, "gen: %s", e);
		workload_free(g);
	} else if (!strcmp(w[2], "trace")) {
		if (n != 4)
			return perr(ps, "workload trace takes one PATH");
		wl->kind = WL_TRACE;
		/* A relative path is relative to the .scn file, as an
		 * #include is to its file, not to where tdpsim runs. */
		const char *slash = strrchr(ps->file, '/');
		if (w[3][0] != '/' && slash) {
			size_t dl = (size_t)(slash - ps->file) + 1;
			wl->path = malloc(dl + strlen(w[3]) + 1);
			if (wl->path) {
				memcpy(wl->path, ps->file, dl);
				strcpy(wl->path + dl, w[3]);
			}
		} else {
			wl->path = strdup(w[3]);
		}
		if (!wl->path)
			return perr(ps, "out of memory");
	} else if (!strcmp(w[2], "pages")) {
		wl->kind = WL_PAGES;
		wl->passes = 1;
		wl->access = TRACE_WRITE;
		if (n < 4 || parse_u64(w[3], &wl->pages) || wl->pages == 0)
			return perr(ps, "workload pages needs a page count");
		for (int i = 4; i < n; i++) {
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
				if (parse_u64(w[++i], &wl->procs) || !wl->procs ||
				    wl->procs > 4095)
					return perr(ps, "bad procs '%s' (1..4095)", w[i]);
			} else {
				return perr(ps, "pages: unexpected '%s' (passes N, gap G, base GPA, "
					    "read, write, fetch, procs K)", w[i]);
			}
		}
	} else {
		return perr(ps, "unknown workload kind '%s' (gen, trace or pages)", w[2]);
	}
	sc->nwl++;
	return 0;
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
	const char *k = w[0];
	if (!strcmp(k, "log-dirty")) {
		if (n != 2 || (strcmp(w[1], "on") && strcmp(w[1], "off")))
			return perr(ps, "log-dirty takes on or off");
		a->kind = ACT_LOG_DIRTY;
		a->a = !strcmp(w[1], "on");
	} else if (!strcmp(k, "zap-all-fast")) {
		if (n != 1)
			return perr(ps, "zap-all-fast takes no argument");
		a->kind = ACT_ZAP_ALL_FAST;
	} else if (!strcmp(k, "migrate-vcpu")) {
		if (n != 3 || parse_u64(w[1], &a->a) || parse_u64(w[2], &a->b))
			return perr(ps, "migrate-vcpu takes VCPU PCPU");
		a->kind = ACT_MIGRATE_VCPU;
	} else if (!strcmp(k, "smm")) {
		if (n != 3 || parse_u64(w[1], &a->a) ||
		    (strcmp(w[2], "on") && strcmp(w[2], "off")))
			return perr(ps, "smm takes VCPU on|off");
		a->kind = ACT_SMM;
		a->b = !strcmp(w[2], "on");
	} else if (!strcmp(k, "get-dirty-log")) {
		if (n != 1)
			return perr(ps, "get-dirty-log takes no argument");
		a->kind = ACT_GET_DIRTY_LOG;
	} else if (!strcmp(k, "stop-guests")) {
		if (n != 1)
			return perr(ps, "stop-guests takes no argument");
		a->kind = ACT_STOP_GUESTS;
	} else if (!strcmp(k, "pause-guests") || !strcmp(k, "resume-guests")) {
		if (n != 1)
			return perr(ps, "%s takes no argument", k);
		a->kind = k[0] == 'p' ? ACT_PAUSE_GUESTS : ACT_RESUME_GUESTS;
	} else if (!strcmp(k, "memslot-replace")) {
		if (n != 1)
			return perr(ps, "memslot-replace takes no argument");
		a->kind = ACT_MEMSLOT_REPLACE;
	} else if (!strcmp(k, "host")) {
		if (n != 4 || host_event_kind_parse(w[1], &a->host_kind) ||
		    parse_u64(w[2], &a->a) || parse_u64(w[3], &a->b) || !a->b)
			return perr(ps, "host takes EVENT GPA LEN (events: writeback, "
				    "reclaim, madv_dontneed, madv_free, migrate, "
				    "thp_split, thp_collapse, age)");
		a->kind = ACT_HOST;
	} else if (!strcmp(k, "live-migrate")) {
		if (n != 1)
			return perr(ps, "live-migrate takes no argument (vmm.* keys "
				    "set its threshold and rounds)");
		a->kind = ACT_LIVE_MIGRATE;
	} else if (!strcmp(k, "dirty-ring-harvest")) {
		if (n != 1)
			return perr(ps, "dirty-ring-harvest takes no argument");
		a->kind = ACT_RING_HARVEST;
	} else if (!strcmp(k, "write-track")) {
		if (n != 3 || parse_u64(w[1], &a->a) ||
		    (strcmp(w[2], "on") && strcmp(w[2], "off")))
			return perr(ps, "write-track takes GPA on|off");
		a->kind = ACT_WRITE_TRACK;
		a->b = !strcmp(w[2], "on");
	} else if (!strcmp(k, "dirty-ring-order")) {
		if (n != 1)
			return perr(ps, "dirty-ring-order takes no argument");
		a->kind = ACT_RING_ORDER;
	} else {
		return perr(ps, "unknown action '%s' (log-dirty, zap-all-fast, "
			    "migrate-vcpu, smm, get-dirty-log, stop-guests, "
			    "memslot-replace, host, live-migrate, "
			    "dirty-ring-harvest, write-track, dirty-ring-order)", k);
	}
	sc->nact++;
	return 0;
}

/* host-events random N [start CYCLE] [mean CYCLES] [kinds K,...] [range GPA LEN] */
static int parse_host_random(struct parser *ps, struct scn *sc, char **w, int n)
{
	static const char usage[] =
		"host-events takes random N [start CYCLE] [mean CYCLES] "
		"[kinds EVENT,EVENT,...] [range GPA LEN]";
	static const char events[] =
		"events: writeback, reclaim, madv_dontneed, madv_free, migrate, "
		"thp_split, thp_collapse, age";
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
					return perr(ps, "host-events: unknown event '%s' (%s)",
						    t, events);
				hr->kinds |= HOST_EV_MASK(k);
			}
			if (!hr->kinds)
				return perr(ps, "host-events: kinds names no event (%s)",
					    events);
			i += 2;
		} else {
			return perr(ps, "%s; a range is 4 KiB aligned", usage);
		}
	}
	sc->nhrand++;
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
		if (strlen(w[i + 1]) >= sizeof(e->cond))
			return perr(ps, "expect if: the condition is %zu characters, "
				    "at most %zu", strlen(w[i + 1]), sizeof(e->cond) - 1);
		snprintf(e->cond, sizeof(e->cond), "%s", w[i + 1]);
		/* Check the condition names real keys and values now. */
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
		static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
		e->kind = EX_STAT;
		snprintf(e->stat, sizeof(e->stat), "%s", w[i]);
		unsigned o;
		for (o = 0; o < 6; o++)
			if (!strcmp(w[i + 1], ops[o]))
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

	size_t pos = 0;
	char line[4096];
	while (pos < len) {
		size_t end = pos;
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
		pos = end + 1;

		/* summary takes the rest of the line verbatim. */
		char *t = line;
		while (isspace((unsigned char)*t))
			t++;
		if (!strncmp(t, "summary", 7) && (!t[7] || isspace((unsigned char)t[7]))) {
			t += 7;
			while (isspace((unsigned char)*t))
				t++;
			free(sc->summary);
			sc->summary = strdup(t);
			continue;
		}
		char *w[MAX_WORDS];
		int n = split_words(line, w);
		if (n < 0) {
			perr(&ps, "more than %d words", MAX_WORDS);
			goto bad;
		}
		if (n == 0)
			continue;
		int rc = 0;
		if (0) {
		} else if (!strcmp(w[0], "set")) {
			if (n < 2)
				rc = perr(&ps, "set needs KEY=VALUE");
			for (int i = 1; i < n && !rc; i++) {
				char *eq = strchr(w[i], '=');
				struct params p;
				char e[256];
				params_defaults(&p);
				if (!eq) {
					rc = perr(&ps, "set: expected KEY=VALUE, got '%s'", w[i]);
					break;
				}
				*eq = 0;
				if (params_set(&p, w[i], eq + 1, e, sizeof(e))) {
					rc = perr(&ps, "%s", e);
					break;
				}
				*eq = '=';
				if (sc->nsets == MAX_ITEMS) {
					rc = perr(&ps, "too many set lines");
					break;
				}
				sc->sets[sc->nsets++] = strdup(w[i]);
			}
		} else if (!strcmp(w[0], "workload")) {
			rc = parse_workload(&ps, sc, w, n);
		} else if (!strcmp(w[0], "at")) {
			uint64_t at;
			if (n < 3 || parse_u64(w[1], &at))
				rc = perr(&ps, "at needs CYCLE ACTION");
			else
				rc = parse_action(&ps, sc, w + 2, n - 2, false, at);
		} else if (!strcmp(w[0], "elf")) {
			if (n < 2 || n > 3 || (n == 3 && parse_u64(w[2], &sc->elf_base)))
				rc = perr(&ps, "elf takes PATH [BASE] (BASE: a PIE "
					  "program's load address)");
			else {
				free(sc->elf);
				sc->elf = strdup(w[1]);
			}
		} else if (!strcmp(w[0], "host-events")) {
			rc = parse_host_random(&ps, sc, w, n);
		} else if (!strcmp(w[0], "host-event")) {
			struct host_event *ev = &sc->hev[sc->nhev];
			uint64_t at, k = 0;
			if (sc->nhev == MAX_ITEMS)
				rc = perr(&ps, "too many host-event lines");
			else if ((n != 5 && n != 7) || parse_u64(w[1], &at) ||
				 host_event_kind_parse(w[2], &ev->kind) ||
				 parse_u64(w[3], &ev->hva) || parse_u64(w[4], &ev->len) ||
				 !ev->len ||
				 (n == 7 && (strcmp(w[5], "kthread") ||
					     parse_u64(w[6], &k) || k >= MAX_KTHREADS)))
				rc = perr(&ps, "host-event takes CYCLE EVENT GPA LEN [kthread "
					  "0-7] (events: writeback, reclaim, madv_dontneed, "
					  "madv_free, migrate, thp_split, thp_collapse, age)");
			else {
				/* Each kthread's lines run in order: they must not
				 * go back in time. */
				for (unsigned i = sc->nhev; i-- > 0 && !rc;)
					if (sc->hev_kthread[i] == k) {
						if (at < sc->hev[i].at)
							rc = perr(&ps, "host events of kthread %llu "
								  "go back in time",
								  (unsigned long long)k);
						break;
					}
				if (!rc) {
					ev->at = at;
					sc->hev_kthread[sc->nhev++] = (unsigned char)k;
				}
			}
		} else if (!strcmp(w[0], "after-guest")) {
			rc = parse_action(&ps, sc, w + 1, n - 1, true, 0);
		} else if (!strcmp(w[0], "expect")) {
			rc = parse_expect(&ps, sc, w, n);
		} else {
			rc = perr(&ps, "unknown directive '%s' (summary, set, workload, at, "
				  "host-event, after-guest, expect)", w[0]);
		}
		if (rc)
			goto bad;
	}
	if (sc->nwl == 0) {
		ps.line = 0;
		snprintf(err, errlen, "%s: no workload line: nothing would run", file);
		goto bad;
	}
	for (unsigned i = 1; i < sc->nact; i++)
		if (!sc->act[i].after_guest && !sc->act[i - 1].after_guest &&
		    sc->act[i].at < sc->act[i - 1].at) {
			ps.line = sc->act[i].line;
			perr(&ps, "timeline goes back in time (at %llu after at %llu)",
			     (unsigned long long)sc->act[i].at,
			     (unsigned long long)sc->act[i - 1].at);
			goto bad;
		}
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

/* --------------------------------------------------------------- execute */

/* One vCPU's stream: the workload lines that cover it, in file order.
 * Generator and trace lines are read through their line's feed (one
 * decode for all the line's vCPUs; this vCPU is its rank-th). */
struct stream {
	struct wl *segs[16];
	unsigned nsegs, seg;
	bool started;               /* the current segment's start applied */
	struct wl *wl;
	struct feed *feed;          /* WL_GEN, WL_TRACE: the line's feed */
	uint64_t next;              /* WL_PAGES: accesses handed out */
	unsigned rank;              /* index among the line's vCPUs */
	uint32_t aspace;            /* its process: the trace's address-space
				       id (FORMAT.md, ASPACES), else 0 */
};

struct scn_run {
	struct vm vm;
	struct run *run;
	uint64_t handed, next_report; /* accesses handed out, for progress */
	const struct scn *sc;
	const struct params *params;
	/* Phase counters: deltas of a few stats across a named action. */
	struct phase {
		char name[32];
		uint64_t v[9];
	} phases[16];
	unsigned nphases;
	struct stream *streams;
	unsigned nstreams;
	struct feed **feeds;        /* per workload line, while open */
	bool bad;
	char err[256];
	u64 *bitmap;
	uint64_t ring_inversions;   /* stat ring.order_inversions */
};

static int open_segment(struct scn_run *sr, struct stream *st, unsigned nv,
			char *err, size_t errlen);

/* @st is done with its current segment's feed: the last of the line's
 * vCPUs to leave closes it. */
static void leave_feed(struct scn_run *sr, struct stream *st)
{
	if (!st->feed)
		return;
	if (feed_leave(st->feed, st->rank))
		sr->feeds[st->wl - sr->sc->wl] = NULL;
	st->feed = NULL;
}

/* The next segment of @st, opened; false when there is none. */
static bool next_segment(struct scn_run *sr, struct stream *st)
{
	leave_feed(sr, st);
	if (++st->seg >= st->nsegs) {
		st->wl = NULL;
		return false;
	}
	char err[256];
	if (open_segment(sr, st, sr->nstreams, err, sizeof(err))) {
		sr->bad = true;
		snprintf(sr->err, sizeof(sr->err), "%s", err);
		st->wl = NULL;
		return false;
	}
	return true;
}

static long fill_segment(struct scn_run *sr, unsigned idx, struct trace_rec *recs,
			 size_t max);

static long source_records(struct scn_run *sr, unsigned idx,
			   struct trace_rec *recs, size_t max);

static long source(void *ctx, unsigned idx, struct trace_rec *recs, size_t max)
{
	struct scn_run *sr = ctx;
	long n = source_records(sr, idx, recs, max);
	if (n > 0 && sr->run->progress) {
		sr->handed += (uint64_t)n;
		if (sr->handed >= sr->next_report) {
			sr->next_report = sr->handed + (1u << 20);
			sr->run->progress(sr->run->progress_ctx, sr->handed);
		}
	}
	return n;
}

static long source_records(struct scn_run *sr, unsigned idx,
			   struct trace_rec *recs, size_t max)
{
	struct stream *st = &sr->streams[idx];
	for (;;) {
		if (!st->wl)
			return 0;
		long n = fill_segment(sr, idx, recs, max);
		if (n < 0)
			return n;
		if (n > 0) {
			/* A segment that starts later: the guest idles first. */
			if (!st->started) {
				st->started = true;
				cycles_t now = sim_now(machine_sim(sr->vm.m));
				if (st->wl->start > now) {
					uint64_t g = recs[0].gap + (st->wl->start - now);
					recs[0].gap = g > UINT32_MAX ? UINT32_MAX : (uint32_t)g;
				}
			}
			return n;
		}
		if (!next_segment(sr, st))
			return sr->bad ? -1 : 0;
	}
}

/* A record of a vCPU the workload line has no vCPU for: it would be
 * dropped, and the run would look complete without it. */
static long line_vcpus_bad(struct scn_run *sr, const struct wl *wl,
			   unsigned vcpu, unsigned nline)
{
	sr->bad = true;
	snprintf(sr->err, sizeof(sr->err),
		 "%s: a record of vCPU %u, but %s:%d runs the %s on %u vCPU%s "
		 "(cpu.vcpus=%u): its records would be dropped",
		 wl->kind == WL_TRACE ? wl->path : "generator", vcpu,
		 sr->sc->file, wl->line, wl->kind == WL_TRACE ? "trace" : "generator",
		 nline, nline == 1 ? "" : "s", sr->nstreams);
	return -1;
}

/*
 * 'pages N ... procs K': each pass runs K guest processes in turn on the
 * vCPU, each in its own address space at the same addresses: a MOV to CR3
 * (guest.pcid), then its N pages.  After each of its turns process 0
 * unmaps the first half of them (at least one page) the guest.unmap_flush
 * way.  The records of one pass, from @j:
 *	process 0	CR3, N accesses, U unmap records
 *	process k > 0	CR3, N accesses
 */
static uint64_t pages_unmap_recs(const struct wl *wl, const struct params *p)
{
	switch (p->guest_unmap_flush) {
	case GUEST_UNMAP_NONE:
		return 0;
	case GUEST_UNMAP_INVLPG:
	case GUEST_UNMAP_INVPCID_ADDR:
	case GUEST_UNMAP_INVLPGA:
		return wl->pages / 2 ? wl->pages / 2 : 1;
	default:
		return 1;
	}
}

static uint64_t pages_pass_recs(const struct wl *wl, const struct params *p)
{
	if (!wl->procs)
		return wl->pages;
	return wl->procs * (wl->pages + 1) + pages_unmap_recs(wl, p);
}

/* Record @j of a pass of @wl for vCPU rank @rank: an access (the page in
 * *@page) or a guest TLB invalidation (kind and operand in @r). */
static bool pages_proc_rec(const struct wl *wl, const struct params *p,
			   uint64_t j, uint64_t *page, struct trace_rec *r)
{
	static const uint8_t unmap_kind[] = {
		[GUEST_UNMAP_INVLPG] = TRACE_INVLPG,
		[GUEST_UNMAP_INVPCID_ADDR] = TRACE_INVPCID_ADDR,
		[GUEST_UNMAP_INVPCID_CTX] = TRACE_INVPCID_CTX,
		[GUEST_UNMAP_INVPCID_ALL] = TRACE_INVPCID_ALL,
		[GUEST_UNMAP_INVPCID_ALL_NONGLOBAL] = TRACE_INVPCID_ALL_NONGLOBAL,
		[GUEST_UNMAP_INVLPGA] = TRACE_INVLPGA,
	};
	const uint64_t u = pages_unmap_recs(wl, p), turn = wl->pages + 1;
	uint64_t k = 0;
	if (j >= turn + u) {
		k = 1 + (j - turn - u) / turn;
		j = (j - turn - u) % turn;
	}
	bool pcid = p->guest_pcid == GUEST_PCID_ON;
	uint64_t my_pcid = pcid ? k + 1 : 0;
	if (j == 0) {
		r->kind = TRACE_MOV_CR3;
		r->addr = (k << 12) | my_pcid | (pcid ? TRACE_CR3_NOFLUSH : 0);
		return false;
	}
	if (j <= wl->pages) {
		*page = j - 1;
		return true;
	}
	/* Process 0's munmap: page j - N - 1 of the first half, or all. */
	r->kind = unmap_kind[p->guest_unmap_flush];
	*page = j - wl->pages - 1;
	return true;
}

static long fill_segment(struct scn_run *sr, unsigned idx, struct trace_rec *recs,
			 size_t max)
{
	struct stream *st = &sr->streams[idx];
	struct wl *wl = st->wl;
	size_t n = 0;
	if (wl->kind == WL_PAGES) {
		const struct params *p = sr->params;
		const uint64_t per_pass = pages_pass_recs(wl, p);
		while (n < max && st->next < per_pass * wl->passes) {
			uint64_t j = st->next++ % per_pass, page = j;
			uint64_t base = (uint64_t)st->rank * wl->pages;
			struct trace_rec r = {
				.kind = wl->access, .size = 8, .vcpu = (uint16_t)idx,
				.gap = (uint32_t)wl->gap,
			};
			bool at_page = !wl->procs || pages_proc_rec(wl, p, j, &page, &r);
			uint64_t va = wl->base + (base + page) * 4096 + 8 * (st->rank % 512);
			if (trace_is_flush(r.kind)) {
				/* Only process 0 unmaps: its PCID is 1 (0 without). */
				const uint64_t pcid0 = p->guest_pcid == GUEST_PCID_ON;
				r.size = 1;
				r.gap = 0;
				if (r.kind == TRACE_INVPCID_ADDR)
					r.addr = (va & ~UINT64_C(0xfff)) | pcid0;
				else if (r.kind == TRACE_INVPCID_CTX)
					r.addr = pcid0;
				else if (at_page)
					r.addr = va;
			} else {
				r.addr = va;
			}
			recs[n++] = r;
		}
		return (long)n;
	}
	/* Generators and traces interleave vCPUs: the line's feed deals
	 * this vCPU its records (record vCPU k belongs to the line's k-th
	 * vCPU). */
	uint64_t limit = sr->params->guest_paging == GUEST_PAGING_NONE
				 ? sr->params->vm_mem : UINT64_MAX;
	unsigned nline = (wl->last == UINT32_MAX ? sr->nstreams - 1 : wl->last) -
			 wl->first + 1;
	long got = feed_read(st->feed, st->rank, recs, max);
	if (got < 0) {
		if (feed_bad_vcpu(st->feed) != UINT32_MAX)
			return line_vcpus_bad(sr, wl, feed_bad_vcpu(st->feed), nline);
		sr->bad = true;
		snprintf(sr->err, sizeof(sr->err), "%s", feed_error(st->feed));
		return -1;
	}
	/* Only the bounds need a look — a close one only within a largest
	 * access of the limit. */
	const uint64_t near = limit > TRACE_MAX_SIZE ? limit - TRACE_MAX_SIZE : 0;
	for (long k = 0; k < got; k++) {
		const struct trace_rec *r = &recs[k];
		/* A guest TLB invalidation's operand is no access. */
		if (r->addr < near || trace_is_flush(r->kind) ||
		    (r->addr < limit && r->addr + r->size <= limit))
			continue;
		sr->bad = true;
		snprintf(sr->err, sizeof(sr->err),
			 "%s: address %#llx is beyond vm.mem (%llu bytes); "
			 "with guest.paging=none addresses are GPAs (--set "
			 "guest.paging=4level for virtual addresses)",
			 wl->kind == WL_TRACE ? wl->path : "generator",
			 (unsigned long long)r->addr,
			 (unsigned long long)sr->params->vm_mem);
		return -1;
	}
	return got;
}

/* What a phase measures: deltas across its action, as phase.NAME.STAT, and
 * the VMM thread's own cycles as phase.NAME.cycles. */
static const char *const phase_stats[] = {
	"folio.mark_dirty", "folio.mark_dirty.zap", "folio.mark_dirty.map",
	"lock.mmu_lock.write_hold_cycles", "lock.mmu_lock.read_hold_cycles",
	"lock.mmu_lock.wait_cycles", "tlb.flushes", "ipi.sent",
};
#define NPHASE_STATS (sizeof(phase_stats) / sizeof(phase_stats[0]))

static void do_action(struct scn_run *sr, const struct action *a);

static void run_action(struct scn_run *sr, const struct action *a)
{
	struct sim *s = machine_sim(sr->vm.m);
	if (!a->phase[0] || sr->nphases == 16) {
		do_action(sr, a);
		return;
	}
	struct stats *st = sim_stats(s);
	struct phase *ph = &sr->phases[sr->nphases++];
	uint64_t before[NPHASE_STATS];
	snprintf(ph->name, sizeof(ph->name), "%s", a->phase);
	for (unsigned i = 0; i < NPHASE_STATS; i++)
		if (stats_get(st, phase_stats[i], &before[i]))
			before[i] = 0;
	cycles_t t0 = sim_now(s);
	do_action(sr, a);
	for (unsigned i = 0; i < NPHASE_STATS; i++) {
		uint64_t after = 0;
		stats_get(st, phase_stats[i], &after);
		ph->v[i] = after - before[i];
		char name[128];
		snprintf(name, sizeof(name), "phase.%s.%s", ph->name, phase_stats[i]);
		stats_counter(st, name, &ph->v[i]);
	}
	ph->v[NPHASE_STATS] = sim_now(s) - t0;
	char name[128];
	snprintf(name, sizeof(name), "phase.%s.cycles", ph->name);
	stats_counter(st, name, &ph->v[NPHASE_STATS]);
}

/*
 * The VMM's KVM_SET_VCPU_EVENTS changing a vCPU's SMM state: a vCPU ioctl,
 * so it runs while that vCPU is outside KVM_RUN (vcpu->mutex).  The vCPU is
 * made to return to userspace and wait there first, as QEMU's run_on_cpu
 * does; resetting its MMU context while it runs would pull the root from
 * under its fault handler.
 */
static void set_smm(struct vm *vm, unsigned idx, bool on)
{
	struct sim *s = machine_sim(vm->m);
	struct sim_thread *t = vcpu_thread(machine_vcpu(vm->m, idx));
	bool was_paused = vm->paused;

	vm->paused = true;
	kvm_vcpu_kick_to_user(kvm_get_vcpu(vm->kvm, idx));
	for (;;) {
		bool out = sim_thread_done(t);
		for (unsigned i = 0; i < vm->npaused && !out; i++)
			out = vm->paused_threads[i] == t;
		if (out)
			break;
		sim_sleep_until(s, SIM_ACCT_WAIT, sim_now(s) + 200);
	}
	kvm_vcpu_set_smm(kvm_get_vcpu(vm->kvm, idx), on);
	if (!was_paused)
		vm_resume_guests(vm);
}

/*
 * dirty-ring-order: what dirty_log_test checks of a ring (E13) — a vCPU's
 * entries come in the order its pages were dirtied.  For a guest writing
 * ascending GPAs that is ascending offsets, so every entry below the one
 * before it in the same ring counts as an inversion.
 */
struct ring_order {
	u64 last;
	bool any;
	uint64_t inversions;
	/* The RAM gfns reaped, for the reset's write protection. */
	uint64_t *gfns;
	size_t n, cap;
};

static void ring_order_gfn(void *arg, u32 slot, u64 offset)
{
	struct ring_order *o = arg;
	if (o->any && offset < o->last)
		o->inversions++;
	o->last = offset;
	o->any = true;
	if (slot != 0)		/* address space 0, slot 0: the RAM */
		return;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 512;
		uint64_t *g = realloc(o->gfns, cap * sizeof(*g));
		if (!g)
			return;	/* that page goes unpromised: no false report */
		o->gfns = g;
		o->cap = cap;
	}
	o->gfns[o->n++] = offset;
}

static void do_action(struct scn_run *sr, const struct action *a)
{
	struct vm *vm = &sr->vm;
	struct sim *s = machine_sim(vm->m);
	sim_log(s, "action", a->kind, a->a, a->b);
	switch (a->kind) {
	case ACT_LOG_DIRTY:
		vm_set_logging(vm, a->a != 0);
		break;
	case ACT_ZAP_ALL_FAST:
		kvm_mmu_zap_all_fast(vm->kvm);
		break;
	case ACT_MIGRATE_VCPU:
		if (a->a < machine_nvcpus(vm->m))
			vcpu_migrate(machine_vcpu(vm->m, (unsigned)a->a), (unsigned)a->b);
		break;
	case ACT_SMM:
		if (a->a < machine_nvcpus(vm->m))
			set_smm(vm, (unsigned)a->a, a->b);
		break;
	case ACT_GET_DIRTY_LOG:
		vm_get_dirty_log(vm, sr->bitmap);
		break;
	case ACT_STOP_GUESTS:
		vm_stop_guests(vm);
		break;
	case ACT_MEMSLOT_REPLACE:
		vm_memslot_replace(vm);
		break;
	case ACT_PAUSE_GUESTS:
		vm_pause_guests(vm);
		break;
	case ACT_RESUME_GUESTS:
		vm_resume_guests(vm);
		break;
	case ACT_HOST: {
		struct host_event ev = {
			.at = sim_now(s), .kind = a->host_kind,
			.hva = vm->hva + a->a, .len = a->b,
		};
		host_event_run(vm->host, &ev);
		break;
	}
	case ACT_LIVE_MIGRATE:
		vmm_live_migrate(vm);
		break;
	case ACT_RING_HARVEST:
		vmm_dirty_ring_reap(vm);
		break;
	case ACT_RING_ORDER: {
		struct ring_order o = { 0 };
		for (unsigned i = 0; i < machine_nvcpus(vm->m); i++) {
			o.any = false;
			o.inversions = 0;
			kvm_dirty_ring_harvest(kvm_get_vcpu(vm->kvm, i), ring_order_gfn, &o);
			sr->ring_inversions += o.inversions;
		}
		/* The reset re-protects what was reaped (with write-protect
		 * logging): the stale-permission oracle holds KVM to it. */
		vm_reset_dirty_rings(vm, o.gfns, o.n);
		free(o.gfns);
		break;
	}
	case ACT_WRITE_TRACK:
		/* A host driver write-protecting a guest page it shadows
		 * (KVMGT's guest GTT pages; the shadow MMU's guest page
		 * tables): every guest write to the gfn must exit. */
		vm_write_track(vm, a->a, a->b != 0);
		break;
	}
}

/* The VMM thread: the timeline, then what happens after the guest. */
static void driver(struct sim *s, void *arg)
{
	struct scn_run *sr = arg;
	const struct scn *sc = sr->sc;
	for (unsigned i = 0; i < sc->nact; i++) {
		if (sc->act[i].after_guest)
			continue;
		sim_sleep_until(s, SIM_ACCT_SLEEP, sc->act[i].at);
		run_action(sr, &sc->act[i]);
	}
	vm_wait_guests(&sr->vm);
	for (unsigned i = 0; i < sc->nact; i++)
		if (sc->act[i].after_guest)
			run_action(sr, &sc->act[i]);
}

static int open_segment(struct scn_run *sr, struct stream *st, unsigned nv,
			char *err, size_t errlen)
{
	const struct params *p = sr->params;
	struct wl *wl = st->segs[st->seg];
	unsigned v = (unsigned)(st - sr->streams);
	unsigned last = wl->last == UINT32_MAX ? nv - 1 : wl->last;
	st->wl = wl;
	st->rank = v - wl->first;
	st->next = 0;
	st->started = false;
	if (wl->kind == WL_GEN || wl->kind == WL_TRACE) {
		/* The first of the line's vCPUs to get here opens its feed. */
		struct feed **fp = &sr->feeds[wl - sr->sc->wl];
		if (!*fp) {
			struct feed_src src = {
				.path = wl->kind == WL_TRACE ? wl->path : NULL,
				.gen = &wl->gp, .nline = last - wl->first + 1,
			};
			char why[512];

			*fp = feed_open(&src, why, sizeof(why));
			if (!*fp) {
				snprintf(err, errlen, "%s:%d: %s", sr->sc->file, wl->line, why);
				return -1;
			}
		}
		st->feed = *fp;
		/* Its process: one for the whole VM unless the trace names
		 * one per vCPU.  A vCPU keeps its process across lines (the
		 * minimal guest OS does not switch contexts). */
		const uint32_t *as = feed_aspaces(st->feed);
		uint32_t aspace = as && st->rank < feed_meta(st->feed)->nr_vcpus
					  ? as[st->rank] : 0;
		if (st->seg == 0) {
			st->aspace = aspace;
		} else if (aspace != st->aspace) {
			snprintf(err, errlen, "%s:%d: vCPU %u would move from address "
				 "space %u to %u (a context switch, not modelled)",
				 sr->sc->file, wl->line, v, st->aspace, aspace);
			return -1;
		}
		uint64_t lo, hi;
		if (wl->kind == WL_GEN) {
			workload_span(feed_gen(st->feed), &lo, &hi);
			if (hi > p->vm_mem && p->guest_paging == GUEST_PAGING_NONE) {
				snprintf(err, errlen, "%s:%d: the workload reaches GPA %#llx, "
					 "beyond vm.mem (%llu bytes)", sr->sc->file, wl->line,
					 (unsigned long long)hi, (unsigned long long)p->vm_mem);
				return -1;
			}
		}
	} else if (wl->procs && (p->guest_paging == GUEST_PAGING_NONE ||
				 (p->guest_unmap_flush == GUEST_UNMAP_INVLPGA &&
				  p->cpu_vendor != VENDOR_AMD))) {
		snprintf(err, errlen, "%s:%d: procs needs %s", sr->sc->file, wl->line,
			 p->guest_paging == GUEST_PAGING_NONE
				 ? "guest paging (guest.paging=4level or 5level)"
				 : "cpu.vendor=amd with guest.unmap_flush=invlpga "
				   "(INVLPGA is AMD's)");
		return -1;
	} else if (wl->base < p->vm_mem &&
		   wl->base + (uint64_t)(st->rank + 1) * wl->pages * 4096 > p->vm_mem &&
		   p->guest_paging == GUEST_PAGING_NONE) {
		/* Pages based at or above vm.mem are MMIO on purpose; from
		 * inside the memslot they must stay inside it. */
		snprintf(err, errlen, "%s:%d: %llu pages per vCPU do not fit in "
			 "vm.mem (%llu bytes)", sr->sc->file, wl->line,
			 (unsigned long long)wl->pages, (unsigned long long)p->vm_mem);
		return -1;
	}
	return 0;
}

/* A host-events random line: its events, drawn from the run's seed (and
 * the line's index, so two lines differ), on a kthread of their own. */
static int spawn_host_random(struct scn_run *sr, const struct hev_random *hr,
			     unsigned idx, char *err, size_t errlen)
{
	const struct params *p = sr->params;
	uint64_t gpa = hr->gpa, len = hr->len ? hr->len : p->vm_mem;
	if (gpa >= p->vm_mem || len > p->vm_mem - gpa) {
		snprintf(err, errlen, "%s:%d: host-events range %#llx+%#llx is "
			 "beyond vm.mem (%llu bytes)", sr->sc->file, hr->line,
			 (unsigned long long)gpa, (unsigned long long)len,
			 (unsigned long long)p->vm_mem);
		return -1;
	}
	struct host_event *ev = calloc(hr->n, sizeof(*ev));
	if (!ev) {
		snprintf(err, errlen, "%s:%d: out of memory for %llu host events",
			 sr->sc->file, hr->line, (unsigned long long)hr->n);
		return -1;
	}
	int rc = host_events_random(p->sim_seed * MAX_KTHREADS + idx,
				    sr->vm.hva + gpa, len, hr->start, hr->mean,
				    hr->kinds, ev, hr->n);
	if (rc == 0 && !host_events_spawn(sr->vm.host, ev, hr->n, SIM_THREAD_DAEMON)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else if (rc) {
		snprintf(err, errlen, "%s:%d: host-events: cannot draw events "
			 "over that range", sr->sc->file, hr->line);
	}
	free(ev);
	return rc ? -1 : 0;
}

static int build(struct run *r, char *err, size_t errlen)
{
	const struct scn *sc = r->sc->scn;
	struct scn_run *sr = calloc(1, sizeof(*sr));
	if (!sr)
		return -1;
	r->priv = sr;
	sr->run = r;
	sr->next_report = 1u << 20;
	sr->sc = sc;
	sr->params = &r->p;
	unsigned nv = (unsigned)r->p.cpu_vcpus;
	if (nv == 0 || nv > 1024) {
		snprintf(err, errlen, "cpu.vcpus: %u is not in 1..1024", nv);
		return -1;
	}
	sr->streams = calloc(nv, sizeof(*sr->streams));
	sr->feeds = calloc(sc->nwl ? sc->nwl : 1, sizeof(*sr->feeds));
	sr->bitmap = calloc((r->p.vm_mem / 4096 + 63) / 64 + 1, sizeof(u64));
	if (!sr->streams || !sr->feeds || !sr->bitmap)
		return -1;
	sr->nstreams = nv;
	for (unsigned i = 0; i < sc->nact; i++)
		if (sc->act[i].kind == ACT_RING_ORDER) {
			stats_counter(sim_stats(r->sim), "ring.order_inversions",
				      &sr->ring_inversions);
			break;
		}
	/* A workload line or an action on a vCPU (or pCPU) the machine does
	 * not have would silently do nothing. */
	for (unsigned i = 0; i < sc->nwl; i++) {
		const struct wl *wl = &sc->wl[i];
		if (wl->last == UINT32_MAX || wl->last < nv)
			continue;
		if (wl->first == wl->last)
			snprintf(err, errlen, "%s:%d: a workload on vCPU %u, but "
				 "cpu.vcpus=%u (vCPUs 0..%u)", sc->file, wl->line,
				 wl->first, nv, nv - 1);
		else
			snprintf(err, errlen, "%s:%d: a workload on vCPUs %u-%u, but "
				 "cpu.vcpus=%u (vCPUs 0..%u)", sc->file, wl->line,
				 wl->first, wl->last, nv, nv - 1);
		return -1;
	}
	for (unsigned i = 0; i < sc->nact; i++) {
		const struct action *a = &sc->act[i];
		if ((a->kind == ACT_MIGRATE_VCPU || a->kind == ACT_SMM) && a->a >= nv) {
			snprintf(err, errlen, "%s:%d: vCPU %llu, but cpu.vcpus=%u "
				 "(vCPUs 0..%u)", sc->file, a->line,
				 (unsigned long long)a->a, nv, nv - 1);
			return -1;
		}
		if (a->kind == ACT_MIGRATE_VCPU && a->b >= r->p.cpu_pcpus) {
			snprintf(err, errlen, "%s:%d: pCPU %llu, but cpu.pcpus=%llu "
				 "(pCPUs 0..%llu)", sc->file, a->line,
				 (unsigned long long)a->b,
				 (unsigned long long)r->p.cpu_pcpus,
				 (unsigned long long)r->p.cpu_pcpus - 1);
			return -1;
		}
	}
	for (unsigned v = 0; v < nv; v++) {
		struct stream *st = &sr->streams[v];
		for (unsigned i = 0; i < sc->nwl; i++) {
			struct wl *wl = (struct wl *)&sc->wl[i];
			unsigned last = wl->last == UINT32_MAX ? nv - 1 : wl->last;
			if (v < wl->first || v > last)
				continue;
			if (st->nsegs == sizeof(st->segs) / sizeof(st->segs[0])) {
				snprintf(err, errlen, "%s:%d: more than 16 workload lines "
					 "for vCPU %u", sc->file, wl->line, v);
				return -1;
			}
			st->segs[st->nsegs++] = wl;
		}
		if (st->nsegs && open_segment(sr, st, nv, err, errlen))
			return -1;
	}
	if (vm_create(r, &sr->vm, err, errlen))
		return -1;
	/* Guest address spaces: vCPUs of one process share one; they are
	 * numbered in order of first use. */
	unsigned *dense = calloc(nv, sizeof(*dense));
	if (!dense)
		return -1;
	for (unsigned v = 0, n = 0; v < nv; v++) {
		unsigned k = 0;
		while (k < v && sr->streams[k].aspace != sr->streams[v].aspace)
			k++;
		dense[v] = k < v ? dense[k] : n++;
		vcpu_set_aspace(machine_vcpu(sr->vm.m, v), dense[v]);
	}
	free(dense);
	if (sc->elf) {
		struct trace_seg *segs;
		size_t nsegs;
		if (trace_elf_segments(sc->elf, &segs, &nsegs, err, errlen))
			return -1;
		for (size_t i = 0; i < nsegs; i++) {
			segs[i].start += sc->elf_base;
			segs[i].end += sc->elf_base;
		}
		int rc = machine_set_guest_segments(sr->vm.m, segs, nsegs);
		free(segs);
		if (rc)
			return -1;
	}
	if (vm_start(&sr->vm, source, sr))
		return -1;
	for (unsigned k = 0; k < MAX_KTHREADS; k++) {
		/* The kernel's own activity: daemons, so they never keep a
		 * finished guest's run alive. */
		struct host_event ev[MAX_ITEMS];
		size_t n = 0;
		for (unsigned i = 0; i < sc->nhev; i++) {
			if (sc->hev_kthread[i] != k)
				continue;
			ev[n] = sc->hev[i];
			ev[n++].hva += sr->vm.hva;
		}
		if (n && !host_events_spawn(sr->vm.host, ev, n, SIM_THREAD_DAEMON))
			return -1;
	}
	for (unsigned i = 0; i < sc->nhrand; i++)
		if (spawn_host_random(sr, &sc->hrand[i], i, err, errlen))
			return -1;
	sim_spawn(r->sim, "vmm", driver, sr, 0, 0);
	return 0;
}

static bool cond_holds(const struct params *p, const char *cond)
{
	char buf[160];
	snprintf(buf, sizeof(buf), "%s", cond);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		*eq = 0;
		const struct param_desc *d = params_find(tok);
		char now[128], want[128], err[256];
		struct params q = *p;
		params_get(p, d, now, sizeof(now));
		/* Normalize the wanted value through the same parser. */
		if (params_set(&q, tok, eq + 1, err, sizeof(err)))
			return false;
		params_get(&q, d, want, sizeof(want));
		if (strcmp(now, want))
			return false;
	}
	return true;
}

static void finish(struct run *r)
{
	struct scn_run *sr = r->priv;
	const struct scn *sc = sr->sc;
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	vm_finish(&sr->vm);
	if (sr->bad) {
		r->bad_input = true;
		snprintf(r->bad_input_msg, sizeof(r->bad_input_msg), "%s", sr->err);
	}
	for (unsigned i = 0; i < sc->nex; i++) {
		const struct expect *e = &sc->ex[i];
		if (e->cond[0] && !cond_holds(&r->p, e->cond))
			continue;
		if (e->kind == EX_NO_VIOLATION) {
			if (check_count(r->check))
				run_expect_fail(r, "%s:%d: expected no violation, got %llu",
						sc->file, e->line,
						(unsigned long long)check_count(r->check));
			continue;
		}
		if (e->kind == EX_VIOLATION) {
			uint64_t v = 0;
			char name[96];
			snprintf(name, sizeof(name), "violations.%s", check_kind_name(e->vkind));
			stats_get(sim_stats(r->sim), name, &v);
			if (v == 0)
				run_expect_fail(r, "%s:%d: expected a %s violation, got none",
						sc->file, e->line, check_kind_name(e->vkind));
			continue;
		}
		uint64_t v;
		if (stats_get(sim_stats(r->sim), e->stat, &v)) {
			run_expect_fail(r, "%s:%d: no stat named '%s'", sc->file, e->line,
					e->stat);
			continue;
		}
		bool ok = false;
		switch (e->op) {
		case OP_EQ: ok = v == e->value; break;
		case OP_NE: ok = v != e->value; break;
		case OP_LT: ok = v < e->value; break;
		case OP_LE: ok = v <= e->value; break;
		case OP_GT: ok = v > e->value; break;
		case OP_GE: ok = v >= e->value; break;
		}
		if (!ok)
			run_expect_fail(r, "%s:%d: expected %s %s %llu, got %llu", sc->file,
					e->line, e->stat, ops[e->op],
					(unsigned long long)e->value, (unsigned long long)v);
	}
}

/*
 * A violation the scenario expects is the point of the run, not a
 * failure: run_failed() counts violations, so a run that expects one is
 * judged by its expectations.  (explore still stops at the first seed
 * with a violation.)
 */
static void destroy(struct run *r)
{
	struct scn_run *sr = r->priv;
	if (!sr)
		return;
	vm_destroy(&sr->vm);
	for (unsigned i = 0; sr->feeds && i < sr->sc->nwl; i++)
		feed_free(sr->feeds[i]);
	free(sr->feeds);
	free(sr->streams);
	free(sr->bitmap);
	free(sr);
	r->priv = NULL;
}

/* ---------------------------------------------------- scenarios from text */

struct loaded {
	struct scenario sc;
	struct scn *scn;
	const char **defaults;
};

static const struct scenario *wrap(struct scn *scn)
{
	struct loaded *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->scn = scn;
	l->defaults = calloc(scn->nsets + 1, sizeof(char *));
	if (!l->defaults) {
		free(l);
		return NULL;
	}
	for (unsigned i = 0; i < scn->nsets; i++)
		l->defaults[i] = scn->sets[i];
	l->sc.name = scn->name;
	l->sc.summary = scn->summary ? scn->summary : "";
	l->sc.defaults = l->defaults;
	l->sc.build = build;
	l->sc.finish = finish;
	l->sc.destroy = destroy;
	l->sc.scn = scn;
	return &l->sc;
}

const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen)
{
	struct scn *scn = scn_parse(file, text, len, err, errlen);
	if (!scn)
		return NULL;
	const struct scenario *sc = wrap(scn);
	if (!sc) {
		scn_free(scn);
		snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	/* The caller's to free, unless the catalog adopts it. */
	((struct scenario *)sc)->owned = true;
	return sc;
}

const struct scenario *scenario_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open scenario file", path);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if (cap > (16u << 20)) {
				snprintf(err, errlen, "%s: larger than 16 MiB", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	bool rd_err = ferror(f);
	fclose(f);
	if (rd_err) {
		free(buf);
		snprintf(err, errlen, "%s: read error", path);
		return NULL;
	}
	const struct scenario *sc = scenario_from_text(path, buf, len, err, errlen);
	free(buf);
	return sc;
}

void scenario_free_loaded(const struct scenario *sc)
{
	if (!sc || !sc->scn || !sc->owned)
		return;
	struct loaded *l = (struct loaded *)sc;
	scn_free(l->scn);
	free(l->defaults);
	free(l);
}
