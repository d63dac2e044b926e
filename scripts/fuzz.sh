#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds each libFuzzer harness with clang (fuzzer + ASan + UBSan) and runs it
# for a bounded time.  Usage: fuzz.sh fuzz/a.c fuzz/b.c ...  (make fuzz)
#
#   FUZZ_SECONDS  seconds per harness (default 30)
#   FUZZ_CC       the compiler (default clang)
#
# A harness names the library sources it needs on a comment line
# "fuzz-srcs: a.c b.c" (shell patterns allowed: "sim/*/*.c") and extra
# libraries on "fuzz-libs: -lfoo"; without them it gets every library
# source and every library.  Seeds come from
# fuzz/seeds/NAME/ if it exists; the growing corpus, the log and any crash
# go to build/fuzz/NAME/.  Exits 1 if any harness crashes.
set -u
secs=${FUZZ_SECONDS:-30}
cc=${FUZZ_CC:-clang}
out=build/fuzz
all_libs="-ljansson -linih -lzstd -llzma -lelf -lnettle -lm"
failed=()

if [ $# -eq 0 ]; then
	echo "fuzz: no harnesses"
	exit 0
fi

declared() {	# declared KEY FILE: the words after "KEY:" in FILE, if any
	sed -n "s/.*$1:[[:space:]]*//p" "$2" | head -1
}

for h in "$@"; do
	name=$(basename "$h" .c)
	dir=$out/$name
	mkdir -p "$dir/corpus"
	srcs=$(declared fuzz-srcs "$h")
	libs=$(declared fuzz-libs "$h")
	if [ -z "$srcs" ]; then
		srcs=$(find sim kvmmu traces workloads scenarios \( -name '*.c' -o -name '*.S' \) \
			2>/dev/null | sort)
		libs=$all_libs
	fi
	# shellcheck disable=SC2086  # word splitting of the lists is intended
	if ! $cc -std=c17 -D_GNU_SOURCE -I. -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		"$h" $srcs $libs -o "$dir/fuzzer" 2>"$dir/build.log"; then
		cat "$dir/build.log"
		echo "fuzz $name: BUILD FAILED"
		failed+=("$name")
		continue
	fi
	seeds=()
	[ -d "fuzz/seeds/$name" ] && seeds=("fuzz/seeds/$name")
	if "$dir/fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/corpus" "${seeds[@]}" >"$dir/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$dir/log")
		# The last status line's coverage: edges (cov) and features (ft).
		cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$dir/log" | tail -1)
		echo "fuzz $name: ok, ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}, corpus $(ls "$dir/corpus" | wc -l)"
	else
		tail -40 "$dir/log"
		echo "fuzz $name: FAILED (log and crash input in $dir/)"
		failed+=("$name")
	fi
done

if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzz: failed: ${failed[*]}"
	exit 1
fi
