#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Usage: tree-manifest.sh TREE DEPFILE...
# Prints "SHA256  PATH" for every file of TREE that the compiler read for
# the Linux MMU build (the tree's .c files and the headers of its mmu/
# folder, from the -MMD dependency files), PATH relative to TREE: the proof
# of what was compiled, to hold against the package's own files.
set -eu
tree=$1; shift
cat "$@" | tr ' \\' '\n\n' | grep -F "$tree/" | sed 's/:$//' | sort -u |
while read -r f; do
	printf '%s  %s\n' "$(sha256sum <"$f" | cut -c1-64)" "${f#"$tree"/}"
done
