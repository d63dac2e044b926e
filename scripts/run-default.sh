#!/bin/sh
# make run: the main job on its built-in default. Writes results to out/.
set -e
TDPSIM=${1:-build/opt/tdpsim}
mkdir -p out
echo "== tdpsim scenarios"
"$TDPSIM" scenarios
for sc in touch-pages; do
	if "$TDPSIM" scenarios | grep -q "^$sc "; then
		for vendor in intel amd; do
			echo "== tdpsim run $sc --set cpu.vendor=$vendor"
			"$TDPSIM" run "$sc" --set cpu.vendor=$vendor --json "out/$sc-$vendor.json"
		done
	fi
done
echo "== tdpsim explore counter-race --seeds 0..999 --jobs 2"
"$TDPSIM" explore counter-race --seeds 0..999 --jobs 2 || true
echo "results: out/*.json"
