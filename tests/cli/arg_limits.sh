# SPDX-License-Identifier: GPL-2.0-only
# Long command lines are read whole.  Before the fix the --set list held 256
# entries: 256 --set options plus --seed exited 2 without a word; explore
# stopped reading at about 254 arguments (what followed was dropped without
# a word), and compare refused more than 512.  Later --set wins, so after
# --set sim.quantum=1 .. =N the quantum is N.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
sets() {	# sets N: --set sim.quantum=1 ... --set sim.quantum=N
	for i in $(seq "$1"); do printf -- '--set\nsim.quantum=%d\n' "$i"; done
}
mapfile -t S256 < <(sets 256)
"$TDPSIM" run touch-4k "${S256[@]}" --seed 7 --json "$T/r.json" >/dev/null 2>"$T/err" ||
	{ echo "256 --set and --seed failed:"; cat "$T/err"; exit 1; }
grep -q '"sim.seed": 7,' "$T/r.json" && grep -q '"sim.quantum": 256,' "$T/r.json"

mapfile -t S300 < <(sets 300)
"$TDPSIM" explore svm-asid-stale-root --seeds 0..3 "${S300[@]}" --json-dir "$T/ex" >/dev/null
grep -q '"sim.quantum": 300,' "$T/ex"/*.json ||
	{ echo "explore dropped the last arguments:"; grep quantum "$T/ex"/*.json; exit 1; }
# --seeds last, after 600 arguments.
"$TDPSIM" explore svm-asid-stale-root "${S300[@]}" --seeds 0..1 >"$T/out"
grep -q "seeds 0..1: no violation (2 seeds" "$T/out"

mapfile -t S400 < <(sets 400)
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd "${S400[@]}" --report "$T/cmp" >/dev/null
grep -q '"sim.quantum": 400,' "$T/cmp/runs/01-intel.json"
