#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Installs the Debian packages tdpsim needs, only those missing.
# Run as root on a fresh Debian 12 machine (or with sudo available).
#
# Another apt or dpkg (unattended-upgrades, a second make) may hold the
# package lock: apt-get then waits for it (DEPS_LOCK_WAIT seconds, default
# 600) instead of failing at once, as 'make check' once did.
# For tests: DEPS_PKGS replaces the package list, DEPS_APT the apt-get
# command, DEPS_LOCK_POLL the seconds between tries.
set -e
PKGS=${DEPS_PKGS:-"build-essential libelf-dev libcmocka-dev libjansson-dev libinih-dev
      libzstd-dev liblzma-dev nettle-dev zstd xz-utils gnuplot-nox valgrind clang
      libclang-rt-14-dev parallel help2man"}
APT=${DEPS_APT:-apt-get}
WAIT=${DEPS_LOCK_WAIT:-600}
POLL=${DEPS_LOCK_POLL:-5}
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

# apt_wait ARGS...: apt-get ARGS, tried again while the failure is another
# process's lock (DPkg::Lock::Timeout covers dpkg's lock in apt-get install;
# the lists lock of apt-get update is waited for here), up to $WAIT seconds.
apt_wait() {
	deadline=$(( $(date +%s) + WAIT ))
	said=""
	while :; do
		if $SUDO $APT -o DPkg::Lock::Timeout="$WAIT" "$@" 2>"${TMPDIR:-/tmp}/deps.err.$$"; then
			rm -f "${TMPDIR:-/tmp}/deps.err.$$"
			return 0
		fi
		if ! grep -qE "Could not get lock|Unable to acquire|Unable to lock" \
			"${TMPDIR:-/tmp}/deps.err.$$" || [ "$(date +%s)" -ge "$deadline" ]; then
			cat "${TMPDIR:-/tmp}/deps.err.$$" >&2
			rm -f "${TMPDIR:-/tmp}/deps.err.$$"
			return 1
		fi
		[ -n "$said" ] || echo "deps: another apt or dpkg holds the package lock; waiting (up to ${WAIT}s)" >&2
		said=1
		sleep "$POLL"
	done
}
apt_wait update -qq
# shellcheck disable=SC2086  # one word per package
apt_wait install -y --no-install-recommends $missing
