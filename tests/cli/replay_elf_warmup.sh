# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 items 2 and 4 (--warmup).
# --elf maps the program's PT_LOAD segments with their permissions before
# the run: the program's own first touches of its text take no guest page
# fault and no EPT violation; a write to its text (R+X) is a protection
# fault (exit 1); the results record the ELF and how many pages it mapped.
# --warmup N: each vCPU's first N records run uncounted.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
num() { tr -d ' \n' <"$2" | sed -n "s/.*\"$1\":\([0-9]*\)[,}].*/\1/p"; }
command -v readelf >/dev/null || { echo "readelf missing: skipped"; exit 0; }

# Two fetches in /bin/true's text as valgrind loads it (PIE at 0x108000).
printf 'I  0010a000,4\nI  0010a004,4\n' >"$T/t.lackey"
"$TDPSIM" replay "$T/t.lackey" --json "$T/demand.json" >/dev/null
# Demand-mapped, by hand: the first fetch walks an empty guest address
# space: a guest page fault for each table below the root (PDPT, PD, PT)
# and one for the page, 4; each allocation and each PTE write touches a
# new guest frame, EPT violations follow.
[ "$(num guest.page_faults "$T/demand.json")" = 4 ]
[ "$(num exits.ept_violation "$T/demand.json")" -gt 0 ]
"$TDPSIM" replay "$T/t.lackey" --elf /bin/true --elf-base 0x108000 --json "$T/elf.json" >/dev/null
[ "$(num guest.page_faults "$T/elf.json")" = 0 ]
[ "$(num exits.ept_violation "$T/elf.json")" = 0 ]
[ "$(num accesses "$T/elf.json")" = 2 ]
# The pages mapped: every 4 KiB page of every PT_LOAD segment, as readelf
# lists them (first page to last, per segment).
pages=$(readelf -lW /bin/true | awk '$1 == "LOAD" {
	a = strtonum($3); m = strtonum($6)
	n += int((a + m + 4095) / 4096) - int(a / 4096) } END { print n }' 2>/dev/null ||
	echo "")
if [ -z "$pages" ]; then # mawk has no strtonum: hex by hand
	pages=$(readelf -lW /bin/true | awk 'function hex(s,  i, v, c) { v = 0
		s = tolower(substr(s, 3)); for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
		return v }
		$1 == "LOAD" { a = hex($3); m = hex($6)
		n += int((a + m + 4095) / 4096) - int(a / 4096) } END { print n }')
fi
[ "$(num premapped_pages "$T/elf.json")" = "$pages" ]
grep -q '"base": 1081344,' "$T/elf.json"
# A write into the text is refused by the page tables the loader built.
printf 'I  0010a000,4\n S 0010a010,8\n' >"$T/w.lackey"
set +e
"$TDPSIM" replay "$T/w.lackey" --elf /bin/true --elf-base 0x108000 >"$T/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "unexpected guest #PF error 0x7" "$T/out"

# --warmup 3 of: fetch A, fetch A+4, load D, fetch A+8, store D+8, fetch
# A+12, load D+16.  Counted: the last 4 records (2 fetches, a load, a
# store); both pages are mapped and in the TLBs by then: no miss at any
# level, no exit.
printf 'I  00400000,4\nI  00400004,4\n L 00600000,8\nI  00400008,4\n S 00600008,8\nI  0040000c,4\n L 00600010,8\n' >"$T/s.lackey"
"$TDPSIM" replay "$T/s.lackey" --warmup=3 --json "$T/w.json" >"$T/out"
[ "$(num accesses "$T/w.json")" = 4 ]
for s in tlb.l1i.misses tlb.l1d.misses tlb.l2.misses exits.ept_violation guest.page_faults; do
	[ "$(num "$s" "$T/w.json")" = 0 ] || { echo "$s"; exit 1; }
done
tr -d ' \n' <"$T/w.json" | grep -q '"by_kind":{"load":{"records":1,"l1":"l1d"},"store":{"records":1,"l1":"l1d"},"fetch":{"records":2,"l1":"l1i"}}'
grep -q '"warmup": 3' "$T/w.json"
grep -q '"replay": "tdpsim replay .*s.lackey --warmup 3"' "$T/w.json"
# Without warmup the same trace counts 7 accesses and the cold misses.
"$TDPSIM" replay "$T/s.lackey" --json "$T/all.json" >/dev/null
[ "$(num accesses "$T/all.json")" = 7 ] && [ "$(num tlb.l2.misses "$T/all.json")" = 2 ]
echo ok
