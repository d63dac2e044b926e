# Every built-in scenario parses and is listed; the catalog's deterministic
# cases meet their expectations (the expectations live in the .scn files:
# exit 0 means every one held) under each setting they compare.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Every workloads/scenarios/*.scn is embedded and parses.
n_files=$(ls workloads/scenarios/*.scn | wc -l)
for f in workloads/scenarios/*.scn; do
	name=$(basename "$f" .scn)
	"$TDPSIM" scenarios | grep -q "^$name " || { echo "$name not listed"; exit 1; }
done
[ "$n_files" -ge 2 ]

run() {
	if ! "$TDPSIM" run "$@" >"$T/out" 2>&1; then
		echo "FAILED: tdpsim run $*"; cat "$T/out"; exit 1
	fi
}
run touch-4k --set cpu.vendor=intel
run touch-4k --set cpu.vendor=amd
run touch-4k --set cpu.vendor=intel --set cpu.vcpus=4 --set cpu.pcpus=2
run dirty-mark-1g --set mmu.dirty_mark=zap --json "$T/zap.json"
run dirty-mark-1g --set mmu.dirty_mark=map --json "$T/map.json"
grep -q '"phase.collapse.folio.mark_dirty.zap": 262144' "$T/zap.json"
grep -q '"phase.collapse.folio.mark_dirty": 0' "$T/map.json"

# A scenario file given by path works too, and its errors name FILE:LINE.
cp workloads/scenarios/touch-4k.scn "$T/mine.scn"
"$TDPSIM" run "$T/mine.scn" >/dev/null
printf 'set vm.mem=64M\nworkload all pages 0\n' >"$T/bad.scn"
set +e
"$TDPSIM" run "$T/bad.scn" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "bad.scn:2: workload pages needs a page count" "$T/err"
