# SPDX-License-Identifier: GPL-2.0-only
# explore finds the lost update of counter-race within 100 seeds and prints
# the replay command; replaying it reproduces the same violation; the cmpxchg
# version is clean over 10,000 seeds; the same seed gives byte-identical JSON
# and event logs.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

set +e
"$TDPSIM" explore counter-race --seeds 0..99 >"$T/out"; rc=$?
set -e
[ $rc -eq 1 ] || { echo "explore exit $rc, want 1"; cat "$T/out"; exit 1; }
grep -q "violation lost-update" "$T/out"
replay=$(sed -n 's/^replay: tdpsim //p' "$T/out")
[ -n "$replay" ] || { echo "no replay command"; exit 1; }
set +e
# shellcheck disable=SC2086
"$TDPSIM" $replay --json "$T/a.json" --log "$T/a.log" >"$T/replay"; rc=$?
"$TDPSIM" $replay --json "$T/b.json" --log "$T/b.log" >/dev/null
set -e
[ $rc -eq 1 ] || { echo "replay exit $rc, want 1"; exit 1; }
grep -q "violation lost-update" "$T/replay"
cmp "$T/a.json" "$T/b.json"
cmp "$T/a.log" "$T/b.log"
grep -q '"kind": "lost-update"' "$T/a.json"

# --jobs does not change the answer.
"$TDPSIM" explore counter-race --seeds 0..99 --jobs 2 >"$T/out2" || true
diff <(head -1 "$T/out") <(head -1 "$T/out2")

"$TDPSIM" explore counter-race-cmpxchg --seeds 0..9999 --jobs 2 >"$T/clean"
grep -q "no violation (10000 seeds" "$T/clean"
