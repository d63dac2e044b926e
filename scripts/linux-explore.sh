#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Explores every catalog scenario on a Linux MMU build under the settings its
# tree fixes (`config --mmu`), seeds A..B each, and prints one line per
# scenario: clean, the first failing seed with its counterexample line, or
# why the build cannot run it.
# Usage: linux-explore.sh LINUX_TDPSIM [SEEDS] [JOBS]   (SEEDS default 0..1999)
set -u
L=$1; SEEDS=${2:-0..1999}; JOBS=${3:-2}
FIX=$("$L" config --mmu | tail -n +2 | sed 's/^/--set /' | tr '\n' ' ')
echo "# $("$L" --version | tail -1), seeds $SEEDS"
for s in $("$L" scenarios | awk '{print $1}'); do
	# shellcheck disable=SC2086
	out=$("$L" explore "$s" --seeds "$SEEDS" --jobs "$JOBS" $FIX 2>&1)
	rc=$?
	case $rc in
	0) echo "$s: $(echo "$out" | tail -1)" ;;
	1) echo "$s: $(echo "$out" | head -1)"
	   echo "$out" | grep -m1 '^counterexample:' | sed 's/^/    /'
	   echo "$out" | grep -m1 '^replay:' | sed 's/^/    /' ;;
	*) echo "$s: cannot run (exit $rc): $(echo "$out" | head -1)" ;;
	esac
done
