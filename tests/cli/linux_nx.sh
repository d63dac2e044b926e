# SPDX-License-Identifier: GPL-2.0-only
# NX huge pages (the iTLB multihit mitigation) on Linux's own MMU, 6.12 and
# 6.1.  mmu.nx_huge_pages=on gives the host CPU X86_BUG_ITLB_MULTIHIT, so
# the tree's nx_huge_pages=auto turns the mitigation on at module init; the
# recovery worker is the tree's own (6.12's vhost_task, 6.1's kthread
# function) running on its own simulated thread, timed by jiffies of the
# simulated clock, its ratio and period set through the tree's parameter
# setters.
#
# nx-huge-pages carries its hand counts (24 EPT violations / #NPFs: 8 reads
# mapping 2M, 8 exec faults, 8 reads after the worker's first pass zapped
# all 8 tables; 8 2M SPTEs at the end): each tree must pass them on both
# vendors, with and without the mitigation.  6.12 splits the 2M SPTE in
# place on the exec fault (8 kvm.huge_splits), 6.1 zaps it
# (mmu.fault_huge=zap: none); the worker zapped 8 tables.  Under each
# tree's own settings (config --mmu) kvmmu gives the same contract stats.
#
# nx-recovery-flush: the worker runs every 1 ms for the whole run, so how
# many passes fit depends on how long faults take; with kvmmu's step costs
# at 0 (lat.kvm.*, the timing the models do not share) kvmmu and each tree
# agree exactly, zapped tables included.  A ratio the kernel's unsigned int
# cannot hold is bad input.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. tests/lib/linux_contract.sh
contract=$(contract_re 'kvm\.nx_recovery_zapped|kvm\.huge_splits')

for L in "$TDPSIM_LINUX" "$TDPSIM_LINUX61"; do
	case $("$L" --version | sed -n 's/^mmu: linux \([0-9]*\.[0-9]*\)\..*/\1/p') in
	6.12) splits=8 ;;
	6.1) splits=0 ;;
	*) echo "$L: unknown tree"; "$L" --version; exit 1 ;;
	esac
	fix=()
	while read -r kv; do fix+=(--set "$kv"); done < <("$L" config --mmu | tail -n +2)
	for v in intel amd; do
		"$L" run nx-huge-pages --set cpu.vendor=$v --json "$T/l.json" >"$T/l.out" 2>&1 ||
			{ echo "$L nx-huge-pages $v:"; cat "$T/l.out"; exit 1; }
		[ "$(stat kvm.huge_splits "$T/l.json")" = $splits ] &&
			[ "$(stat kvm.nx_recovery_zapped "$T/l.json")" = 8 ] ||
			{ echo "$L $v:"; grep -E '"kvm.(huge_splits|nx_recovery_zapped)"' "$T/l.json"; exit 1; }
		"$L" run nx-huge-pages --set cpu.vendor=$v --set mmu.nx_huge_pages=off \
			>"$T/o.out" 2>&1 || { echo "$L nx-huge-pages off $v:"; cat "$T/o.out"; exit 1; }
		"$TDPSIM" run nx-huge-pages --set cpu.vendor=$v "${fix[@]}" --json "$T/k.json" >/dev/null
		grep -E "$contract" "$T/k.json" >"$T/k.c"; grep -E "$contract" "$T/l.json" >"$T/l.c"
		cmp -s "$T/k.c" "$T/l.c" || { echo "nx-huge-pages $v: $L and kvmmu differ:";
			diff "$T/k.c" "$T/l.c"; exit 1; }

		# shellcheck disable=SC2086
		"$L" run nx-recovery-flush --set cpu.vendor=$v "${fix[@]}" $zero \
			--json "$T/l.json" >"$T/l.out" 2>&1 || { echo "$L nx-recovery-flush:"; cat "$T/l.out"; exit 1; }
		# shellcheck disable=SC2086
		"$TDPSIM" run nx-recovery-flush --set cpu.vendor=$v "${fix[@]}" $zero \
			--json "$T/k.json" >/dev/null
		[ "$(stat kvm.nx_recovery_zapped "$T/l.json")" -ge 1 ] || { echo "no pass"; exit 1; }
		grep -E "$contract" "$T/k.json" >"$T/k.c"; grep -E "$contract" "$T/l.json" >"$T/l.c"
		cmp -s "$T/k.c" "$T/l.c" || { echo "nx-recovery-flush $v: $L and kvmmu differ:";
			diff "$T/k.c" "$T/l.c"; exit 1; }
	done
	set +e
	"$L" run nx-huge-pages --set mmu.nx_huge_pages_recovery_ratio=4294967296 >"$T/b.out" 2>&1; r=$?
	set -e
	[ $r -eq 2 ] && grep -q 'mmu.nx_huge_pages_recovery_ratio' "$T/b.out" ||
		{ echo "$L: ratio 2^32: exit $r"; cat "$T/b.out"; exit 1; }
	echo "$L: nx-huge-pages and nx-recovery-flush agree with kvmmu on both vendors"
done
