# SPDX-License-Identifier: GPL-2.0-only
# make deps waits while another apt or dpkg holds the package lock, instead
# of failing at once (make check failed once that way).  A stand-in apt-get
# fails as apt does ("E: Could not get lock ...", status 100) while a marker
# file exists, removed 2 s later; scripts/deps.sh must wait, then run update
# and install the missing package.  Before the fix deps.sh failed at the
# first refusal (and knew no DEPS_* settings: it asked the real apt-get).
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
if [ "$(id -u)" != 0 ]; then echo "skipped: deps.sh would ask sudo"; exit 0; fi
cat >"$T/apt-get" <<APT
#!/bin/sh
if [ -e "$T/locked" ]; then
	echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
	exit 100
fi
echo "\$*" >>"$T/calls"
APT
chmod +x "$T/apt-get"
touch "$T/locked"
(sleep 2; rm -f "$T/locked") &
DEPS_PKGS=tdpsim-no-such-package DEPS_APT="$T/apt-get" DEPS_LOCK_POLL=0.2 \
	sh scripts/deps.sh >"$T/out" 2>"$T/err" ||
	{ echo "deps.sh failed while the lock was held:"; cat "$T/out" "$T/err"; exit 1; }
grep -q "waiting" "$T/err" || { echo "no word of the wait:"; cat "$T/err"; exit 1; }
grep -q -- "update -qq" "$T/calls" && grep -q -- "install -y --no-install-recommends tdpsim-no-such-package" "$T/calls" ||
	{ echo "apt-get calls:"; cat "$T/calls"; exit 1; }
grep -q "DPkg::Lock::Timeout=600" "$T/calls"
# Another failure is not waited for.
cat >"$T/apt-get" <<'APT'
#!/bin/sh
echo "E: Unable to locate package tdpsim-no-such-package" >&2
exit 100
APT
set +e
DEPS_PKGS=tdpsim-no-such-package DEPS_APT="$T/apt-get" DEPS_LOCK_POLL=0.2 \
	timeout 20 sh scripts/deps.sh >"$T/out" 2>"$T/err"; rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "Unable to locate" "$T/err" ||
	{ echo "exit $rc for another failure"; cat "$T/err"; exit 1; }
