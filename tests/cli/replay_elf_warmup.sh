# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 items 2 and 4 (--warmup).
# --elf maps the program's PT_LOAD segments with their permissions before
# the run (uncounted) and enters the program's address space with a flush:
# the program's first touches of its pages take no guest page fault and no
# EPT violation, but miss the TLBs as without --elf; a write to its text or
# a fetch from its data is a protection fault (exit 1); the results record
# the ELF (path, hash, build-id, base) and how many pages it mapped.  The
# counts are derived by hand for a program laid out here, byte by byte.
# --warmup N: each vCPU's first N records run uncounted.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# The first "STAT": N line of a results file: the input's, then the stats'.
num() { sed -n "s/^ *\"$1\": \([0-9]*\),*$/\1/p" "$2" | head -1; }
want() {	# want FILE STAT VALUE
	local got; got=$(num "$2" "$1")
	[ "$got" = "$3" ] || { echo "$1: $2 = '$got', want $3"; exit 1; }
}
le() {	# le VALUE BYTES: VALUE little-endian as printf escapes
	local v=$1 n=$2 out=""
	for _ in $(seq "$n"); do out="$out\\x$(printf %02x $((v & 255)))"; v=$((v >> 8)); done
	printf '%s' "$out"
}
phdr() {	# phdr TYPE FLAGS OFFSET VADDR FILESZ MEMSZ ALIGN: an ELF64 program header
	printf "$(le "$1" 4)$(le "$2" 4)$(le "$3" 8)$(le "$4" 8)$(le "$4" 8)$(le "$5" 8)$(le "$6" 8)$(le "$7" 8)"
}
# A program laid out by hand (no file contents: only the layout is read):
# text R+X at 0x400000, 0x2000 bytes (2 pages); data R+W at 0x600800,
# 0x2000 bytes (pages 0x600000, 0x601000, 0x602000: 3); a GNU build-id
# note.  ELF64 header (64 bytes), 3 program headers of 56 from byte 64, the
# note at byte 232: namesz 4, descsz 8, type 3 (NT_GNU_BUILD_ID), "GNU".
{
	printf '\177ELF\002\001\001'; printf "$(le 0 9)"
	printf "$(le 2 2)$(le 62 2)$(le 1 4)$(le 0x400000 8)$(le 64 8)$(le 0 8)$(le 0 4)"
	printf "$(le 64 2)$(le 56 2)$(le 3 2)$(le 64 2)$(le 0 2)$(le 0 2)"
	phdr 1 5 0 0x400000 0 0x2000 0x1000
	phdr 1 6 0 0x600800 0 0x2000 0x1000
	phdr 4 4 232 0 24 24 4
	printf "$(le 4 4)$(le 8 4)$(le 3 4)GNU\000"
	printf '\001\043\105\147\211\253\315\357'
} >"$T/prog"
[ "$(stat -c %s "$T/prog")" = 256 ]
# Its trace: two fetches, one per text page; a load and a store in the
# data; a load outside the program (demand-mapped).
printf 'I  00400000,4\nI  00401000,4\n L 00600800,8\n S 00602000,8\n L 00700000,8\n' >"$T/p.lackey"
for e in none elf; do
	"$TDPSIM" replay "$T/p.lackey" $([ $e = elf ] && echo --elf "$T/prog") \
		--set vm.backing=4k --json "$T/p-$e.json" >/dev/null
done
# By hand, 4-level guest paging from an empty guest: its PML4 is guest
# frame 0.  Demand-mapped, the first fetch takes a guest #PF for the PDPT,
# the PD, the PT of 0x400000-0x5fffff and the page (4); 0x401000 one;
# 0x600800 two (the PT of 0x600000-0x7fffff and the page); 0x602000 one;
# 0x700000 one (its PT is 0x600800's): 9.  Each guest frame is an EPT
# violation at its first touch: the 9 and the PML4, 10.
want "$T/p-none.json" guest.page_faults 9
want "$T/p-none.json" exits.ept_violation 10
# With --elf the loader mapped the 5 pages of the segments and their
# tables (uncounted): only 0x700000 faults, once in the guest and once in
# EPT.
want "$T/p-elf.json" guest.page_faults 1
want "$T/p-elf.json" exits.ept_violation 1
want "$T/p-elf.json" premapped_pages 5
# The loader's last step entered the program's address space with a MOV
# to CR3 that flushed it: the TLBs are cold as without --elf, every page's
# first touch misses the L1 and the L2 (2 text pages in the iTLB; 3 data
# pages in the dTLB) and walks.
for e in none elf; do
	want "$T/p-$e.json" tlb.l1i.misses 2
	want "$T/p-$e.json" tlb.l1d.misses 3
	want "$T/p-$e.json" tlb.l2.misses 5
	want "$T/p-$e.json" accesses 5
	want "$T/p-$e.json" guest.mov_cr3 0
done
tr -d ' \n' <"$T/p-elf.json" | grep -q '"build_id":"0123456789abcdef","base":0,'
# The segments' permissions: a write to the text and a fetch from the data
# are protection faults (the run stops, exit 1); without --elf both pages
# are demand-mapped read/write/execute.
printf 'I  00400000,4\n S 00400010,8\n' >"$T/wt.lackey"
printf 'I  00400000,4\nI  00600800,4\n' >"$T/xd.lackey"
for t in wt xd; do
	"$TDPSIM" replay "$T/$t.lackey" --json "$T/$t.json" >/dev/null
	want "$T/$t.json" violations 0
	set +e
	"$TDPSIM" replay "$T/$t.lackey" --elf "$T/prog" --json "$T/$t-elf.json" \
		>"$T/$t.out" 2>&1; rc=$?
	set -e
	[ $rc -eq 1 ] || { echo "$t: exit $rc"; cat "$T/$t.out"; exit 1; }
	# The run stopped at the fault: how many records the file has is
	# not known (lackey's header does not say), rather than 1.
	want "$T/$t.json" records 2
	grep -Eq '^    "records": null,?$' "$T/$t-elf.json"
done
grep -q "vcpu0 writes 0x400010 in the program's r-x segment \[0x400000, 0x402000): a protection fault" "$T/wt.out"
grep -q "vcpu0 fetches 0x600800 in the program's rw- segment \[0x600000, 0x603000): a protection fault" "$T/xd.out"

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
[ $rc -eq 1 ] && grep -q "unexpected guest #PF error 0x7: vcpu0 writes 0x10a010 in the program's r-x segment" "$T/out"

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
# By kind: the store hits the load's dTLB entry, whose guest PTE has D
# clear (the minimal guest OS maps without D): one walk to set it.
F=$(tr -d ' \n' <"$T/w.json")
echo "$F" | grep -q '"by_kind":{"load":{"accesses":1,"tlb":{"l1":{"lookups":1,"misses":0,'
echo "$F" | grep -q '"store":{"accesses":1,"tlb":{"l1":{"lookups":1,"misses":0,"miss_rate":0.0,"mpki":0.0,"level":"l1d"},"l2":{"lookups":0,"misses":0,"miss_rate":null,"mpki":0.0}},"walks":1,'
echo "$F" | grep -q '"fetch":{"accesses":2,"tlb":{"l1":{"lookups":2,"misses":0,'
grep -q '"warmup": 3' "$T/w.json"
grep -q '"replay": "tdpsim replay .*s.lackey --warmup 3"' "$T/w.json"
# Without warmup the same trace counts 7 accesses and the cold misses.
"$TDPSIM" replay "$T/s.lackey" --json "$T/all.json" >/dev/null
[ "$(num accesses "$T/all.json")" = 7 ] && [ "$(num tlb.l2.misses "$T/all.json")" = 2 ]
echo ok
