# SPDX-License-Identifier: GPL-2.0-only
# Round trip: a lackey trace of a system program, replayed directly and
# after 'trace convert' to native (plain and zstd), gives the same stats;
# a trace of virtual addresses replayed with guest.paging=none is bad input
# (exit 2, no results file).
set -eu
command -v valgrind >/dev/null 2>&1 || { echo "valgrind missing: skipped"; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
valgrind --tool=lackey --trace-mem=yes --log-file="$T/true.lackey" /bin/true >/dev/null 2>&1
"$TDPSIM" trace convert "$T/true.lackey" "$T/true.trace" >/dev/null
"$TDPSIM" trace convert "$T/true.lackey" "$T/true.trace.zst" --zstd >/dev/null
stats() { awk '/^  "stats": \{/{on=1; next} on && /^  \}/{exit} on' "$1"; }
for f in true.lackey true.trace true.trace.zst; do
	"$TDPSIM" replay "$T/$f" --set guest.paging=4level --json "$T/$f.json" >/dev/null
	stats "$T/$f.json" >"$T/$f.stats"
done
[ "$(wc -l <"$T/true.lackey.stats")" -gt 50 ]
grep -q '"accesses": [1-9]' "$T/true.lackey.stats"
cmp "$T/true.lackey.stats" "$T/true.trace.stats"
cmp "$T/true.lackey.stats" "$T/true.trace.zst.stats"

set +e
"$TDPSIM" replay "$T/true.trace" --set guest.paging=none --json "$T/bad.json" 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "beyond vm.mem" "$T/err" && [ ! -e "$T/bad.json" ]

# --elf maps the program's segments with their permissions: a write into
# its text (R+X) is a protection fault the minimal guest OS does not
# handle (reported, exit 1); the same write into its data (R+W) is fine.
printf 'I  0010a000,4\n S 0010a010,8\n' >"$T/text.lackey"
printf 'I  0010a000,4\n S 00110d80,8\n' >"$T/data.lackey"
set +e
"$TDPSIM" replay "$T/text.lackey" --elf /bin/true --elf-base 0x108000 \
	--set guest.paging=4level >"$T/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "unexpected guest #PF" "$T/out"
"$TDPSIM" replay "$T/data.lackey" --elf /bin/true --elf-base 0x108000 \
	--set guest.paging=4level >/dev/null
"$TDPSIM" replay "$T/text.lackey" --set guest.paging=4level >/dev/null
