// SPDX-License-Identifier: GPL-2.0-only
/*
 * linuxmmu/kshim.c — the kernel primitives the kshim headers declare, on the engine.
 *
 * Every primitive with shared-memory meaning is an env call, hence a yield
 * point of the simulation (LINUX_MMU.md, rules 1-4): 64-bit READ_ONCE /
 * WRITE_ONCE / xchg / cmpxchg / atomics on SPTEs and other words, mmu_lock,
 * spinlocks, RCU.  Page-table pages live in the simulated memory.
 *
 * Kernel globals are process-wide, as in the kernel: one VM, one vendor per
 * process (explore and compare fork per run).  kshim_env is the world the
 * primitives act on; while kshim_direct is set (creating or tearing down the
 * VM, outside any simulated thread) they act on plain memory instead, since
 * nothing else runs then.
 */
#include <kshim/kvm.h>

#include "kvmmu/env.h"
#include "linuxmmu/kshim.h"

struct env *kshim_env;
/* `current`: the one task calling into KVM.  No mm is modelled, so its mm
 * and every VM's are both NULL (page-track registration compares them). */
struct task_struct kshim_current;
bool kshim_direct;
bool kshim_teardown_unchecked;

/* Plain memory operations: set up or torn down, or no simulated thread. */
static inline bool direct(void)
{
	return kshim_direct || !env_on_thread(kshim_env);
}

/* ------------------------------------------------------------ messages */

int kshim_printk(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = kshim_host_vprintf(fmt, ap);
	va_end(ap);
	return r;
}

/* The tree's path from arch/ on, whatever folder it was compiled in, so a
 * counterexample names the same file:line on every machine. */
static const char *tree_path(const char *file)
{
	for (const char *p = file; *p; p++)
		if (p[0] == 'a' && !__builtin_strncmp(p, "arch/x86/kvm/", 13))
			return p;
	return file;
}

void kshim_warn(const char *file, int line, const char *cond, bool fatal)
{
	if (!kshim_env) {
		kshim_printk("tdpsim: kernel warning with no VM at %s:%d: %s\n",
			     tree_path(file), line, cond);
		kshim_host_die("a kernel warning outside any VM");
	}
	/* Counted as a violation also during setup and teardown (the
	 * kernel's teardown WARNs on leaked page tables, E4) -- unless the
	 * run stopped a thread inside KVM, holding what the WARN counts. */
	if (kshim_teardown_unchecked && !fatal)
		return;
	env_kernel_warn(kshim_env, tree_path(file), line, cond, fatal);
	if (!fatal)
		return;
	if (direct())
		kshim_host_die("a BUG() in the kernel tree's code stopped the run");
	/* BUG(): the kernel does not get past it; the run ends at this yield. */
	for (;;)
		env_cond_resched(kshim_env);
}

void kshim_unimplemented(const char *fn)
{
	static char msg[256];
	const char *pre = "the Linux MMU reached a kernel function tdpsim does not model: ";
	size_t n = 0;

	for (const char *p = pre; *p && n < sizeof(msg) - 1; p++)
		msg[n++] = *p;
	for (const char *p = fn; *p && n < sizeof(msg) - 1; p++)
		msg[n++] = *p;
	msg[n] = 0;
	kshim_host_die(msg);
}

void kshim_refcount_warn(const char *what)
{
	kshim_warn("refcount_t", 0, what, false);
}

void *kshim_memchr_inv(const void *p, int c, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		if (s[i] != (unsigned char)c)
			return (void *)(s + i);
	return NULL;
}

/* ------------------------------------------------------- shared words */

u64 kshim_load64(const volatile void *p)
{
	if (direct())
		return *(const volatile u64 *)p;
	return env_read(kshim_env, (const u64 *)p);
}

void kshim_store64(volatile void *p, u64 v)
{
	if (direct()) {
		*(volatile u64 *)p = v;
		return;
	}
	env_write(kshim_env, (u64 *)p, v);
}

u64 kshim_xchg64(volatile void *p, u64 v)
{
	u64 old;

	if (!direct())
		return env_xchg(kshim_env, (u64 *)p, v);
	old = *(volatile u64 *)p;
	*(volatile u64 *)p = v;
	return old;
}

bool kshim_try_cmpxchg64(volatile void *p, u64 *old, u64 v)
{
	if (!direct())
		return env_cmpxchg(kshim_env, (u64 *)p, old, v);
	if (*(volatile u64 *)p != *old) {
		*old = *(volatile u64 *)p;
		return false;
	}
	*(volatile u64 *)p = v;
	return true;
}

u64 kshim_fetch_and64(volatile void *p, u64 mask)
{
	u64 old;

	if (!direct())
		return env_fetch_and(kshim_env, (u64 *)p, mask);
	old = *(volatile u64 *)p;
	*(volatile u64 *)p = old & mask;
	return old;
}

u64 kshim_fetch_or64(volatile void *p, u64 mask)
{
	u64 old;

	if (!direct())
		return env_fetch_or(kshim_env, (u64 *)p, mask);
	old = *(volatile u64 *)p;
	*(volatile u64 *)p = old | mask;
	return old;
}

u64 kshim_fetch_add64(volatile void *p, u64 v)
{
	u64 old = *(volatile u64 *)p;

	/* env has no fetch-add: a compare-and-swap loop, as on x86 without
	 * LOCK XADD, each attempt a yield point. */
	if (direct()) {
		*(volatile u64 *)p = old + v;
		return old;
	}
	while (!env_cmpxchg(kshim_env, (u64 *)p, &old, old + v))
		;
	return old;
}

void kshim_yield(void)
{
	if (!direct())
		env_cond_resched(kshim_env);
}

/* ---------------------------------------------------------------- locks */

void kshim_read_lock(rwlock_t *l)
{
	if (!direct())
		env_read_lock(kshim_env);
}

void kshim_read_unlock(rwlock_t *l)
{
	if (!direct())
		env_read_unlock(kshim_env);
}

void kshim_write_lock(rwlock_t *l)
{
	if (!direct())
		env_write_lock(kshim_env);
}

void kshim_write_unlock(rwlock_t *l)
{
	if (!direct())
		env_write_unlock(kshim_env);
}

bool kshim_rwlock_held(rwlock_t *l, int mode)
{
	if (direct())
		return true; /* alone: as good as held */
	switch (mode) {
	case 1:
		return env_lock_held_read(kshim_env);
	case 2:
		return env_lock_held_write(kshim_env);
	default:
		return env_lock_held_read(kshim_env) || env_lock_held_write(kshim_env);
	}
}

bool kshim_rwlock_needbreak(rwlock_t *l)
{
	return !direct() && env_lock_needbreak(kshim_env);
}

/* Cycles a spinning waiter burns per look at the lock word. */
#define KSHIM_SPIN_CYCLES 20

void kshim_spin_lock(int *held)
{
	if (direct()) {
		*held = 1;
		return;
	}
	env_cond_resched(kshim_env);
	while (*held) {
		env_charge(kshim_env, KSHIM_SPIN_CYCLES);
		env_cond_resched(kshim_env);
	}
	*held = 1;
}

void kshim_spin_unlock(int *held)
{
	if (!*held)
		kshim_warn("spinlock", 0, "unlock of a lock that is not held", false);
	*held = 0;
	if (!direct())
		env_cond_resched(kshim_env);
}

bool kshim_need_resched(void)
{
	return !direct() && env_need_resched(kshim_env);
}

void kshim_cond_resched(void)
{
	if (!direct())
		env_cond_resched(kshim_env);
}

/* __cond_resched_rwlock_{read,write}: give mmu_lock up if someone waits
 * for it or the scheduler wants the CPU; 1 if it was dropped. */
int kshim_cond_resched_rwlock(rwlock_t *l, bool write)
{
	if (direct() || !(env_lock_needbreak(kshim_env) || env_need_resched(kshim_env)))
		return 0;
	if (write)
		env_write_unlock(kshim_env);
	else
		env_read_unlock(kshim_env);
	env_cond_resched(kshim_env);
	if (write)
		env_write_lock(kshim_env);
	else
		env_read_lock(kshim_env);
	return 1;
}

/* ------------------------------------------------------------------ RCU */

void kshim_rcu_read_lock(void)
{
	if (!direct())
		env_rcu_read_lock(kshim_env);
}

void kshim_rcu_read_unlock(void)
{
	if (!direct())
		env_rcu_read_unlock(kshim_env);
}

bool kshim_rcu_read_held(void)
{
	return direct() || env_rcu_read_held(kshim_env);
}

static void rcu_tramp(struct env *e, void *arg)
{
	struct rcu_head *head = arg;

	head->func(head);
}

void kshim_call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *))
{
	head->func = func;
	if (direct()) {
		/* No reader can exist: the grace period is over at once. */
		func(head);
		return;
	}
	env_call_rcu(kshim_env, rcu_tramp, head);
}

void kshim_synchronize_rcu(void)
{
	if (!direct())
		env_synchronize_rcu(kshim_env);
}

/* Callbacks queued before a grace period run at its end, and the next one
 * starts after them: two grace periods cover every callback queued now. */
void kshim_rcu_barrier(void)
{
	kshim_synchronize_rcu();
	kshim_synchronize_rcu();
}

/* ------------------------------------------------------------- memory */

void *kzalloc(size_t size, gfp_t gfp) { return kshim_host_calloc(1, size); }
void *kmalloc(size_t size, gfp_t gfp) { return kshim_host_calloc(1, size); }
void *kcalloc(size_t n, size_t size, gfp_t gfp) { return kshim_host_calloc(n, size); }
void kfree(const void *p) { kshim_host_free(p); }
void *kvcalloc(size_t n, size_t size, gfp_t gfp) { return kshim_host_calloc(n, size); }
void *kvzalloc(size_t size, gfp_t gfp) { return kshim_host_calloc(1, size); }
void *kvmalloc_array(size_t n, size_t size, gfp_t gfp) { return kshim_host_calloc(n, size); }
void kvfree(const void *p) { kshim_host_free(p); }
void *__vcalloc(size_t n, size_t size, gfp_t gfp) { return kshim_host_calloc(n, size); }
void *vzalloc(size_t size) { return kshim_host_calloc(1, size); }
void vfree(const void *p) { kshim_host_free(p); }

struct kmem_cache {
	unsigned int size;
};

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *))
{
	struct kmem_cache *c = kshim_host_calloc(1, sizeof(*c));

	c->size = size;
	return c;
}

void kmem_cache_destroy(struct kmem_cache *c) { kshim_host_free(c); }
void *kmem_cache_zalloc(struct kmem_cache *c, gfp_t gfp) { return kshim_host_calloc(1, c->size); }
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp) { return kshim_host_calloc(1, c->size); }
void kmem_cache_free(struct kmem_cache *c, void *obj) { kshim_host_free(obj); }

/*
 * struct page for the page-table pages the tree allocates: page_private()
 * holds their struct kvm_mmu_page (sptep_to_sp).  An open-addressing table
 * keyed by pfn; any other pfn shares one page that is never reserved.
 */
static struct page **page_tab;
static size_t page_cap, page_nr;
static struct page other_page;

static size_t page_slot(u64 pfn)
{
	return (size_t)((pfn * 0x9E3779B97F4A7C15ull) >> 20) & (page_cap - 1);
}

static struct page *page_lookup(u64 pfn, bool create)
{
	size_t i;

	if (create && 2 * (page_nr + 1) > page_cap) {
		struct page **old = page_tab;
		size_t oc = page_cap;

		page_cap = page_cap ? 2 * page_cap : 1024;
		page_tab = kshim_host_calloc(page_cap, sizeof(*page_tab));
		for (size_t j = 0; j < oc; j++) {
			if (!old[j])
				continue;
			for (i = page_slot(old[j]->pfn); page_tab[i]; i = (i + 1) & (page_cap - 1))
				;
			page_tab[i] = old[j];
		}
		kshim_host_free(old);
	}
	if (!page_cap)
		return NULL;
	for (i = page_slot(pfn); page_tab[i]; i = (i + 1) & (page_cap - 1))
		if (page_tab[i]->pfn == pfn)
			return page_tab[i];
	if (!create)
		return NULL;
	page_tab[i] = kshim_host_calloc(1, sizeof(struct page));
	page_tab[i]->pfn = pfn;
	page_nr++;
	return page_tab[i];
}

u64 kshim_pa(const void *va) { return env_pt_pa(kshim_env, va); }
void *kshim_va(u64 pa) { return env_pt_va(kshim_env, pa); }

struct page *kshim_virt_to_page(const void *va)
{
	return page_lookup(kshim_pa(va) >> PAGE_SHIFT, true);
}

struct page *kshim_pfn_to_page(u64 pfn)
{
	struct page *p = page_lookup(pfn, false);

	if (p)
		return p;
	other_page.pfn = pfn;
	return &other_page;
}

unsigned long __get_free_page(gfp_t gfp)
{
	u64 *pt = env_alloc_pt_page(kshim_env);

	return (unsigned long)pt;
}

unsigned long get_zeroed_page(gfp_t gfp) { return __get_free_page(gfp); }

struct page *alloc_page(gfp_t gfp)
{
	unsigned long va = __get_free_page(gfp);

	return va ? kshim_virt_to_page((void *)va) : NULL;
}

void free_page(unsigned long addr)
{
	struct page *p;

	if (!addr)
		return;
	p = page_lookup(kshim_pa((void *)addr) >> PAGE_SHIFT, false);
	if (p)
		p->private = 0;
	env_free_pt_page(kshim_env, (u64 *)addr);
}

/* The zero page: one page-table page, never written, allocated first. */
static u64 zero_pfn = ~0ull;

u64 kshim_zero_pfn(void)
{
	if (zero_pfn == ~0ull)
		zero_pfn = kshim_pa((void *)__get_free_page(GFP_KERNEL)) >> PAGE_SHIFT;
	return zero_pfn;
}

int kshim_host_level(struct mm_struct *mm, unsigned long hva)
{
	return env_host_mapping_level(kshim_env, hva);
}

bool kshim_itlb_multihit;

/* The host CPU's features and bugs the MMU asks about. */
bool kshim_cpu_has(int feature)
{
	switch (feature) {
	case X86_BUG_ITLB_MULTIHIT:
		return kshim_itlb_multihit;
	case X86_FEATURE_GBPAGES:
	case X86_FEATURE_NX:
	case X86_FEATURE_PAE:
		return true;
	case X86_FEATURE_LA57:
		return env_caps(kshim_env)->tdp_levels == 5;
	default:
		return false;
	}
}

void kshim_reset(void)
{
	for (size_t i = 0; i < page_cap; i++)
		kshim_host_free(page_tab[i]);
	kshim_host_free(page_tab);
	page_tab = NULL;
	page_cap = page_nr = 0;
	zero_pfn = ~0ull;
}

/* ------------------------------------------------- bitmaps, parameters */

unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
			    unsigned long offset)
{
	for (; offset < size; offset++)
		if (test_bit((long)offset, addr))
			return offset;
	return size;
}

unsigned long find_first_bit(const unsigned long *addr, unsigned long size)
{
	return find_next_bit(addr, size, 0);
}

int kstrtobool(const char *s, bool *res)
{
	switch (s ? s[0] : 0) {
	case 'y': case 'Y': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case '0':
		*res = false;
		return 0;
	default:
		return -EINVAL;
	}
}

bool sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (!*a && *b == '\n' && !b[1])
		return true;
	return !*b && *a == '\n' && !a[1];
}

/* ---------------------------------------------------- module parameters */

/* The tree's module_param_cb entries (kshim/base.h), between the linker's
 * bounds of their section. */
extern const struct kernel_param __start_kshim_param[], __stop_kshim_param[];

int kshim_param_set(const char *name, const char *val)
{
	for (const struct kernel_param *kp = __start_kshim_param;
	     kp < __stop_kshim_param; kp++)
		if (!__builtin_strcmp(kp->name, name))
			return kp->ops->set(val, kp);
	return -ENOENT;
}

int kshim_param_set_u64(const char *name, u64 v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = 0;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return kshim_param_set(name, p);
}

/* kstrtouint, base 10 (what the model writes). */
int param_set_uint(const char *val, const struct kernel_param *kp)
{
	u64 v = 0;

	if (!val || !*val)
		return -EINVAL;
	for (; *val && *val != '\n'; val++) {
		if (*val < '0' || *val > '9')
			return -EINVAL;
		v = v * 10 + (u64)(*val - '0');
		if (v > 0xffffffffull)
			return -ERANGE;
	}
	*(unsigned int *)kp->arg = (unsigned int)v;
	return 0;
}

/* ------------------------------------------------- kernel threads, time */

/* Before the run (the VM being made) it is time 0. */
u64 kshim_jiffies(void)
{
	if (direct())
		return 0;
	return env_now(kshim_env) / env_caps(kshim_env)->tsc_khz;
}

/* The calling kernel thread (the NX recovery worker, the only one that
 * waits) sleeps @timeout jiffies; MAX_SCHEDULE_TIMEOUT, until woken, is
 * for ever: nothing wakes a worker during a run (module parameters change
 * only before the VM exists). */
long schedule_timeout(long timeout)
{
	u64 khz = env_caps(kshim_env)->tsc_khz;

	if (timeout <= 0)
		return 0;
	env_sleep(kshim_env, (u64)timeout > UINT64_MAX / khz ? UINT64_MAX
							       : (u64)timeout * khz);
	return 0;
}

/* 6.12's vhost_task: the function and its argument.  It runs when the VMM
 * gives it a simulated thread (kshim_vhost_task_run). */
struct vhost_task {
	bool (*fn)(void *);
	void *arg;
};

struct vhost_task *vhost_task_create(bool (*fn)(void *), void (*handle_kill)(void *),
				     void *arg, const char *name)
{
	struct vhost_task *t = kshim_host_calloc(1, sizeof(*t));

	t->fn = fn;
	t->arg = arg;
	return t;
}

void vhost_task_start(struct vhost_task *vtsk) { }

/* Called at VM teardown, outside the run: the task's simulated thread is
 * gone with the run. */
void vhost_task_stop(struct vhost_task *vtsk)
{
	kshim_host_free(vtsk);
}

/* A wake-up cuts a wait short when a parameter changes; none changes while
 * a VM runs (kshim_param_set runs before it exists). */
void vhost_task_wake(struct vhost_task *vtsk) { }

void kshim_vhost_task_run(struct vhost_task *vtsk)
{
	while (vtsk->fn(vtsk->arg))
		;
}

/* 6.1's kthreads (kvm_vm_create_worker_thread makes them): they are
 * stopped only at teardown, when no simulated thread runs. */
bool kthread_should_stop(void) { return false; }
void kthread_unpark(struct task_struct *k) { }
int wake_up_process(struct task_struct *tsk) { return 0; }
