# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 items 3 and 4: the results of a replay say what was replayed and
# give the figures users of trace-driven simulators read, and report never
# merges runs of different inputs as seeds of one variant.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
field() { sed -n "s/^ *\"$1\": \"*\([^\",]*\)\"*,*$/\1/p" "$2" | head -1; }

# Four fetches on one text page; a load, a store and a load on one data
# page.  By hand: the first fetch misses the L1 iTLB and the other three
# hit (1 miss in 4 lookups); the first load misses the L1 dTLB, the store
# and the second load hit (1 in 3; the store sets D with a walk, which is
# no miss); both L1 misses miss the cold L2 (2 in 2).  Instructions are the
# 4 fetch records: MPKI = 1000 * misses / 4 = 250, 250, 500.
printf 'I  00400000,4\nI  00400004,4\n L 00600000,8\nI  00400008,4\n S 00600008,8\nI  0040000c,4\n L 00600010,8\n' >"$T/s.lackey"
"$TDPSIM" replay "$T/s.lackey" --json "$T/s.json" >"$T/out"
tr -d ' \n' <"$T/s.json" >"$T/s.flat"
grep -q '"l1i":{"lookups":4,"misses":1,"miss_rate":0.25,"mpki":250.0}' "$T/s.flat"
grep -q '"l1d":{"lookups":3,"misses":1,"miss_rate":0.33333333333333331,"mpki":250.0}' "$T/s.flat"
grep -q '"l2":{"lookups":2,"misses":2,"miss_rate":1.0,"mpki":500.0}' "$T/s.flat"
grep -q '"instructions":4,' "$T/s.flat"
# By kind (the L1 misses above: the first load's and the first fetch's;
# each missed the L2): MPKI over the same 4 instructions.
grep -q '"by_kind":{"load":{"accesses":2,"tlb":{"l1":{"lookups":2,"misses":1,"miss_rate":0.5,"mpki":250.0,"level":"l1d"},"l2":{"lookups":1,"misses":1,"miss_rate":1.0,"mpki":250.0}}' "$T/s.flat"
grep -q '"store":{"accesses":1,"tlb":{"l1":{"lookups":1,"misses":0,"miss_rate":0.0,"mpki":0.0,"level":"l1d"},"l2":{"lookups":0,"misses":0,"miss_rate":null,"mpki":0.0}}' "$T/s.flat"
grep -q '"fetch":{"accesses":4,"tlb":{"l1":{"lookups":4,"misses":1,"miss_rate":0.25,"mpki":250.0,"level":"l1i"},"l2":{"lookups":1,"misses":1,"miss_rate":1.0,"mpki":250.0}}' "$T/s.flat"
grep -q '"by_vcpu":\[{"vcpu":0,"cycles":[0-9]*,"accesses":7,"instructions":4,' "$T/s.flat"
# The summary prints them, per level.
grep -Eq '^  L1 iTLB \(fetch\) +4 +1 +25.000% +250.000$' "$T/out"
grep -Eq '^  L1 dTLB \(load, store\) +3 +1 +33.333% +250.000$' "$T/out"
grep -Eq '^  L2 TLB +2 +2 +100.000% +500.000$' "$T/out"
# Walks and references per walk agree with the stats they come from.
walks=$(tr -d ' \n' <"$T/s.json" | sed -n 's/.*"walk.refs_per_walk":{"count":\([0-9]*\),.*/\1/p')
refs=$(field walk.refs "$T/s.json")
grep -q "\"walks\":$walks,\"refs_per_walk\":" "$T/s.flat"
grep -q "walks $walks, references per walk $(awk "BEGIN{printf \"%.2f\", $refs/$walks}")," "$T/out"

# The input: path, size, format, records, the same hash as sha256sum.
[ "$(field path "$T/s.json")" = "$T/s.lackey" ]
[ "$(field size "$T/s.json")" = "$(stat -c %s "$T/s.lackey")" ]
[ "$(field sha256 "$T/s.json")" = "$(sha256sum "$T/s.lackey" | cut -d' ' -f1)" ]
[ "$(field format "$T/s.json")" = lackey ]
[ "$(field records "$T/s.json")" = 7 ]
[ "$(field replay "$T/s.json")" = "tdpsim replay $T/s.lackey" ]
# With --elf: the program's size, hash and build-id (readelf's).
if command -v readelf >/dev/null; then
	"$TDPSIM" replay "$T/s.lackey" --elf /bin/true --elf-base=0x108000 --json "$T/e.json" >/dev/null
	bid=$(readelf -n /bin/true | sed -n 's/.*Build ID: *//p')
	[ -n "$bid" ] && grep -q "\"build_id\": \"$bid\"" "$T/e.json"
	grep -q "\"sha256\": \"$(sha256sum /bin/true | cut -d' ' -f1)\"" "$T/e.json"
	grep -q '"base": 1081344' "$T/e.json"
fi

# --json - and --csv -: stdout holds the results alone, the summary goes
# to stderr.
"$TDPSIM" replay "$T/s.lackey" --json - >"$T/stdout.json" 2>"$T/stderr"
cmp "$T/stdout.json" "$T/s.json"
grep -q '^.*s.lackey: accesses=7 ' "$T/stderr"
"$TDPSIM" replay "$T/s.lackey" --csv=- >"$T/s.csv" 2>/dev/null
[ "$(wc -l <"$T/s.csv")" = 2 ]
# One column per value: the header and the row have as many fields (a
# value with a comma, e.g. tlb.l1d.sizes "4k,2m,1g", is quoted).
awk -F'"' '{ n = 0; for (i = 1; i <= NF; i += 2) n += gsub(/,/, ",", $i); print n }' \
	"$T/s.csv" | uniq | wc -l | grep -qx 1
head -1 "$T/s.csv" | tr ',' '\n' | grep -qx figures.tlb.l2.mpki
col=$(head -1 "$T/s.csv" | tr ',' '\n' | grep -nx figures.tlb.l2.mpki | cut -d: -f1)
sed -n 2p "$T/s.csv" | sed 's/"[^"]*"/Q/g' | cut -d, -f"$col" | grep -qx 500.0

# report: two different traces are two variants, never two seeds of one.
printf 'I  00400000,4\n L 00700000,8\n' >"$T/b.lackey"
"$TDPSIM" replay "$T/b.lackey" --json "$T/b.json" >/dev/null
"$TDPSIM" report "$T/s.json" "$T/b.json" --out "$T/rep" >/dev/null
grep -q '^2 variants, differing in `input`; 2 runs' "$T/rep/report.md"
# The same trace twice is one variant of two runs.
cp "$T/s.json" "$T/s2.json"
"$TDPSIM" report "$T/s.json" "$T/s2.json" --out "$T/rep1" >/dev/null
grep -q '^One variant, 2 runs' "$T/rep1/report.md"
echo ok
