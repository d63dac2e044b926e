# SPDX-License-Identifier: GPL-2.0-only
# Numbers that do not fit are bad input, never clamped or cut (issue 13
# item 6, the parts in the trace reader and the scenario parser):
#  - a native trace whose COUNTS header declares 2^64-1 records (the
#    reader's own "unknown"): exit 2 naming the count;
#  - a workload start above 2^32-1 cycles (the idle is one 32-bit record
#    gap; it was clamped to 4294967295): exit 2 naming FILE:LINE;
#  - an `expect if` condition of 200 characters (it was cut at 159, and the
#    cut condition silently tested something else): exit 2 naming FILE:LINE.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
bad() { # bad WHAT PATTERN CMD...: exit 2, the message matches, no output file
	local what=$1 pat=$2 rc; shift 2
	set +e
	"$@" >"$T/out" 2>&1; rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "$what: exit $rc, want 2"; cat "$T/out"; exit 1; }
	grep -q -- "$pat" "$T/out" || { echo "$what: message:"; cat "$T/out"; exit 1; }
}

# Native: the record count at header offset 24, little-endian.
"$TDPSIM" trace gen --pattern seq --count 4 -o "$T/t.trace" >/dev/null
printf '\377\377\377\377\377\377\377\377' |
	dd of="$T/t.trace" bs=1 seek=24 conv=notrunc status=none
bad "count 2^64-1" "record count 18446744073709551615 is not a count" \
	"$TDPSIM" replay "$T/t.trace" --json "$T/r.json"
[ ! -e "$T/r.json" ] || { echo "partial output"; exit 1; }

printf 'set vm.mem=64M\nworkload 0 start 4294967296 pages 1 write\n' >"$T/s.scn"
bad "start 2^32" "s.scn:2: start cycle 4294967296: at most 4294967295" \
	"$TDPSIM" run "$T/s.scn"
printf 'set vm.mem=64M\nworkload 0 start 4294967295 pages 1 write\n' >"$T/ok.scn"
"$TDPSIM" run "$T/ok.scn" >/dev/null

cond="cpu.vendor=intel"
while [ ${#cond} -lt 200 ]; do cond="$cond,cpu.vendor=intel"; done
printf 'set vm.mem=64M\nworkload 0 pages 1 write\nexpect if %s accesses == 1\n' "$cond" >"$T/e.scn"
bad "long expect if" "e.scn:3: expect if: the condition is ${#cond} characters, at most 159" \
	"$TDPSIM" run "$T/e.scn"
echo ok
