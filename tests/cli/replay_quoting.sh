# SPDX-License-Identifier: GPL-2.0-only
# Commands tdpsim prints - explore's "replay:" line and its JSON "replay"
# field, compare's replay column, the --emit-jobs job lists - are safe to
# paste: every argument is quoted for sh by one helper, a .scn file keeps its
# path (not its name), and an argument with a control character is refused
# where it would enter a job list (a newline split one job into two lines).
# Paths below hold blanks, quotes, $(...) and backquotes; a marker file
# appears if any of them runs.  volatile-bits with mmu.spte_write=plain (set
# here by the config file) fails at seed 16 (README), so replaying that seed
# must exit 1 again.  Before the fix the replay line was
# "tdpsim run volatile-bits --config <raw path> ... --seed 16": the raw
# $(...) ran when pasted, and the name would not find the .scn copy.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"
ln -s "$(cd "$(dirname "$TDPSIM")" && pwd)/$(basename "$TDPSIM")" "$T/bin/tdpsim"
export PATH="$T/bin:$PATH"
D="$T/it's a \$(touch $T/pwned1) \`touch $T/pwned2\` \"dir\""
mkdir -p "$D"
cp workloads/scenarios/volatile-bits.scn "$D/my vb.scn"
printf '[mmu]\nspte_write = plain\n' >"$D/c f.ini"

set +e
tdpsim explore "$D/my vb.scn" --config "$D/c f.ini" --set cpu.vendor=intel \
	--seeds 0..30 --json-dir "$D/res" >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 1 ] || { echo "explore exit $rc, want 1"; cat "$T/out" "$T/err"; exit 1; }
grep -q "seed 16 fails" "$T/out" || { cat "$T/out"; exit 1; }
line=$(sed -n 's/^replay: //p' "$T/out")
[ -n "$line" ] || { echo "no replay line"; cat "$T/out"; exit 1; }
# The line names the file by its path, quoted.
case $line in
"tdpsim run '$T/it'\\''s a \$(touch $T/pwned1) \`touch $T/pwned2\` \"dir\"/my vb.scn' --config "*) ;;
*) echo "replay line does not quote the .scn path: $line"; exit 1 ;;
esac
set +e
sh -c "$line" >"$T/rout" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || { echo "pasted replay exit $rc, want 1: $line"; cat "$T/rout"; exit 1; }
grep -q "violation" "$T/rout"
json=$(sed -n 's/^  "replay": "\(.*\)",$/\1/p' "$D/res"/*.json)
[ -n "$json" ] || { echo "no replay in the JSON"; cat "$D/res"/*.json; exit 1; }

# Job lists: every line run by sh hands the argv back unchanged.  The
# --tdpsim program prints its arguments one a line.
cat >"$T/bin/argv dump" <<'DUMP'
#!/bin/sh
for a in "$@"; do printf '[%s]\n' "$a"; done
DUMP
chmod +x "$T/bin/argv dump"
tdpsim explore "$D/my vb.scn" --config "$D/c f.ini" --set 'cpu.vendor=intel' \
	--seeds 0..9 --chunk 5 --emit-jobs "$T/jobs" --json-dir "$D/out dir" \
	--tdpsim "$T/bin/argv dump" >/dev/null
[ "$(wc -l <"$T/jobs")" -eq 2 ] || { cat "$T/jobs"; exit 1; }
sh "$T/jobs" >"$T/argv"
cat >"$T/want" <<WANT
[explore]
[$D/my vb.scn]
[--config]
[$D/c f.ini]
[--set]
[cpu.vendor=intel]
[--seeds]
[0..4]
[--json-dir]
[$D/out dir]
[explore]
[$D/my vb.scn]
[--config]
[$D/c f.ini]
[--set]
[cpu.vendor=intel]
[--seeds]
[5..9]
[--json-dir]
[$D/out dir]
WANT
diff "$T/want" "$T/argv" || { echo "job list argv differs"; cat "$T/jobs"; exit 1; }

# compare: the replay column names the .scn by its path, even when a --set
# value comes before it (it used to take the first word not starting with -).
tdpsim compare --set cpu.vendor=intel "$D/my vb.scn" --vary sim.quantum=0,1 \
	--report "$T/cmp" >/dev/null 2>&1 || true
grep -qF "| \`\` tdpsim run '$T/it'\\''s a" "$T/cmp/report.md" ||
	{ echo "compare replay column:"; grep tdpsim "$T/cmp/report.md"; exit 1; }

# A newline in a path bound for a job list: exit 2, escaped in one line, no list.
NL="$T/a
b"
set +e
tdpsim explore volatile-bits --seeds 0..9 --emit-jobs "$T/jobs2" --json-dir "$NL" >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && [ ! -e "$T/jobs2" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	grep -qF -- "--json-dir '$T/a\\nb': holds a control character" "$T/err" ||
	{ echo "newline in --json-dir: exit $rc"; cat "$T/err"; ls "$T"; exit 1; }
set +e
tdpsim compare touch-4k --vary cpu.vendor=intel,amd --report "$NL" --emit-jobs "$T/jobs3" >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && [ ! -e "$T/jobs3" ] && grep -qF "'$T/a\\nb': holds a control character" "$T/err" ||
	{ echo "newline in --report: exit $rc"; cat "$T/err"; exit 1; }
set +e
tdpsim run volatile-bits --config "$NL" >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -qF -- "--config '$T/a\\nb': holds a control character" "$T/err" ||
	{ echo "newline in --config: exit $rc"; cat "$T/err"; exit 1; }

for f in "$T"/pwned*; do
	[ -e "$f" ] && { echo "a command ran: $f"; exit 1; }
done
true
