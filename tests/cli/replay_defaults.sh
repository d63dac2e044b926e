# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 item 1: a trace of virtual addresses replays with 4-level guest
# paging without being told.  lackey text and ChampSim are virtual by
# nature; a native trace says so in its header (flag VADDR, bit 2 of byte
# 14; PADDR, bit 3, for guest-physical), 'trace convert' keeps it, and
# --set guest.paging still decides over the default.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# Three accesses of a program at 0x400000 and its stack near 2^47: far
# beyond vm.mem (1 GiB), so they only run through guest page tables.
printf 'I  00400000,4\n L 7ffc0000ff00,8\n S 7ffc0000ff08,8\n' >"$T/p.lackey"
"$TDPSIM" replay "$T/p.lackey" --json "$T/p.json" >"$T/out"
grep -q '"guest.paging": "4level"' "$T/p.json"
grep -q '"accesses": 3,' "$T/p.json"
# ChampSim (xz): one instruction at 0x400000 (ip, then 56 zero bytes: no
# branch, no registers, no memory operands) is virtual too.
if command -v xz >/dev/null; then
	{ printf '\000\000\100\000\000\000\000\000'; head -c 56 /dev/zero; } >"$T/c.champsim"
	xz "$T/c.champsim"
	"$TDPSIM" replay "$T/c.champsim.xz" --json "$T/c.json" >/dev/null
	grep -q '"guest.paging": "4level"' "$T/c.json"
	grep -q '"accesses": 1,' "$T/c.json"
fi
# A user's choice still wins over the default.
set +e
"$TDPSIM" replay "$T/p.lackey" --set guest.paging=none 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "beyond vm.mem" "$T/err"
"$TDPSIM" replay "$T/p.lackey" --set guest.paging=5level --json "$T/p5.json" >/dev/null
grep -q '"guest.paging": "5level"' "$T/p5.json"

# Native: convert keeps "virtual"; byte 14 of the header is COUNTS|VADDR.
"$TDPSIM" trace convert "$T/p.lackey" "$T/p.trace"
"$TDPSIM" trace info "$T/p.trace" | grep -qx 'address  virtual'
[ "$(od -An -tx1 -j14 -N1 "$T/p.trace" | tr -d ' ')" = 06 ]
"$TDPSIM" replay "$T/p.trace" --json "$T/n.json" >/dev/null
grep -q '"guest.paging": "4level"' "$T/n.json"
grep -q '"accesses": 3,' "$T/n.json"

# A generated trace is guest-physical: PADDR, and no guest paging.
"$TDPSIM" trace gen --pattern seq --ws 64K --count 16 -o "$T/g.trace"
"$TDPSIM" trace info "$T/g.trace" | grep -qx 'address  guest-physical'
[ "$(od -An -tx1 -j14 -N1 "$T/g.trace" | tr -d ' ')" = 0a ]
"$TDPSIM" replay "$T/g.trace" --json "$T/g.json" >/dev/null
grep -q '"guest.paging": "none"' "$T/g.json"

# A header claiming both is refused, naming the file and the header.
cp "$T/p.trace" "$T/both.trace"
printf '\016' | dd of="$T/both.trace" bs=1 seek=14 conv=notrunc status=none
set +e
"$TDPSIM" replay "$T/both.trace" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "both.trace: record 0 (header): flags VADDR and PADDR together" "$T/err"
echo ok
