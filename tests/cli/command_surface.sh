# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 items 9 and 11: the command's surface.  --opt=value works for
# every option; a slip in a key, a scenario, an option or a command gets
# "did you mean"; numbers are decimal or 0x hex, never octal, and sizes take
# K/M/G/T and KiB/MiB/GiB/TiB everywhere; subcommands refuse arguments they
# do not take; config --defaults names no document the user lacks, gives a
# source for every latency, aligns its columns, and config and scenarios
# have --json.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect2() { # MESSAGE ARGS...: exit 2 and MESSAGE on stderr
	local msg=$1; shift
	set +e; "$TDPSIM" "$@" >"$T/out" 2>"$T/err"; local rc=$?; set -e
	[ $rc -eq 2 ] && grep -qF -- "$msg" "$T/err" ||
		{ echo "want exit 2 and '$msg' from: $*; got $rc:"; cat "$T/err"; exit 1; }
}
cfg() { sed -n "s/^    \"$1\": \"*\([^\",]*\)\"*,*$/\1/p" "$2"; }

# --opt=value, and the value may hold '='.
"$TDPSIM" run touch-4k --set=tlb.l1d.entries=32 --seed=3 --json="$T/a.json" >/dev/null
[ "$(cfg tlb.l1d.entries "$T/a.json")" = 32 ] && [ "$(cfg sim.seed "$T/a.json")" = 3 ]

# Did you mean.
expect2 "unknown key 'tlb.l1d.entrie' (tdpsim config --defaults lists them) (did you mean 'tlb.l1d.entries'?)" \
	run touch-4k --set tlb.l1d.entrie=32
printf 'tlb.l1d.entrie = 32\n' >"$T/c.ini"
expect2 "c.ini:1: unknown key 'tlb.l1d.entrie'" run touch-4k --config "$T/c.ini"
grep -qF "(did you mean 'tlb.l1d.entries'?)" "$T/err"
expect2 "unknown scenario 'touch-4kk'" run touch-4kk
grep -qF "(did you mean 'touch-4k'?)" "$T/err"
expect2 "unexpected argument '--sed' (did you mean '--set'?)" run touch-4k --sed 3
expect2 "unexpected argument '--elff' (did you mean '--elf'?)" replay "$T/x" --elff /bin/true
expect2 "unknown command 'rnu' (did you mean 'run'?)" rnu touch-4k
# Nothing near: no guess.
expect2 "unknown key 'zzzz'" run touch-4k --set zzzz=1
! grep -q "did you mean" "$T/err"

# Numbers: decimal or 0x, never octal; sizes with K..T, KiB..TiB.
"$TDPSIM" run touch-4k --set vm.mem=010M --json "$T/n.json" >/dev/null
[ "$(cfg vm.mem "$T/n.json")" = 10485760 ]          # 10 MiB, not 8 (octal 010)
"$TDPSIM" run touch-4k --set vm.mem=1GiB --json "$T/n.json" >/dev/null
[ "$(cfg vm.mem "$T/n.json")" = 1073741824 ]
"$TDPSIM" run touch-4k --set vm.mem=0x4000000 --json "$T/n.json" >/dev/null
[ "$(cfg vm.mem "$T/n.json")" = 67108864 ]
expect2 "vm.mem" run touch-4k --set vm.mem=0x
expect2 "vm.mem" run touch-4k --set vm.mem=1Q
printf 'summary s\nworkload 0 pages 010 base 0x2000\n' >"$T/s.scn"
"$TDPSIM" run "$T/s.scn" | grep -q " accesses=10 "        # 010 pages are ten
"$TDPSIM" trace gen --pattern seq --ws 64KiB --count 010 -o "$T/g.trc"
"$TDPSIM" trace info "$T/g.trc" | grep -qx 'records  10'

# Seed ranges too: 0x3 is three, 010 is ten.
"$TDPSIM" explore touch-4k --seeds 0x0..0x3 | grep -q 'seeds 0\.\.3: no violation (4 seeds'
"$TDPSIM" explore touch-4k --seeds=010..011 | grep -q 'seeds 10\.\.11: no violation (2 seeds'

# Subcommands refuse what they do not take.
expect2 "scenarios: unexpected argument 'foo'" scenarios foo
expect2 "config: unexpected argument 'extra'" config --defaults extra
expect2 "--json, --csv and --log are not its options" explore touch-4k --seeds 0..1 --json "$T/e.json"
[ ! -e "$T/e.json" ]

# config --defaults: no DESIGN.md, KVM_FACTS or issue numbers; every
# latency has a source; the columns start at the same place on every line.
"$TDPSIM" config --defaults >"$T/d.txt"
! grep -Eqi 'DESIGN\.md|KVM_FACTS|issue [0-9]' "$T/d.txt"
! grep -E '^lat\.' "$T/d.txt" | grep -q '\[-\]$'
[ "$(grep -c '^lat\.' "$T/d.txt")" -ge 20 ]
# The default column starts where the header's "default" does: after the
# key column (as wide as the longest key) and two blanks.
col=$(sed -n 2p "$T/d.txt" | awk '{print index($0, "default")}')
awk -v c="$col" 'NR > 2 && (substr($0, c - 2, 2) != "  " || substr($0, c, 1) == " ") { bad++ }
	END { exit bad > 0 }' "$T/d.txt"
"$TDPSIM" config --defaults --json >"$T/d.json"
grep -q '"key": "lat.vmexit",' "$T/d.json"
[ "$(grep -c '"key": ' "$T/d.json")" = "$(($(wc -l <"$T/d.txt") - 2))" ]
"$TDPSIM" config --keys | grep -qx 'tlb.l1d.entries'
"$TDPSIM" scenarios --json >"$T/s.json"
grep -q '"name": "touch-4k",' "$T/s.json"
[ "$(grep -c '"name": ' "$T/s.json")" = "$("$TDPSIM" scenarios | wc -l)" ]
echo ok
