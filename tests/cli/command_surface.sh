# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 items 9 and 11: the command's surface.  --opt=value works for
# every option (one getopt_long scanner, cli/opts.c); a slip in a key, a scenario, an option or a command gets
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

# Every command reads its options with one getopt_long scanner, so
# --opt=value and --opt value are the same everywhere: compare, report,
# explore's campaign options, trace gen's keys, config.
"$TDPSIM" compare touch-4k --vary=tlb.l1d.entries=32,64 --seeds=1..2 --chunk=3 \
	--emit-jobs="$T/cj" --report="$T/R" >/dev/null
# 2 variants x 2 seeds = 4 runs in chunks of 3: --only 1..3 and --only 4.
[ "$(wc -l <"$T/cj")" = 2 ] && grep -q -- '--vary tlb.l1d.entries=32,64 --seeds 1..2 --report .*R --only 1\.\.3$' "$T/cj"
"$TDPSIM" explore touch-4k --seeds=0..9 --chunk=5 --jobs=2 --json-dir="$T/J" --emit-jobs "$T/ej" >/dev/null
# Seeds 0..9 in chunks of 5: two jobs, each passing --jobs 2 on.
[ "$(wc -l <"$T/ej")" = 2 ] && grep -q -- '--jobs 2 --seeds 5\.\.9 --json-dir' "$T/ej"
"$TDPSIM" trace gen --pattern=seq --ws=64KiB --count=0x10 -o "$T/h.trc"
"$TDPSIM" trace info "$T/h.trc" | grep -qx 'records  16'
"$TDPSIM" run touch-4k --json "$T/r.json" >/dev/null
"$TDPSIM" report "$T/r.json" --out="$T/rep" >/dev/null && [ -s "$T/rep/report.md" ]

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
expect2 "replay: unexpected argument '--warmpu' (did you mean '--warmup'?)" replay "$T/h.trc" --warmpu=1
expect2 "replay: --warmup needs a number of records (decimal or 0x hex), not '010x'" \
	replay "$T/h.trc" --warmup=010x
# replay scans its options like every command: 16 records, 0x4 of them
# warmup, so 12 counted.
"$TDPSIM" replay "$T/h.trc" --warmup=0x4 --json="$T/w.json" >/dev/null
grep -q '"accesses": 12,' "$T/w.json"
# A .scn's set line is parsed by the same registry as --set.
printf 'set tlb.l1d.entrie=32\nworkload 0 pages 1 read\n' >"$T/k.scn"
expect2 "k.scn:1: unknown key 'tlb.l1d.entrie' (tdpsim config --defaults lists them) (did you mean 'tlb.l1d.entries'?)" \
	run "$T/k.scn"
expect2 "unknown command 'rnu' (did you mean 'run'?)" rnu touch-4k
expect2 "compare: unexpected argument '--varry' (did you mean '--vary'?)" \
	compare touch-4k --varry tlb.l1d.entries=32,64 --report "$T/R"
expect2 "report: unexpected argument '--outt' (did you mean '--out'?)" report "$T/r.json" --outt "$T/x"
expect2 "explore: unexpected argument '--json-dri' (did you mean '--json-dir'?)" \
	explore touch-4k --seeds 0..1 --json-dri "$T/x"
expect2 "trace gen: unexpected argument '--patern' (did you mean '--pattern'?)" \
	trace gen --patern seq -o "$T/x"
expect2 "trace: unknown subcommand 'infp' (did you mean 'info'?)" trace infp "$T/h.trc"
expect2 "scenarios: unexpected argument '--gramar' (did you mean '--grammar'?)" scenarios --gramar
expect2 "config: unexpected argument '--defualts' (did you mean '--defaults'?)" config --defualts
expect2 "run: --seed needs a value" run touch-4k --seed
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

# The counts of the command line: --jobs 0400 is four hundred (above 256:
# refused), not octal 256; --chunk 010 is ten runs a job (one job for ten
# runs, where octal 8 would make two); 0x2 is two.
expect2 "--jobs 0400: expected 1..256" explore touch-4k --seeds 0..1 --jobs 0400
expect2 "--jobs 0400: expected 1..256" compare touch-4k --vary tlb.l1d.entries=32 --jobs 0400 --report "$T/R"
"$TDPSIM" compare touch-4k --vary tlb.l1d.entries=32 --seeds 1..10 --chunk 010 \
	--emit-jobs "$T/c10" --report "$T/R" >/dev/null
[ "$(wc -l <"$T/c10")" = 1 ]
"$TDPSIM" explore touch-4k --seeds 0..3 --jobs 0x2 | grep -q 'seeds 0\.\.3: no violation (4 seeds'
# A scenario's numbers and vCPU sets: 0x hex, sizes with KiB.  Two
# workload lines on vCPU 0x0, 3 + 2 pages: 5 accesses; the host event's
# 4KiB length parses (a zero length would be refused).
printf 'workload 0x0 pages 3\nworkload 0x0-0 pages 0x2 base 8KiB\nhost-event 0x10 age 0 4KiB\n' >"$T/h.scn"
"$TDPSIM" run "$T/h.scn" | grep -q " accesses=5 "

# Seed ranges too: 0x3 is three, 010 is ten.
"$TDPSIM" explore touch-4k --seeds 0x0..0x3 | grep -q 'seeds 0\.\.3: no violation (4 seeds'
"$TDPSIM" explore touch-4k --seeds=010..011 | grep -q 'seeds 10\.\.11: no violation (2 seeds'

# Subcommands refuse what they do not take.
expect2 "stats: unexpected argument 'touch-2m' (one scenario only)" stats touch-4k touch-2m
expect2 "run: unexpected argument 'touch-2m' (one scenario only)" run touch-4k touch-2m
expect2 "trace info: unexpected argument 'b'" trace info "$T/h.trc" b
expect2 "scenarios: --grammar and --json do not go together" scenarios --grammar --json
expect2 "--version: unexpected argument 'run'" --version run
"$TDPSIM" help compare | grep -q '^usage: tdpsim compare SCENARIO'   # = compare --help
expect2 "report: unexpected argument '--set'" report "$T/r.json" --set x=1 --out "$T/x"
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
