# SPDX-License-Identifier: GPL-2.0-only
# Guest-issued TLB invalidations (issue 14 item 9): native trace records
# (traces/FORMAT.md kinds 3-9) and the guest-flush scenario.  Before them a
# native record of kind 3 was "bad kind 3" (exit 2), and nothing issued a
# guest INVLPG, MOV to CR3, INVPCID or INVLPGA.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
stat() { sed -n "s/^    \"$2\": \([0-9]*\),*$/\1/p" "$1"; }
check() {	# check FILE STAT WANT
	local got; got=$(stat "$1" "$2")
	[ "$got" = "$3" ] || { echo "$1: $2 = '$got', want $3"; exit 1; }
}
le() {	# le VALUE BYTES: VALUE little-endian as printf escapes
	local v=$1 n=$2 out=""
	for _ in $(seq "$n"); do out="$out\\x$(printf %02x $((v & 255)))"; v=$((v >> 8)); done
	printf '%s' "$out"
}
rec() {	# rec ADDR KIND SIZE: one vCPU-0 record without gap
	printf "$(le "$1" 8)$(le 0 4)$(le 0 2)$(le "$2" 1)$(le "$3" 1)"
}
header() { printf 'TDPTRACE'; printf "$(le 1 2)$(le 32 2)$(le 16 2)$(le 0 2)$(le 0 4)$(le 0 4)$(le 0 8)"; }
WR=1 INVLPG=3 CR3=4 INVLPGA=9
NOFLUSH=$((1 << 63))
A=0x7f0000001000
# A multi-process guest: process 0 (PCID 1) writes A, process 1 (PCID 2)
# writes A, back to process 0 (A hits: NOFLUSH kept its entry), then an
# munmap's INVLPG of A and a write of A (a miss).  With PCIDs, by hand:
# 3 L1 dTLB misses (process 0, process 1, after the INVLPG); 10 EPT
# violations (each process's PML4, PDPT, PD, PT and data page; process 0
# has space 0's PML4 at GPA 0).  Without PCIDs (PCID 0, no NOFLUSH) the
# return to process 0 flushes: 4 misses.
mk() {	# mk FILE PCID_P0 PCID_P1 NOFLUSHBIT
	{ header
	  rec $(( (0 << 12) | $2 | $4 )) $CR3 1; rec $A $WR 8
	  rec $(( (1 << 12) | $3 | $4 )) $CR3 1; rec $A $WR 8
	  rec $(( (0 << 12) | $2 | $4 )) $CR3 1; rec $A $WR 8
	  rec $A $INVLPG 1; rec $A $WR 8
	} >"$1"
}
mk "$T/pcid.trc" 1 2 $NOFLUSH
mk "$T/nopcid.trc" 0 0 0
for f in pcid nopcid; do
	"$TDPSIM" replay "$T/$f.trc" --set guest.paging=4level --set vm.backing=4k \
		--set vm.mem=64M --json "$T/$f.json" >/dev/null
	check "$T/$f.json" accesses 4
	check "$T/$f.json" guest.mov_cr3 3
	check "$T/$f.json" guest.invlpg 1
	check "$T/$f.json" exits.ept_violation 10
done
check "$T/pcid.json" tlb.l1d.misses 3
check "$T/nopcid.json" tlb.l1d.misses 4
# trace info counts the invalidations apart from the accesses.
"$TDPSIM" trace info "$T/pcid.trc" >"$T/info"
grep -q "^writes   4 " "$T/info" || { cat "$T/info"; exit 1; }
grep -q "^flushes  4 (guest TLB invalidations)" "$T/info" || { cat "$T/info"; exit 1; }
grep -q "^pages    1 (4 KiB)" "$T/info" || { cat "$T/info"; exit 1; }
# trace convert keeps them, byte for byte.
"$TDPSIM" trace convert "$T/pcid.trc" "$T/conv.trc" >/dev/null
"$TDPSIM" replay "$T/conv.trc" --set guest.paging=4level --set vm.backing=4k \
	--set vm.mem=64M --json "$T/conv.json" >/dev/null
# (The input's path and hash differ: the converted file states its counts.)
cmp -s <(grep -v '"replay\|trace\|"path"\|"sha256"' "$T/pcid.json") \
       <(grep -v '"replay\|trace\|"path"\|"sha256"' "$T/conv.json") ||
	{ echo "converted trace replays differently"; exit 1; }
# Kind 10 is no kind: exit 2 naming the record.
{ header; rec 0 10 1; } >"$T/bad.trc"
set +e
"$TDPSIM" replay "$T/bad.trc" --set guest.paging=4level >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "record 1: bad kind 10" "$T/err" || { echo "rc $rc"; cat "$T/err"; exit 1; }
# INVLPGA is AMD's: on AMD it exits (KVM's handler flushes the address in
# the vCPU's ASID); an Intel guest cannot run it.
{ header; rec $A $WR 8; rec $A $INVLPGA 1; rec $A $WR 8; } >"$T/invlpga.trc"
"$TDPSIM" replay "$T/invlpga.trc" --set cpu.vendor=amd --set guest.paging=4level \
	--set vm.backing=4k --set vm.mem=64M --json "$T/amd.json" >/dev/null
check "$T/amd.json" exits.invlpga 1
check "$T/amd.json" tlb.l1d.misses 2
set +e
"$TDPSIM" replay "$T/invlpga.trc" --set guest.paging=4level >"$T/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "INVLPGA on Intel (#UD)" "$T/out" || { echo "rc $rc"; cat "$T/out"; exit 1; }

# The scenario: every scope's expectation (hand counts in the .scn) holds,
# on both vendors; INVLPGA only on AMD.
for pc in on off; do
	for u in none invlpg invpcid-addr invpcid-ctx invpcid-all invpcid-all-nonglobal; do
		for v in intel amd; do
			"$TDPSIM" run guest-flush --set cpu.vendor=$v --set guest.pcid=$pc \
				--set guest.unmap_flush=$u >"$T/out" 2>&1 ||
				{ echo "guest-flush $v $pc $u"; cat "$T/out"; exit 1; }
		done
	done
	"$TDPSIM" run guest-flush --set cpu.vendor=amd --set guest.pcid=$pc \
		--set guest.unmap_flush=invlpga >"$T/out" 2>&1 ||
		{ echo "guest-flush amd $pc invlpga"; cat "$T/out"; exit 1; }
done
set +e
"$TDPSIM" run guest-flush --set guest.unmap_flush=invlpga >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "procs needs cpu.vendor=amd with guest.unmap_flush=invlpga" "$T/err" ||
	{ echo "rc $rc"; cat "$T/err"; exit 1; }
