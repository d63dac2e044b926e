# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 items 6, 7, 8: what compare and report show.
#  6: every thread's work counts (threads.work, thread.NAME.work, by account
#     threads.cycles.*), and the chart stacks it; a TLB-miss and walk chart;
#  7: a variant whose setting changed nothing, and seeds that cannot
#     differ, are said so (report.md's Notes and stdout);
#  8: the total on the chart is the median the table gives, with min..max
#     over seeds; titles fit; run --json names its scenario and replay.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
num() { tr -d ' \n' <"$2" | sed -n "s/.*\"$1\":\([0-9]*\)[,}].*/\1/p"; }

# dirty-mark-1g: the collapse runs on the VMM thread, so the vCPU's cycles
# are equal under zap and map while the work of all threads is not.
"$TDPSIM" compare dirty-mark-1g --vary mmu.dirty_mark=zap,map --report "$T/dm" >"$T/out"
for r in "$T"/dm/runs/*.json; do
	c=$(num cycles "$r"); w=$(num threads.work "$r")
	v=$(num thread.vcpu0.work "$r"); m=$(num thread.vmm.work "$r")
	# The vCPU's work is its clock (cycles); the VMM adds its own; and
	# threads.work is the sum of every thread's and of every account but
	# idle and wait.
	[ "$v" = "$c" ] && [ "$m" -gt 0 ]
	sum=$(tr -d ' \n' <"$r" | grep -o '"thread\.[a-z0-9-]*\.work":[0-9]*' |
		cut -d: -f2 | awk '{ s += $1 } END { printf "%.0f\n", s }')
	[ "$sum" = "$w" ]
	acc=$(tr -d ' \n' <"$r" | grep -o '"threads\.cycles\.[a-z_]*":[0-9]*' |
		grep -v '\.idle"\|\.wait"' | cut -d: -f2 | awk '{ s += $1 } END { printf "%.0f\n", s }')
	[ "$acc" = "$w" ]
done
zc=$(num cycles "$T/dm/runs/01-zap.json"); mc=$(num cycles "$T/dm/runs/02-map.json")
zw=$(num threads.work "$T/dm/runs/01-zap.json"); mw=$(num threads.work "$T/dm/runs/02-map.json")
[ "$zc" = "$mc" ] && [ "$zw" -gt "$mw" ]
grep -q '^| threads.work | ' "$T/dm/report.md"
grep -q '^| thread.vmm.work | ' "$T/dm/report.md"
# The chart stacks every thread's accounts; its totals are threads.work.
grep -q 'work of every thread (vCPUs, VMM, kthreads) by account' "$T/dm/cycles.gp"
grep -q "^0 .* $(echo "$zw" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') " "$T/dm/cycles.dat"
# The TLB chart: misses per level and walk references.
grep -q '"tlb.l1d.misses"' "$T/dm/tlb.gp" && grep -q '"walk.refs"' "$T/dm/tlb.gp"
[ -s "$T/dm/tlb.dat" ]
! grep -q '^## Notes' "$T/dm/report.md"

# Item 7: on AMD without svm.pml, pml is wp; touch-4k draws nothing at
# random, so its seeds cannot differ in the timed schedule.
"$TDPSIM" compare dirty-log-pml-vs-wp --vary mmu.dirty_log=pml,wp --set cpu.vendor=amd \
	--seeds 0..1 --report "$T/amd" >"$T/out"
grep -q "^note: variant 2 (wp) gave the same results as variant 1 (pml): .*(on AMD, mmu.dirty_log=pml without svm.pml=1 has no PML and runs as wp)" "$T/out"
grep -q "^\* variant 2 (wp) gave the same results as variant 1 (pml)" "$T/amd/report.md"
"$TDPSIM" compare touch-4k --vary tlb.l1d.entries=32,64 --seeds 0..2 --report "$T/t4" >"$T/out"
grep -q "^note: the 3 seeds of variant 1 (32) gave identical results: in the timed schedule" "$T/out"
grep -q "^\* the 3 seeds of variant 2 (64) gave identical results" "$T/t4/report.md"
# run says it too, when the user chose pml.
"$TDPSIM" run touch-4k --set cpu.vendor=amd --set mmu.dirty_log=pml >"$T/out"
grep -q "^note: on AMD without svm.pml=1 there is no PML" "$T/out"
"$TDPSIM" run touch-4k --set cpu.vendor=amd --set svm.pml=1 --set mmu.dirty_log=pml >"$T/out"
! grep -q "^note:" "$T/out"
# Intel with PML: the methods differ, and nothing is said.
"$TDPSIM" compare dirty-log-pml-vs-wp --vary mmu.dirty_log=pml,wp --report "$T/intel" >"$T/out"
! grep -q "^note:" "$T/out"

# Item 8: seeds that differ (random host events): min..max on the total;
# the label is the median of threads.work, as the table prints it; the
# chart is wide enough for its title (8 pixels a character + margins).
"$TDPSIM" compare host-events-random --vary mmu.dirty_mark=zap,map --seeds 0..2 \
	--report "$T/he" >/dev/null
grep -q 'with vectors' "$T/he/cycles.gp"
med=$(sed -n 's/^| threads.work | \([0-9,]*\) .*/\1/p' "$T/he/report.md")
[ -n "$med" ] && grep -q "^0 .* $med " "$T/he/cycles.dat"
title=$(sed -n 's/^  set title "\(.*\)" font.*/\1/p' "$T/he/cycles.gp")
width=$(sed -n 's/.*pngcairo noenhanced size \([0-9]*\),.*/\1/p' "$T/he/cycles.gp")
[ "$width" -ge $(( ${#title} * 8 + 290 )) ]

# run --json: the scenario and the command that repeats it; its report
# has a title.
"$TDPSIM" run touch-4k --set tlb.l1d.entries=32 --json "$T/r.json" >/dev/null
grep -q '^  "scenario": "touch-4k",$' "$T/r.json"
grep -q '^  "replay": "tdpsim run touch-4k --set tlb.l1d.entries=32 --seed 0",$' "$T/r.json"
"$TDPSIM" report "$T/r.json" --out "$T/rr" >/dev/null
head -1 "$T/rr/report.md" | grep -qx '# tdpsim report: touch-4k'
echo ok
