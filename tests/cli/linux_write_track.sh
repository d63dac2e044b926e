# SPDX-License-Identifier: GPL-2.0-only
# Write tracking around Linux's own MMU (6.12 and 6.1): the VMM model is an
# external write-tracking user (as KVMGT): 6.12 registers its page-track
# node at the first tracked gfn and calls the tree's exported
# kvm_write_track_add_gfn; 6.1 tracks through kvm_slot_page_track_add_page.
# The tree write-protects the gfn (W and MMU-writable: E8 is fixed in both)
# and its fault path sends writes to it to emulation.
#
# wrprot-mmu-writable: 8 pages are tracked one by one, then the guest writes
# each of them 20 times: at least 8 x 20 = 160 emulated writes
# (kvm.pf_emulate), and the stale-permission oracle (a write reaching a
# tracked page without an exit) stays silent.  With kvmmu's step costs at 0
# (lat.kvm.*, the only timing the two models do not share) kvmmu under the
# tree's settings gives exactly the same contract stats.  Asking the Linux
# build for E8's historical behaviour (w-only) is bad input.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. tests/lib/linux_contract.sh
contract=$(contract_re 'kvm\.pf_emulate')

for L in "$TDPSIM_LINUX" "$TDPSIM_LINUX61"; do
	"$L" run wrprot-mmu-writable --json "$T/w.json" >"$T/w.out" 2>&1 ||
		{ echo "$L wrprot-mmu-writable failed"; cat "$T/w.out"; exit 1; }
	[ "$(stat violations "$T/w.json")" = 0 ] && [ "$(stat kvm.pf_emulate "$T/w.json")" -ge 160 ] ||
		{ echo "$L:"; grep -E '"(violations|kvm.pf_emulate)"' "$T/w.json"; exit 1; }
	set +e
	"$L" run wrprot-mmu-writable --set mmu.write_track_clear=w-only >"$T/o.out" 2>&1; r=$?
	set -e
	[ $r -eq 2 ] && grep -q 'mmu.write_track_clear' "$T/o.out" ||
		{ echo "$L: w-only: exit $r"; cat "$T/o.out"; exit 1; }
done

fix=()
while read -r kv; do fix+=(--set "$kv"); done < <("$TDPSIM_LINUX" config --mmu | tail -n +2)
# shellcheck disable=SC2086
"$TDPSIM" run wrprot-mmu-writable "${fix[@]}" $zero --json "$T/k.json" >/dev/null
# shellcheck disable=SC2086
"$TDPSIM_LINUX" run wrprot-mmu-writable "${fix[@]}" $zero --json "$T/l.json" >/dev/null
grep -E "$contract" "$T/k.json" >"$T/k.c"; grep -E "$contract" "$T/l.json" >"$T/l.c"
[ "$(wc -l <"$T/k.c")" -ge 10 ] && diff "$T/k.c" "$T/l.c" ||
	{ echo "kvmmu and Linux 6.12 differ on wrprot-mmu-writable with step costs 0"; exit 1; }
