/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Flushes: every architectural invalidation as one scope predicate over all
 * structures. The scopes are the vendors' (SDM Vol. 3C "Invalidating
 * Cached Translation Information" and the INVEPT/INVVPID pages; APM Vol. 2
 * §15.16 TLB_CONTROL and INVLPGA), summarized in tlb.h. Where a manual
 * says an operation "may" drop more, the model drops exactly the required
 * set: the point of the simulator is to expose software that relied on
 * more than the architecture promises.
 */
#include "sim/tlb/tlb_int.h"

#include <errno.h>

struct scope {
	enum tlb_flush_type type;
	struct tlb_tag comb, gphys;	/* f->tag, normalized for this vendor */
	uint64_t ep4ta;			/* INVEPT single: bits 51:12 */
	uint64_t addr, gpa;
	bool addr_valid;
	bool keep_gphys;		/* EnlightenedNptTlb: ASID flushes spare GPA maps */
};

static bool drops(const struct scope *s, const struct tlb_array *a, const struct tlb_entry *e)
{
	bool comb = a->kind == TLB_KIND_COMBINED;
	/* G is a property of guest leaf translations; PSC entries never keep. */
	bool global = a->leaf && (e->flags & TLB_F_GLOBAL);
	uint16_t id = s->comb.vpid, pcid = s->comb.pcid;

	switch (s->type) {
	case TLB_INVEPT_SINGLE:
		/* Combined (every VPID and PCID) and guest-physical alike. */
		return e->ep4ta == s->ep4ta;
	case TLB_INVEPT_GLOBAL:
	case TLB_AMD_FLUSH_ALL:
		return true;
	case TLB_INVVPID_ADDR:
		/* Every PCID and EP4TA; guest-physical mappings are not VPID-tagged. */
		return comb && e->id == id && tlb_entry_covers(e, s->addr);
	case TLB_INVVPID_SINGLE:
		return comb && e->id == id;
	case TLB_INVVPID_ALL:
		return comb && e->id != 0;
	case TLB_INVVPID_SINGLE_KEEP_GLOBAL:
		return comb && e->id == id && !global;
	case TLB_AMD_FLUSH_ASID:
		return e->id == id && (comb || !s->keep_gphys);
	case TLB_AMD_FLUSH_ASID_LOCAL:
		return e->id == id && (comb || !s->keep_gphys) && !global;
	case TLB_AMD_INVLPGA:
		return comb && e->id == id && tlb_entry_covers(e, s->addr);
	case TLB_AMD_HV_FLUSH_GPA_SPACE:
		return !comb;
	case TLB_FLUSH_GPA:
		/*
		 * SDM: guest-physical mappings of the current EP4TA that would
		 * translate the GPA, and, when the GPA came from a linear
		 * address, combined mappings of the current VPID/PCID/EP4TA
		 * that would translate that address. "Would translate" is the
		 * lookup rule, global entries included; PSC entries on the
		 * path are such mappings too.
		 */
		if (!comb)
			return tlb_entry_covers(e, s->gpa) && tlb_tag_hits(e, &s->gphys);
		return s->addr_valid && tlb_entry_covers(e, s->addr) && tlb_tag_hits(e, &s->comb);
	case TLB_GUEST_INVLPG:
		/*
		 * SDM 4.10.4.1: the page's entries for the current PCID and its
		 * global entries, and every PSC entry of the current PCID. Under
		 * VMX the EP4TA does not narrow it ("all EPTPs").
		 */
		if (!comb || e->id != id)
			return false;
		if (!a->leaf)
			return e->pcid == pcid;
		return (e->pcid == pcid || global) && tlb_entry_covers(e, s->addr);
	case TLB_GUEST_CR3:
	case TLB_GUEST_INVPCID_CTX:
		return comb && e->id == id && e->pcid == pcid && !global;
	case TLB_GUEST_INVPCID_ADDR:
		/* SDM 4.10.4.1: the PCID's mappings for the address, global
		 * translations excepted, and all its PSC entries. */
		if (!comb || e->id != id || e->pcid != pcid)
			return false;
		return !a->leaf || (!global && tlb_entry_covers(e, s->addr));
	case TLB_GUEST_INVPCID_ALL:
		return comb && e->id == id;
	case TLB_GUEST_INVPCID_ALL_NONGLOBAL:
		return comb && e->id == id && !global;
	}
	return false;
}

/*
 * Where in array a the entries that s drops can be: anywhere, nowhere, or
 * only among the entries covering one address (*addr). Those sit in one
 * set per size held, so an EPT violation's flush probes a few sets instead
 * of scanning every structure.
 */
enum reach { REACH_ALL, REACH_NONE, REACH_ADDR };

static enum reach scope_reach(const struct scope *s, const struct tlb_array *a, uint64_t *addr)
{
	bool comb = a->kind == TLB_KIND_COMBINED;

	*addr = s->addr;
	switch (s->type) {
	case TLB_INVVPID_ADDR:
	case TLB_AMD_INVLPGA:
		return comb ? REACH_ADDR : REACH_NONE;
	case TLB_FLUSH_GPA:
		if (!comb)
			*addr = s->gpa;
		return comb && !s->addr_valid ? REACH_NONE : REACH_ADDR;
	case TLB_GUEST_INVLPG:
	case TLB_GUEST_INVPCID_ADDR:
		return !comb ? REACH_NONE : a->leaf ? REACH_ADDR : REACH_ALL;
	default:
		return REACH_ALL;
	}
}

/* Drop the entries of ways [i, end) that s drops; returns how many. */
static int drop_range(const struct scope *s, struct tlb_array *a, size_t i, size_t end)
{
	int n = 0;

	for (; i < end; i++)
		if (a->key[i] && drops(s, a, &a->e[i])) {
			tlb_array_drop(a, &a->e[i]);
			n++;
		}
	return n;
}

/*
 * Drop the entries of the set at @base whose key is @key and that s drops;
 * returns how many. For an address scope, an entry covers the address
 * exactly when its key is the address's key at its size, so one word
 * compare per way rules out the rest.
 */
static int drop_key(const struct scope *s, struct tlb_array *a, size_t base,
		    uint64_t key)
{
	int n = 0;

	for (size_t i = base; i < base + a->ways; i++)
		if (a->key[i] == key && drops(s, a, &a->e[i])) {
			tlb_array_drop(a, &a->e[i]);
			n++;
		}
	return n;
}

int tlb_flush(struct tlb *tlb, const struct tlb_flush *f)
{
	bool intel = tlb->cfg.vendor == TLB_VENDOR_INTEL;
	struct scope s = {
		.type = f->type,
		.ep4ta = f->tag.ep4ta & TLB_EP4TA_MASK,
		.addr = f->addr,
		.gpa = f->gpa,
		.addr_valid = f->addr_valid,
		.keep_gphys = !intel && tlb->cfg.hv_enlightened_npt_tlb,
	};
	int n = 0;

	switch (f->type) {
	case TLB_INVEPT_SINGLE:
	case TLB_INVEPT_GLOBAL:
	case TLB_INVVPID_ADDR:
	case TLB_INVVPID_SINGLE:
	case TLB_INVVPID_ALL:
	case TLB_INVVPID_SINGLE_KEEP_GLOBAL:
		if (!intel)
			return -EINVAL;
		break;
	case TLB_AMD_FLUSH_ALL:
	case TLB_AMD_FLUSH_ASID:
	case TLB_AMD_FLUSH_ASID_LOCAL:
	case TLB_AMD_INVLPGA:
	case TLB_AMD_HV_FLUSH_GPA_SPACE:
		if (intel)
			return -EINVAL;
		break;
	case TLB_FLUSH_GPA:
	case TLB_GUEST_INVLPG:
	case TLB_GUEST_CR3:
	case TLB_GUEST_INVPCID_ADDR:
	case TLB_GUEST_INVPCID_CTX:
	case TLB_GUEST_INVPCID_ALL:
	case TLB_GUEST_INVPCID_ALL_NONGLOBAL:
		break;
	default:
		return -EINVAL;
	}
	tlb_tag_normalize(tlb, &f->tag, &s.comb, &s.gphys);
	for (unsigned id = 0; id < TLB_NARRAYS; id++) {
		struct tlb_array *a = &tlb->a[id];
		uint64_t addr;

		if (!tlb_array_present(a))
			continue;
		switch (scope_reach(&s, a, &addr)) {
		case REACH_ALL:
			n += drop_range(&s, a, 0, (size_t)a->sets * a->ways);
			break;
		case REACH_ADDR:
			/* One set per size ever cached, one compare per way:
			 * the cost of an EPT violation's flush does not grow
			 * with the number of sets. */
			for (unsigned i = 0; i < a->nshifts; i++) {
				unsigned shift = a->shifts[i];

				if (a->seen >> shift & 1)
					n += drop_key(&s, a, tlb_array_set(a, addr >> shift),
						      tlb_key(addr >> shift, shift));
			}
			break;
		case REACH_NONE:
			break;
		}
	}
	tlb->hot.stats.flushes++;
	tlb->hot.stats.flushed_entries += (uint64_t)n;
	/* An MRU pointer may name a slot just emptied. */
	tlb_forget_mru(tlb);
	return n;
}

int tlb_vmcb_tlb_control(struct tlb *tlb, unsigned code, uint16_t asid)
{
	struct tlb_flush f = { .tag = { .asid = asid } };

	if (tlb->cfg.vendor != TLB_VENDOR_AMD)
		return -EINVAL;
	switch (code) {
	case 0:		/* DO_NOTHING: not a flush, so not counted as one */
		return 0;
	case 1:
		f.type = TLB_AMD_FLUSH_ALL;
		break;
	case 3:
		f.type = TLB_AMD_FLUSH_ASID;
		break;
	case 7:
		f.type = TLB_AMD_FLUSH_ASID_LOCAL;
		break;
	default:
		return -EINVAL;
	}
	return tlb_flush(tlb, &f);
}

int tlb_flush_gpa(struct tlb *tlb, uint64_t gpa, uint64_t addr, bool addr_valid)
{
	struct tlb_tag cur = tlb->comb;
	struct tlb_flush f = {
		.type = TLB_FLUSH_GPA, .gpa = gpa, .addr = addr, .addr_valid = addr_valid,
	};

	/* tlb->comb is normalized; on AMD its vpid field holds the ASID. */
	f.tag = cur;
	return tlb_flush(tlb, &f);
}
