# SPDX-License-Identifier: GPL-2.0-only
# Text from result files never runs as a command.  gnuplot executes
# `backquoted` text anywhere on a script line, inside double quotes too, so a
# stat name, a scenario file name or a config value with backquotes, $(...),
# @macros, quotes or a newline in a result JSON must reach the .gp scripts
# filtered.  The test renders reports from such results (report and compare)
# and checks that no marker file appeared, and that no .gp line holds a
# backquote, '$(' or '@'.  Before the fix the exits.* stat below created
# $T/pwned-exit when gnuplot rendered exits.gp.
set -eu
T=${KEEP:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
"$TDPSIM" run touch-4k --json "$T/a.json" >/dev/null

# Stat names (they become plot titles and key entries), and the scenario name
# (it becomes the chart title), each carrying a different way in.
sed -e "s|\"cycles.exit\":|\"cycles.\`touch $T/pwned-cycles\`\":|" \
    -e "s|\"exits.ept_violation\":|\"exits.\`touch $T/pwned-exit\`\":|" \
    -e "s|^  \"tdpsim\": \(.*\)|  \"tdpsim\": \1 \"scenario\": \"t\`touch $T/pwned-title\`\$(touch $T/pwned-dollar)@x\\\\\\\"q\\\\nnl\",|" \
    "$T/a.json" >"$T/b.json"
grep -q "pwned-exit" "$T/b.json" || { echo "the hostile stat name was not planted"; exit 1; }
grep -q "pwned-title" "$T/b.json" || { echo "the hostile scenario name was not planted"; exit 1; }
"$TDPSIM" report "$T/b.json" --out "$T/rep" >/dev/null

# A second variant whose config value differs by hostile text: the value is
# an x-axis label.
sed -e "s|\"sim.quantum\": 0|\"sim.quantum\": \"\`touch $T/pwned-label\`\"|" \
    "$T/b.json" >"$T/c.json"
"$TDPSIM" report "$T/b.json" "$T/c.json" --out "$T/rep2" >/dev/null

for f in "$T"/pwned-*; do
	[ -e "$f" ] || continue
	echo "a command from a result file ran: $f"; exit 1
done
ls "$T"/rep/*.gp "$T"/rep2/*.gp >/dev/null
if grep -n -e '`' -e '\$(' -e '@' "$T"/rep/*.gp "$T"/rep2/*.gp; then
	echo "input text reached a gnuplot script unfiltered"; exit 1
fi
# The plots are still drawn (the filtered names are legal gnuplot strings).
[ -s "$T/rep/exits.png" ] && [ -s "$T/rep/cycles.png" ] ||
	{ echo "plots missing"; ls "$T/rep"; exit 1; }
# And the .dat comments keep one line per variant (a newline in a label does
# not start a data row).
[ "$(grep -c '^# variant' "$T/rep2/cycles.dat")" -eq 2 ] ||
	{ cat "$T/rep2/cycles.dat"; exit 1; }
echo ok
