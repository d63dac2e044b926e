# SPDX-License-Identifier: GPL-2.0-only
# Issue 15 item 12: make bench prints beside each figure its goal from
# README.md and whether this run met it (scripts/bench-goals.sh, which
# make bench-run pipes its figures through).  Fed figures on both sides of
# README's goals: replay.tlb_hit >= 100 M acc/s, replay.vs_decode <= 2,
# kvmmu.zap_64g <= 30 ns/spte; and the benchmark programs' own lines.
set -eu
# Under make test or make check the parent's MAKEFLAGS (BUILD=asan, -j,
# its jobserver) must not reach the makes run here.
unset MAKEFLAGS MFLAGS MAKELEVEL
out=$(printf '%s\n' 'bench replay.tlb_hit 159000000 acc/s' \
	'bench replay.tlb_hit 99999999 acc/s' 'bench replay.vs_decode 2.00 ratio' \
	'bench replay.vs_decode 2.01 ratio' 'bench kvmmu.zap_64g 31.00 ns/spte' \
	'bench replay.decode 123 rec/s' 'a line of another form' \
	'bench replay.walk_2d_psc 12000000 acc/s goal >= 11000000' \
	'bench some.ratio 0.50 ratio goal < 1.00' 'bench some.ratio 1.00 ratio goal < 1.00' \
	'bench some.figure 7 s goal none' 'bench-exit 0' |
	scripts/bench-goals.sh README.md)
# The programs' own form (bench/bench.h) too: README's goal first
# (replay.walk_2d_psc >= 12 M acc/s, not the 11 M printed), else the
# printed one.
[ "$out" = "bench replay.tlb_hit 159000000 acc/s  [goal ≥ 100 M acc/s: met]
bench replay.tlb_hit 99999999 acc/s  [goal ≥ 100 M acc/s: NOT met]
bench replay.vs_decode 2.00 ratio  [goal ≤ 2: met]
bench replay.vs_decode 2.01 ratio  [goal ≤ 2: NOT met]
bench kvmmu.zap_64g 31.00 ns/spte  [goal ≤ 30 ns/spte: NOT met]
bench replay.decode 123 rec/s  [no goal]
a line of another form
bench replay.walk_2d_psc 12000000 acc/s  [goal ≥ 12 M acc/s: met]
bench some.ratio 0.50 ratio  [goal < 1.00: met]
bench some.ratio 1.00 ratio  [goal < 1.00: NOT met]
bench some.figure 7 s  [no goal]
bench goals: 4 of 8 met" ] || { printf '%s\n' "$out"; exit 1; }
# A benchmark that failed fails the pipe.
set +e
printf 'bench-exit 1\n' | scripts/bench-goals.sh README.md >/dev/null; rc=$?
set -e
[ $rc -eq 1 ]
# make bench-run pipes every figure through it.
make -n bench-run | grep -q '| scripts/bench-goals.sh README.md'
echo ok
