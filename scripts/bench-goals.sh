#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Reads "bench NAME VALUE UNIT" lines (make bench; the benchmark programs
# add "goal none" or "goal OP GOAL") and prints each with its goal and
# whether this run met it, so that the figures read without the README.
# The goals are README's where it has one, else the program's own.
# README's: any table with a "goal" column whose first column is a
# figure's name in backquotes ("≥ 100 M acc/s", "≤ 2", "≤ 30 ns/spte";
# K, M and G scale by 10^3, 10^6, 10^9).  Lines of other
# forms pass through.  Ends with a count of the goals met.  A last input
# line "bench-exit N" (the benchmarks' exit status) is not printed: the
# script exits N, so a pipe into it still fails when a benchmark did.
# Usage: ... | bench-goals.sh README.md
set -eu
readme=${1:-README.md}
awk -v readme="$readme" '
function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
BEGIN {
	# The goals: table rows after a header row that has a "goal" column.
	gcol = 0
	while ((getline line < readme) > 0) {
		if (line !~ /^\|/) { gcol = 0; continue }
		n = split(line, f, "|")
		if (!gcol) {
			for (i = 2; i < n; i++) if (trim(f[i]) == "goal") gcol = i
			continue
		}
		name = trim(f[2]); goal = trim(f[gcol])
		if (name !~ /^`[^`]+`$/ || goal == "") continue
		gsub(/`/, "", name)
		if (goal ~ /^≥/) op = ">="; else if (goal ~ /^≤/) op = "<="; else continue
		g = goal; sub(/^(≥|≤)[ ]*/, "", g)
		split(g, w, " "); v = w[1]; mult = 1
		if (w[2] == "K") mult = 1e3; else if (w[2] == "M") mult = 1e6
		else if (w[2] == "G") mult = 1e9
		want[name] = v * mult; wop[name] = op; text[name] = goal
	}
}
function judge(v, op, g) {
	return op == ">=" ? v >= g : op == "<=" ? v <= g : op == "<" ? v < g : v > g
}
# The form of the benchmark programs, "bench NAME VALUE UNIT goal none"
# or "... goal OP GOAL" (bench/bench.h): judged as the four fields are, by
# the goal in the README if it has one, else by the goal printed.
$1 == "bench" && NF >= 6 && $5 == "goal" {
	fig = $1 " " $2 " " $3 " " $4
	if ($2 in want) {
		met = judge($3 + 0, wop[$2], want[$2])
		printf "%s  [goal %s: %s]\n", fig, text[$2], met ? "met" : "NOT met"
	} else if (NF == 7 && $6 ~ /^(>=|<=|<|>)$/) {
		met = judge($3 + 0, $6, $7 + 0)
		printf "%s  [goal %s %s: %s]\n", fig, $6, $7, met ? "met" : "NOT met"
	} else {
		printf "%s  [no goal]\n", fig; next
	}
	ngoals++; nmet += met; next
}
$1 == "bench" && NF == 4 && ($2 in want) {
	met = judge($3 + 0, wop[$2], want[$2])
	printf "%s  [goal %s: %s]\n", $0, text[$2], met ? "met" : "NOT met"
	ngoals++; nmet += met; next
}
$1 == "bench" && NF == 4 { printf "%s  [no goal]\n", $0; next }
$1 == "bench-exit" && NF == 2 { status = $2 + 0; next }
{ print }
END { printf "bench goals: %d of %d met\n", nmet, ngoals; exit status }
'
