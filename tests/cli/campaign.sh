# SPDX-License-Identifier: GPL-2.0-only
# Campaigns: an explore split into chunk jobs, run by GNU parallel and merged
# by 'tdpsim report', names the same first failing seed (and replay command)
# as one direct explore; a compare job list run by parallel gives the very
# report a local compare writes; compare writes report.md with the expected
# numbers and non-empty PNG and SVG plots, byte-identical when run again.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
command -v parallel >/dev/null || { echo "GNU parallel is missing (make deps)"; exit 1; }

# --- explore counter-race over 0..99, directly and as 4 chunk jobs.
set +e
"$TDPSIM" explore counter-race --seeds 0..99 >"$T/direct"; rc=$?
set -e
[ $rc -eq 1 ] || { echo "direct explore exit $rc, want 1"; exit 1; }
seed=$(sed -n 's/^explore counter-race: seed \([0-9]*\) fails.*/\1/p' "$T/direct")
replay=$(sed -n 's/^replay: //p' "$T/direct")
[ -n "$seed" ] && [ -n "$replay" ] || { echo "no first failing seed in:"; cat "$T/direct"; exit 1; }

"$TDPSIM" explore counter-race --seeds 0..99 --chunk 25 --emit-jobs "$T/jobs" \
	--json-dir "$T/res" >"$T/emit"
[ "$(wc -l <"$T/jobs")" -eq 4 ] || { echo "want 4 jobs:"; cat "$T/jobs"; exit 1; }
grep -q -- "--seeds 75..99 --json-dir $T/res\$" "$T/jobs" || { cat "$T/jobs"; exit 1; }
# Every chunk finds a lost update, so parallel's status is the number of
# failing jobs (4); anything above that is parallel's own failure.
set +e
(cd "$T" && parallel --will-cite -j2 <"$T/jobs" >"$T/par.out" 2>&1); rc=$?
set -e
[ $rc -le 4 ] || { echo "parallel exit $rc"; cat "$T/par.out"; exit 1; }
[ "$(ls "$T/res"/explore-counter-race-*.json | wc -l)" -eq 4 ] || { ls "$T/res"; exit 1; }

"$TDPSIM" report "$T/res" --out "$T/merged" >/dev/null
m="$T/merged/report.md"
grep -q "^| counter-race | 0..99 | 4 | " "$m" || { echo "no 4-chunk row:"; cat "$m"; exit 1; }
got=$(sed -n 's/^| counter-race | 0..99 | 4 | .* | \([0-9]*\) |$/\1/p' "$m")
[ "$got" = "$seed" ] || { echo "merged first failing seed '$got', direct $seed"; cat "$m"; exit 1; }
grep -qxF "    $replay" "$m" || { echo "no replay '$replay' in:"; cat "$m"; exit 1; }
grep -q "^### First counterexample: counter-race, seed $seed\$" "$m"
grep -q "violation lost-update" "$m"
# The chunks' order on the command line does not matter.
"$TDPSIM" report $(ls -r "$T/res"/*.json) --out "$T/merged2" >/dev/null
cmp "$m" "$T/merged2/report.md"

# --- compare touch-4k across vendors: 512 exits of each kind, plots.
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd --report "$T/cmp" >"$T/out"
r="$T/cmp/report.md"
grep -q "^| exits.ept_violation | 512 | 0 | 0 |$" "$r" || { cat "$r"; exit 1; }
grep -q "^| exits.npf | 0 | 512 | — |$" "$r" || { cat "$r"; exit 1; }
grep -q "^| accesses | 1,024 | 1,024 | = |$" "$r"
grep -q "^| 1 | intel | 0 | 01-intel.json | \`tdpsim run touch-4k --set cpu.vendor=intel\` |$" "$r"
grep -q "^None: every run met its expectations" "$r"
for f in cycles exits; do
	for ext in png svg gp dat; do
		[ -s "$T/cmp/$f.$ext" ] || { echo "$f.$ext missing or empty"; ls -l "$T/cmp"; exit 1; }
	done
	head -c 8 "$T/cmp/$f.png" | od -An -tx1 | grep -q "89 50 4e 47" ||
		{ echo "$f.png is not a PNG"; exit 1; }
	grep -q "<svg" "$T/cmp/$f.svg" || { echo "$f.svg is not an SVG"; exit 1; }
done
[ -s "$T/cmp/runs/01-intel.json" ] && [ -s "$T/cmp/runs/02-amd.json" ]
# Deterministic: a second compare (here with --jobs 2) and a report of its
# runs give the same report.md, byte for byte.
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd --jobs 2 --report "$T/cmp2" >/dev/null
cmp "$r" "$T/cmp2/report.md"
"$TDPSIM" report "$T/cmp/runs" --out "$T/rep" >/dev/null
cmp "$r" "$T/rep/report.md"

# --- the same compare as a job list run by parallel.
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd --report "$T/cj" \
	--emit-jobs "$T/cjobs" >/dev/null
[ "$(wc -l <"$T/cjobs")" -eq 2 ]
(cd "$T" && parallel --will-cite -j2 <"$T/cjobs" >/dev/null 2>&1)
"$TDPSIM" report "$T/cj/runs" --out "$T/cj" >/dev/null
cmp "$r" "$T/cj/report.md"

# --- a failed expectation: exit 1, named, and still a report.
set +e
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel --set vm.backing=hugetlb-2m \
	--report "$T/fail" >"$T/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || { echo "failing compare exit $rc, want 1"; cat "$T/out"; exit 1; }
grep -q "^compare: cpu.vendor=intel (01-intel.json): failed expectation: " "$T/out" ||
	{ cat "$T/out"; exit 1; }
grep -q "failed expectation" "$T/fail/report.md"

# --- bad input: one line, exit 2, no output folder.
set +e
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,zen --report "$T/bad" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "cpu.vendor: bad value 'zen'" "$T/err" && [ ! -e "$T/bad" ] ||
	{ echo "bad --vary: exit $rc"; cat "$T/err"; exit 1; }
printf '{"tdpsim": "0.1.0", "config": {}, "stats": {"x": "y"}}\n' >"$T/bad.json"
set +e
"$TDPSIM" report "$T/cmp/runs/01-intel.json" "$T/bad.json" --out "$T/bad" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "bad.json: stat 'x' is not an integer" "$T/err" && [ ! -e "$T/bad" ] ||
	{ echo "bad report input: exit $rc"; cat "$T/err"; exit 1; }
ls -A "$T" | grep -q tdpsim-tmp && { echo "staging folder left behind"; exit 1; }
true
