# SPDX-License-Identifier: GPL-2.0-only
# Live migration (scenarios/vmm.c) and its two oracles, lost-migration-write
# and dirty-log-miss:
#  - dirty-log-pml-vs-wp migrates a write-heavy guest with no violation under
#    each dirty-log method, timed and over explore seeds, and reports rounds,
#    pages copied and downtime;
#  - a broken VMM step (vmm.migrate.skip_copy) makes lost-migration-write
#    fire, and dirty-log-miss stays silent: KVM's log was right;
#  - a full dirty ring is reaped by the vCPU thread and the run completes;
#  - volatile-bits: explore finds E9's lost write under mmu.spte_write=plain
#    within 1,000 seeds (both oracles fire), the replay command reproduces
#    it, and the XCHG default is clean over 10,000 seeds;
#  - writeback-reclaim: writeback and reclaim under a running guest lose no
#    folio write with the notifier protocol, under mmu.dirty_mark=map and
#    =zap (timed and over 1,000 explore seeds each); skipping the notifier
#    (host.skip_notifier=1) makes lost-folio-write fire;
#  - host-events-random: random host events from each seed under 4 vCPUs
#    are clean over 300 explore seeds, and without the notifier explore
#    finds lost folio writes.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

stat() { # FILE NAME: a counter from a --json result
	sed -n "s/^ *\"$2\": \([0-9]*\),\{0,1\}$/\1/p" "$1" | head -1
}

for m in pml wp ring; do
	"$TDPSIM" run dirty-log-pml-vs-wp --set mmu.dirty_log=$m \
		--json "$T/$m.json" >"$T/out" ||
		{ echo "run $m failed"; cat "$T/out"; exit 1; }
	[ "$(stat "$T/$m.json" migrate.count)" = 1 ]
	[ "$(stat "$T/$m.json" violations)" = 0 ]
	echo "  $m: rounds $(stat "$T/$m.json" migrate.rounds)," \
	     "pages copied $(stat "$T/$m.json" migrate.pages_copied)," \
	     "final pass $(stat "$T/$m.json" migrate.final_pages) pages," \
	     "downtime $(stat "$T/$m.json" migrate.downtime_cycles) cycles," \
	     "EPT violations $(stat "$T/$m.json" exits.ept_violation)"
	"$TDPSIM" explore dirty-log-pml-vs-wp --set mmu.dirty_log=$m \
		--seeds 0..999 --jobs 2 >"$T/ex" ||
		{ echo "explore $m failed"; cat "$T/ex"; exit 1; }
	grep -q "no violation (1000 seeds" "$T/ex"
done
# wp logs at fault time: it takes write-protection faults, PML does not.
[ "$(stat "$T/wp.json" kvm.pf_fast)" -gt 0 ]
[ "$(stat "$T/pml.json" kvm.pf_fast)" = 0 ]

# The broken step: the paused pass forgets one changed page.
for m in pml wp ring; do
	set +e
	"$TDPSIM" run dirty-log-pml-vs-wp --set mmu.dirty_log=$m \
		--set vmm.migrate.skip_copy=1 >"$T/out"; rc=$?
	set -e
	[ $rc -eq 1 ] || { echo "skip_copy $m: exit $rc, want 1"; cat "$T/out"; exit 1; }
	grep -q "violation lost-migration-write .*copied version" "$T/out"
	[ "$(grep -c "violation lost-migration-write" "$T/out")" = 1 ]
	if grep -q "violation dirty-log-miss" "$T/out"; then
		echo "skip_copy $m: dirty-log-miss blamed KVM"; cat "$T/out"; exit 1
	fi
done

# A ring smaller than a round's dirty set: KVM_EXIT_DIRTY_RING_FULL, the
# vCPU reaps every ring and goes on.
cat >"$T/ring-full.scn" <<'EOF'
set vm.mem=16M vm.backing=4k cpu.vcpus=1 mmu.dirty_log=ring mmu.dirty_ring_size=2048
workload 0 pages 4096 write
workload 0 start 20000000 pages 4096 passes 4 gap 100 write
at 19000000 live-migrate
expect kvm.dirty_ring_full > 0
expect migrate.count == 1
expect no-violation
EOF
"$TDPSIM" run "$T/ring-full.scn" >"$T/out" || { cat "$T/out"; exit 1; }
"$TDPSIM" explore "$T/ring-full.scn" --seeds 0..19 --jobs 2 >"$T/ex"
grep -q "no violation (20 seeds" "$T/ex"

# The dirty-ring-harvest action reaps and resets without a migration.
cat >"$T/ring-harvest.scn" <<'EOF'
set vm.mem=4M cpu.vcpus=2 mmu.dirty_log=ring
workload all pages 100 write
workload all start 3000000 pages 100 write
at 2000000 log-dirty on
at 4000000 dirty-ring-harvest
after-guest dirty-ring-harvest
expect kvm.dirty_ring_reset == 200
expect no-violation
EOF
"$TDPSIM" run "$T/ring-harvest.scn" >"$T/out" || { cat "$T/out"; exit 1; }

# volatile-bits: the timed schedule misses the window under both knobs.
"$TDPSIM" run volatile-bits >"$T/out"
"$TDPSIM" run volatile-bits --set mmu.spte_write=plain >"$T/out"
set +e
"$TDPSIM" explore volatile-bits --set mmu.spte_write=plain \
	--seeds 0..999 >"$T/ex"; rc=$?
set -e
[ $rc -eq 1 ] || { echo "volatile-bits plain: exit $rc, want 1"; cat "$T/ex"; exit 1; }
grep -q "violation lost-migration-write" "$T/ex"
grep -q "violation dirty-log-miss" "$T/ex"
echo "  volatile-bits plain: $(head -1 "$T/ex")"
replay=$(sed -n 's/^replay: tdpsim //p' "$T/ex")
[ -n "$replay" ] || { echo "no replay command"; exit 1; }
set +e
# shellcheck disable=SC2086
"$TDPSIM" $replay >"$T/replay"; rc=$?
set -e
[ $rc -eq 1 ] || { echo "replay exit $rc, want 1"; cat "$T/replay"; exit 1; }
grep -q "violation lost-migration-write" "$T/replay"
"$TDPSIM" explore volatile-bits --seeds 0..9999 --jobs 2 >"$T/ex"
grep -q "no violation (10000 seeds" "$T/ex"
echo "  volatile-bits atomic-if-volatile: $(head -1 "$T/ex")"

for dm in map zap; do
	"$TDPSIM" run writeback-reclaim --set mmu.dirty_mark=$dm \
		--json "$T/wb.json" >"$T/out" ||
		{ echo "writeback-reclaim $dm failed"; cat "$T/out"; exit 1; }
	[ "$(stat "$T/wb.json" host.lost_folio_writes)" = 0 ]
	"$TDPSIM" explore writeback-reclaim --set mmu.dirty_mark=$dm \
		--seeds 0..999 --jobs 2 >"$T/ex" ||
		{ echo "explore writeback-reclaim $dm failed"; cat "$T/ex"; exit 1; }
	grep -q "no violation (1000 seeds" "$T/ex"
	echo "  writeback-reclaim $dm:" \
	     "written back $(stat "$T/wb.json" host.writeback.folios) folios," \
	     "reclaimed $(stat "$T/wb.json" host.reclaim.folios)," \
	     "marked dirty $(stat "$T/wb.json" folio.mark_dirty.$dm); $(head -1 "$T/ex")"
	set +e
	"$TDPSIM" run writeback-reclaim --set mmu.dirty_mark=$dm \
		--set host.skip_notifier=1 >"$T/out" 2>&1; rc=$?
	set -e
	[ $rc -eq 1 ] || { echo "skip_notifier: exit $rc, want 1"; cat "$T/out"; exit 1; }
	grep -q "violation lost-folio-write" "$T/out"
	! grep -q "failed expectation" "$T/out"
done

"$TDPSIM" explore host-events-random --seeds 0..299 --jobs 2 >"$T/ex" ||
	{ echo "explore host-events-random failed"; cat "$T/ex"; exit 1; }
grep -q "no violation (300 seeds" "$T/ex"
echo "  host-events-random: $(head -1 "$T/ex")"
set +e
"$TDPSIM" explore host-events-random --set host.skip_notifier=1 --seeds 0..99 \
	--jobs 2 >"$T/ex"; rc=$?
set -e
[ $rc -eq 1 ] || { echo "host-events-random skip_notifier: exit $rc, want 1"; exit 1; }
grep -q "violation lost-folio-write" "$T/ex"
