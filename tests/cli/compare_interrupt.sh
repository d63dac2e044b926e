# SPDX-License-Identifier: GPL-2.0-only
# An interrupted compare leaves nothing behind and says why; a worker killed
# by a signal is named with the signal.  Before the fix a SIGINT (or any
# death) left REPORT.tdpsim-tmp.PID/ forever, and a worker killed by SIGKILL
# gave exit 2 with no message.  Runs here: 12 runs of 10 M reads each
# (about 1 s apiece in the opt build), so each signal lands mid-campaign.
# Stale staging folders of PIDs that no longer run are removed by the next
# compare or report into the same place.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
printf 'summary slow\nset vm.mem=512M\nworkload all pages 100000 passes 100 read\n' >"$T/slow.scn"
long="$T/slow.scn --vary cpu.vendor=intel,amd --seeds 0..5 --jobs 2"
wait_for() {	# wait_for GLOB: until a path matches (10 s at most)
	for _ in $(seq 100); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.1
	done
	echo "never appeared: $1"; exit 1
}
gone() {	# gone GLOB: until no path matches (10 s at most)
	for _ in $(seq 100); do
		compgen -G "$1" >/dev/null || return 0
		sleep 0.1
	done
	echo "left behind:"; ls -d $1; exit 1
}

# SIGINT to the whole process group, as a terminal's ^C does (job control
# so that the background job does not ignore SIGINT).
set -m
"$TDPSIM" compare $long --report "$T/r1" >"$T/out" 2>"$T/err" &
p=$!
set +m
wait_for "$T/r1.tdpsim-tmp.*/runs"
sleep 0.5
kill -INT -- -$p
set +e; wait $p; rc=$?; set -e
[ $rc -eq 130 ] || { echo "exit $rc after SIGINT, want 130"; cat "$T/err"; exit 1; }
grep -q "^tdpsim: compare: interrupted by SIGINT; nothing is written" "$T/err" ||
	{ echo "no word of the signal:"; cat "$T/err"; exit 1; }
gone "$T/r1*"

# SIGTERM to compare alone: its workers stop too, the stage goes.
"$TDPSIM" compare $long --report "$T/r2" >"$T/out" 2>"$T/err" &
p=$!
wait_for "$T/r2.tdpsim-tmp.*/runs"
sleep 0.5
kill -TERM $p
set +e; wait $p; rc=$?; set -e
[ $rc -eq 143 ] || { echo "exit $rc after SIGTERM, want 143"; cat "$T/err"; exit 1; }
grep -q "interrupted by SIGTERM" "$T/err"
gone "$T/r2*"
[ -z "$(pgrep -P $p || true)" ]

# SIGKILL of one worker: exit 2 naming the worker, the signal and the runs.
"$TDPSIM" compare $long --report "$T/r3" >"$T/out" 2>"$T/err" &
p=$!
wait_for "$T/r3.tdpsim-tmp.*/runs"
sleep 0.5
# A worker, not the janitor: the janitor ignores SIGINT (SigIgn bit 1).
w=""
for _ in $(seq 50); do
	for c in $(pgrep -P $p || true); do
		ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$c/status 2>/dev/null || echo 0)
		[ $(( 0x${ign:-0} & 2 )) -eq 0 ] && { w=$c; break; }
	done
	[ -n "$w" ] && break; sleep 0.1
done
[ -n "$w" ] || { echo "no worker found"; kill $p; exit 1; }
kill -KILL "$w"
set +e; wait $p; rc=$?; set -e
[ $rc -eq 2 ] || { echo "exit $rc after a worker's SIGKILL, want 2"; cat "$T/err"; exit 1; }
grep -q "^tdpsim: compare: worker [01] (pid $w) was killed by signal 9 (Killed): [0-9]* of its runs were not run, the first " "$T/err" ||
	{ echo "the killed worker is not named:"; cat "$T/err"; exit 1; }
gone "$T/r3*"

# Stale staging folders of a PID that is not running go at the next run.
dead=999999
while kill -0 $dead 2>/dev/null; do dead=$((dead - 1)); done
mkdir -p "$T/r4.tdpsim-tmp.$dead/runs" "$T/r5/.tdpsim-stage.$dead"
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd --report "$T/r4" >/dev/null
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd --report "$T/r5" >/dev/null
[ ! -e "$T/r4.tdpsim-tmp.$dead" ] || { echo "stale r4 staging folder kept"; exit 1; }
[ ! -e "$T/r5/.tdpsim-stage.$dead" ] || { echo "stale r5 staging folder kept"; exit 1; }
[ -s "$T/r4/report.md" ] && [ -s "$T/r5/report.md" ]
