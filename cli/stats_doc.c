// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpsim stats: what every stat of a run counts, as gem5's stats.txt says
 * beside each value.  The components that declare their counters in an
 * X-macro list with a description (TLB_STATS, WALK_STATS, HOST_STATS) are
 * expanded here; the MMU that runs describes its own "kvm.*" stats
 * (kvm_mmu_stat_doc: kvmmu's, or a Linux tree's); the counters registered one by one
 * (the engine's, the vCPUs', the oracles', the VMM's) and the families
 * named at run time (per lock, per thread, per account, per phase) are
 * described by pattern below.  A stat with no description is reported,
 * and tests/cli/stats_doc.sh runs scenarios that register them all.
 */
#include "cli/cli.h"
#include "kvmmu/kvmmu.h"
#include "sim/cpu/cpu.h"
#include "sim/ept/ept.h"
#include "sim/host/host.h"
#include "sim/tlb/tlb.h"
#include "sim/core/compiler.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct stat_doc {
	const char *name; /* an fnmatch pattern */
	const char *doc;
};

#define STAT_DOC(field, name, doc) { name, doc },
static const struct stat_doc listed[] = {
	TLB_STATS(STAT_DOC)
	WALK_STATS(STAT_DOC)
	HOST_STATS(STAT_DOC)
};
#undef STAT_DOC

static const struct stat_doc patterns[] = {
#define KIND_DOC(field, name, doc) \
	{ "vcpu*.*." name, "per vCPU and access kind (load, store, fetch): " doc },
	CPU_KIND_STATS(KIND_DOC)
#undef KIND_DOC
	{ "accesses", "guest accesses completed (a record; one crossing a page counts once)" },
	{ "accesses.split", "accesses that crossed a 4 KiB boundary and ran as two" },
	{ "accesses.emulated", "accesses completed by KVM's emulation (MMIO, write-tracked gfn)" },
	{ "cycles", "the vCPUs' clocks added up (their cycles.<account> add up to it)" },
	{ "cycles.*", "the vCPUs' cycles charged to this account" },
	{ "threads.work", "the work of every thread (vCPUs, VMM, host kthreads): every account but idle and wait" },
	{ "threads.cycles.*", "every thread's cycles charged to this account" },
	{ "thread.*.work", "this thread's work: its accounts but idle and wait" },
	{ "thread.*.cycles", "this thread's clock at the end of the run" },
	{ "thread.*.cycles.*", "this thread's cycles charged to this account" },
	{ "exits.ept_violation", "EPT-violation VM exits" },
	{ "exits.ept_misconfig", "EPT-misconfiguration VM exits (MMIO SPTEs)" },
	{ "exits.npf", "#NPF VM exits (AMD)" },
	{ "exits.pml_full", "PML-full VM exits" },
	{ "exits.extint", "external-interrupt VM exits (kick IPIs)" },
	{ "exits.invlpga", "INVLPGA VM exits (AMD; KVM intercepts the guest's INVLPGA)" },
	{ "guest.invlpg", "guest INVLPG instructions (trace records)" },
	{ "guest.invlpga", "guest INVLPGA instructions (trace records, AMD)" },
	{ "guest.mov_cr3", "guest MOV to CR3 (address-space switches, trace records)" },
	{ "guest.invpcid.addr", "guest INVPCID type 0: one address in one PCID" },
	{ "guest.invpcid.ctx", "guest INVPCID type 1: one PCID" },
	{ "guest.invpcid.all", "guest INVPCID type 2: every PCID, globals too" },
	{ "guest.invpcid.all_nonglobal", "guest INVPCID type 3: every PCID, globals kept" },
	{ "vmx.vpid0_flushes", "VM entries and exits with VPIDs off, each of which drops VPID 0's linear and combined mappings (SDM 28.3.3.1)" },
	{ "ipi.sent", "IPIs sent (kicks, remote flushes)" },
	{ "ipi.wait_cycles", "cycles senders waited for IPI acknowledgments" },
	{ "guest.page_faults", "guest page faults taken by the minimal guest OS (a page-table node or a page mapped on first touch)" },
	{ "cpu.migrations", "vCPU moves from one pCPU to another" },
	{ "folio.mark_dirty", "folios marked dirty by KVM (map and zap)" },
	{ "folio.mark_dirty.map", "folios marked dirty when a writable SPTE was made" },
	{ "folio.mark_dirty.zap", "folios marked dirty when a dirty SPTE was zapped or changed" },
	{ "folio.mark_accessed", "folios marked accessed by KVM" },
	{ "invept", "INVEPT executed" },
	{ "invvpid", "INVVPID executed" },
	{ "hv.flush_gpa_space", "Hyper-V HvFlushGuestPhysicalAddressSpace hypercalls" },
	{ "kvm.asserts", "KVM assertions (WARN_ON and the like) that failed" },
	{ "violations", "oracle violations, all kinds" },
	{ "violations.*", "oracle violations of this kind (README, Oracles)" },
	{ "lock.*.acquires", "acquisitions of this lock" },
	{ "lock.*.contended", "acquisitions of this lock that had to wait" },
	{ "lock.*.wait_cycles", "cycles spent waiting for this lock" },
	{ "lock.*.read_hold_cycles", "cycles this lock was held for read" },
	{ "lock.*.write_hold_cycles", "cycles this lock was held for write" },
	{ "walk.refs.guest.l?", "reads of guest page-table entries at this level" },
	{ "walk.refs.nested.l?", "reads of EPT/NPT entries at this level" },
	{ "migrate.count", "live migrations run" },
	{ "migrate.rounds", "dirty-log rounds of the live migrations" },
	{ "migrate.pages_copied", "pages the VMM copied, every round" },
	{ "migrate.final_pages", "pages copied with the guest paused" },
	{ "migrate.downtime_cycles", "cycles the guest was paused for the final copy" },
	{ "migrate.total_cycles", "cycles from the start of a migration to its end" },
	{ "migrate.harvest_cycles", "cycles the VMM spent harvesting dirty logs" },
	{ "migrate.converged", "migrations whose dirty set fell below the threshold" },
	{ "ring.order_inversions", "dirty-ring entries reaped out of the order they were pushed" },
	{ "phase.*.*", "the change of that stat inside the named phase of the scenario's timeline" },
	{ "sim.switches", "engine: switches between simulated threads" },
	{ "sim.yield_points", "engine: yield points passed" },
	{ "sim.explore_delays", "engine: delays the explore scheduler injected" },
	{ "sim.poison_reads", "engine: reads of freed, poisoned memory" },
	{ "sim.rcu.grace_periods", "engine: RCU grace periods completed" },
	{ "sim.rcu.callbacks", "engine: RCU callbacks run" },
	{ "sim.events", "engine: events logged" },
	{ "walk.refs_per_walk", "histogram: references of each walk" },
	{ "migrate.dirty_per_round", "histogram: pages found dirty in each round" },
};

const char *cli_stat_doc(const char *name)
{
	const char *doc = kvm_mmu_stat_doc(name);

	if (doc)
		return doc;
	for (size_t i = 0; i < ARRAY_SIZE(listed); i++)
		if (!strcmp(listed[i].name, name))
			return listed[i].doc;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		if (!fnmatch(patterns[i].name, name, 0))
			return patterns[i].doc;
	return NULL;
}

/* The derived figures (results' "figures"), by their path. */
static const struct stat_doc figure_docs[] = {
	{ "instructions", "fetch records of the trace (lackey and ChampSim: one per instruction)" },
	{ "tlb.*.lookups", "lookups at this TLB level (l1i: fetches, l1d: loads and stores, l2: L1 misses)" },
	{ "tlb.*.misses", "misses at this level" },
	{ "tlb.*.miss_rate", "misses over lookups" },
	{ "tlb.*.mpki", "misses per thousand instructions" },
	{ "walks", "page walks (each adds a sample to walk.refs_per_walk)" },
	{ "refs_per_walk", "walk.refs over walks" },
	{ "cycles_per_access", "cycles over accesses" },
	{ "by_kind.*.accesses", "accesses of this kind (load, store, fetch): its records" },
	{ "by_kind.*.tlb.l1.*", "lookups, misses, miss rate, MPKI of this kind in the L1 TLB that serves it (level: l1i or l1d); a level's MPKI is the sum of its kinds'" },
	{ "by_kind.*.tlb.l2.*", "lookups, misses, miss rate, MPKI of this kind in the L2 TLB" },
	{ "by_kind.*.walks", "page walks on behalf of this kind's accesses" },
	{ "by_kind.*.refs_per_walk", "references per walk of those walks" },
	{ "by_kind.*.cycles", "cycles from each access's issue to its completion (exits and KVM's work on them included)" },
	{ "by_kind.*.cycles_per_access", "those cycles over the kind's accesses" },
	{ "by_vcpu.*.cycles", "the vCPU's clock" },
	{ "by_vcpu.*.accesses", "the vCPU's accesses (its records but guest TLB invalidations)" },
	{ "by_vcpu.*.instructions", "the vCPU's fetch records (its MPKI's denominator)" },
	{ "by_vcpu.*.cycles_per_access", "the vCPU's clock over its accesses" },
	{ "by_vcpu.*.by_kind.*", "as by_kind, for this vCPU's accesses" },
};

static const char stats_usage[] =
	"usage: tdpsim stats [SCENARIO] [--json]\n"
	"Runs SCENARIO (default touch-4k) and prints every stat and histogram\n"
	"its results hold, with its value and what it counts, then the derived\n"
	"figures; --json prints them as a list of {name, value, description}.\n"
	"Exit 1 if a stat has no description.\n";

int cmd_stats(int argc, char **argv)
{
	enum { OPT_JSON = CLI_OPT_OWN };
	static const struct option own[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, named = false;
	const char *scn = "touch-4k";
	struct cli_scan s;
	const char *arg;
	int id;
	cli_scan_init(&s, "stats", argc, argv, own, NULL);
	while ((id = cli_scan_next(&s, &arg)) != CLI_SCAN_END) {
		if (id == 'h') {
			fputs(stats_usage, stdout);
			return EXIT_OK;
		}
		json |= id == OPT_JSON;
		if (id == CLI_SCAN_ARG && !named) {
			scn = arg;
			named = true;
			continue;
		}
		if (id == CLI_SCAN_ARG)
			cli_bad("stats: unexpected argument '%s' (one scenario only)", arg);
		if (id == CLI_SCAN_ARG || id == CLI_SCAN_BAD) {
			fputs(stats_usage, stderr);
			return EXIT_BADINPUT;
		}
	}
	char err[300];
	const struct scenario *sc = scenario_resolve(scn, err, sizeof(err));
	if (!sc)
		return cli_bad("%s%s", err, strchr(scn, '/') ? "" : cli_did_you_mean_scenario(scn));
	struct params p;
	params_defaults(&p);
	if (scenario_defaults(sc, &p, err, sizeof(err))) {
		scenario_free_loaded(sc);
		return cli_bad("scenario %s: %s", scn, err);
	}
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	if (!r || r->bad_input) {
		int st = cli_bad("%s: %s", scn, r ? r->bad_input_msg : err);
		if (r)
			run_free(r);
		scenario_free_loaded(sc);
		return st;
	}
	const char *overflow = NULL;
	json_t *root = results_json(r, NULL, NULL, NULL, &overflow);
	json_t *list = json_array();
	int status = EXIT_OK;
	static const char *const parts[] = { "stats", "histograms" };
	for (int k = 0; k < 2; k++) {
		const char *name;
		json_t *v;
		json_object_foreach(json_object_get(root, parts[k]), name, v) {
			const char *doc = cli_stat_doc(name);
			if (!doc) {
				fprintf(stderr, "tdpsim: stats: '%s' has no description\n", name);
				status = EXIT_VIOLATION;
			}
			json_t *val = k ? json_object_get(v, "count") : v;
			if (json)
				json_array_append_new(list, json_pack("{s:s,s:O,s:s}", "name",
					name, "value", val, "description", doc ? doc : ""));
			else
				printf("%-44s %14lld  # %s%s\n", name,
				       (long long)json_integer_value(val), k ? "(count) " : "",
				       doc ? doc : "(no description)");
		}
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		puts("\nfigures (replay results; \"figures\" in the JSON):");
		for (size_t i = 0; i < ARRAY_SIZE(figure_docs); i++)
			printf("%-44s  # %s\n", figure_docs[i].name, figure_docs[i].doc);
	}
	json_decref(list);
	json_decref(root);
	run_free(r);
	scenario_free_loaded(sc);
	return status;
}
