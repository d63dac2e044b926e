# SPDX-License-Identifier: GPL-2.0-only
# scripts/check-layers.sh (run by make test and make check) judges the
# include edges the compiler recorded (-MMD).  It passes on this build; it
# fails, naming the file and the edge, on a forbidden include planted in a
# temporary source compiled with the same -MMD, one per rule; and a
# kvmmu source compiled the Linux build's way (objects under model/) is
# not judged.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ROOT=$PWD
BUILD=$(dirname "$TDPSIM")
CHECK=scripts/check-layers.sh

# The tree as built passes.
"$CHECK" "$BUILD" >"$T/out" 2>&1 || { echo "the tree fails:"; cat "$T/out"; exit 1; }
[ ! -s "$T/out" ] || { echo "output on success:"; cat "$T/out"; exit 1; }

# Compiles @src (a path below $T/src, as it would be in the tree) with
# -MMD into $T/build, including @hdr from the real tree.
plant() {
	src=$1 hdr=$2
	mkdir -p "$T/src/$(dirname "$src")" "$T/build/$(dirname "$src")"
	printf '// SPDX-License-Identifier: GPL-2.0-only\n#include "%s"\nint planted;\n' \
		"$hdr" >"$T/src/$src"
	(cd "$T/src" && cc -std=c17 -D_GNU_SOURCE -I"$ROOT" -MMD -MP -c "$src" \
		-o "$T/build/${src%.c}.o")
}
# Expects exactly one forbidden edge, @src -> @edge, in $T/build.
expect_fail() {
	src=$1 edge=$2
	rc=0; "$CHECK" "$T/build" "$ROOT" >"$T/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || { echo "$src: exit $rc, not 1:"; cat "$T/out"; exit 1; }
	grep -qx "layering: $src includes $edge (.*)" "$T/out" ||
		{ echo "$src -> $edge not named:"; cat "$T/out"; exit 1; }
	# The planted file's direct include is reported (plus what it pulls in).
	grep -q "in 1 object(s) checked" "$T/out" || { cat "$T/out"; exit 1; }
	rm -rf "$T/build" "$T/src"
}

plant sim/tlb/planted.c kvmmu/env.h
expect_fail sim/tlb/planted.c kvmmu/env.h
plant sim/pml/planted.c scenarios/vmm.h
expect_fail sim/pml/planted.c scenarios/vmm.h
plant sim/core/planted.c sim/tlb/tlb.h
expect_fail sim/core/planted.c sim/tlb/tlb.h
plant kvmmu/planted.c sim/core/core.h
expect_fail kvmmu/planted.c sim/core/core.h
plant traces/planted.c sim/cpu/cpu.h
expect_fail traces/planted.c sim/cpu/cpu.h
plant workloads/planted.c kvmmu/kvmmu.h
expect_fail workloads/planted.c kvmmu/kvmmu.h
plant scenarios/planted.c cli/cli.h
expect_fail scenarios/planted.c cli/cli.h

# An allowed edge passes: sim/tlb on sim/core; cli on anything.
plant sim/tlb/planted.c sim/core/core.h
"$CHECK" "$T/build" "$ROOT" || { echo "sim/tlb -> sim/core refused"; exit 1; }
rm -rf "$T/build" "$T/src"
plant cli/planted.c scenarios/scenario.h
"$CHECK" "$T/build" "$ROOT" || { echo "cli -> scenarios refused"; exit 1; }
rm -rf "$T/build" "$T/src"

# The Linux world's objects of kvmmu sources (model/) are not judged.
mkdir -p "$T/src/kvmmu" "$T/build/model"
printf '// SPDX-License-Identifier: GPL-2.0-only\n#include "linuxmmu/lkvm.h"\n' >"$T/src/kvmmu/x86.c"
printf '%s\n' "$T/build/model/x86.o: kvmmu/x86.c linuxmmu/lkvm.h" >"$T/build/model/x86.d"
printf '%s\n' "$T/build/ok.o: kvmmu/ok.c kvmmu/kvmmu.h" >"$T/build/ok.d"
"$CHECK" "$T/build" "$ROOT" || { echo "a model/ object was judged"; exit 1; }

# No dependency files: a usage error, not a pass.
rc=0; "$CHECK" "$T/empty-$$" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "no .d files: exit $rc, not 2"; exit 1; }
echo ok
