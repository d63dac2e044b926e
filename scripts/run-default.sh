#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make run: the catalog's headline comparison on its built-in default.
# Writes the reports (report.md, PNG and SVG plots, each run's JSON) under
# out/: out/dirty-mark-1g/ and out/touch-4k-vendors/.
set -e
TDPSIM=${1:-build/opt/tdpsim}
mkdir -p out
status=0
echo "== tdpsim scenarios"
"$TDPSIM" scenarios

# The headline: where KVM marks the folio dirty (at zap vs at map time).
echo "== tdpsim compare dirty-mark-1g --vary mmu.dirty_mark=zap,map --report out/dirty-mark-1g"
"$TDPSIM" compare dirty-mark-1g --vary mmu.dirty_mark=zap,map --jobs 2 \
	--report out/dirty-mark-1g || status=$?
# Cheap: the thinnest path through every layer, on both vendors.
echo "== tdpsim compare touch-4k --vary cpu.vendor=intel,amd --report out/touch-4k-vendors"
"$TDPSIM" compare touch-4k --vary cpu.vendor=intel,amd \
	--report out/touch-4k-vendors || status=$?

# The key numbers of the headline report, as report.md gives them.
if [ -f out/dirty-mark-1g/report.md ]; then
	echo "== out/dirty-mark-1g/report.md (excerpt)"
	grep -E '^\| (stat|cycles|folio\.mark_dirty(\.zap|\.map)?|lock\.mmu_lock\.read_hold_cycles|phase\.collapse\.(cycles|folio\.mark_dirty\.zap|folio\.mark_dirty|lock\.mmu_lock\.read_hold_cycles)|violations) ' \
		out/dirty-mark-1g/report.md || true
fi

echo "== tdpsim explore counter-race --seeds 0..999 --jobs 2 (engine self-test: finds the lost update)"
"$TDPSIM" explore counter-race --seeds 0..999 --jobs 2 | head -3 || true

echo
echo "reports: out/dirty-mark-1g/report.md (plots: out/dirty-mark-1g/*.png, *.svg)"
echo "         out/touch-4k-vendors/report.md"
exit $status
