# SPDX-License-Identifier: GPL-2.0-only
# --config FILE: a regular text file of at most 1 MiB (1048576 bytes).  Before
# the fix --config /dev/zero never ended (and overflowed a signed line
# counter under UBSan), --config DIR was accepted as an empty config, a line
# after a NUL byte was skipped without a word (the NUL ends the line for
# inih), and control bytes of a bad value reached the terminal raw.  Each is
# now exit 2 with one line naming the file (and line), control bytes
# escaped as \xHH.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect2() {
	local want=$1; shift
	set +e
	timeout 20 "$TDPSIM" "$@" >"$T/out" 2>"$T/err"; rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "exit $rc (want 2) for: $*"; head -c 300 "$T/err"; exit 1; }
	grep -qF -- "$want" "$T/err" || { echo "no '$want' in:"; cat "$T/err"; exit 1; }
	[ "$(wc -l <"$T/err")" -eq 1 ] || { echo "not one line:"; cat "$T/err"; exit 1; }
	[ ! -s "$T/out" ]
}
expect2 "/dev/zero: not a regular file" run touch-4k --config /dev/zero
mkdir "$T/dir"
expect2 "$T/dir: not a regular file" run touch-4k --config "$T/dir"
mkfifo "$T/fifo"
expect2 "$T/fifo: not a regular file" run touch-4k --config "$T/fifo"
# The key after the NUL is unknown: before the fix it was never read.
printf 'sim.seed = 3\n\000\nbogus = 1\n' >"$T/nul.ini"
expect2 "$T/nul.ini:2: a NUL byte" run touch-4k --config "$T/nul.ini"
printf 'sim.seed = 3 \000 4\n' >"$T/nul1.ini"
expect2 "$T/nul1.ini:1: a NUL byte" run touch-4k --config "$T/nul1.ini"
# 1 MiB + 1 byte of comments: too large; exactly 1 MiB is read.
head -c 1048577 /dev/zero | tr '\0' '#' >"$T/big.ini"
expect2 "$T/big.ini: larger than 1048576 bytes" run touch-4k --config "$T/big.ini"
head -c 1048575 /dev/zero | tr '\0' '#' >"$T/max.ini"; echo >>"$T/max.ini"
"$TDPSIM" run touch-4k --config "$T/max.ini" | grep -q " accesses=1024 "
# Control bytes of a bad value are escaped in the message.
printf 'sim.mode = \033[31mred\n' >"$T/esc.ini"
expect2 "$T/esc.ini:1: sim.mode: bad value '\\x1b[31mred'" run touch-4k --config "$T/esc.ini"
! grep -q "$(printf '\033')" "$T/err" || { echo "a raw ESC reached stderr"; exit 1; }
# A good file still sets what it says, with line numbers for the rest.
printf 'sim.seed = 3\n[sim]\nquantum = 5\n' >"$T/ok.ini"
"$TDPSIM" run touch-4k --config "$T/ok.ini" --json "$T/ok.json" >/dev/null
grep -q '"sim.seed": 3,' "$T/ok.json" && grep -q '"sim.quantum": 5,' "$T/ok.json"
printf 'sim.seed = 3\n[sim]\nquantum = 5\nbogus = 1\n' >"$T/c.ini"
expect2 "$T/c.ini:4: unknown key 'sim.bogus'" run touch-4k --config "$T/c.ini"
