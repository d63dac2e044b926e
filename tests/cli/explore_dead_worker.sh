# SPDX-License-Identifier: GPL-2.0-only
# explore --jobs N: a worker that dies before its seeds are run (SIGKILL here,
# as the OOM killer would) makes the answer exit 2 naming the seeds not run,
# never "no violation".  svm-asid-stale-root is clean with its defaults
# (README: 0..9999 no violation), so a full run of 0..999999 would print "no
# violation" and exit 0 - which is what it did before the fix, after ~8
# minutes, with one worker dead.  Killing worker 0 leaves seeds of the form
# 0 + 2k unrun; the parent must then stop worker 1 as well (the run is
# answered at once, not after the other worker's 500,000 seeds).
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$TDPSIM" explore svm-asid-stale-root --seeds 0..999999 --jobs 2 \
	>"$T/out" 2>"$T/err" &
parent=$!
# Wait for both workers, and for them to have run a few seeds.
kids=""
for _ in $(seq 100); do
	kids=$(pgrep -P "$parent" || true)
	[ "$(printf '%s\n' "$kids" | grep -c .)" -eq 2 ] && break
	sleep 0.1
done
[ "$(printf '%s\n' "$kids" | grep -c .)" -eq 2 ] || { echo "no two workers: '$kids'"; kill "$parent"; exit 1; }
sleep 1
first=$(printf '%s\n' "$kids" | sort -n | head -1)
kill -KILL "$first"
# The answer must come promptly; before the fix the other worker ran on.
for _ in $(seq 300); do
	kill -0 "$parent" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$parent" 2>/dev/null; then
	kill "$parent"; wait "$parent" || true
	echo "explore still running 30 s after a worker died:"; cat "$T/out" "$T/err"; exit 1
fi
set +e
wait "$parent"; rc=$?
set -e
[ $rc -eq 2 ] || { echo "exit $rc, want 2"; cat "$T/out" "$T/err"; exit 1; }
grep -q "no violation" "$T/out" && { echo "a dead worker counted as clean:"; cat "$T/out"; exit 1; }
grep -q "^tdpsim: explore: worker 0 (pid $first) was killed by signal 9 (Killed): [0-9]* seeds were not run ([0-9]* to 999998 in steps of 2)\$" "$T/err" ||
	{ echo "the dead worker's seeds are not named:"; cat "$T/err"; exit 1; }
grep -q "^tdpsim: explore: worker 1 (pid [0-9]*) was stopped: [0-9]* seeds were not run ([0-9]* to 999999 in steps of 2)\$" "$T/err" ||
	{ echo "the stopped worker's seeds are not named:"; cat "$T/err"; exit 1; }
# Nothing keeps running.
[ -z "$(pgrep -P "$parent" || true)" ]
# A small clean range with more jobs than seeds still works (and names no gap).
"$TDPSIM" explore svm-asid-stale-root --seeds 5..7 --jobs 8 >"$T/out"
grep -q "seeds 5..7: no violation (3 seeds" "$T/out" || { cat "$T/out"; exit 1; }

# report marks missing seeds loudly: a gap between chunk summaries, and a
# clean chunk whose seeds_run is below its range (what a dead worker left
# behind before the fix: 10 seeds, 7 run).
"$TDPSIM" explore svm-asid-stale-root --seeds 0..9 --json-dir "$T/res" >/dev/null
"$TDPSIM" explore svm-asid-stale-root --seeds 20..29 --json-dir "$T/res" >/dev/null
f=$(ls "$T/res"/*-20-29.json)
sed -i 's/"seeds_run": 10,/"seeds_run": 7,/' "$f"
grep -q '"seeds_run": 7,' "$f" || { echo "seeds_run not planted"; cat "$f"; exit 1; }
"$TDPSIM" report "$T/res" --out "$T/rep" >"$T/out" 2>"$T/err"
m="$T/rep/report.md"
grep -q '^\*\*Warning: seeds missing.\*\*' "$m" || { echo "no warning in:"; cat "$m"; exit 1; }
grep -q '^\* svm-asid-stale-root: seeds 10..19 were not run (no chunk summary covers them)$' "$m" ||
	{ cat "$m"; exit 1; }
grep -q "^\* svm-asid-stale-root: $(basename "$f") ran 7 of the 10 seeds 20..29 and found no failure: seeds are missing\$" "$m" ||
	{ cat "$m"; exit 1; }
grep -q "^tdpsim report: warning: svm-asid-stale-root: seeds 10..19 were not run" "$T/err" ||
	{ echo "no warning on stderr:"; cat "$T/err"; exit 1; }
