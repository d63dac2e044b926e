#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: explore throughput, seeds per minute with --jobs 2 (both cores),
# on the engine self-test and on a small seed scenario.
set -e
TDPSIM=${1:-build/opt/tdpsim}
rate() {
	name=$1; n=$2; shift 2
	t0=$(date +%s.%N)
	"$TDPSIM" explore "$@" --seeds "0..$((n - 1))" --jobs 2 >/dev/null || true
	t1=$(date +%s.%N)
	echo "$name $n $t0 $t1" | awk '{ printf "bench %s %.0f seeds/min\n", $1, $2 * 60 / ($4 - $3) }'
}
rate explore.counter_race 20000 counter-race-cmpxchg
rate explore.svm_asid_stale_root 4000 svm-asid-stale-root
