#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: instructions per access of the replay.walk_2d_psc trace, by
# callgrind, which repeats exactly where timings on a shared machine do
# not.  Only scenario_run() is counted, over traces of 200,000 and
# 400,000 accesses: the difference over 200,000 leaves out the run's
# setup and teardown, whose cost does not grow with the trace.
# Usage: bench-instr.sh BENCH_REPLAY_BINARY
set -e
BIN=${1:-build/opt/bench/replay}
if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench replay.walk_2d_psc.instructions: valgrind is not installed" >&2
	exit 1
fi
count() {
	out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		--toggle-collect=scenario_run "$BIN" walk_2d_psc "$1" 2>&1) || {
		printf '%s\n' "$out" | tail -5 >&2
		echo "bench replay.walk_2d_psc.instructions: the replay of $1 accesses failed" >&2
		exit 1
	}
	printf '%s\n' "$out" | sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p'
}
a=$(count 200000)
b=$(count 400000)
if [ -z "$a" ] || [ -z "$b" ]; then
	echo "bench replay.walk_2d_psc.instructions: no count from callgrind" >&2
	exit 1
fi
echo "$a $b" | awk '{ printf "bench replay.walk_2d_psc.instructions %.0f instr/acc\n", ($2 - $1) / 200000 }'
