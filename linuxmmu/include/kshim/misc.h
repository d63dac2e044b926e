/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/misc.h — module parameters, sysfs, shrinkers, kthreads, per-CPU
 * counters and call_once as the MMU declares them.  A parameter with
 * callbacks (module_param_cb) is registered, as the kernel's __param
 * section does, so the model sets it through the tree's own setter
 * (kshim_param_set); plain ones are globals it assigns.  The NX recovery
 * worker (a vhost_task in 6.12, a kthread in 6.1) runs on its own simulated
 * thread, which the VMM starts (kvm_nx_huge_page_recovery_worker);
 * schedule_timeout sleeps that thread.  The shrinker never runs: the
 * simulated host does not run short of memory.
 */
#ifndef KSHIM_MISC_H
#define KSHIM_MISC_H

#include <kshim/sync.h>

struct kernel_param;
struct kernel_param_ops {
	unsigned int flags;
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
};
struct kernel_param {
	const char *name;
	const struct kernel_param_ops *ops;
	void *arg;
};
/* Set @name (a module_param_cb of the tree) to @val through its setter:
 * the setter's result (0 or -errno). */
int kshim_param_set(const char *name, const char *val);
int param_set_uint(const char *val, const struct kernel_param *kp);
int param_get_uint(char *buffer, const struct kernel_param *kp);
int param_set_bool(const char *val, const struct kernel_param *kp);
int param_get_bool(char *buffer, const struct kernel_param *kp);
int kstrtobool(const char *s, bool *res);
bool sysfs_streq(const char *s1, const char *s2);
int sysfs_emit(char *buf, const char *fmt, ...);

static inline u64 hash_64(u64 val, unsigned int bits)
{
	return (val * 0x61C8864680B583EBull) >> (64 - bits);
}
#define REPEAT_BYTE(x) ((~0ul / 0xff) * (x))

struct percpu_counter { s64 count; };
static inline int percpu_counter_init(struct percpu_counter *c, s64 v, gfp_t g) { c->count = v; return 0; }
static inline void percpu_counter_destroy(struct percpu_counter *c) { }
static inline void percpu_counter_add(struct percpu_counter *c, s64 v) { c->count += v; }
static inline s64 percpu_counter_read_positive(struct percpu_counter *c) { return c->count > 0 ? c->count : 0; }

struct shrink_control;
struct shrinker {
	unsigned long (*count_objects)(struct shrinker *, struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *, struct shrink_control *sc);
	long batch;
	int seeks;
};
#define DEFAULT_SEEKS 2
struct shrink_control { unsigned long nr_to_scan; };
#define SHRINK_STOP (~0UL)
#define SHRINK_EMPTY (~0UL - 1)
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: the MMU's shrinker is a static object, registered by name.  The
 * simulated host never runs short of memory: registering is all there is. */
static inline int register_shrinker(struct shrinker *s, const char *fmt, ...) { return 0; }
static inline void unregister_shrinker(struct shrinker *s) { }
#else
struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...);
void shrinker_register(struct shrinker *s);
void shrinker_free(struct shrinker *s);
#endif

struct vhost_task;
struct task_struct;
/* Kernel threads: 6.1's NX recovery worker is a kthread, 6.12's a
 * vhost_task.  Both kinds are declared for both trees; each uses its own. */
#define MAX_SCHEDULE_TIMEOUT LONG_MAX
bool kthread_should_stop(void);
void kthread_unpark(struct task_struct *k);
int kthread_stop(struct task_struct *k);
int wake_up_process(struct task_struct *tsk);
struct vhost_task *vhost_task_create(bool (*fn)(void *), void (*handle_kill)(void *),
				     void *arg, const char *name);
void vhost_task_start(struct vhost_task *vtsk);
void vhost_task_stop(struct vhost_task *vtsk);
void vhost_task_wake(struct vhost_task *vtsk);
#define TASK_INTERRUPTIBLE 1
#define TASK_RUNNING 0
#define set_current_state(s) ((void)0)
#define __set_current_state(s) ((void)0)
long schedule_timeout(long timeout);
#define signal_pending(t) 0
/* The one task that calls into KVM: the VMM's, whose mm is the VM's. */
struct task_struct {
	struct mm_struct *mm;
};
extern struct task_struct kshim_current;
#define current (&kshim_current)
int send_sig_mceerr(int code, void *addr, short lsb, struct task_struct *t);
#define BUS_MCEERR_AR 4

struct once {
	int state;
};
#define call_once(once, cb) ({ (once)->state ? 0 : ((once)->state = 1, (cb)(once)); })

#define __get_user(x, ptr) (kshim_unimplemented("__get_user (guest page table read by KVM)"), 0)
#define __try_cmpxchg_user(ptr, oldp, nval, label) (kshim_unimplemented("__try_cmpxchg_user"), 0)
int set_memory_decrypted(unsigned long addr, int numpages);
int set_memory_encrypted(unsigned long addr, int numpages);

#endif
