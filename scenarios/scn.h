/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenarios/scn — scenario files (.scn), private to scenarios/: the parsed
 * form (struct scn), shared by the parser (scn_parse.c) and the executor
 * (scn_run.c), and the action table: what "at CYCLE" and "after-guest"
 * lines do (scn_actions.c).  The directives (the first word of a line) and
 * the workload kinds are tables of the parser alone (scn_parse.c).
 *
 * Each row holds its name, its arguments as the grammar shows them and its
 * help text; the parser, its error messages, the executor and the grammar
 * (tdpsim scenarios --grammar, and README's copy of it, which
 * tests/cli/scn_grammar.sh compares) all read them from there.  To add an action: a value of
 * enum scn_act, a run function in scn_actions.c and its row in
 * scn_actions[] — in the same order as the enum.
 */
#ifndef TDPSIM_SCENARIOS_SCN_H
#define TDPSIM_SCENARIOS_SCN_H

#include "scenarios/feed.h"
#include "scenarios/scenario.h"
#include "scenarios/vm.h"
#include "workloads/workload.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_ITEMS 256
#define MAX_KTHREADS 8
#define MAX_WORDS 32

/* The order of scn_actions[] (and the number the event log shows). */
enum scn_act {
	ACT_LOG_DIRTY,
	ACT_ZAP_ALL_FAST,
	ACT_MIGRATE_VCPU,
	ACT_SMM,
	ACT_GET_DIRTY_LOG,
	ACT_STOP_GUESTS,
	ACT_MEMSLOT_REPLACE,
	ACT_PAUSE_GUESTS,
	ACT_RESUME_GUESTS,
	ACT_HOST,
	ACT_LIVE_MIGRATE,
	ACT_RING_HARVEST,
	ACT_WRITE_TRACK,
	ACT_RING_ORDER,
	ACT_COUNT
};

struct action {
	enum scn_act kind;
	enum host_event_kind host_kind; /* an EVENT argument */
	char phase[32];   /* counters measured across the action, or "" */
	bool after_guest;
	cycles_t at;
	uint64_t a, b;    /* the numeric and on|off arguments, in order */
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
extern const char *const scn_ops[6]; /* spelling of enum ex_op */
struct expect {
	enum ex_kind kind;
	char cond[160];   /* "key=value,key=value" or "" */
	char stat[96];
	enum ex_op op;
	uint64_t value;
	enum check_kind vkind;
	int line;
};

/* A host-events random line: its own kthread. */
struct hev_random {
	uint64_t n, start, mean, gpa, len; /* len 0: all of vm.mem */
	unsigned kinds;
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
	struct hev_random hrand[MAX_KTHREADS];
	unsigned nhrand;
};

/* A run of a scenario file (scn_run.c): what the actions act on. */
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
	u64 *bitmap;                /* get-dirty-log's */
	uint64_t ring_inversions;   /* stat ring.order_inversions */
};

/*
 * An action.  @args is what follows its name, as the grammar shows it; it
 * is also what the parser reads: each word is one argument, "on|off" a
 * flag, "EVENT" a host event, "LEN" a nonzero size, any other word a
 * number (decimal or 0x hex, with K/M/G/T suffixes).  Flags and numbers
 * fill action.a then action.b in order; EVENT fills action.host_kind.
 */
struct scn_action_def {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(struct scn_run *sr, const struct action *a);
};
extern const struct scn_action_def scn_actions[ACT_COUNT];


/* Host kernel events by name, as the grammar lists them. */
extern const char scn_host_events[];

#endif
