# SPDX-License-Identifier: GPL-2.0-only
# scripts/run-tests.sh shows a command-level test's sanitizer reports and
# fails the test on any, even when the test passes: here a script runs a
# leaking ASan program and ignores its exit status ('|| true'), as a test
# does with an expected exit 2 or a background worker.  Before the fix the
# script counted as passed and the LeakSanitizer report was never shown.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
command -v cc >/dev/null || { echo "no cc"; exit 1; }
printf '#include <stdlib.h>\nint main(void) { volatile char *p = malloc(77); p = 0; (void)p; return 0; }\n' >"$T/leak.c"
cc -fsanitize=address -g -o "$T/leak" "$T/leak.c"
mkdir -p "$T/tree/tests/cli"
printf '%s\n' "\"$T/leak\" 2>/dev/null || true" "exit 0" >"$T/tree/tests/cli/leaky.sh"
printf 'exit 0\n' >"$T/tree/tests/cli/clean.sh"
root=$PWD
set +e
(cd "$T/tree" && bash "$root/scripts/run-tests.sh" "$T/build") >"$T/out" 2>&1; rc=$?
set -e
[ $rc -ne 0 ] || { echo "a leak went unnoticed:"; cat "$T/out"; exit 1; }
grep -q "^--- sanitizer report of cli/leaky" "$T/out" || { cat "$T/out"; exit 1; }
grep -q "LeakSanitizer: detected memory leaks" "$T/out" || { cat "$T/out"; exit 1; }
grep -q "^\[       OK \] cli/clean$" "$T/out"
grep -q "^1 passed, 1 failed$" "$T/out" || { cat "$T/out"; exit 1; }
