#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Finds the kernel tree whose arch/x86/kvm/mmu/ the Linux MMU build compiles,
# and prints make variables for it: LKSRC (the tree), LVER (VERSION.PATCHLEVEL.
# SUBLEVEL from its Makefile) and LHASH (8 hex digits of the SHA-256 of its
# MMU files, so a patched tree gets its own build folder).
#
# Usage: linux-tree.sh KSRC KVER
#   KSRC set: that tree (a kernel source folder).
#   else: Debian's linux-source-KVER (default 6.12): the package is installed
#   with apt-get if /usr/src/linux-source-KVER.tar.xz is missing, and only
#   the Makefile and arch/x86/kvm/mmu/ are unpacked, under
#   build/ksrc/linux-source-KVER/ (kept: later builds reuse it).
set -euo pipefail
ksrc=${1:-}
kver=${2:-6.12}

die() { echo "make linux: $*" >&2; exit 2; }

if [ -n "$ksrc" ]; then
	[ -d "$ksrc" ] || die "KSRC=$ksrc: no such folder"
	ksrc=$(cd "$ksrc" && pwd)
else
	case "$kver" in
	*[!0-9.]* | "") die "KVER=$kver: want a version such as 6.12 or 6.1" ;;
	esac
	dest=build/ksrc/linux-source-$kver
	if [ ! -f "$dest/.unpacked" ]; then
		tarball=/usr/src/linux-source-$kver.tar.xz
		if [ ! -f "$tarball" ]; then
			echo "make linux: installing Debian's linux-source-$kver (once)" >&2
			SUDO=""
			[ "$(id -u)" = 0 ] || SUDO=sudo
			if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
				--no-install-recommends "linux-source-$kver" >&2; then
				DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >&2
				DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
					--no-install-recommends "linux-source-$kver" >&2 ||
					die "cannot install linux-source-$kver with apt-get"
			fi
		fi
		[ -f "$tarball" ] || die "$tarball is missing after installing linux-source-$kver"
		echo "make linux: unpacking arch/x86/kvm/mmu of $tarball into $dest" >&2
		rm -rf "$dest"
		mkdir -p build/ksrc
		tar -xJf "$tarball" -C build/ksrc \
			"linux-source-$kver/Makefile" "linux-source-$kver/arch/x86/kvm/mmu"
		touch "$dest/.unpacked"
	fi
	ksrc=$(cd "$dest" && pwd)
fi

mmu="$ksrc/arch/x86/kvm/mmu"
[ -f "$ksrc/Makefile" ] || die "$ksrc: no Makefile (not a kernel tree?)"
for f in tdp_iter.c tdp_mmu.c spte.c mmu.c page_track.c; do
	[ -f "$mmu/$f" ] || die "$ksrc: arch/x86/kvm/mmu/$f is missing"
done
field() { sed -n "s/^$1 *= *\\([^ ]*\\).*/\\1/p" "$ksrc/Makefile" | head -1; }
ver="$(field VERSION).$(field PATCHLEVEL).$(field SUBLEVEL)$(field EXTRAVERSION)"
case "$ver" in
[0-9]*.[0-9]*.[0-9]*) ;;
*) die "$ksrc/Makefile: no VERSION/PATCHLEVEL/SUBLEVEL" ;;
esac
hash=$(cd "$mmu" && LC_ALL=C ls -1 -- *.c *.h | while read -r f; do
	printf '%s %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$f"; done | sha256sum | cut -c1-8)
printf 'LKSRC=%s LVER=%s LHASH=%s\n' "$ksrc" "$ver" "$hash"
