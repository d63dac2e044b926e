#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: the cost of running Linux's own MMU (make linux) against
# kvmmu on the same runs: every catalog scenario under 6.12's settings (the Linux
# build's `config --mmu`) on both binaries, the best of 3 wall times each,
# taking turns; the figure is linux time / kvmmu time.
set -e
K=${1:-build/opt/tdpsim}
L=${2:-build/opt/tdpsim-linux-6.12}
FIX=$("$L" config --mmu | tail -n +2 | sed 's/^/--set /' | tr '\n' ' ')
best() { # best BINARY SCENARIO: the smallest of 3 wall times, in seconds
	b=""
	for i in 1 2 3; do
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086
		"$1" run "$2" $FIX >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		b=$(echo "$t0 $t1 $b" | awk '{ t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3 }')
	done
	echo "$b"
}
for s in $("$K" scenarios | awk '{print $1}'); do
	k=$(best "$K" "$s")
	l=$(best "$L" "$s")
	echo "$s $k $l" | awk '{ printf "bench linux.%s.vs_kvmmu %.2f ratio goal none\n", $1, $3 / $2 }'
done
