// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario files (.scn), the executor: a parsed struct scn built into a
 * machine, a VM and its threads — per-vCPU streams of the workload lines,
 * the VMM thread's timeline (its actions in scn_actions.c), host kthreads
 * — then judged by its expectations.  The grammar is scn_parse.c's.
 */
#include "scenarios/scn.h"
#include "sim/core/compiler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define NPHASE_STATS ARRAY_SIZE(phase_stats)

/* The action's row in scn_actions[] does it, on the VMM thread. */
static void do_action(struct scn_run *sr, const struct action *a)
{
	sim_log(machine_sim(sr->vm.m), "action", a->kind, a->a, a->b);
	scn_actions[a->kind].run(sr, a);
}

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

/* A workload line or an action on a vCPU (or pCPU) the machine does not
 * have would silently do nothing. */
static int check_targets(const struct scn *sc, const struct params *p,
			 char *err, size_t errlen)
{
	unsigned nv = (unsigned)p->cpu_vcpus;
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
		if (a->kind == ACT_MIGRATE_VCPU && a->b >= p->cpu_pcpus) {
			snprintf(err, errlen, "%s:%d: pCPU %llu, but cpu.pcpus=%llu "
				 "(pCPUs 0..%llu)", sc->file, a->line,
				 (unsigned long long)a->b,
				 (unsigned long long)p->cpu_pcpus,
				 (unsigned long long)p->cpu_pcpus - 1);
			return -1;
		}
	}
	return 0;
}

/* Each vCPU's stream: the workload lines that cover it, in file order,
 * the first one opened. */
static int make_streams(struct scn_run *sr, char *err, size_t errlen)
{
	const struct scn *sc = sr->sc;
	unsigned nv = sr->nstreams;
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
	return 0;
}

/* Guest address spaces: vCPUs of one process share one; they are
 * numbered in order of first use. */
static int number_aspaces(struct scn_run *sr)
{
	unsigned nv = sr->nstreams;
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
	return 0;
}

/* "elf PATH [BASE]": the program's segments, with their permissions. */
static int map_elf(struct scn_run *sr, char *err, size_t errlen)
{
	const struct scn *sc = sr->sc;
	struct trace_seg *segs;
	size_t nsegs;
	if (!sc->elf)
		return 0;
	if (trace_elf_segments(sc->elf, &segs, &nsegs, err, errlen))
		return -1;
	for (size_t i = 0; i < nsegs; i++) {
		segs[i].start += sc->elf_base;
		segs[i].end += sc->elf_base;
	}
	int rc = machine_set_guest_segments(sr->vm.m, segs, nsegs);
	free(segs);
	return rc ? -1 : 0;
}

/* The host's own activity: host-event lines on their kthreads, then the
 * host-events random lines, each on one of its own — daemons, so they
 * never keep a finished guest's run alive. */
static int spawn_host(struct scn_run *sr, char *err, size_t errlen)
{
	const struct scn *sc = sr->sc;
	for (unsigned k = 0; k < MAX_KTHREADS; k++) {
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
	return 0;
}

/*
 * A scenario file's run: 1. check what it names exists; 2. the vCPUs'
 * streams; 3. the VM, its address spaces and the traced program; 4. the
 * vCPU threads, the host's kthreads and the VMM thread with the timeline.
 */
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
	if (check_targets(sc, &r->p, err, errlen) || make_streams(sr, err, errlen) ||
	    vm_create(r, &sr->vm, err, errlen) || number_aspaces(sr) ||
	    map_elf(sr, err, errlen) || vm_start(&sr->vm, source, sr) ||
	    spawn_host(sr, err, errlen))
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
					e->line, e->stat, scn_ops[e->op],
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
