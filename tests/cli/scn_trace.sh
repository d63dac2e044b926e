# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 item 5: a .scn 'workload N trace F' line.  A trace path is
# relative to the .scn file, not to where tdpsim runs; a missing trace is
# named with the FILE:LINE of its line; a line for a vCPU the machine does
# not have (vCPU 1 of one) is bad input, not a run of 0 accesses.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
case $TDPSIM in /*) ;; *) TDPSIM=$PWD/$TDPSIM ;; esac   # the test changes folder
mkdir -p "$T/sub" "$T/elsewhere"
# 2 records: a fetch and a load.
printf 'I  00400000,4\n L 00600000,8\n' >"$T/sub/t.lackey"
printf 'summary t\nset guest.paging=4level\nworkload 0 trace t.lackey\n' >"$T/sub/ok.scn"
printf 'summary t\nset guest.paging=4level\nworkload 0 trace nope.lackey\n' >"$T/sub/missing.scn"
printf 'summary t\nset guest.paging=4level\nworkload 1 trace t.lackey\n' >"$T/sub/vcpu1.scn"
cd "$T/elsewhere"
"$TDPSIM" run ../sub/ok.scn | grep -q " accesses=2 "
"$TDPSIM" run "$T/sub/ok.scn" | grep -q " accesses=2 "
set +e
"$TDPSIM" run ../sub/missing.scn 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "\.\./sub/missing.scn:3: \.\./sub/nope.lackey: No such file" "$T/err"
set +e
"$TDPSIM" run ../sub/vcpu1.scn 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "\.\./sub/vcpu1.scn:3: a workload on vCPU 1, but cpu.vcpus=1" "$T/err"
# With cpu.vcpus=2 the line runs on vCPU 1: its 2 records.
"$TDPSIM" run ../sub/vcpu1.scn --set cpu.vcpus=2 | grep -q " accesses=2 "
echo ok
