# SPDX-License-Identifier: GPL-2.0-only
# Bad input: one message naming the key / file / line, exit status 2, and no
# partial output file.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect2() {
	local want=$1; shift
	set +e
	"$TDPSIM" "$@" >"$T/out" 2>"$T/err"; rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "exit $rc for: $*"; cat "$T/err"; exit 1; }
	grep -qF -- "$want" "$T/err" || { echo "no '$want' in:"; cat "$T/err"; exit 1; }
	[ "$(wc -l <"$T/err")" -le 3 ] || { echo "too chatty:"; cat "$T/err"; exit 1; }
}
expect2 "unknown key 'tlb.l1d.entires'" run counter-race --set tlb.l1d.entires=64 --json "$T/x.json"
expect2 "vm.rom: 5 is not a multiple of 4K" run rom-writes --set vm.rom=5 --json "$T/x.json"
[ ! -e "$T/x.json" ]
expect2 "sim.mode: bad value 'fast' (accepted: timed or explore)" run counter-race --set sim.mode=fast
expect2 "unknown scenario 'nope'" run nope
expect2 "--seeds 9..1" explore counter-race --seeds 9..1
expect2 "unknown command 'frobnicate'" frobnicate
printf 'sim.seed = 3\n[sim]\nquantum = 5\nbogus = 1\n' >"$T/c.ini"
expect2 "$T/c.ini:4: unknown key 'sim.bogus'" run counter-race --config "$T/c.ini"
printf 'sim.seed = 3\nthis is not ini\n' >"$T/d.ini"
expect2 "$T/d.ini:2:" run counter-race --config "$T/d.ini"
expect2 "cannot open config file" run counter-race --config "$T/none.ini"
expect2 "host.mem: bad value '12Q'" run counter-race --set host.mem=12Q
# A dirty ring without room for twice its reserve is named, not "out of
# memory": 1024 < 2 * (64 + 512) with PML (touch-4k on Intel has it), and
# 1000 is no power of two.
expect2 "mmu.dirty_ring_size=1024: a dirty ring is a power of two" run touch-4k --set mmu.dirty_log=ring --set mmu.dirty_ring_size=1024
expect2 "mmu.dirty_ring_size=1000" run touch-4k --set mmu.dirty_log=ring --set mmu.dirty_ring_size=1000 --set cpu.pml=0
"$TDPSIM" config --defaults | grep -q '^sim.quantum'
"$TDPSIM" run --help | grep -q usage
