#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Checks the include edges between the folders of the library against the
# layering of README.md ("Architecture"), from the compiler's own
# dependency files: every BUILD_DIR/**/*.d that -MMD wrote next to an object.
# The first rule of a .d file names the object, its source and every header
# the preprocessor opened for it (quoted and angle includes, .def files
# included by headers, computed includes); system headers are absolute
# paths and are libc's.  An object belongs to the folder of its source.
#
# The rules (a path is relative to the source root; "folder/" means every
# file below it):
#   kvmmu/           includes kvmmu/ and system headers only.  This is the
#                    kvmmu world: the objects of BUILD_DIR/kvmmu/.  The same
#                    sources compiled for `make linux` (-DKVM_WORLD, objects
#                    in build/linux-*/model/) include linuxmmu/lkvm.h on
#                    purpose and are not judged: pass a Linux build's
#                    directory and its model/ objects are skipped.
#   sim/core/        includes sim/core/ only.
#   sim/tlb/, sim/ept/, sim/npt/, sim/pml/
#                    include nothing from kvmmu/, scenarios/ or cli/.
#   traces/, workloads/
#                    include nothing from kvmmu/ or sim/cpu/.
#   sim/, kvmmu/, traces/, workloads/, scenarios/ (everything below cli/)
#                    include nothing from cli/.
# Tests, benchmarks, fuzzers and tools are not layers and are not judged.
#
# Usage: check-layers.sh BUILD_DIR [SOURCE_ROOT]
#   SOURCE_ROOT (default: the current directory) is stripped from absolute
#   paths, for objects compiled elsewhere with -I SOURCE_ROOT.
# Prints one line per forbidden edge, "layering: SOURCE includes HEADER
# (RULE)", and exits 1 if there is one; 2 if BUILD_DIR holds no .d file.
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: check-layers.sh BUILD_DIR [SOURCE_ROOT]" >&2
	exit 2
fi
build=$1
root=$(cd "${2:-.}" && pwd) || exit 2
mapfile -t dfiles < <(find "$build" -name '*.d' -not -path '*/model/*' 2>/dev/null | sort)
if [ ${#dfiles[@]} -eq 0 ]; then
	echo "check-layers.sh: no dependency files (*.d) in $build: build it first" >&2
	exit 2
fi
awk -v root="$root/" '
# The first rule, "OBJ: SRC DEP... \" up to its last continued line.
FNR == 1 { in_rule = 1; n = 0 }
in_rule {
	line = $0
	cont = sub(/\\$/, "", line)
	if (FNR == 1)
		sub(/^[^:]*:/, "", line)
	k = split(line, w, /[ \t]+/)
	for (i = 1; i <= k; i++)
		if (w[i] != "")
			dep[++n] = w[i]
	if (!cont) {
		in_rule = 0
		judge(FILENAME)
	}
}
function rel(p) {
	if (index(p, root) == 1)
		return substr(p, length(root) + 1)
	return p
}
function under(p, dir) { return index(p, dir) == 1 }
function bad(src, hdr, rule) {
	printf "layering: %s includes %s (%s)\n", src, hdr, rule
	nbad++
}
function judge(dfile,    src, i, h) {
	if (n == 0)
		return
	src = rel(dep[1])
	for (i = 2; i <= n; i++) {
		h = rel(dep[i])
		if (h ~ /^\//)
			continue	# a system header
		if (under(src, "kvmmu/") && !under(h, "kvmmu/"))
			bad(src, h, "kvmmu/ includes only kvmmu/ and libc")
		else if (under(src, "sim/core/") && !under(h, "sim/core/"))
			bad(src, h, "sim/core/ includes no other folder")
		else if ((under(src, "sim/tlb/") || under(src, "sim/ept/") ||
			  under(src, "sim/npt/") || under(src, "sim/pml/")) &&
			 (under(h, "kvmmu/") || under(h, "scenarios/") || under(h, "cli/")))
			bad(src, h, "sim/tlb, sim/ept, sim/npt, sim/pml include nothing from kvmmu/, scenarios/, cli/")
		else if ((under(src, "traces/") || under(src, "workloads/")) &&
			 (under(h, "kvmmu/") || under(h, "sim/cpu/")))
			bad(src, h, "traces/ and workloads/ include nothing from kvmmu/ or sim/cpu/")
		else if ((under(src, "sim/") || under(src, "kvmmu/") || under(src, "traces/") ||
			  under(src, "workloads/") || under(src, "scenarios/")) && under(h, "cli/"))
			bad(src, h, "nothing below cli/ includes cli/")
	}
	judged++
}
END {
	if (nbad)
		printf "layering: %d forbidden include(s) in %d object(s) checked\n", nbad, judged
	exit nbad ? 1 : 0
}
' "${dfiles[@]}"
