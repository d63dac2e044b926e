#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every cmocka suite, then every command-level test script
# (tests/cli/*.sh), and ends with cmocka's summary lines for the whole run.
# Usage: run-tests.sh BUILD_DIR TEST...
set -u
O=$1; shift
pass=0; fail=0; suites_failed=()
for t in "$@"; do
	bin="$O/$t"
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ $rc -ne 0 ] && [ -z "$f" ]; then fail=$((fail + 1)); fi
	[ $rc -ne 0 ] && suites_failed+=("$t")
done
# Command-level tests: each script is one test; it gets the tdpsim binary,
# and the Linux MMU builds of Debian's 6.12 and 6.1 (make linux).
# Sanitizer reports (ASan, LeakSanitizer, UBSan: make check) of every
# process a script starts go to files of their own, so that a report is
# seen even when the script ignored that process's exit status or output
# (a background worker, a '|| true', an expected exit 2): it is shown, and
# the script fails.
san=$(mktemp -d); trap 'rm -rf "$san"' EXIT
for s in tests/cli/*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "$s" .sh)
	rm -f "$san"/*
	out=$(TDPSIM="$O/tdpsim" TDPSIM_LINUX="$O/tdpsim-linux-6.12" \
		TDPSIM_LINUX61="$O/tdpsim-linux-6.1" TDPSIM_BUILD="$(basename "$O")" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san/asan" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$san/ubsan" \
		bash "$s" 2>&1); rc=$?
	reports=$(find "$san" -type f | sort)
	if [ $rc -eq 0 ] && [ -z "$reports" ]; then
		echo "[       OK ] cli/$name"; pass=$((pass + 1))
	else
		printf '%s\n' "$out" | tail -40
		for r in $reports; do
			echo "--- sanitizer report of cli/$name ($(basename "$r")):"
			cat "$r"
		done
		echo "[  FAILED  ] cli/$name"; fail=$((fail + 1)); suites_failed+=("cli/$name")
	fi
done
echo "[==========] all suites: $((pass + fail)) test(s) run."
echo "[  PASSED  ] $pass test(s)."
if [ $fail -ne 0 ]; then
	echo "[  FAILED  ] $fail test(s), in: ${suites_failed[*]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
