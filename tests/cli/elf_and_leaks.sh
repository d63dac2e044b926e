# SPDX-License-Identifier: GPL-2.0-only
# --elf: a program cut short, or with the wrong class byte, is bad input
# (exit 2 naming the file); it used to read as "no segments" and the replay
# ran with nothing mapped, exit 0.  /bin/true's 13 program headers of 56
# bytes start at byte 64 (readelf -h), so a 100-byte prefix cuts them
# (libelf then counted no program headers: "no segments").
# And the output-folder errors of report and compare are exit 2 with one
# line: outdir_open() leaked its names on those paths, so under ASan (make
# check) LeakSanitizer turned the exit 2 into exit 1.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
expect2() {
	local want=$1; shift
	set +e
	"$TDPSIM" "$@" >"$T/out" 2>"$T/err"; rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "exit $rc (want 2) for: $*"; cat "$T/out" "$T/err"; exit 1; }
	grep -qF -- "$want" "$T/err" || { echo "no '$want' in:"; cat "$T/err"; exit 1; }
	[ "$(wc -l <"$T/err")" -eq 1 ] || { echo "not one line:"; cat "$T/err"; exit 1; }
}
"$TDPSIM" trace gen --pattern seq --ws 64K --count 100 -o "$T/s.trc" >/dev/null
head -c 100 /bin/true >"$T/cut.elf"
expect2 "$T/cut.elf: truncated" replay "$T/s.trc" --elf "$T/cut.elf" --set guest.paging=4level
cp /bin/true "$T/cls.elf"
printf '\001' | dd of="$T/cls.elf" bs=1 seek=4 conv=notrunc 2>/dev/null
expect2 "$T/cls.elf: no program headers (read as ELFCLASS32)" replay "$T/s.trc" --elf "$T/cls.elf" --set guest.paging=4level
"$TDPSIM" replay "$T/s.trc" --elf /bin/true --set guest.paging=4level | grep -q " accesses=100 "

"$TDPSIM" run touch-4k --json "$T/a.json" >/dev/null
echo x >"$T/file"
expect2 "$T/file: exists and is not a folder" report "$T/a.json" --out "$T/file"
expect2 "$T/file/sub/x: cannot create its parent folder" report "$T/a.json" --out "$T/file/sub/x"
expect2 "$T/file: exists and is not a folder" compare touch-4k --vary cpu.vendor=intel,amd --report "$T/file"
[ "$(cat "$T/file")" = x ]
