# SPDX-License-Identifier: GPL-2.0-only
# VPID 0 (issue 14 item 3).  With vmx.vpid=off KVM runs the vCPU with the
# "enable VPID" control clear, and every VM entry and VM exit invalidates
# VPID 0000H's linear and combined mappings (SDM 28.3.3.1); guest-physical
# mappings stay.  touch-4k on Intel, 1 vCPU, no guest paging, 4K pages:
# each vCPU writes pages 0..511 twice.
#  * Transitions: 513 entries (the first, then one after each of the 512
#    EPT violations) and 513 exits (the 512 violations and the final HLT):
#    1,026 VPID-0 flushes, each one tlb.flushes on top of the 514 that
#    VPIDs on takes (512 EPT-violation drops, 2 INVEPTs).
#  * L2 TLB misses: pass 1 misses all 512 either way.  With VPIDs on, pass
#    2 hits the L2 (1536 entries, 12 ways: pages 0..511 are 4 per set) for
#    all 512.  With VPID 0 the exit after the last violation emptied the TLB
#    but for page 511, filled by its retried walk after the entry: pass 2
#    misses the other 511, which fill L2 beside page 511 (its set holds 4
#    of the pages).  512 + 511 = 1,023.
#  * Each of those 511 walks is one reference (the nested PSC, which holds
#    guest-physical entries, survives): walk.refs 2,560 + 511 = 3,071.
# Before the VPID-0 flush, vmx.vpid=off ran exactly like on: 514 flushes,
# 512 L2 misses, 2,560 walk references.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
stat() { sed -n "s/^    \"$2\": \([0-9]*\),*$/\1/p" "$1"; }
for vp in on off; do
	"$TDPSIM" run touch-4k --set cpu.vendor=intel --set vmx.vpid=$vp \
		--json "$T/$vp.json" >/dev/null
done
check() {	# check FILE STAT WANT
	local got; got=$(stat "$1" "$2")
	[ "$got" = "$3" ] || { echo "$1: $2 = '$got', want $3"; exit 1; }
}
check "$T/on.json" vmx.vpid0_flushes 0
check "$T/on.json" tlb.flushes 514
check "$T/on.json" tlb.l2.misses 512
check "$T/on.json" walk.refs 2560
check "$T/off.json" vmx.vpid0_flushes 1026
check "$T/off.json" tlb.flushes 1540
check "$T/off.json" tlb.l2.misses 1023
check "$T/off.json" walk.refs 3071
check "$T/off.json" exits.ept_violation 512
# AMD has no VPIDs: the key changes nothing there.
for vp in on off; do
	"$TDPSIM" run touch-4k --set cpu.vendor=amd --set vmx.vpid=$vp \
		--json "$T/amd-$vp.json" >/dev/null
done
check "$T/amd-off.json" vmx.vpid0_flushes 0
cmp -s <(grep -v '"vmx.vpid"\|"replay"' "$T/amd-on.json") \
       <(grep -v '"vmx.vpid"\|"replay"' "$T/amd-off.json") ||
	{ echo "vmx.vpid changed an AMD run"; exit 1; }
