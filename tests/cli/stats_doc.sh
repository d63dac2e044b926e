# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 item 4: every stat has a description (tdpsim stats, as gem5's
# stats.txt): the run of every catalog scenario is described in full (a
# stat without one is exit 1), descriptions come from the components'
# declared lists, values are the run's.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for s in $("$TDPSIM" scenarios | awk '{ print $1 }'); do
	"$TDPSIM" stats "$s" >"$T/out" 2>"$T/err" ||
		{ echo "stats $s:"; cat "$T/err"; exit 1; }
	! grep -q "no description" "$T/out"
done
"$TDPSIM" stats touch-4k >"$T/t.txt"
# From TLB_STATS (sim/tlb/tlb.h), KVM_VM_STATS and the patterns.
grep -Eq '^tlb.l1d.misses +[0-9]+  # data lookups that missed the L1 dTLB$' "$T/t.txt"
grep -Eq '^kvm.pf_taken +[0-9]+  # faults handled' "$T/t.txt"
grep -Eq '^lock.mmu_lock.acquires +[0-9]+  # acquisitions of this lock$' "$T/t.txt"
grep -Eq '^walk.refs_per_walk +[0-9]+  # \(count\) histogram' "$T/t.txt"
# The values are the run's: touch-4k writes 512 pages twice on its vCPU.
grep -Eq '^accesses +1024  #' "$T/t.txt"
"$TDPSIM" run touch-4k --json "$T/r.json" >/dev/null
[ "$(grep -c '^    "' "$T/r.json")" -gt 0 ]
n_json=$(awk '/^  "stats": \{/{on=1; next} on && /^  \}/{exit} on' "$T/r.json" | wc -l)
n_txt=$(awk '/^figures/{exit} NF && $1 !~ /^#/' "$T/t.txt" | grep -vc 'histogram')
[ "$n_json" = "$n_txt" ] || { echo "stats: $n_txt lines for $n_json stats"; exit 1; }
"$TDPSIM" stats touch-4k --json | grep -q '"name": "tlb.l1d.misses",'
set +e
"$TDPSIM" stats touch-4k extra 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ]
echo ok
# A Linux MMU build describes its own "kvm.*" stats (the model's, the
# tree's vCPU stats and tracepoints, the kernel's VM stats).
for L in "$TDPSIM_LINUX" "$TDPSIM_LINUX61"; do
	for s in touch-4k pml-drain-order; do
		"$L" stats "$s" >"$T/l.txt" 2>"$T/l.err" ||
			{ echo "$L stats $s:"; cat "$T/l.err"; exit 1; }
	done
	grep -Eq '^kvm.spte_changed +[0-9]+  # TDP MMU SPTE changes' "$T/l.txt"
	grep -Eq '^kvm.dirty_ring_pushed +600  # entries pushed to dirty rings' "$T/l.txt"
done
