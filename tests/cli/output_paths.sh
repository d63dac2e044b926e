# SPDX-License-Identifier: GPL-2.0-only
# --json, --log and --emit-jobs write through a temporary file renamed into
# place only when the path is new or a regular file.  Anything else stays
# what it is: a FIFO is written into (before the fix the rename replaced it
# with a regular file and its reader waited forever), a symlink keeps
# pointing where it did and its target gets the output (the rename replaced
# the link by a file of its own; as root, the system's /dev/stdout link
# became a regular file), a folder is refused with exit 2.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# A FIFO, read by cat (bounded, in case the writer never comes).
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >"$T/fifo.out" &
reader=$!
"$TDPSIM" run touch-4k --json "$T/fifo" >/dev/null
wait $reader || { echo "the FIFO's reader got nothing"; exit 1; }
[ -p "$T/fifo" ] || { echo "the FIFO was replaced:"; ls -l "$T/fifo"; exit 1; }
grep -q '"accesses": 1024,' "$T/fifo.out" || { echo "no results through the FIFO"; exit 1; }

# Symlinks: --json, --log and a job list.
echo old >"$T/target.json"; ln -s target.json "$T/link.json"
echo old >"$T/target.log"; ln -s target.log "$T/link.log"
echo old >"$T/target.jobs"; ln -s target.jobs "$T/link.jobs"
"$TDPSIM" run touch-4k --json "$T/link.json" --log "$T/link.log" >/dev/null
"$TDPSIM" explore touch-4k --seeds 0..9 --chunk 5 --emit-jobs "$T/link.jobs" \
	--json-dir "$T/res" >/dev/null
for f in json log jobs; do
	[ -L "$T/link.$f" ] || { echo "link.$f is no longer a symlink"; ls -l "$T"; exit 1; }
	[ "$(readlink "$T/link.$f")" = "target.$f" ]
	! grep -qx old "$T/target.$f" || { echo "target.$f not written"; exit 1; }
done
grep -q '"accesses": 1024,' "$T/target.json"
[ "$(wc -l <"$T/target.jobs")" -eq 2 ]

# A link to /dev/stdout while stdout appends to a log: the JSON goes there,
# after what the log held, and the link stays.
ln -s /dev/stdout "$T/stdout"
echo before >"$T/all.log"
"$TDPSIM" run touch-4k --json "$T/stdout" >>"$T/all.log"
[ -L "$T/stdout" ] || { echo "the /dev/stdout link was replaced"; exit 1; }
[ "$(head -1 "$T/all.log")" = before ] || { echo "the log was replaced:"; head -3 "$T/all.log"; exit 1; }
grep -q '"accesses": 1024,' "$T/all.log"
grep -q '^touch-4k: accesses=1024 ' "$T/all.log"

# A regular file is still replaced whole, with no temporary file left.
echo old >"$T/plain.json"
"$TDPSIM" run touch-4k --json "$T/plain.json" >/dev/null
grep -q '"accesses": 1024,' "$T/plain.json"
! ls "$T" | grep -q '\.tmp\.' || { echo "a temporary file was left:"; ls "$T"; exit 1; }

# A folder: exit 2, one line, the folder untouched.
mkdir "$T/dir"
set +e
"$TDPSIM" run touch-4k --json "$T/dir" >/dev/null 2>"$T/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "dir: cannot write results (Is a directory)" "$T/err" ||
	{ echo "--json DIR: exit $rc"; cat "$T/err"; exit 1; }
[ -z "$(ls -A "$T/dir")" ]
