# SPDX-License-Identifier: GPL-2.0-only
# KVM on Hyper-V with EnlightenedNptTlb around Linux's own MMU (6.12, and
# 6.1.192, which has the fix e5c972c1fada as a stable backport): the ASID
# flush keeps nested translations, so svm_flush_tlb_current makes the
# HvCallFlushGuestPhysicalAddressSpace hypercall for the current root.
#
# hv-npt-flush (E14): the guest reads 16 pages 200 times (3,200 accesses);
# a memslot replace at 500,000 cycles zaps every root fast.  The hypercall
# runs where a root is loaded and the tree's kvm_mmu_load flushes the
# current root: once for the first root, once for the root loaded after
# the replace (the remote flush of the zap reaches the vCPU when its root
# is already obsolete and freed, so that flush has no root to name): 2.
# Without the hypercall, walks resume in the freed NPT tables
# (freed-pt-walk, as kvmmu shows under svm.hv_npt_flush=asid); the tree's
# value is the hypercall, so asking for asid is bad input.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
stat() { sed -n "s/^    \"$1\": \([0-9]*\),\{0,1\}$/\1/p" "$2"; }

for L in "$TDPSIM_LINUX" "$TDPSIM_LINUX61"; do
	"$L" run hv-npt-flush --json "$T/h.json" >"$T/h.out" 2>&1 ||
		{ echo "$L hv-npt-flush failed"; cat "$T/h.out"; exit 1; }
	for kv in accesses=3200 hv.flush_gpa_space=2 violations=0; do
		got=$(stat "${kv%=*}" "$T/h.json")
		[ "$got" = "${kv#*=}" ] || { echo "$L hv-npt-flush: ${kv%=*} = '$got', want ${kv#*=}"; exit 1; }
	done
	set +e
	"$L" run hv-npt-flush --set svm.hv_npt_flush=asid >"$T/a.out" 2>&1; r=$?
	set -e
	[ $r -eq 2 ] && grep -q 'svm.hv_npt_flush' "$T/a.out" ||
		{ echo "$L: svm.hv_npt_flush=asid: exit $r"; cat "$T/a.out"; exit 1; }
done
