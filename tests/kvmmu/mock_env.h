/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tests/kvmmu/mock_env.h — kvmmu/env.h for unit tests and benchmarks.
 *
 * One thread (the test) plays every part: kvmmu's vCPU threads, the host,
 * and the hardware.  Shared words are plain memory; page-table pages are
 * 4 KiB aligned allocations whose host physical address is their own
 * address (live pages are tracked, so a walk into a freed table is
 * reported); mmu_lock records the mode held; RCU counts nesting and runs
 * queued callbacks on a synchronize.  gfn->pfn comes from regions the test
 * maps.  The "hardware" runs a vCPU's access script against the real EPT /
 * NPT tables: permissions, A/D setting, PML logging, EPT violations,
 * misconfigurations and #NPFs.  No TLB: every access walks.
 *
 * The mock defines every function of env.h, so a binary that links it
 * never pulls the simulator's env implementation from the library.
 */
#ifndef TDPSIM_TESTS_KVMMU_MOCK_ENV_H
#define TDPSIM_TESTS_KVMMU_MOCK_ENV_H

#include "kvmmu/env.h"

#define MOCK_MAX_VCPUS 8
#define MOCK_MAX_REGIONS 16
#define MOCK_MAX_STATS 128
#define MOCK_LOG 64

struct mock_access {
	gpa_t gpa;
	bool write;
	bool exec;
};

/* What VM entry saw, for tag and flush checks. */
struct mock_vmrun {
	unsigned pcpu;
	u32 asid;
	enum env_tlb_ctl tlb_ctl;
	u64 eptp, ncr3;
};

struct env_vcpu {
	unsigned idx;
	unsigned pcpu;
	bool migrated;
	bool kick_pending;  /* an IPI arrived: the next entry exits at once */
	struct env_vmcs vmcs;
	const struct mock_access *script;
	size_t nscript, pos;
	u64 exits[ENV_EXIT_HLT + 1];
	u64 emulated;
	struct mock_vmrun runs[MOCK_LOG];
	unsigned nruns;      /* total; runs[] keeps the last MOCK_LOG */
};

enum mock_op { MOCK_READ, MOCK_WRITE, MOCK_XCHG, MOCK_CMPXCHG, MOCK_OR, MOCK_AND };

struct mock_region {
	hva_t hva;
	u64 npages;
	kvm_pfn_t pfn;
	int host_level;
	bool writable;
};

struct mock_flush {
	int what;   /* 'E' INVEPT, 'V' INVVPID, 'H' Hyper-V GPA-space flush */
	int type;
	u64 arg;    /* EPTP, VPID or root */
};

struct env {
	enum env_vendor vendor;
	struct env_caps caps;
	unsigned nvcpus, npcpus;
	struct env_vcpu vcpus[MOCK_MAX_VCPUS];
	struct env_vcpu *current;

	/* mmu_lock and RCU of the one thread. */
	int readers;
	bool writer;
	int rcu_nesting;
	struct mock_rcu_cb *rcu_cbs;
	u64 rcu_pending;

	/* Page-table pages: live set (when checking), counts. */
	bool check_pages;
	void **live;
	size_t live_cap, live_n;
	u64 pt_allocated, pt_freed;
	void *pool;         /* fast mode: free page-table pages */
	struct mock_words *words;

	struct mock_region regions[MOCK_MAX_REGIONS];
	unsigned nregions;

	/* Folios. */
	u64 mark_dirty[2];  /* by enum env_dirty_why */
	u64 mark_pfn_min, mark_pfn_max; /* of ENV_DIRTY_ZAP marks */
	u64 mark_accessed;

	/* Instructions and IPIs. */
	u64 invept, invvpid, hv_flushes, kicks, kicks_wait, kicks_in_write_lock;
	struct mock_flush flushes[MOCK_LOG];
	unsigned nflushes;

	/* Scheduler pressure for the yield paths: env_need_resched returns
	 * true on every resched_every-th call (0: never). */
	u64 resched_every, resched_calls, cond_resched;
	u64 resched_at;     /* ...and on exactly this call (0: never) */
	void (*resched_hook)(struct env *e, void *arg); /* in env_cond_resched */
	void *resched_hook_arg;

	u64 cycles;
	u64 asserts;
	/* Called for every failed ENV_ASSERT; default: print and abort. */
	void (*assert_hook)(const char *what, const char *file, int line);
	/* Called before every operation on a shared word (the hardware or
	 * another thread acting "between" KVM's steps). */
	void (*op_hook)(struct env *e, enum mock_op op, u64 *p, void *arg);
	void *op_hook_arg;
	/* Called at every page-table allocation, with the caller's locks as
	 * they are (what may run while it allocates). */
	void (*alloc_hook)(struct env *e, void *arg);
	void *alloc_hook_arg;
	/* Allocation failure injection: every allocation kvmmu makes through
	 * the env (and, in tests that wrap them, its callocs and reallocs)
	 * counts in @allocs; the @alloc_fail_at-th (1-based; 0: none) fails. */
	u64 allocs, alloc_fail_at;

	struct { const char *name; u64 *ctr; } stats[MOCK_MAX_STATS];
	unsigned nstats;
};

struct env *mock_env_new(enum env_vendor vendor, unsigned nvcpus, unsigned npcpus);
void mock_env_free(struct env *e);
/* Counts one allocation of kvmmu's; true if it is the one to fail. */
bool mock_alloc_fails(struct env *e);
/* Maps @npages 4K pages of the VMM at @hva to frames from @pfn, in a host
 * mapping of @host_level (1 4K, 2 2M, 3 1G). */
void mock_map(struct env *e, hva_t hva, u64 npages, kvm_pfn_t pfn,
	      int host_level, bool writable);
void mock_set_script(struct env *e, unsigned vcpu,
		     const struct mock_access *script, size_t n);
/* Makes @vcpu (or none: -1) the running thread for env_current_vcpu. */
void mock_set_current(struct env *e, int vcpu);
void mock_migrate(struct env *e, unsigned vcpu, unsigned pcpu);
/* Fast mode (check_pages off): pre-fault @n page-table pages. */
void mock_reserve_pages(struct env *e, size_t n);
/* Runs pending RCU callbacks (rcu_barrier). */
void mock_rcu_barrier(struct env *e);
u64 mock_stat(struct env *e, const char *name);
/* One guest access by the "hardware" on @v's current root: true if it
 * completed, else *exit says why. */
bool mock_hw_access(struct env *e, struct env_vcpu *v, gpa_t gpa, bool write,
		    bool exec, struct env_exit *exit);

#endif
