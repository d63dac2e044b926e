/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kshim/kvm.h — struct kvm, struct kvm_vcpu and their x86 parts, memslots,
 * requests, the mmu_notifier sequence and the memory caches: what
 * include/linux/kvm_host.h and arch/x86/include/asm/kvm_host.h give the
 * tree's MMU, with the kernel's field names, written for tdpsim.
 *
 * Only fields the MMU files touch are declared, plus `glue` pointers where
 * tdpsim's rest-of-KVM model (the .c files of linuxmmu/) keeps its own state.  The
 * functions declared here are implemented by that model (kvm_main.c- and
 * x86.c-level work: memslots, gfn->pfn, dirty logging, requests, remote
 * flushes); the tree's MMU files implement the rest.
 */
#ifndef KSHIM_KVM_H
#define KSHIM_KVM_H

#include <kshim/mm.h>
#include <kshim/misc.h>
#include <kshim/vmx.h>
#include <kshim/trace.h>
#include <asm/kvm_page_track.h>

/*
 * Where Linux 6.1 and 6.12 differ (LINUX_VERSION_CODE, kshim/base.h), the
 * declarations below are keyed on the version, each in its struct or next
 * to its 6.12 counterpart, marked "6.1:".  The changes landed between 6.2
 * and 6.12; the 6.1 side is the 6.1.y API, the other side 6.12's, and a
 * tree in between is not supported yet (it fails to compile, naming the
 * API).  Summary of what differs:
 *   struct kvm_arch      6.1: tdp_mmu_enabled per VM, tdp_mmu_pages a list,
 *                        mmu_page_hash an array (6.12: allocated with the
 *                        first shadow root),
 *                        lpage_disallowed_mmu_pages, mmu_sp_tracker (the MMU's
 *                        page-track notifier), nx_lpage_recovery_thread (a
 *                        kthread);  6.12: tdp_mmu_pages a counter,
 *                        possible_nx_huge_pages, a vhost_task recovery thread
 *   struct kvm_mmu       6.1: sync_page and invlpg;  6.12: sync_spte
 *   struct kvm_vcpu_arch 6.1: exit_qualification, last_vmentry_cpu
 *   struct kvm_gfn_range 6.1: pte (change_pte);  6.12: arg, attr_filter
 *   memslot arch         6.1: gfn_track[mode];  6.12: gfn_write_track
 *   page tracking        6.1: modes (KVM_PAGE_TRACK_WRITE) and notifier
 *                        nodes with track_write/track_flush_slot
 *                        (asm/kvm_page_track.h)
 *   struct kvm_x86_ops   6.1: tlb_remote_flush_with_range, called through
 *                        static_call(kvm_x86_NAME);  6.12: flush_remote_tlbs
 *                        (_range), called through kvm_x86_call(NAME)
 *   invalidation         6.1: kvm_mmu_invalidate_begin/end(kvm, hva start,
 *                        end), mmu_invalidate_retry_hva;  6.12: begin/end(kvm)
 *                        + kvm_mmu_invalidate_range_add(gfns),
 *                        mmu_invalidate_retry_gfn
 *   gfn -> pfn           6.1: __gfn_to_pfn_memslot without @interruptible
 *   remote flushes       6.1: kvm_arch_flush_remote_tlbs_memslot;  6.12:
 *                        kvm_flush_remote_tlbs_range/_memslot
 */

/* ------------------------------------------------------------ x86 basics */

enum pg_level {
	PG_LEVEL_NONE,
	PG_LEVEL_4K,
	PG_LEVEL_2M,
	PG_LEVEL_1G,
	PG_LEVEL_512G,
	PG_LEVEL_NUM
};

#define X86_CR0_PE BIT(0)
#define X86_CR0_TS BIT(3)
#define X86_CR0_WP BIT(16)
#define X86_CR0_PG BIT(31)
#define X86_CR4_VME BIT(0)
#define X86_CR4_PVI BIT(1)
#define X86_CR4_TSD BIT(2)
#define X86_CR4_DE BIT(3)
#define X86_CR4_PSE BIT(4)
#define X86_CR4_PCE BIT(8)
#define X86_CR4_OSFXSR BIT(9)
#define X86_CR4_OSXMMEXCPT BIT(10)
#define X86_CR4_PCIDE BIT(17)
#define X86_CR4_FSGSBASE BIT(16)
#define X86_CR4_PAE BIT(5)
#define X86_CR4_PGE BIT(7)
#define X86_CR4_LA57 BIT(12)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)
#define X86_CR4_PKE BIT(22)
#define X86_CR4_CET BIT(23)
#define X86_CR3_PCID_MASK 0xfffUL
#define X86_CR3_LAM_U57 BIT_ULL(61)
#define X86_CR3_LAM_U48 BIT_ULL(62)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NX BIT(11)
#define X86_EFLAGS_AC BIT(18)
#define PKRU_AD_BIT 0x1u
#define PKRU_WD_BIT 0x2u
#define PKRU_BITS_PER_PKEY 2

#define _PAGE_BIT_PRESENT 0
#define _PAGE_BIT_RW 1
#define _PAGE_BIT_USER 2
#define _PAGE_BIT_PWT 3
#define _PAGE_BIT_PCD 4
#define _PAGE_BIT_ACCESSED 5
#define _PAGE_BIT_DIRTY 6
#define _PAGE_BIT_PSE 7
#define _PAGE_BIT_PAT 7
#define _PAGE_BIT_GLOBAL 8
#define _PAGE_BIT_SOFTW1 9
#define _PAGE_BIT_NX 63
#define _PAGE_PRESENT BIT_ULL(_PAGE_BIT_PRESENT)
#define _PAGE_RW BIT_ULL(_PAGE_BIT_RW)
#define _PAGE_USER BIT_ULL(_PAGE_BIT_USER)
#define _PAGE_PWT BIT_ULL(_PAGE_BIT_PWT)
#define _PAGE_PCD BIT_ULL(_PAGE_BIT_PCD)
#define _PAGE_ACCESSED BIT_ULL(_PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY BIT_ULL(_PAGE_BIT_DIRTY)
#define _PAGE_PSE BIT_ULL(_PAGE_BIT_PSE)
#define _PAGE_GLOBAL BIT_ULL(_PAGE_BIT_GLOBAL)
#define _PAGE_NX BIT_ULL(_PAGE_BIT_NX)
#define PT64_ROOT_MAX_LEVEL 5
#define PTE_FLAGS_MASK (~PHYSICAL_PAGE_MASK)
#define pte_flags(pte) ((pte).pte & PTE_FLAGS_MASK)
#define pte_flags_pkey(flags) (((flags) >> 59) & 0xf)
#define MAX_PHYSMEM_BITS 52
#define __PHYSICAL_MASK_SHIFT 52
#define __PHYSICAL_MASK ((1ULL << __PHYSICAL_MASK_SHIFT) - 1)
#define PHYSICAL_PAGE_MASK (((signed long)PAGE_MASK) & __PHYSICAL_MASK)
#define X86_FEATURE_LA57 1
#define X86_FEATURE_GBPAGES 2
#define X86_FEATURE_MTRR 3
#define X86_FEATURE_SME 4
#define X86_FEATURE_TDX_HOST_PLATFORM 5
#define X86_FEATURE_PKU 6
#define X86_FEATURE_SMEP 7
#define X86_FEATURE_SMAP 8
#define X86_FEATURE_NX 9
#define X86_BUG_L1TF 10
#define X86_FEATURE_HYPERVISOR 11
#define X86_FEATURE_RTM 12
#define X86_FEATURE_SEV_ES 13
#define X86_FEATURE_PAE 14
#define X86_BUG_ITLB_MULTIHIT 15

/* The host CPU (boot_cpu_data): MAXPHYADDR and the cache's address bits. */
struct cpuinfo_x86 {
	u32 extended_cpuid_level;
	u8 x86_phys_bits;
	u8 x86_cache_bits;
};
extern struct cpuinfo_x86 boot_cpu_data;
bool kshim_cpu_has(int feature);
#define boot_cpu_has(f) kshim_cpu_has(f)
#define boot_cpu_has_bug(f) kshim_cpu_has(f)
#define static_cpu_has(f) kshim_cpu_has(f)
#define cpu_feature_enabled(f) kshim_cpu_has(f)
/* Mitigations on, the kernel's default: whether the CPU has a bug decides
 * (X86_BUG_ITLB_MULTIHIT: mmu.nx_huge_pages). */
#define cpu_mitigations_off() 0
#define sme_me_mask 0ULL
#define pat_enabled() 1
#define pat_pfn_immune_to_uc_mtrr(pfn) 1
#define e820__mapped_raw_any(s, e, t) 1
#define E820_TYPE_RAM 1
/* Time: the current thread's clock in jiffies at HZ=1000, i.e. in ms of
 * cpu.mhz cycles (env_caps tsc_khz).  The MMU reads it only to time the
 * NX recovery worker. */
u64 kshim_jiffies(void);
#define get_jiffies_64() kshim_jiffies()
#define jiffies ((unsigned long)kshim_jiffies())
#define msecs_to_jiffies(m) ((unsigned long)(m))
#define HZ 1000

#define MTRR_TYPE_UNCACHABLE 0
#define MTRR_TYPE_WRBACK 6
#define MTRR_NUM_TYPES 7

/* ----------------------------------------------------------- kvm_types */

struct kvm;
struct kvm_vcpu;
struct kvm_memory_slot;
struct kvm_mmu_page;
struct kvm_page_fault;
struct x86_exception;
struct kvm_page_track_notifier_node;

#define KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE 40
struct kvm_mmu_memory_cache {
	gfp_t gfp_zero;
	gfp_t gfp_custom;
	u64 init_value;
	struct kmem_cache *kmem_cache;
	int capacity;
	int nobjs;
	void **objects;
};

#define KVM_PFN_ERR_MASK (0x7ffULL << 52)
#define KVM_PFN_ERR_NOSLOT_MASK (0xfffULL << 52)
#define KVM_PFN_NOSLOT (0x1ULL << 63)
#define KVM_PFN_ERR_FAULT (KVM_PFN_ERR_MASK)
#define KVM_PFN_ERR_HWPOISON (KVM_PFN_ERR_MASK + 1)
#define KVM_PFN_ERR_RO_FAULT (KVM_PFN_ERR_MASK + 2)
#define KVM_PFN_ERR_SIGPENDING (KVM_PFN_ERR_MASK + 3)
#define KVM_PFN_ERR_NEEDS_IO (KVM_PFN_ERR_MASK + 4)
static inline bool is_error_pfn(kvm_pfn_t pfn) { return !!(pfn & KVM_PFN_ERR_MASK); }
static inline bool is_sigpending_pfn(kvm_pfn_t pfn) { return pfn == KVM_PFN_ERR_SIGPENDING; }
static inline bool is_error_noslot_pfn(kvm_pfn_t pfn) { return !!(pfn & KVM_PFN_ERR_NOSLOT_MASK); }
static inline bool is_noslot_pfn(kvm_pfn_t pfn) { return pfn == KVM_PFN_NOSLOT; }
#define KVM_HVA_ERR_BAD (PAGE_OFFSET_BAD)
#define PAGE_OFFSET_BAD (0xffff800000000000UL)
#define KVM_HVA_ERR_RO_BAD (PAGE_OFFSET_BAD + PAGE_SIZE)
static inline bool kvm_is_error_hva(unsigned long addr) { return addr >= PAGE_OFFSET_BAD; }
#define INVALID_GPA (~(gpa_t)0)
#define INVALID_PAGE (~(hpa_t)0)
#define VALID_PAGE(x) ((x) != INVALID_PAGE)

/* Async page faults are not modelled (the host always has the page);
 * the structs exist so the tree's code that would queue one compiles. */
struct kvm_arch_async_pf {
	u32 token;
	gfn_t gfn;
	unsigned long cr3;
	bool direct_map;
	u64 error_code;
};
struct kvm_async_pf {
	struct list_head link;
	struct list_head queue;
	struct kvm_vcpu *vcpu;
	gpa_t cr2_or_gpa;
	unsigned long addr;
	struct kvm_arch_async_pf arch;
	bool wakeup_all;
	bool notpresent_injected;
};
/* KVM_PRE_FAULT_MEMORY's argument (uapi). */
struct kvm_pre_fault_memory {
	u64 gpa;
	u64 size;
	u64 flags;
	u64 padding[5];
};
/* Every VM of the process (one here), under kvm_lock. */
extern struct list_head vm_list;
extern struct mutex kvm_lock;
extern bool eager_page_split;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
extern bool itlb_multihit_kvm_mitigation; /* 6.1: a bool */
#else
extern int itlb_multihit_kvm_mitigation;
#endif

/* ----------------------------------------------------------- x86 MMU */

#define KVM_MAX_HUGEPAGE_LEVEL PG_LEVEL_1G
#define KVM_NR_PAGE_SIZES (KVM_MAX_HUGEPAGE_LEVEL - PG_LEVEL_4K + 1)
#define KVM_HPAGE_GFN_SHIFT(x) (((x) - 1) * 9)
#define KVM_HPAGE_SHIFT(x) (PAGE_SHIFT + KVM_HPAGE_GFN_SHIFT(x))
#define KVM_HPAGE_SIZE(x) (1UL << KVM_HPAGE_SHIFT(x))
#define KVM_HPAGE_MASK(x) (~(KVM_HPAGE_SIZE(x) - 1))
#define KVM_PAGES_PER_HPAGE(x) (KVM_HPAGE_SIZE(x) / PAGE_SIZE)
#define KVM_MMU_HASH_SHIFT 12
#define KVM_NUM_MMU_PAGES (1 << KVM_MMU_HASH_SHIFT)
#define KVM_MIN_FREE_MMU_PAGES 5
#define KVM_REFILL_PAGES 25
#define KVM_MAX_CPUID_ENTRIES 256
#define KVM_MMU_NUM_PREV_ROOTS 3
#define KVM_MMU_ROOT_CURRENT BIT(0)
#define KVM_MMU_ROOT_PREVIOUS(i) BIT(1 + (i))
#define KVM_MMU_ROOTS_ALL (BIT(1 + KVM_MMU_NUM_PREV_ROOTS) - 1)
#define KVM_MMU_ROOT_INFO_INVALID ((struct kvm_mmu_root_info){ .pgd = INVALID_PAGE, .hpa = INVALID_PAGE })
/* (kvmmu/kvmmu.h, which the rest-of-KVM model includes too, defines the
 * uapi ones with the same values.) */
#ifndef KVM_ADDRESS_SPACE_NUM
#define KVM_ADDRESS_SPACE_NUM 2
#endif
#define KVM_MAX_NR_ADDRESS_SPACES 2
#define KVM_MEM_SLOTS_NUM 32767
#define KVM_PRIVATE_MEM_SLOTS 3
#ifndef KVM_USER_MEM_SLOTS
#define KVM_USER_MEM_SLOTS (KVM_MEM_SLOTS_NUM - KVM_PRIVATE_MEM_SLOTS)
#endif
#ifndef KVM_MEM_LOG_DIRTY_PAGES
#define KVM_MEM_LOG_DIRTY_PAGES (1u << 0)
#define KVM_MEM_READONLY (1u << 1)
#endif
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
#define KVM_MEMSLOT_INVALID (1UL << 16)
#define KVM_X86_DEFAULT_VM 0
#define KVM_X86_SW_PROTECTED_VM 1
#define KVM_X86_SEV_VM 2
#define KVM_X86_SEV_ES_VM 3
#define KVM_X86_SNP_VM 4
#define KVM_X86_QUIRK_CD_NW_CLEARED BIT(1)
#define KVM_X86_QUIRK_IGNORE_GUEST_PAT BIT(9)
#define KVM_X86_QUIRK_SLOT_ZAP_ALL BIT(7)
#define APIC_ACCESS_PAGE_PRIVATE_MEMSLOT (KVM_USER_MEM_SLOTS + 1)
#define KVM_PV_REASON_PAGE_NOT_PRESENT 1
#define KVM_POSSIBLE_CR0_GUEST_BITS (X86_CR0_TS | X86_CR0_WP)
#define KVM_POSSIBLE_CR4_GUEST_BITS (X86_CR4_PVI | X86_CR4_DE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_PGE | X86_CR4_TSD | X86_CR4_FSGSBASE)
#define PF_VECTOR 14
#define SPLIT_DESC_CACHE_MIN_NR_OBJECTS (512 + 1)
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)

#define PFERR_PRESENT_MASK BIT(0)
#define PFERR_WRITE_MASK BIT(1)
#define PFERR_USER_MASK BIT(2)
#define PFERR_RSVD_MASK BIT(3)
#define PFERR_FETCH_MASK BIT(4)
#define PFERR_PK_MASK BIT(5)
#define PFERR_SGX_MASK BIT(15)
#define PFERR_GUEST_RMP_MASK BIT_ULL(31)
#define PFERR_GUEST_FINAL_MASK BIT_ULL(32)
#define PFERR_GUEST_PAGE_MASK BIT_ULL(33)
#define PFERR_GUEST_ENC_MASK BIT_ULL(34)
#define PFERR_GUEST_SIZEM_MASK BIT_ULL(35)
#define PFERR_GUEST_VMPL_MASK BIT_ULL(36)
#define PFERR_IMPLICIT_ACCESS BIT_ULL(48)
#define PFERR_PRIVATE_ACCESS BIT_ULL(49)
#define PFERR_SYNTHETIC_MASK (PFERR_IMPLICIT_ACCESS | PFERR_PRIVATE_ACCESS)
#define PFERR_NESTED_GUEST_PAGE (PFERR_GUEST_PAGE_MASK | PFERR_WRITE_MASK | PFERR_PRESENT_MASK)

#define EMULTYPE_NO_DECODE (1 << 0)
#define EMULTYPE_TRAP_UD (1 << 1)
#define EMULTYPE_SKIP (1 << 2)
#define EMULTYPE_ALLOW_RETRY_PF (1 << 3)
#define EMULTYPE_TRAP_UD_FORCED (1 << 4)
#define EMULTYPE_VMWARE_GP (1 << 5)
#define EMULTYPE_PF (1 << 6)
#define EMULTYPE_COMPLETE_USER_EXIT (1 << 7)
#define EMULTYPE_WRITE_PF_TO_SP (1 << 8)

#define ACC_EXEC_MASK 1
#define ACC_WRITE_MASK PT_WRITABLE_MASK
#define ACC_USER_MASK PT_USER_MASK
#define ACC_ALL (ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK)
#define PT_WRITABLE_SHIFT 1
#define PT_USER_SHIFT 2
#define PT_PRESENT_MASK (1ULL << 0)
#define PT_WRITABLE_MASK (1ULL << PT_WRITABLE_SHIFT)
#define PT_USER_MASK (1ULL << PT_USER_SHIFT)
#define PT_PWT_MASK (1ULL << 3)
#define PT_PCD_MASK (1ULL << 4)
#define PT_ACCESSED_SHIFT 5
#define PT_ACCESSED_MASK (1ULL << PT_ACCESSED_SHIFT)
#define PT_DIRTY_SHIFT 6
#define PT_DIRTY_MASK (1ULL << PT_DIRTY_SHIFT)
#define PT_PAGE_SIZE_SHIFT 7
#define PT_PAGE_SIZE_MASK (1ULL << PT_PAGE_SIZE_SHIFT)
#define PT_PAT_MASK (1ULL << 7)
#define PT_GLOBAL_MASK (1ULL << 8)
#define PT64_NX_SHIFT 63
#define PT64_NX_MASK (1ULL << PT64_NX_SHIFT)
#define PT_PAT_SHIFT 7
#define PT_DIR_PAT_SHIFT 12
#define PT_DIR_PAT_MASK (1ULL << PT_DIR_PAT_SHIFT)
#define PT64_ROOT_5LEVEL 5
#define PT64_ROOT_4LEVEL 4
#define PT32_ROOT_LEVEL 2
#define PT32E_ROOT_LEVEL 3

/* The role bits, laid out as the kernel lays them (the MMU compares and
 * hashes role.word). */
union kvm_mmu_page_role {
	u32 word;
	struct {
		unsigned level : 4;
		unsigned has_4_byte_gpte : 1;
		unsigned quadrant : 2;
		unsigned direct : 1;
		unsigned access : 3;
		unsigned invalid : 1;
		unsigned efer_nx : 1;
		unsigned cr0_wp : 1;
		unsigned smep_andnot_wp : 1;
		unsigned smap_andnot_wp : 1;
		unsigned ad_disabled : 1;
		unsigned guest_mode : 1;
		unsigned passthrough : 1;
		unsigned : 5;
		unsigned smm : 8;
	};
};
union kvm_mmu_extended_role {
	u32 word;
	struct {
		unsigned int valid : 1;
		unsigned int execonly : 1;
		unsigned int cr4_pse : 1;
		unsigned int cr4_pke : 1;
		unsigned int cr4_smap : 1;
		unsigned int cr4_smep : 1;
		unsigned int cr4_la57 : 1;
		unsigned int efer_lma : 1;
	};
};
union kvm_cpu_role {
	u64 as_u64;
	struct {
		union kvm_mmu_page_role base;
		union kvm_mmu_extended_role ext;
	};
};

struct kvm_rmap_head {
	unsigned long val;
};
struct kvm_pio_request;
struct rsvd_bits_validate {
	u64 rsvd_bits_mask[2][PT64_ROOT_MAX_LEVEL];
	u64 bad_mt_xwr;
};
struct kvm_mmu_root_info {
	gpa_t pgd;
	hpa_t hpa;
};
struct kvm_mmu {
	unsigned long (*get_guest_pgd)(struct kvm_vcpu *vcpu);
	u64 (*get_pdptr)(struct kvm_vcpu *vcpu, int index);
	int (*page_fault)(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault);
	void (*inject_page_fault)(struct kvm_vcpu *vcpu,
				  struct x86_exception *fault);
	gpa_t (*gva_to_gpa)(struct kvm_vcpu *vcpu, struct kvm_mmu *mmu,
			    gpa_t gva_or_gpa, u64 access,
			    struct x86_exception *exception);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	/* 6.1: shadow paging's unsync pages, synced and invalidated whole */
	int (*sync_page)(struct kvm_vcpu *vcpu, struct kvm_mmu_page *sp);
	void (*invlpg)(struct kvm_vcpu *vcpu, gva_t gva, hpa_t root_hpa);
#else
	int (*sync_spte)(struct kvm_vcpu *vcpu, struct kvm_mmu_page *sp, int i);
#endif
	struct kvm_mmu_root_info root;
	union kvm_cpu_role cpu_role;
	union kvm_mmu_page_role root_role;
	u32 pkru_mask;
	struct kvm_mmu_root_info prev_roots[KVM_MMU_NUM_PREV_ROOTS];
	u8 permissions[16];
	u64 *pae_root;
	u64 *pml4_root;
	u64 *pml5_root;
	struct rsvd_bits_validate shadow_zero_check;
	struct rsvd_bits_validate guest_rsvd_check;
	u64 pdptrs[4];
};

struct x86_exception {
	u8 vector;
	bool error_code_valid;
	u16 error_code;
	bool nested_page_fault;
	u64 address;
	u8 async_page_fault;
	unsigned long exit_qualification;
};

struct kvm_lpage_info {
	int disallow_lpage;
};
struct kvm_arch_memory_slot {
	struct kvm_rmap_head *rmap[KVM_NR_PAGE_SIZES];
	struct kvm_lpage_info *lpage_info[KVM_NR_PAGE_SIZES - 1];
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	unsigned short *gfn_track[KVM_PAGE_TRACK_MAX]; /* 6.1: per mode */
#else
	unsigned short *gfn_write_track;
#endif
};

struct kvm_vm_stat {
	u64 remote_tlb_flush;
	u64 remote_tlb_flush_requests;
	u64 mmu_shadow_zapped;
	u64 mmu_pte_write;
	u64 mmu_pde_zapped;
	u64 mmu_flooded;
	u64 mmu_recycled;
	u64 mmu_cache_miss;
	u64 mmu_unsync;
	union {
		struct {
			atomic64_t pages_4k;
			atomic64_t pages_2m;
			atomic64_t pages_1g;
		};
		atomic64_t pages[KVM_NR_PAGE_SIZES];
	};
	u64 nx_lpage_splits;
	u64 max_mmu_page_hash_collisions;
	u64 max_mmu_rmap_size;
};
struct kvm_vcpu_stat {
	u64 pf_taken;
	u64 pf_fixed;
	u64 pf_emulate;
	u64 pf_spurious;
	u64 pf_fast;
	u64 pf_mmio_spte_created;
	u64 pf_guest;
	u64 tlb_flush;
	u64 invlpg;
};

struct kvm_page_track_notifier_head {
	struct srcu_struct track_srcu;
	struct hlist_head track_notifier_list;
};

struct kvm_arch {
	unsigned long vm_type;
	unsigned long n_used_mmu_pages;
	unsigned long n_requested_mmu_pages;
	unsigned long n_max_mmu_pages;
	unsigned int indirect_shadow_pages;
	u8 mmu_valid_gen;
	int nr_shadow_pages_unused;
	u8 vm_type_u8;
	bool has_private_mem;
	bool has_protected_state;
	bool pre_fault_allowed;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	struct hlist_head mmu_page_hash[KVM_NUM_MMU_PAGES]; /* 6.1: always there */
#else
	struct hlist_head *mmu_page_hash;
#endif
	struct list_head active_mmu_pages;
	struct list_head zapped_obsolete_pages;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	struct list_head lpage_disallowed_mmu_pages;
#else
	struct list_head possible_nx_huge_pages;
#endif
	spinlock_t mmu_unsync_pages_lock;
	u64 shadow_mmio_value;
	bool disable_nx_huge_pages;
	bool external_write_tracking_enabled;
	bool shadow_root_allocated;
	struct kvm_page_track_notifier_head track_notifier_head;
	struct list_head tdp_mmu_roots;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	/* 6.1: the TDP MMU is chosen per VM, and its pages are on a list */
	bool tdp_mmu_enabled;
	struct list_head tdp_mmu_pages;
	struct kvm_page_track_notifier_node mmu_sp_tracker;
#else
	atomic64_t tdp_mmu_pages;
#endif
	spinlock_t tdp_mmu_pages_lock;
	struct kvm_mmu_memory_cache split_shadow_page_cache;
	struct kvm_mmu_memory_cache split_page_header_cache;
	struct kvm_mmu_memory_cache split_desc_cache;
	u64 disabled_quirks;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	struct task_struct *nx_lpage_recovery_thread; /* 6.1: a kthread */
#else
	void *nx_huge_page_recovery_thread;
	u64 nx_huge_page_last;
	struct once nx_once;
#endif
	int cpu_dirty_log_size;
};

struct kvm_vcpu_arch {
	unsigned long regs[16];
	unsigned long rip;
	unsigned long cr0;
	unsigned long cr0_guest_owned_bits;
	unsigned long cr2;
	unsigned long cr3;
	unsigned long cr4;
	unsigned long cr4_guest_owned_bits;
	u64 efer;
	u32 pkru;
	u64 reserved_gpa_bits;
	int maxphyaddr;
	struct kvm_mmu *mmu;
	struct kvm_mmu root_mmu;
	struct kvm_mmu guest_mmu;
	struct kvm_mmu nested_mmu;
	struct kvm_mmu *walk_mmu;
	struct kvm_mmu_memory_cache mmu_pte_list_desc_cache;
	struct kvm_mmu_memory_cache mmu_shadow_page_cache;
	struct kvm_mmu_memory_cache mmu_shadowed_info_cache;
	struct kvm_mmu_memory_cache mmu_page_header_cache;
	unsigned long last_retry_eip;
	unsigned long last_retry_addr;
	struct {
		bool halted;
		u32 id;
		u32 host_apf_flags;
	} apf;
	bool l1tf_flush_l1d;
	u64 mmio_gva;
	unsigned mmio_access;
	gfn_t mmio_gfn;
	u64 mmio_gen;
	bool write_fault_to_shadow_pgtable;
	unsigned long hflags;
	bool guest_mode;
	bool smm;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	unsigned long exit_qualification; /* 6.1: the EPT violation's, for the nested walker */
	int last_vmentry_cpu;
#endif
};
#define HF_GUEST_MASK (1 << 0)
#define HF_SMM_MASK (1 << 1)

/* ------------------------------------------------------------- memslots */

struct kvm_memory_slot {
	gfn_t base_gfn;
	unsigned long npages;
	unsigned long *dirty_bitmap;
	struct kvm_arch_memory_slot arch;
	unsigned long userspace_addr;
	u32 flags;
	short id;
	u16 as_id;
	void *glue; /* tdpsim: the rest-of-KVM model's slot */
};

/* The slots of one address space, sorted by base_gfn (the model keeps
 * them; lookups are binary searches). */
struct kvm_memslots {
	u64 generation;
	int nr;
	struct kvm_memory_slot **slots;
};

enum kvm_mr_change {
	KVM_MR_CREATE,
	KVM_MR_DELETE,
	KVM_MR_MOVE,
	KVM_MR_FLAGS_ONLY,
};

enum kvm_gfn_range_filter {
	KVM_FILTER_SHARED = BIT(0),
	KVM_FILTER_PRIVATE = BIT(1),
};
union kvm_mmu_notifier_arg {
	unsigned long attributes;
};
struct kvm_gfn_range {
	struct kvm_memory_slot *slot;
	gfn_t start;
	gfn_t end;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	pte_t pte; /* 6.1: the new host PTE of a change_pte notification */
#else
	union kvm_mmu_notifier_arg arg;
	enum kvm_gfn_range_filter attr_filter;
#endif
	bool may_block;
};

/* ---------------------------------------------------------- vCPU and VM */

enum {
	OUTSIDE_GUEST_MODE,
	IN_GUEST_MODE,
	EXITING_GUEST_MODE,
	READING_SHADOW_PAGE_TABLES,
};

struct kvm_vcpu {
	struct kvm *kvm;
	int cpu;
	int vcpu_id;
	int vcpu_idx;
	u64 mode;     /* an engine word: OUTSIDE/IN/EXITING_GUEST_MODE */
	u64 requests; /* an engine word: pending KVM_REQ_* bits */
	struct kvm_vcpu_stat stat;
	struct kvm_vcpu_arch arch;
	void *glue; /* tdpsim: the rest-of-KVM model's vCPU */
};

struct kvm {
	rwlock_t mmu_lock;
	struct mutex slots_lock;
	struct mutex slots_arch_lock;
	struct mm_struct *mm;
	struct kvm_memslots *memslots[KVM_MAX_NR_ADDRESS_SPACES];
	int created_vcpus;
	int online_vcpus;
	struct list_head vm_list;
	struct kvm_arch arch;
	refcount_t users_count;
	struct srcu_struct srcu;
	struct srcu_struct irq_srcu;
	u64 nr_memslot_pages;
	long mmu_invalidate_in_progress;
	unsigned long mmu_invalidate_seq;
	gfn_t mmu_invalidate_range_start;
	gfn_t mmu_invalidate_range_end;
	long tlbs_dirty;
	atomic_t nr_memslots_dirty_logging;
	u32 dirty_ring_size; /* bytes: entries of 16 bytes each */
	u64 manual_dirty_log_protect;
	struct kvm_vm_stat stat;
	void *glue; /* tdpsim: the rest-of-KVM model's VM */
};

#define KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE (1 << 0)
#define KVM_DIRTY_LOG_INITIALLY_SET (1 << 1)

/* ------------------------------------------------------------ requests */

#define KVM_REQUEST_MASK GENMASK(7, 0)
#define KVM_REQUEST_NO_WAKEUP BIT(8)
#define KVM_REQUEST_WAIT BIT(9)
#define KVM_REQUEST_NO_ACTION BIT(10)
#define KVM_REQ_TLB_FLUSH (0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_VM_DEAD (1 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_UNBLOCK 2
#define KVM_REQ_DIRTY_RING_SOFT_FULL 3
#define KVM_REQ_OUTSIDE_GUEST_MODE (KVM_REQUEST_NO_ACTION | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_ARCH_REQ_FLAGS(nr, flags) ({ BUILD_BUG_ON((unsigned)(nr) >= 60); (unsigned)(((nr) + 4) | (flags)); })
#define KVM_ARCH_REQ(nr) KVM_ARCH_REQ_FLAGS(nr, 0)
#define KVM_REQ_TRIPLE_FAULT KVM_ARCH_REQ(2)
#define KVM_REQ_MMU_SYNC KVM_ARCH_REQ(3)
#define KVM_REQ_LOAD_MMU_PGD KVM_ARCH_REQ(5)
#define KVM_REQ_EVENT KVM_ARCH_REQ(6)
#define KVM_REQ_APF_HALT KVM_ARCH_REQ(7)
#define KVM_REQ_APIC_PAGE_RELOAD KVM_ARCH_REQ_FLAGS(17, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_TLB_FLUSH_CURRENT KVM_ARCH_REQ(26)
#define KVM_REQ_TLB_FLUSH_GUEST KVM_ARCH_REQ_FLAGS(27, KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_UPDATE_CPU_DIRTY_LOGGING KVM_ARCH_REQ_FLAGS(30, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_MMU_FREE_OBSOLETE_ROOTS KVM_ARCH_REQ_FLAGS(31, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_HV_TLB_FLUSH KVM_ARCH_REQ_FLAGS(32, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)

/* Requests are bits of an engine word: setting one is an atomic OR that
 * a vCPU about to enter the guest observes. */
void kvm_make_request(int req, struct kvm_vcpu *vcpu);
bool kvm_test_request(int req, struct kvm_vcpu *vcpu);
void kvm_clear_request(int req, struct kvm_vcpu *vcpu);
bool kvm_check_request(int req, struct kvm_vcpu *vcpu);
bool kvm_request_pending(struct kvm_vcpu *vcpu);
bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);

/* ------------------------------------------------- the rest of KVM's API */

void kvm_flush_remote_tlbs(struct kvm *kvm);
void kvm_flush_remote_tlbs_range(struct kvm *kvm, gfn_t gfn, u64 nr_pages);
void kvm_flush_remote_tlbs_memslot(struct kvm *kvm, const struct kvm_memory_slot *memslot);

struct kvm_memslots *__kvm_memslots(struct kvm *kvm, int as_id);
struct kvm_memslots *kvm_vcpu_memslots(struct kvm_vcpu *vcpu);
struct kvm_memory_slot *__gfn_to_memslot(struct kvm_memslots *slots, gfn_t gfn);
struct kvm_memory_slot *gfn_to_memslot(struct kvm *kvm, gfn_t gfn);
struct kvm_memory_slot *kvm_vcpu_gfn_to_memslot(struct kvm_vcpu *vcpu, gfn_t gfn);
bool kvm_is_visible_memslot(struct kvm_memory_slot *memslot);
bool kvm_vcpu_is_visible_gfn(struct kvm_vcpu *vcpu, gfn_t gfn);
static inline int kvm_arch_nr_memslot_as_ids(struct kvm *kvm) { return 2; }
static inline int kvm_memslots_empty(struct kvm_memslots *s) { return !s->nr; }

#define kvm_for_each_memslot(memslot, bkt, slots)                            \
	for ((bkt) = 0; (bkt) < (slots)->nr && ((memslot) = (slots)->slots[bkt], 1); (bkt)++)

/* Slots overlapping [start, end), in gfn order. */
struct kvm_memslot_iter {
	struct kvm_memslots *slots;
	int idx;
	gfn_t end;
	struct kvm_memory_slot *slot;
};
void kvm_memslot_iter_start(struct kvm_memslot_iter *iter,
			    const struct kvm_memslots *slots, gfn_t start, gfn_t end);
bool kvm_memslot_iter_is_valid(struct kvm_memslot_iter *iter, gfn_t end);
void kvm_memslot_iter_next(struct kvm_memslot_iter *iter);
#define kvm_for_each_memslot_in_gfn_range(iter, slots, start, end)           \
	for (kvm_memslot_iter_start(iter, slots, start, end);                \
	     kvm_memslot_iter_is_valid(iter, end);                           \
	     kvm_memslot_iter_next(iter))

static inline unsigned long __gfn_to_hva_memslot(const struct kvm_memory_slot *slot, gfn_t gfn)
{
	return slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE;
}
static inline bool is_gfn_in_memslot(const struct kvm_memory_slot *slot, gfn_t gfn)
{
	return gfn >= slot->base_gfn && gfn < slot->base_gfn + slot->npages;
}
/* The memslots an SPTE of @role maps (SMM roles: address space 1). */
#define kvm_memslots_for_spte_role(kvm, role) __kvm_memslots(kvm, (role).smm ? 1 : 0)
bool __kvm_mmu_unprotect_gfn_and_retry(struct kvm_vcpu *vcpu, gpa_t cr2_or_gpa,
				       bool always_retry);
static inline bool kvm_mmu_unprotect_gfn_and_retry(struct kvm_vcpu *vcpu, gpa_t cr2_or_gpa)
{
	return __kvm_mmu_unprotect_gfn_and_retry(vcpu, cr2_or_gpa, false);
}
int memslot_rmap_alloc(struct kvm_memory_slot *slot, unsigned long npages);
static inline bool kvm_slot_dirty_track_enabled(const struct kvm_memory_slot *slot)
{
	return slot->flags & KVM_MEM_LOG_DIRTY_PAGES;
}
static inline gpa_t gfn_to_gpa(gfn_t gfn) { return (gpa_t)gfn << PAGE_SHIFT; }
static inline gfn_t gpa_to_gfn(gpa_t gpa) { return (gfn_t)(gpa >> PAGE_SHIFT); }
static inline hpa_t pfn_to_hpa(kvm_pfn_t pfn) { return (hpa_t)pfn << PAGE_SHIFT; }
static inline bool kvm_slot_can_be_private(const struct kvm_memory_slot *slot) { return false; }
static inline bool kvm_mem_is_private(struct kvm *kvm, gfn_t gfn) { return false; }
static inline bool kvm_arch_has_private_mem(struct kvm *kvm) { return false; }
unsigned long gfn_to_hva_memslot(struct kvm_memory_slot *slot, gfn_t gfn);
unsigned long gfn_to_hva_memslot_prot(struct kvm_memory_slot *slot, gfn_t gfn, bool *writable);
unsigned long gfn_to_hva(struct kvm *kvm, gfn_t gfn);
unsigned long kvm_vcpu_gfn_to_hva(struct kvm_vcpu *vcpu, gfn_t gfn);
static inline bool kvm_dirty_log_manual_protect_and_init_set(struct kvm *kvm)
{
	return !!(kvm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET);
}

/* hva_to_pfn on the host model (never async: the host always gets the
 * page); the kernel's entry points below call it. */
kvm_pfn_t kshim_gfn_to_pfn(const struct kvm_memory_slot *slot, gfn_t gfn,
			   bool write_fault, bool *writable, hva_t *hva);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
static inline kvm_pfn_t __gfn_to_pfn_memslot(const struct kvm_memory_slot *slot, gfn_t gfn,
					     bool atomic, bool *async, bool write_fault,
					     bool *writable, hva_t *hva)
{
	return kshim_gfn_to_pfn(slot, gfn, write_fault, writable, hva);
}
#else
static inline kvm_pfn_t __gfn_to_pfn_memslot(const struct kvm_memory_slot *slot, gfn_t gfn,
					     bool atomic, bool interruptible, bool *async,
					     bool write_fault, bool *writable, hva_t *hva)
{
	return kshim_gfn_to_pfn(slot, gfn, write_fault, writable, hva);
}
#endif
kvm_pfn_t gfn_to_pfn_memslot_atomic(const struct kvm_memory_slot *slot, gfn_t gfn);
void kvm_release_pfn_clean(kvm_pfn_t pfn);
void kvm_release_pfn_dirty(kvm_pfn_t pfn);
void kvm_set_pfn_dirty(kvm_pfn_t pfn);
void kvm_set_pfn_accessed(kvm_pfn_t pfn);
struct page *kvm_pfn_to_refcounted_page(kvm_pfn_t pfn);
int gfn_to_page_many_atomic(struct kvm_memory_slot *slot, gfn_t gfn,
			    struct page **pages, int nr_pages);
void mark_page_dirty_in_slot(struct kvm *kvm, const struct kvm_memory_slot *memslot, gfn_t gfn);
void kvm_vcpu_mark_page_dirty(struct kvm_vcpu *vcpu, gfn_t gfn);
int kvm_vcpu_read_guest_atomic(struct kvm_vcpu *vcpu, gpa_t gpa, void *data, unsigned long len);

int kvm_mmu_topup_memory_cache(struct kvm_mmu_memory_cache *mc, int min);
int __kvm_mmu_topup_memory_cache(struct kvm_mmu_memory_cache *mc, int capacity, int min);
int kvm_mmu_memory_cache_nr_free_objects(struct kvm_mmu_memory_cache *mc);
void kvm_mmu_free_memory_cache(struct kvm_mmu_memory_cache *mc);
void *kvm_mmu_memory_cache_alloc(struct kvm_mmu_memory_cache *mc);

void kvm_get_kvm(struct kvm *kvm);
void kvm_put_kvm(struct kvm *kvm);
bool kvm_get_kvm_safe(struct kvm *kvm);
void kvm_prepare_memory_fault_exit(struct kvm_vcpu *vcpu, gpa_t gpa, gpa_t size,
				   bool is_write, bool is_exec, bool is_private);
/*
 * The invalidation sequence (kvm_main.c): begin counts an invalidation in,
 * range_add widens the range faults must not map, end bumps the sequence
 * and counts it out.  The range is in gfns in 6.12, in hvas in 6.1.
 */
void kshim_mmu_invalidate_begin(struct kvm *kvm);
void kshim_mmu_invalidate_range_add(struct kvm *kvm, u64 start, u64 end);
void kshim_mmu_invalidate_end(struct kvm *kvm);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: begin takes the notifier's hva range itself. */
static inline void kvm_mmu_invalidate_begin(struct kvm *kvm, unsigned long start,
					    unsigned long end)
{
	kshim_mmu_invalidate_begin(kvm);
	kshim_mmu_invalidate_range_add(kvm, start, end);
}
static inline void kvm_mmu_invalidate_end(struct kvm *kvm, unsigned long start,
					  unsigned long end)
{
	kshim_mmu_invalidate_end(kvm);
}
#else
static inline void kvm_mmu_invalidate_begin(struct kvm *kvm) { kshim_mmu_invalidate_begin(kvm); }
static inline void kvm_mmu_invalidate_range_add(struct kvm *kvm, gfn_t start, gfn_t end)
{
	kshim_mmu_invalidate_range_add(kvm, start, end);
}
static inline void kvm_mmu_invalidate_end(struct kvm *kvm) { kshim_mmu_invalidate_end(kvm); }
#endif
void kvm_account_pgtable_pages(void *virt, int nr);
unsigned long kvm_get_memory_attributes(struct kvm *kvm, gfn_t gfn);
bool kvm_range_has_memory_attributes(struct kvm *kvm, gfn_t start, gfn_t end,
				     unsigned long mask, unsigned long attrs);
int kvm_gmem_get_pfn(struct kvm *kvm, struct kvm_memory_slot *slot, gfn_t gfn,
		     kvm_pfn_t *pfn, int *max_order);
void kvm_handle_signal_exit(struct kvm_vcpu *vcpu);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: no device is assigned to tdpsim's VMs, so DMA is always coherent. */
static inline bool kvm_arch_has_noncoherent_dma(struct kvm *kvm) { return false; }
unsigned long kvm_vcpu_gfn_to_hva_prot(struct kvm_vcpu *vcpu, gfn_t gfn, bool *writable);
/* 6.1: x86's is the tree's (mmu.c). */
void kvm_arch_flush_remote_tlbs_memslot(struct kvm *kvm, const struct kvm_memory_slot *memslot);
#endif
/* 6.1's NX recovery worker is made with this (the model defines it for
 * both trees; 6.12 uses a vhost_task). */
typedef int (*kvm_vm_thread_fn_t)(struct kvm *kvm, uintptr_t data);
int kvm_vm_create_worker_thread(struct kvm *kvm, kvm_vm_thread_fn_t thread_fn,
				uintptr_t data, const char *name,
				struct task_struct **thread_ptr);

#define KVM_BUG_ON(cond, kvm) ({                                             \
	bool __ret = !!(cond);                                               \
	if (unlikely(__ret))                                                 \
		kshim_warn(__FILE__, __LINE__, "KVM_BUG_ON(" #cond ")", false); \
	unlikely(__ret);                                                     \
})
#define KVM_BUG(cond, kvm, fmt...) KVM_BUG_ON(cond, kvm)
#define KVM_BUG_ON_DATA_CORRUPTION(cond, kvm) KVM_BUG_ON(cond, kvm)
#define VM_BUG_ON(cond) BUG_ON(cond)
#define kvm_debug_ratelimited(fmt, ...) ((void)0)
#define kvm_err(fmt, ...) kshim_printk(fmt, ##__VA_ARGS__)
#define kvm_pr_unimpl(fmt, ...) ((void)0)

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: a fault retries if an invalidation covers its hva. */
static inline int mmu_invalidate_retry_hva(struct kvm *kvm, unsigned long mmu_seq,
					   unsigned long hva)
{
	lockdep_assert_held(&kvm->mmu_lock);
	if (unlikely(kvm->mmu_invalidate_in_progress) &&
	    hva >= kvm->mmu_invalidate_range_start &&
	    hva < kvm->mmu_invalidate_range_end)
		return 1;
	return kvm->mmu_invalidate_seq != mmu_seq;
}
#else
static inline int mmu_invalidate_retry_gfn(struct kvm *kvm, unsigned long mmu_seq, gfn_t gfn)
{
	lockdep_assert_held(&kvm->mmu_lock);
	if (unlikely(kvm->mmu_invalidate_in_progress)) {
		if (WARN_ON_ONCE(kvm->mmu_invalidate_range_start == INVALID_GPA ||
				 kvm->mmu_invalidate_range_end == INVALID_GPA))
			return 1;
		if (gfn >= kvm->mmu_invalidate_range_start &&
		    gfn < kvm->mmu_invalidate_range_end)
			return 1;
	}
	return kvm->mmu_invalidate_seq != mmu_seq;
}
static inline bool mmu_invalidate_retry_gfn_unsafe(struct kvm *kvm, unsigned long mmu_seq, gfn_t gfn)
{
	if (unlikely(READ_ONCE(kvm->mmu_invalidate_in_progress)) &&
	    gfn >= kvm->mmu_invalidate_range_start &&
	    gfn < kvm->mmu_invalidate_range_end)
		return true;
	return READ_ONCE(kvm->mmu_invalidate_seq) != mmu_seq;
}
#endif
static inline int mmu_invalidate_retry(struct kvm *kvm, unsigned long mmu_seq)
{
	if (unlikely(kvm->mmu_invalidate_in_progress))
		return 1;
	return kvm->mmu_invalidate_seq != mmu_seq;
}

/* ----------------------------------------------------- vendor callbacks */

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
struct kvm_tlb_range { /* 6.1: a ranged remote flush (Hyper-V) */
	u64 start_gfn;
	u64 pages;
};
#endif
struct kvm_x86_nested_ops {
	int (*write_log_dirty)(struct kvm_vcpu *vcpu, gpa_t l2_gpa);
};
struct kvm_x86_ops {
	int cpu_dirty_log_size;
	void (*flush_tlb_all)(struct kvm_vcpu *vcpu);
	void (*flush_tlb_current)(struct kvm_vcpu *vcpu);
	void (*flush_tlb_gva)(struct kvm_vcpu *vcpu, gva_t addr);
	void (*flush_tlb_guest)(struct kvm_vcpu *vcpu);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	int (*tlb_remote_flush_with_range)(struct kvm *kvm, struct kvm_tlb_range *range);
#else
	int (*flush_remote_tlbs)(struct kvm *kvm);
	int (*flush_remote_tlbs_range)(struct kvm *kvm, gfn_t gfn, gfn_t nr_pages);
#endif
	void (*load_mmu_pgd)(struct kvm_vcpu *vcpu, hpa_t root_hpa, int root_level);
	u8 (*get_mt_mask)(struct kvm_vcpu *vcpu, gfn_t gfn, bool is_mmio);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	int (*private_max_mapping_level)(struct kvm *kvm, kvm_pfn_t pfn);
#endif
	void (*set_apic_access_page_addr)(struct kvm_vcpu *vcpu);
	const struct kvm_x86_nested_ops *nested_ops;
};
extern struct kvm_x86_ops kvm_x86_ops;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* 6.1: static_call(kvm_x86_NAME), for the ops the MMU calls. */
#define static_call(name) (KSHIM_STATIC_CALL_##name)
#define KSHIM_STATIC_CALL_kvm_x86_tlb_remote_flush_with_range kvm_x86_ops.tlb_remote_flush_with_range
#define KSHIM_STATIC_CALL_kvm_x86_flush_tlb_current kvm_x86_ops.flush_tlb_current
#define KSHIM_STATIC_CALL_kvm_x86_flush_tlb_gva kvm_x86_ops.flush_tlb_gva
#define KSHIM_STATIC_CALL_kvm_x86_get_mt_mask kvm_x86_ops.get_mt_mask
#else
#define kvm_x86_call(func) (kvm_x86_ops.func)
#endif

#endif
