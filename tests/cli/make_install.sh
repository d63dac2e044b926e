# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 item 10: the build and the install.
#  * --version and every JSON result carry the git commit; a tree without
#    .git (an unpacked tarball) builds with "unknown";
#  * ./tdpsim is made by the opt build only (BUILD=debug does not repoint
#    it), and a change of EXTRA_CFLAGS rebuilds;
#  * make install PREFIX=... (scripts/install.sh) installs the binary, a
#    man page made by help2man from --help, and the bash completion.
set -eu
# Under make test or make check the parent's MAKEFLAGS and variables (BUILD=asan, -j,
# its jobserver) must not reach the makes run here.
unset MAKEFLAGS MFLAGS MAKELEVEL BUILD WERROR EXTRA_CFLAGS
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
case $TDPSIM in /*) ;; *) TDPSIM=$PWD/$TDPSIM ;; esac

# The commit: --version's line, and the same in a result.
commit=$("$TDPSIM" --version | sed -n 's/^commit: //p')
echo "$commit" | grep -Eqx '[0-9a-f]{12}(-dirty)?|unknown'
if git rev-parse HEAD >/dev/null 2>&1; then
	git cat-file -e "${commit%-dirty}^{commit}"	# a commit of this repository
fi
"$TDPSIM" run touch-4k --json "$T/r.json" >/dev/null
grep -qx "  \"commit\": \"$commit\"," "$T/r.json"
# ... and in an explore chunk's summary.
"$TDPSIM" explore touch-4k --seeds 0..1 --json-dir "$T/ex" >/dev/null
grep -qx "  \"commit\": \"$commit\"," "$T"/ex/explore-touch-4k-*.json

# The Makefile in a copy of the sources without .git (as a tarball).
mkdir "$T/src"
tar -C . --exclude=./build --exclude=./.git --exclude=./tdpsim --exclude=./out -cf - . |
	tar -C "$T/src" -xf -
make -s -C "$T/src" build/opt/gen/commit.h
grep -qx '#define TDPSIM_COMMIT "unknown"' "$T/src/build/opt/gen/commit.h"
# ./tdpsim: linked by the opt build, never by BUILD=debug or asan.
make -n -C "$T/src" | grep -q '^ln -sfn build/opt/tdpsim tdpsim$'
! make -n -C "$T/src" BUILD=debug | grep -q 'ln -sfn'
! make -n -C "$T/src" BUILD=debug all | grep -q 'ln -sfn'
# One object: built, then up to date, then rebuilt when EXTRA_CFLAGS change.
make -C "$T/src" build/opt/cli/quote.o >"$T/m1"
grep -q 'cc.* -c cli/quote.c' "$T/m1"
make -C "$T/src" build/opt/cli/quote.o >"$T/m2"
! grep -q ' -c cli/quote.c' "$T/m2"
make -C "$T/src" build/opt/cli/quote.o EXTRA_CFLAGS=-DTDPSIM_TEST_FLAG >"$T/m3"
grep -q ' -DTDPSIM_TEST_FLAG -c cli/quote.c' "$T/m3"

# make install's script: binary, man page, completion.
if command -v help2man >/dev/null; then
	"$T/src/scripts/install.sh" "$TDPSIM" "$T/prefix" >/dev/null
	cmp "$TDPSIM" "$T/prefix/bin/tdpsim"
	grep -q '^\.TH TDPSIM "1"' "$T/prefix/share/man/man1/tdpsim.1"
	grep -q 'replay TRACE' "$T/prefix/share/man/man1/tdpsim.1"
	c="$T/prefix/share/bash-completion/completions/tdpsim"
	# The completion: commands, options, scenarios, keys after --set.
	out=$(bash -c '. "$1"; COMP_WORDS=(tdpsim re); COMP_CWORD=1; _tdpsim
		echo "${COMPREPLY[*]}"' _ "$c")
	[ "$out" = "replay report" ]
	out=$(bash -c '. "$1"; COMP_WORDS=("$2" run touch-4); COMP_CWORD=2; _tdpsim
		echo "${COMPREPLY[*]}"' _ "$c" "$TDPSIM")
	[ "$out" = touch-4k ]
	out=$(bash -c '. "$1"; COMP_WORDS=("$2" run touch-4k --set tlb.l1d.ent); COMP_CWORD=4
		_tdpsim; echo "${COMPREPLY[*]}"' _ "$c" "$TDPSIM")
	[ "$out" = "tlb.l1d.entries=" ]
fi
echo ok
