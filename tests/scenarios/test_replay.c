// SPDX-License-Identifier: GPL-2.0-only
/*
 * Replay against a naive reference: the TLB miss counts of a replayed trace
 * must equal those of a plain LRU model of the same geometry written here
 * (64 entries, 4 ways per L1, no L2, 4 KiB guest pages), on a hand-written
 * lackey trace and on a few thousand lines of a real one made in the run.
 * The reference is deliberately broken once to show the comparison can
 * fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "scenarios/scenario.h"
#include "traces/trace.h"

const struct scenario *scenario_from_text(const char *file, const char *text,
					  size_t len, char *err, size_t errlen);

/* ---- the reference: one L1 of 16 sets x 4 ways, true LRU ---- */
struct ref_l1 {
	uint64_t page[16][4];
	uint64_t age[16][4];
	bool valid[16][4];
	uint64_t clock, misses;
};

static void ref_access(struct ref_l1 *t, uint64_t page, bool broken)
{
	/* Broken: indexed by the wrong bits, as a model with an off-by-one
	 * page shift would be. */
	unsigned set = (unsigned)((broken ? page >> 1 : page) % 16), victim = 0;
	t->clock++;
	for (unsigned w = 0; w < 4; w++)
		if (t->valid[set][w] && t->page[set][w] == page) {
			t->age[set][w] = t->clock;
			return;
		}
	t->misses++;
	for (unsigned w = 0; w < 4; w++) {
		if (!t->valid[set][w]) {
			victim = w;
			break;
		}
		if (t->age[set][w] < t->age[set][victim])
			victim = w;
	}
	t->valid[set][victim] = true;
	t->page[set][victim] = page;
	t->age[set][victim] = t->clock;
}

/* Feeds every record of @path through the reference (accesses that cross
 * a page are two lookups, as in the CPU model). */
static void reference(const char *path, bool broken, uint64_t *d, uint64_t *i)
{
	static struct ref_l1 dt, it;
	char err[256];
	memset(&dt, 0, sizeof(dt));
	memset(&it, 0, sizeof(it));
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct trace_rec recs[512];
	long n;
	while ((n = trace_read(r, recs, 512)) > 0)
		for (long k = 0; k < n; k++) {
			struct ref_l1 *t = recs[k].kind == TRACE_FETCH ? &it : &dt;
			uint64_t first = recs[k].addr >> 12;
			uint64_t last = (recs[k].addr + recs[k].size - 1) >> 12;
			for (uint64_t p = first; p <= last; p++)
				ref_access(t, p, broken);
		}
	assert_int_equal(n, 0);
	trace_close(r);
	*d = dt.misses;
	*i = it.misses;
}

static const char *const geometry[] = {
	"tlb.l1d.entries=64", "tlb.l1d.ways=4", "tlb.l1d.sizes=4k",
	"tlb.l1i.entries=64", "tlb.l1i.ways=4", "tlb.l1i.sizes=4k",
	"tlb.l1d.repl=lru", "tlb.l1i.repl=lru", "tlb.l2.entries=0",
	"guest.paging=4level", "vm.mem=1G", NULL,
};

/* Runs the trace @path on every vCPU under the settings @sets; the
 * caller frees the run and *@sc. */
static struct run *run_trace(const char *path, const char *const *sets,
			     const struct scenario **sc)
{
	char text[512], err[512];
	snprintf(text, sizeof(text), "workload all trace %s\n", path);
	*sc = scenario_from_text("replay", text, strlen(text), err, sizeof(err));
	assert_non_null(*sc);
	struct params p;
	params_defaults(&p);
	for (const char *const *kv = sets; *kv; kv++) {
		char key[64];
		const char *eq = strchr(*kv, '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *kv), *kv);
		assert_int_equal(params_set(&p, key, eq + 1, err, sizeof(err)), 0);
	}
	struct run *r = scenario_run(*sc, &p, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	assert_false(r->bad_input);
	return r;
}

static void replay(const char *path, uint64_t *d, uint64_t *i, uint64_t *acc)
{
	const struct scenario *sc;
	struct run *r = run_trace(path, geometry, &sc);
	assert_int_equal(check_count(r->check), 0);
	assert_int_equal(stats_get(sim_stats(r->sim), "tlb.l1d.misses", d), 0);
	assert_int_equal(stats_get(sim_stats(r->sim), "tlb.l1i.misses", i), 0);
	assert_int_equal(stats_get(sim_stats(r->sim), "accesses", acc), 0);
	run_free(r);
	scenario_free_loaded(sc);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* 20 data pages in one set (page numbers = 16k) overflow its 4 ways; the
 * fetches stay on two pages.  Hand count: data pages 0x400..0x4c0 step 0x10
 * (16 pages, all set 0) read twice in order: 32 misses (LRU thrashes);
 * two more in other sets: 2 misses, then hits; fetches: 2 misses. */
static void test_hand_written(void **state)
{
	char path[] = "/tmp/tdpsim-lackey-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char text[8192] = "==1234== Lackey, an example Valgrind tool\n";
	size_t n = strlen(text);
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < 16; k++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "I  %08x,3\n L %08x,8\n",
					      0x401000 + (k % 2) * 0x1000,
					      (0x400 + 0x10 * k) << 12);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      " S 00801008,8\n M 00802010,4\n S 00801010,8\n");
	write_file(path, text);

	uint64_t d, i, acc, rd, ri;
	replay(path, &d, &i, &acc);
	reference(path, false, &rd, &ri);
	assert_int_equal(rd, 32 + 2);
	assert_int_equal(ri, 2);
	assert_int_equal(d, rd);
	assert_int_equal(i, ri);
	assert_int_equal(acc, 64 + 4); /* M = a read and a write */
	unlink(path);
}

/*
 * Guest CR3 at GPA 0 (issue 14 item 2).  The minimal guest OS hands out
 * guest frames in first-touch order from GPA 0, and the first is the top
 * table CR3 names.  One store with 4-level guest paging and 4 KiB backing
 * then touches five guest frames, each once and each in its own 4 KiB EPT
 * page: the PML4 at GPA 0 (the walk reads it), the PDPT at 0x1000, the PD
 * at 0x2000 and the PT at 0x3000 (each read by the walk after the guest OS
 * wrote the entry above it, which lands in a page already mapped), and the
 * data page at 0x4000.  Five EPT violations.  Before the fix CR3 = 0 read
 * as "no CR3 yet": the second entry moved CR3 to a new frame, leaving the
 * PML4 entry written at GPA 0 orphaned, and the walk faulted six times.
 */
static void test_cr3_at_gpa0(void **state)
{
	char path[] = "/tmp/tdpsim-lackey1-XXXXXX", text[512], err[512];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "==1== Lackey, an example Valgrind tool\n S 7f0012345678,8\n");
	snprintf(text, sizeof(text),
		 "set guest.paging=4level vm.backing=4k vm.mem=64M\n"
		 "workload all trace %s\n", path);
	const struct scenario *sc = scenario_from_text("cr3", text, strlen(text),
						       err, sizeof(err));
	assert_non_null(sc);
	struct params p;
	params_defaults(&p);
	assert_int_equal(scenario_defaults(sc, &p, err, sizeof(err)), 0);
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	uint64_t viol, acc;
	assert_int_equal(stats_get(sim_stats(r->sim), "exits.ept_violation", &viol), 0);
	assert_int_equal(stats_get(sim_stats(r->sim), "accesses", &acc), 0);
	assert_int_equal(acc, 1);
	assert_int_equal(viol, 5);
	assert_int_equal(check_count(r->check), 0);
	run_free(r);
	scenario_free_loaded(sc);
	unlink(path);
}

/* A real lackey trace of a system program, first few thousand lines. */
static void test_real_trace(void **state)
{
	if (system("command -v valgrind >/dev/null 2>&1") != 0)
		skip();
	char full[] = "/tmp/tdpsim-real-XXXXXX", part[] = "/tmp/tdpsim-part-XXXXXX";
	int fd = mkstemp(full);
	close(fd);
	fd = mkstemp(part);
	close(fd);
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=lackey --trace-mem=yes --log-file=%s sort /etc/services "
		 ">/dev/null 2>&1 && head -n 200000 %s > %s", full, full, part);
	assert_int_equal(system(cmd), 0);

	uint64_t d, i, acc, rd, ri;
	replay(part, &d, &i, &acc);
	reference(part, false, &rd, &ri);
	assert_true(acc > 150000);
	print_message("real trace: %llu accesses, %llu dTLB and %llu iTLB misses\n",
		      (unsigned long long)acc, (unsigned long long)rd,
		      (unsigned long long)ri);
	assert_true(rd > 100 && ri > 10);
	assert_int_equal(d, rd);
	assert_int_equal(i, ri);
	/* The comparison can fail: a reference indexing sets with the wrong
	 * bits disagrees on this trace. */
	uint64_t bd, bi;
	reference(part, true, &bd, &bi);
	assert_true(bd != d || bi != i);
	unlink(full);
	unlink(part);
}

/*
 * Guest address spaces (issue 17 item 2).  Two vCPUs of one trace, 4-level
 * guest paging, 4K backing: vCPU 0 writes VA 0x400000, vCPU 1 writes VA
 * 0x401000 ten million cycles later (when vCPU 0 is long done, so that no
 * walk races a guest PTE write).  Every guest frame takes exactly one EPT
 * violation, at its first touch (a fault maps the page writable).
 *   One process (no table, or the same id twice): vCPU 0 makes CR3, PDPT,
 *   PD, PT and its data page (4 guest #PFs: the tables below CR3 and the
 *   page); vCPU 1 shares CR3..PT (the two pages share one PT) and makes its
 *   data page only (1 #PF): 5 guest #PFs, 6 frames, 6 EPT violations.
 *   Two processes (ids 0 and 1): each vCPU makes its own CR3, PDPT, PD, PT
 *   and page: 8 guest #PFs, 10 frames, 10 EPT violations.
 * Before address spaces were shared every trace counted as two processes.
 */
static void aspace_run(const uint32_t *ids, uint32_t gap, uint64_t want_pfs,
		       uint64_t want_ev)
{
	char path[] = "/tmp/tdpsim-test-aspace-XXXXXX", err[512];
	close(mkstemp(path));
	struct trace_writer *w = trace_create(path, TRACE_GAPS, err, sizeof(err));
	assert_non_null(w);
	if (ids)
		assert_int_equal(trace_write_aspaces(w, ids, 2), 0);
	const struct trace_rec recs[] = {
		{ .addr = 0x400000, .vcpu = 0, .kind = TRACE_WRITE, .size = 8 },
		{ .addr = 0x401000, .vcpu = 1, .kind = TRACE_WRITE, .size = 8,
		  .gap = gap },
	};
	assert_int_equal(trace_write(w, recs, 2), 0);
	assert_int_equal(trace_finish(w, err, sizeof(err)), 0);

	static const char *const sets[] = {
		"cpu.vcpus=2", "guest.paging=4level", "vm.backing=4k", NULL,
	};
	const struct scenario *sc;
	struct run *r = run_trace(path, sets, &sc);
	uint64_t pfs, ev, acc;
	assert_int_equal(stats_get(sim_stats(r->sim), "guest.page_faults", &pfs), 0);
	assert_int_equal(stats_get(sim_stats(r->sim), "exits.ept_violation", &ev), 0);
	assert_int_equal(stats_get(sim_stats(r->sim), "accesses", &acc), 0);
	assert_int_equal(acc, 2);
	assert_int_equal(pfs, want_pfs);
	if (want_ev != UINT64_MAX)
		assert_int_equal(ev, want_ev);
	run_free(r);
	scenario_free_loaded(sc);
	unlink(path);
}

static void test_aspace_shared(void **state)
{
	aspace_run(NULL, 10000000, 5, 6);
	aspace_run((const uint32_t[]){ 7, 7 }, 10000000, 5, 6);
}

static void test_aspace_separate(void **state)
{
	aspace_run((const uint32_t[]){ 0, 1 }, 10000000, 8, 10);
}

/*
 * The same two threads at once: both fault on the absent entries and take
 * a frame each.  The guest OS installs an entry only if it is still
 * absent under its lock; the loser keeps its frame for its next fault.
 * So whatever the interleaving, the tables are made once: 5 frames taken
 * (PDPT, PD, PT, two pages), as in the serial case, each vCPU's last fault
 * being its own page.  (Without the check both vCPUs installed tables of
 * their own over each other's: 8.)  The EPT violations depend on the
 * interleaving (a walk may see a half-built path) and are not checked.
 */
static void test_aspace_race(void **state)
{
	aspace_run(NULL, 0, 5, UINT64_MAX);
}

/* A vCPU whose second workload line is another process: bad input that
 * names the line, not a silent context switch the model does not make. */
static void test_aspace_switch_is_bad(void **state)
{
	char a[] = "/tmp/tdpsim-test-aspace-XXXXXX", b[] = "/tmp/tdpsim-test-aspace-XXXXXX";
	char err[512], text[256];
	close(mkstemp(a));
	close(mkstemp(b));
	const struct trace_rec rec = { .addr = 0x400000, .kind = TRACE_READ, .size = 8 };
	for (int k = 0; k < 2; k++) {
		struct trace_writer *w = trace_create(k ? b : a, 0, err, sizeof(err));
		assert_non_null(w);
		if (k)
			assert_int_equal(trace_write_aspaces(w, (const uint32_t[]){ 5 }, 1), 0);
		assert_int_equal(trace_write(w, &rec, 1), 0);
		assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
	}
	snprintf(text, sizeof(text), "workload 0 trace %s\nworkload 0 trace %s\n", a, b);
	const struct scenario *sc = scenario_from_text("switch.scn", text, strlen(text),
						       err, sizeof(err));
	assert_non_null(sc);
	struct params p;
	params_defaults(&p);
	assert_int_equal(params_set(&p, "guest.paging", "4level", err, sizeof(err)), 0);
	struct run *r = scenario_run(sc, &p, err, sizeof(err));
	assert_non_null(r);
	assert_true(r->bad_input);
	assert_non_null(strstr(r->bad_input_msg, "switch.scn:2: vCPU 0 would move "
				"from address space 0 to 5"));
	run_free(r);
	scenario_free_loaded(sc);
	unlink(a);
	unlink(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_written),
		cmocka_unit_test(test_cr3_at_gpa0),
		cmocka_unit_test(test_real_trace),
		cmocka_unit_test(test_aspace_shared),
		cmocka_unit_test(test_aspace_separate),
		cmocka_unit_test(test_aspace_race),
		cmocka_unit_test(test_aspace_switch_is_bad),
	};
	return cmocka_run_group_tests_name("replay vs reference", tests, NULL, NULL);
}
