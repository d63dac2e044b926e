# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 item 4: a replay's TLB figures split by access kind and by vCPU,
# counted by the vCPUs themselves (vcpuN.KIND.* stats), in the JSON, the
# summary and --csv; the trace is read once (the run counts its records).
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
le() {	# le VALUE BYTES: VALUE little-endian as printf escapes
	local v=$1 n=$2 out=""
	for _ in $(seq "$n"); do out="$out\\x$(printf %02x $((v & 255)))"; v=$((v >> 8)); done
	printf '%s' "$out"
}
rec() {	# rec VCPU ADDR KIND SIZE: one record without gap
	printf "$(le "$2" 8)$(le 0 4)$(le "$1" 2)$(le "$3" 1)$(le "$4" 1)"
}
header() {	# header FLAGS NVCPUS NRECORDS
	printf 'TDPTRACE'
	printf "$(le 1 2)$(le 32 2)$(le 16 2)$(le "$1" 2)$(le "$2" 4)$(le 0 4)$(le "$3" 8)"
}
LD=0 ST=1 FE=2
COUNTS=2
body() {
	rec 0 0x1000 $LD 8; rec 0 0x1008 $LD 8; rec 0 0x1010 $ST 8
	rec 0 0x2000 $LD 8; rec 0 0x3000 $FE 4
	rec 1 0x5000 $FE 4; rec 1 0x5004 $FE 4; rec 1 0x5008 $LD 8
	rec 1 0x6000 $ST 8
}
# The same 9 records with the counts in the header (read once, by the
# run) and without (read first for the vCPU count).
{ header $COUNTS 2 9; body; } >"$T/counts.trc"
{ header 0 0 0; body; } >"$T/plain.trc"
run() {	# run NAME: replay T/NAME.trc, GPAs, each vCPU on its own pCPU
	"$TDPSIM" replay "$T/$1.trc" --set guest.paging=none --set vm.backing=4k \
		--set vm.mem=1M --set cpu.pcpus=2 --json "$T/$1.json" --csv "$T/$1.csv" \
		>"$T/$1.out"
	tr -d ' \n' <"$T/$1.json" >"$T/$1.flat"
}
run counts
run plain
num() { sed -n "s/^ *\"$1\": \([0-9]*\),*$/\1/p" "$2" | head -1; }
want() {	# want FILE STAT VALUE
	local got; got=$(num "$2" "$1")
	[ "$got" = "$3" ] || { echo "$1: $2 = '$got', want $3"; exit 1; }
}
# By hand.  No guest paging, 4 KiB EPT pages, each vCPU on its own pCPU,
# no page shared.  A page's first touch on a pCPU misses its L1; on the
# machine, the walk faults (EPT violation), KVM maps the page and the walk
# is retried: 2 walks.  KVM makes a writable SPTE dirty, so a store after
# a load of its page hits with no walk.  The L2 is filled by every walk,
# so a load of a page the same pCPU fetched from misses the L1 dTLB only.
#  vcpu0: load 0x1000 (L1 miss, L2 miss, 2 walks), load 0x1008 (hit),
#         store 0x1010 (hit), load 0x2000 (miss, miss, 2 walks),
#         fetch 0x3000 (L1i miss, L2 miss, 2 walks)
#  vcpu1: fetch 0x5000 (miss, miss, 2 walks), fetch 0x5004 (hit),
#         load 0x5008 (L1d miss, L2 hit), store 0x6000 (miss, miss, 2 walks)
for f in counts plain; do
	J=$T/$f.json
	want "$J" vcpu0.load.accesses 3;  want "$J" vcpu0.load.tlb.l1.lookups 3
	want "$J" vcpu0.load.tlb.l1.misses 2; want "$J" vcpu0.load.tlb.l2.lookups 2
	want "$J" vcpu0.load.tlb.l2.misses 2; want "$J" vcpu0.load.walks 4
	want "$J" vcpu0.store.accesses 1; want "$J" vcpu0.store.tlb.l1.misses 0
	want "$J" vcpu0.store.tlb.l2.lookups 0; want "$J" vcpu0.store.walks 0
	want "$J" vcpu0.fetch.accesses 1; want "$J" vcpu0.fetch.tlb.l1.misses 1
	want "$J" vcpu0.fetch.tlb.l2.misses 1; want "$J" vcpu0.fetch.walks 2
	want "$J" vcpu1.fetch.accesses 2; want "$J" vcpu1.fetch.tlb.l1.lookups 2
	want "$J" vcpu1.fetch.tlb.l1.misses 1; want "$J" vcpu1.fetch.walks 2
	want "$J" vcpu1.load.accesses 1;  want "$J" vcpu1.load.tlb.l1.misses 1
	want "$J" vcpu1.load.tlb.l2.lookups 1; want "$J" vcpu1.load.tlb.l2.misses 0
	want "$J" vcpu1.load.walks 0
	want "$J" vcpu1.store.accesses 1; want "$J" vcpu1.store.tlb.l2.misses 1
	want "$J" vcpu1.store.walks 2
	# The TLB's own counters: the kinds add up to them.
	want "$J" accesses 9; want "$J" exits.ept_violation 5
	want "$J" tlb.l1d.misses 4; want "$J" tlb.l1i.misses 2; want "$J" tlb.l2.misses 5
	want "$J" tlb.l2.hits 1
	# The input's records: the header's, or the file read for its vCPUs.
	grep -Eq '"records":9[,}]' "$T/$f.flat"
done
# Walk references: every walk is some kind's, so they add up to walk.refs.
refs=0
for v in 0 1; do for k in load store fetch; do
	refs=$((refs + $(num "vcpu$v.$k.walk.refs" "$T/counts.json")))
done; done
want "$T/counts.json" walk.refs "$refs"
# The figures: machine-wide by kind, MPKI over the 3 fetch records (vcpu0
# 1, vcpu1 2): loads' L1 misses 3 -> 1000; per vCPU over its own.
F=$T/counts.flat
grep -q '"instructions":3,' "$F"
grep -q '"by_kind":{"load":{"accesses":4,"tlb":{"l1":{"lookups":4,"misses":3,"miss_rate":0.75,"mpki":1000.0,"level":"l1d"},"l2":{"lookups":3,"misses":2,' "$F"
grep -q '"store":{"accesses":2,"tlb":{"l1":{"lookups":2,"misses":1,"miss_rate":0.5,' "$F"
grep -q '"fetch":{"accesses":3,"tlb":{"l1":{"lookups":3,"misses":2,' "$F"
grep -q '"walks":10,' "$F"
grep -q '{"vcpu":0,"cycles":[0-9]*,"accesses":5,"instructions":1,' "$F"
grep -q '{"vcpu":1,"cycles":[0-9]*,"accesses":4,"instructions":2,' "$F"
grep -q '"vcpu":0,.*"load":{"accesses":3,"tlb":{"l1":{"lookups":3,"misses":2,"miss_rate":0.66666666666666663,"mpki":2000.0,' "$F"
grep -q '"vcpu":1,.*"load":{"accesses":1,"tlb":{"l1":{"lookups":1,"misses":1,"miss_rate":1.0,"mpki":500.0,"level":"l1d"},"l2":{"lookups":1,"misses":0,"miss_rate":0.0,"mpki":0.0}},"walks":0,' "$F"
# vcpu0's store hit the L1 dTLB's most recent entry right after the load
# before it: it cost the probe and the access, nothing else.
lat=$(( $(sed -n 's/^ *"tlb.l1d.latency": \([0-9]*\),*$/\1/p' "$T/counts.json") +
	$(sed -n 's/^ *"lat.access": \([0-9]*\),*$/\1/p' "$T/counts.json") ))
want "$T/counts.json" vcpu0.store.cycles "$lat"
# The summary: the by-kind table, then each vCPU's rows.
O=$T/counts.out
grep -Eq '^  load +4 +75\.000% +1000\.000 +66\.667% +666\.667 +4 ' "$O"
grep -Eq '^  vcpu1: [0-9]+ cycles, 4 accesses, cycles per access ' "$O"
grep -Eq '^    load +1 +100\.000% +500\.000 +0\.000% +0\.000 +0 +- ' "$O"
grep -Eq "^    store +1 +0\\.000% +0\\.000 +- +0\\.000 +0 +- +$lat\\.00\$" "$O"
# --csv: the same figures, one column each.
col=$(head -1 "$T/counts.csv" | tr ',' '\n' | grep -nx 'figures.by_vcpu.1.by_kind.load.tlb.l1.mpki' | cut -d: -f1)
[ -n "$col" ] && sed -n 2p "$T/counts.csv" | sed 's/"[^"]*"/Q/g' | cut -d, -f"$col" | grep -qx 500.0
head -1 "$T/counts.csv" | tr ',' '\n' | grep -qx 'stats.vcpu1.store.walks'
# Both files replay alike: only the input (path, hash, size) differs.
cmp -s <(grep -v '"replay\|"path"\|"sha256"\|"size"' "$T/counts.json") \
       <(grep -v '"replay\|"path"\|"sha256"\|"size"' "$T/plain.json") ||
	{ echo "the two traces replay differently"; exit 1; }
# Cycles by kind are each access's, from its issue to its completion: a
# vCPU's other cycles (its first entry, its last exit) are the same
# whatever accesses it makes in between.  Two one-vCPU traces: a load of
# each of two pages, and the same with 20 hits between them (they run as
# one batch: the second page's miss comes right after the hits).  The
# vCPU's clock less its kinds' cycles is the same for both.
{ header $COUNTS 1 2; rec 0 0x1000 $LD 8; rec 0 0x2000 $LD 8; } >"$T/two.trc"
{ header $COUNTS 1 22; rec 0 0x1000 $LD 8
  for i in $(seq 20); do rec 0 $((0x1000 + 8 * i)) $LD 8; done
  rec 0 0x2000 $LD 8; } >"$T/hits.trc"
rest() {	# rest NAME: vcpu0's clock less its kinds' cycles
	local r; r=$(num thread.vcpu0.cycles "$T/$1.json")
	for k in load store fetch; do r=$((r - $(num "vcpu0.$k.cycles" "$T/$1.json"))); done
	echo "$r"
}
run two
run hits
want "$T/hits.json" vcpu0.load.accesses 22
[ "$(rest two)" -gt 0 ] && [ "$(rest two)" = "$(rest hits)" ] ||
	{ echo "outside the accesses: $(rest two) and $(rest hits) cycles"; exit 1; }
# Every access, lookup, miss and walk of a run is some vCPU's of some kind:
# over vCPUs and kinds the counts add up to the TLB's and the walker's own
# counters, in scenarios with several vCPUs, exits, flushes and host
# events, timed and explored, on both vendors.
sums() {	# sums JSON: one line per identity, "NAME KINDS-SUM COUNTER"
	awk '
	/"walk.refs_per_walk": \{/ { h = 1 }
	h && /"count":/ { gsub(/[^0-9]/, "", $2); walks = $2; h = 0 }
	/^    "[a-z0-9._]+": [0-9]+,?$/ {
		name = $1; gsub(/[":]/, "", name); v = $2; sub(/,/, "", v); s[name] = v
		if (match(name, /^vcpu[0-9]+\.(load|store|fetch)\./)) {
			split(name, p, "."); kind = p[2]
			rest = substr(name, length(p[1]) + length(kind) + 3)
			k[kind "." rest] += v; k["all." rest] += v
		}
	}
	END {
		print "accesses", k["all.accesses"], s["accesses"]
		print "l1d.lookups", k["load.tlb.l1.lookups"] + k["store.tlb.l1.lookups"], s["tlb.l1d.hits"] + s["tlb.l1d.misses"]
		print "l1d.misses", k["load.tlb.l1.misses"] + k["store.tlb.l1.misses"], s["tlb.l1d.misses"]
		print "l1i.lookups", k["fetch.tlb.l1.lookups"], s["tlb.l1i.hits"] + s["tlb.l1i.misses"]
		print "l1i.misses", k["fetch.tlb.l1.misses"], s["tlb.l1i.misses"]
		print "l2.lookups", k["all.tlb.l2.lookups"], s["tlb.l2.hits"] + s["tlb.l2.misses"]
		print "l2.misses", k["all.tlb.l2.misses"], s["tlb.l2.misses"]
		print "walks", k["all.walks"], walks
		print "walk.refs", k["all.walk.refs"], s["walk.refs"]
	}' "$1"
}
for args in "dirty-log-pml-vs-wp" "host-events-random --set cpu.vendor=amd" \
	    "touch-4k --set cpu.vcpus=4 --set guest.paging=4level" \
	    "fast-zap-kick --set sim.mode=explore --seed 3"; do
	# shellcheck disable=SC2086
	"$TDPSIM" run $args --json "$T/run.json" >/dev/null || true
	sums "$T/run.json" >"$T/sums"
	[ "$(wc -l <"$T/sums")" = 9 ] && awk '$2 != $3 || $3 == "" { bad = 1 } END { exit bad }' "$T/sums" ||
		{ echo "$args:"; cat "$T/sums"; exit 1; }
	# and the runs made some of each
	awk '$1 == "accesses" && $3 > 0 { ok = 1 } END { exit !ok }' "$T/sums"
done
echo ok
