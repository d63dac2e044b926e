# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the tests that compare kvmmu with a Linux MMU build
# (tests/cli/linux_*.sh): the contract stats, a stat's value, and the
# settings that zero kvmmu's own step costs.
#
# contract_re [EXTRA]: the grep -E pattern of the contract stats' JSON
# lines (accesses, exits by kind, folio dirty marks, TLB flushes, IPIs,
# violations), with EXTRA ('kvm\.pf_emulate|...') besides.
contract_re() {
	printf '^    "(accesses|exits\\.[a-z_]*|folio\\.mark_dirty(\\.map|\\.zap)?|tlb\\.flushes|ipi\\.sent|violations(\\.[a-z-]*)?%s)": ' \
		"${1:+|$1}"
}
# stat NAME FILE: the number a result JSON gives NAME.
stat() { sed -n "s/^    \"$1\": \([0-9]*\),\{0,1\}$/\1/p" "$2"; }
# kvmmu charges lat.kvm.* per software step, which the Linux build does
# not (the only timing the two models do not share): all seven at 0.
zero=""
for k in fault spte_step make_spte request root_alloc gfn_to_pfn dirty_log; do
	zero="$zero --set lat.kvm.$k=0"
done
