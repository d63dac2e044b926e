#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make install: the binary, its man page (help2man, from --help and
# --version) and its bash completion under PREFIX (DESTDIR prepended).
# Usage: install.sh TDPSIM PREFIX
set -eu
bin=$1 prefix=$2
command -v help2man >/dev/null 2>&1 ||
	{ echo "install: help2man is missing (make deps installs it)" >&2; exit 2; }
install -D -m 755 "$bin" "$prefix/bin/tdpsim"
man=$(mktemp); trap 'rm -f "$man"' EXIT
help2man --no-info --section=1 \
	--name="cycle-level simulator of x86 two-dimensional address translation and a KVM TDP MMU" \
	--version-string="$("$bin" --version | head -1 | cut -d' ' -f2)" \
	"$bin" >"$man"
install -D -m 644 "$man" "$prefix/share/man/man1/tdpsim.1"
install -D -m 644 "$(dirname "$0")/tdpsim-completion.bash" \
	"$prefix/share/bash-completion/completions/tdpsim"
echo "install: $prefix/bin/tdpsim, $prefix/share/man/man1/tdpsim.1," \
	"$prefix/share/bash-completion/completions/tdpsim"
