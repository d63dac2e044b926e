#!/bin/sh
# Installs the Debian packages tdpsim needs, only those missing.
# Run as root on a fresh Debian 12 machine (or with sudo available).
set -e
PKGS="build-essential libelf-dev libcmocka-dev libjansson-dev libinih-dev
      libzstd-dev liblzma-dev zstd xz-utils gnuplot-nox valgrind clang
      libclang-rt-14-dev parallel"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
		echo "deps: missing packages:$missing; run 'make deps' as root" >&2
		exit 2
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends $missing
