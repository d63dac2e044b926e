#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: explore throughput, seeds per minute with --jobs 2 (both
# cores), on three catalog scenarios: the engine self-test, an AMD root
# switch and a live migration racing aging (each clean under its defaults,
# so every seed runs to the end); and from each rate the time a campaign
# of 10^6 seeds takes on this machine (explore --jobs 2; across machines
# it divides by their count, DESIGN.md §10).
set -e
TDPSIM=${1:-build/opt/tdpsim}
rate() {
	name=$1; n=$2; shift 2
	t0=$(date +%s.%N)
	# A seed that fails ends explore early: the rate would be wrong.
	if ! "$TDPSIM" explore "$@" --seeds "0..$((n - 1))" --jobs 2 >/dev/null; then
		echo "bench $name: explore $* --seeds 0..$((n - 1)) failed" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	echo "$name $n $t0 $t1" | awk '{
		r = $2 * 60 / ($4 - $3)
		printf "bench %s %.0f seeds/min goal none\n", $1, r
		printf "bench %s.campaign_1e6 %.2f hours goal none\n", $1, 1e6 / r / 60 }'
}
rate explore.counter_race 20000 counter-race-cmpxchg
rate explore.svm_asid_stale_root 4000 svm-asid-stale-root
rate explore.volatile_bits 1000 volatile-bits
