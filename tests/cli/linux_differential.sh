# SPDX-License-Identifier: GPL-2.0-only
# Differential: every catalog scenario under the settings that match Linux
# 6.12 (`config --mmu` of the Linux build: the tree-fixed policy values, set
# on both binaries) runs on kvmmu and on Linux 6.12's own MMU, and the
# contract stats (accesses, exits by kind, folio dirty marks, TLB flushes,
# IPIs, violations) are compared.
#
# Pinned here: which scenarios agree exactly (they must keep agreeing), and
# which the Linux build cannot run yet and why (exit 2 naming it).  The
# others run on both with no violation from Linux's code (no kernel-warn),
# and their differences are printed; README ("Linux's own MMU") lists each
# with its cause.  A scenario that moves
# between the lists fails the test: update the list and the README table
# together.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
L=$TDPSIM_LINUX
exact="counter-race counter-race-cmpxchg dirty-mark-1g ept-root-alias
       fault-invalid-root guest-flush notifier-invalid-roots nx-huge-pages pml-drain-order
       rom-writes touch-4k volatile-bits"
unsupported=""

fix=()
while read -r kv; do fix+=(--set "$kv"); done < <("$L" config --mmu | tail -n +2)
[ ${#fix[@]} -ge 40 ] || { echo "too few fixed keys: ${fix[*]}"; exit 1; }

. tests/lib/linux_contract.sh
contract=$(contract_re)
agree=0; differ=0; fail=0
for s in $("$TDPSIM" scenarios | awk '{print $1}'); do
	set +e
	"$TDPSIM" run "$s" "${fix[@]}" --json "$T/k.json" >"$T/k.out" 2>&1; kr=$?
	"$L" run "$s" "${fix[@]}" --json "$T/l.json" >"$T/l.out" 2>&1; lr=$?
	set -e
	why=""
	for u in $unsupported; do [ "${u%%:*}" = "$s" ] && why=${u#*:}; done
	if [ -n "$why" ]; then
		if [ $lr -eq 0 ] || ! grep -q -- "$why" "$T/l.out"; then
			echo "$s: expected the Linux build to refuse it ($why), exit $lr:"
			head -3 "$T/l.out"; fail=1
		fi
		echo "unsupported  $s ($why)"
		continue
	fi
	if [ $kr -gt 1 ] || [ $lr -gt 1 ] || [ ! -s "$T/k.json" ] || [ ! -s "$T/l.json" ]; then
		echo "$s: kvmmu exit $kr, linux exit $lr"; head -3 "$T/k.out" "$T/l.out"; fail=1
		continue
	fi
	if grep -q '"kernel-warn"' "$T/l.json"; then
		echo "$s: a kernel WARN in Linux's own code:"; grep -A3 kernel-warn "$T/l.json"; fail=1
	fi
	grep -E "$contract" "$T/k.json" >"$T/k.c"; grep -E "$contract" "$T/l.json" >"$T/l.c"
	is_exact=0
	for e in $exact; do [ "$e" = "$s" ] && is_exact=1; done
	if cmp -s "$T/k.c" "$T/l.c"; then
		agree=$((agree + 1))
		echo "agree        $s"
		[ $is_exact = 1 ] || { echo "$s now agrees exactly: add it to the list"; fail=1; }
	else
		differ=$((differ + 1))
		echo "differ       $s: $(diff "$T/k.c" "$T/l.c" | grep '^[<>]' | tr -s ' ' | tr '\n' ' ')"
		[ $is_exact = 0 ] || { echo "$s no longer agrees"; fail=1; }
	fi
done
echo "agree exactly: $agree, differ: $differ"
[ $agree -eq "$(echo $exact | wc -w)" ] || fail=1
exit $fail
