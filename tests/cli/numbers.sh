# SPDX-License-Identifier: GPL-2.0-only
# Numbers: an overflow is bad input, and result JSON never holds a negative
# integer where the value is unsigned.  jansson's integers are int64_t, so
# 2^63-1 = 9223372036854775807 is the largest seed or parameter a result file
# can hold; before the fix --seed 18446744073709551615 was written as
# "sim.seed": -1, and compare --seeds 0..18446744073709551615 counted
# 2^64 seeds as 0 (b - a + 1 wraps) and wrote an empty report with exit 0.
# report took twice a median in int64_t: for two runs of a stat at
# 2^63-1 it printed -1 (UBSan: signed overflow); the median is 2^63-1.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect2() {
	local want=$1; shift
	set +e
	"$TDPSIM" "$@" >"$T/out" 2>"$T/err"; rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "exit $rc (want 2) for: $*"; cat "$T/out" "$T/err"; exit 1; }
	grep -qF -- "$want" "$T/err" || { echo "no '$want' in:"; cat "$T/err"; exit 1; }
}
M=18446744073709551615
expect2 "--seeds 0..$M: seeds above 9223372036854775807" \
	compare touch-4k --vary cpu.vendor=intel,amd --seeds 0..$M --report "$T/rep"
[ ! -e "$T/rep" ] || { echo "a report was written"; exit 1; }
expect2 "compare: more than 1,000,000 runs" \
	compare touch-4k --vary cpu.vendor=intel --seeds 0..9223372036854775807 --report "$T/rep"
expect2 "sim.seed: $M is above 9223372036854775807" run touch-4k --seed $M --json "$T/r.json"
[ ! -e "$T/r.json" ]
expect2 "sim.quantum: $M is above 9223372036854775807" run touch-4k --set sim.quantum=$M
expect2 "--seeds 9223372036854775807..$M: seeds above" explore touch-4k --seeds 9223372036854775807..$M
expect2 "sim.seed: $M is above" compare touch-4k --vary sim.seed=1,$M --report "$T/rep"
# The largest seed that fits is written as it is.
"$TDPSIM" run touch-4k --seed 9223372036854775807 --json "$T/big.json" >/dev/null
grep -q '"sim.seed": 9223372036854775807,' "$T/big.json"
! grep -q ': -[0-9]' "$T/big.json" || { echo "a negative number:"; grep ': -[0-9]' "$T/big.json"; exit 1; }

# report: two runs (seeds 1 and 2) of a stat at 2^63-1: median 2^63-1.
"$TDPSIM" run touch-4k --seed 1 --json "$T/a.json" >/dev/null
"$TDPSIM" run touch-4k --seed 2 --json "$T/b.json" >/dev/null
for f in a b; do
	sed -i 's/"accesses": 1024,/"accesses": 9223372036854775807,/' "$T/$f.json"
	grep -q '"accesses": 9223372036854775807,' "$T/$f.json"
done
"$TDPSIM" report "$T/a.json" "$T/b.json" --out "$T/rep2" >/dev/null
grep -q '^| accesses | 9,223,372,036,854,775,807 |' "$T/rep2/report.md" ||
	{ echo "median of 2^63-1:"; grep accesses "$T/rep2/report.md"; exit 1; }
# A negative count is not a count.
sed 's/"accesses": 9223372036854775807,/"accesses": -5,/' "$T/a.json" >"$T/neg.json"
expect2 "neg.json: stat 'accesses' is not a count (it is negative)" report "$T/neg.json" --out "$T/rep3"
[ ! -e "$T/rep3" ]
