# SPDX-License-Identifier: GPL-2.0-only
# Issue 16 item 2: one action table drives the parser, its messages, the
# executor and the grammar.  README's grammar is the one the parser's
# tables print; every action the grammar lists parses, and an unknown one
# is refused with the full list (pause-guests and resume-guests included,
# which the hand-written list once forgot).
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
README=${README:-README.md}

# README's copy, byte for byte.
awk '/^```scn-grammar$/ { on = 1; next } on && /^```$/ { exit } on' "$README" >"$T/readme"
"$TDPSIM" scenarios --grammar >"$T/grammar"
[ -s "$T/readme" ] || { echo "README has no scn-grammar block"; exit 1; }
diff -u "$T/readme" "$T/grammar" || { echo "README's grammar differs from the table"; exit 1; }

# The actions, as the grammar lists them: 14 rows (enum scn_act).
sed -n '/^ACTION/,/^$/p' "$T/grammar" | awk '/^  [a-z]/ { print $1 }' >"$T/actions"
[ "$(wc -l <"$T/actions")" = 14 ]
grep -qx pause-guests "$T/actions" && grep -qx resume-guests "$T/actions"

# Each one parses with arguments of the kinds its row names, after the
# guest of a one-vCPU scenario that only touches a page.
while read -r act; do
	args=$(sed -n "s/^  $act \([^ ].*[^ ]\)  .*/\1/p; s/^  $act  .*//p" "$T/grammar" |
		head -1 | sed 's/ *$//')
	words=""
	for a in $args; do
		case $a in
		on\|off) words="$words on" ;;
		EVENT) words="$words age" ;;
		*) words="$words 0x1000" ;;
		esac
	done
	printf 'workload 0 pages 1\nafter-guest %s%s\n' "$act" "$words" >"$T/a.scn"
	# Parsing is all that is asked (vCPU 4096 is refused later, at build).
	set +e; "$TDPSIM" run "$T/a.scn" >"$T/out" 2>"$T/err"; set -e
	if grep -qE "a.scn:2: ($act takes|unknown action)" "$T/err"; then
		echo "action '$act$words' did not parse:"; cat "$T/err"; exit 1
	fi
done <"$T/actions"

# An unknown action names FILE:LINE and lists every row, in table order.
printf 'workload 0 pages 1\nat 10 pause-guest\n' >"$T/b.scn"
set +e; "$TDPSIM" run "$T/b.scn" >/dev/null 2>"$T/err"; rc=$?; set -e
[ $rc -eq 2 ]
want="unknown action 'pause-guest' ($(paste -sd, "$T/actions" | sed 's/,/, /g'))"
grep -qF "b.scn:2: $want" "$T/err" || { echo "want '$want', got:"; cat "$T/err"; exit 1; }

# A wrong argument count: the row's own arguments in the message.
printf 'workload 0 pages 1\nat 10 smm 0\n' >"$T/c.scn"
set +e; "$TDPSIM" run "$T/c.scn" >/dev/null 2>"$T/err"; rc=$?; set -e
[ $rc -eq 2 ] && grep -qF "c.scn:2: smm takes VCPU on|off" "$T/err"
printf 'workload 0 pages 1\nat 10 host age 0 0\n' >"$T/d.scn"
set +e; "$TDPSIM" run "$T/d.scn" >/dev/null 2>"$T/err"; rc=$?; set -e
[ $rc -eq 2 ] && grep -qF "d.scn:2: host takes EVENT GPA LEN (events: writeback," "$T/err"
# ... and an unknown directive lists the directives.
printf 'workload 0 pages 1\nlater 10 smm 0 on\n' >"$T/e.scn"
set +e; "$TDPSIM" run "$T/e.scn" >/dev/null 2>"$T/err"; rc=$?; set -e
[ $rc -eq 2 ] && grep -qF "e.scn:2: unknown directive 'later' (summary, set, workload, at, after-guest, host-event, host-events, elf, expect)" "$T/err"
echo ok
