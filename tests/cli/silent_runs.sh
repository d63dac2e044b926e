# SPDX-License-Identifier: GPL-2.0-only
# A run that cannot do what it was asked is an error, never a quiet run of
# fewer accesses.  Each case below used to exit 0 (or 1 only by chance of an
# expectation) with accesses missing from its results:
#  * hugetlb-1g guest memory the host cannot align (1G vm.mem, 2G host.mem:
#    the first 1 GiB folio lands at 1 GiB, past the frames left below the
#    engine) ran 0 accesses: now exit 2 at validation, naming host.mem;
#  * KVM_RUN returning KVM_EXIT_INTERNAL_ERROR (hugetlb-2m, 2M guest, 4M host:
#    validation passes, the first fault finds no 2 MiB block) ended the vCPU
#    quietly: now exit 2 "internal error";
#  * a native trace without the COUNTS flag (nr_vcpus 0, valid per
#    traces/FORMAT.md) replayed vCPU 0 only (500 of 1000 accesses): now the
#    reader's vCPU count comes from a pass over the records, and the replay
#    gives the 1000 accesses of the same trace with COUNTS, byte for byte;
#  * --set cpu.vcpus=1 on a 2-vCPU trace, and a .scn trace line on fewer vCPUs
#    than the trace has, dropped the other vCPU's records: now exit 2;
#  * a .scn workload or action on a vCPU >= cpu.vcpus (or a pCPU >=
#    cpu.pcpus) did nothing: now exit 2 naming FILE:LINE.
# 'trace gen --count 1000 --vcpus 2' hands accesses round-robin: 500 each.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect2() {	# expect2 WANT ARGS...: exit 2, WANT on stderr, nothing on stdout
	local want=$1; shift
	set +e
	"$TDPSIM" "$@" >"$T/out" 2>"$T/err"; rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "exit $rc (want 2) for: $*"; cat "$T/out" "$T/err"; exit 1; }
	grep -qF -- "$want" "$T/err" || { echo "no '$want' for $* in:"; cat "$T/err"; exit 1; }
	[ "$(wc -l <"$T/err")" -eq 1 ] || { echo "not one line:"; cat "$T/err"; exit 1; }
	[ ! -s "$T/out" ] || { echo "output for $*:"; cat "$T/out"; exit 1; }
	[ ! -e "$T/r.json" ] || { echo "results written for $*"; exit 1; }
}

printf 'summary 1g\nset vm.mem=1G vm.backing=hugetlb-1g host.mem=2G\nworkload all pages 4 write\n' >"$T/h1g.scn"
expect2 "with vm.backing=hugetlb-1g do not fit in host.mem 2147483648" run "$T/h1g.scn" --json "$T/r.json"
expect2 "host.mem >= 4294967296" run dirty-mark-1g --set host.mem=2G --json "$T/r.json"
# With host.mem at that bound the same guest runs its 4 writes.
"$TDPSIM" run "$T/h1g.scn" --set host.mem=4G | grep -q " accesses=4 "

printf 'summary 2m\nset vm.mem=2M vm.backing=hugetlb-2m host.mem=4M\nworkload all pages 4 write\n' >"$T/h2m.scn"
expect2 "internal error: vCPU 0: KVM_RUN returned KVM_EXIT_INTERNAL_ERROR" run "$T/h2m.scn" --json "$T/r.json"

"$TDPSIM" trace gen --pattern seq --ws 1M --count 1000 --vcpus 2 -o "$T/two.trc" >/dev/null
# The same records without COUNTS: flags 0, vCPU and record counts 0.
cp "$T/two.trc" "$T/nocounts.trc"
printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' |
	dd of="$T/nocounts.trc" bs=1 seek=14 conv=notrunc 2>/dev/null
[ "$(od -An -tx1 -j14 -N18 "$T/nocounts.trc" | tr -d ' \n')" = "000000000000000000000000000000000000" ]
"$TDPSIM" replay "$T/two.trc" --json "$T/with.json" >/dev/null
"$TDPSIM" replay "$T/nocounts.trc" --json "$T/without.json" >"$T/out"
grep -q " accesses=1000 " "$T/out" || { echo "trace without COUNTS:"; cat "$T/out"; exit 1; }
# The same results but for what names the input (its path, size, hash and
# header flags differ; the replay command names the path).
noinput() { awk '/^  "replay": /{next} /^  "input": \{/{skip=1} skip && /^  \},?$/{skip=0; next} !skip' "$1"; }
noinput "$T/with.json" >"$T/with.rest"; noinput "$T/without.json" >"$T/without.rest"
cmp "$T/with.rest" "$T/without.rest"
grep -Eq '^    "records": 1000,?$' "$T/without.json"   # the input's

expect2 "two.trc: the trace has records of 2 vCPUs, but cpu.vcpus=1" replay "$T/two.trc" --set cpu.vcpus=1 --json "$T/r.json"
expect2 "nocounts.trc: the trace has records of 2 vCPUs, but cpu.vcpus=1" replay "$T/nocounts.trc" --set cpu.vcpus=1

printf 'summary trace on one vCPU\nworkload 0 trace %s\n' "$T/two.trc" >"$T/tr.scn"
expect2 "two.trc: a record of vCPU 1, but $T/tr.scn:2 runs the trace on 1 vCPU (cpu.vcpus=1)" run "$T/tr.scn" --json "$T/r.json"
expect2 "two.trc: a record of vCPU 1, but $T/tr.scn:2 runs the trace on 1 vCPU (cpu.vcpus=2)" run "$T/tr.scn" --set cpu.vcpus=2
# On both vCPUs it runs every record.
printf 'summary trace on two\nworkload 0-1 trace %s\n' "$T/two.trc" >"$T/tr2.scn"
"$TDPSIM" run "$T/tr2.scn" --set cpu.vcpus=2 | grep -q " accesses=1000 "

printf 'summary vcpu 2\nset cpu.vcpus=2\nworkload 0 pages 4 write\nworkload 2 pages 4 write\n' >"$T/v2.scn"
expect2 "v2.scn:4: a workload on vCPU 2, but cpu.vcpus=2 (vCPUs 0..1)" run "$T/v2.scn" --json "$T/r.json"
printf 'summary vcpus 1-3\nworkload 1-3 pages 4 write\n' >"$T/v13.scn"
expect2 "v13.scn:2: a workload on vCPUs 1-3, but cpu.vcpus=2 (vCPUs 0..1)" run "$T/v13.scn" --set cpu.vcpus=2
"$TDPSIM" run "$T/v13.scn" --set cpu.vcpus=4 | grep -q " accesses=12 "
printf 'summary smm\nworkload 0 pages 4 write\nat 1000 smm 1 on\n' >"$T/smm.scn"
expect2 "smm.scn:3: vCPU 1, but cpu.vcpus=1 (vCPUs 0..0)" run "$T/smm.scn"
printf 'summary mig\nset cpu.pcpus=2\nworkload 0 pages 4 write\nat 1000 migrate-vcpu 0 4294967297\n' >"$T/mig.scn"
expect2 "mig.scn:4: pCPU 4294967297, but cpu.pcpus=2 (pCPUs 0..1)" run "$T/mig.scn"
