# SPDX-License-Identifier: GPL-2.0-only
# What explore finds in Linux's own MMU code through the stats the model
# derives from the tree's kvm_tdp_mmu_spte_changed tracepoint.
#
# E17 (fault-downgrade): in 6.12 and 6.1 a fault whose SPTE is already
# present and allows the access still rewrites it; a read fault computed
# before a racing write fault turns the writable leaf read-only (fixed in
# 6.13, 386d69f9f29b).  The scenario expects kvm.pf_downgrade == 0, the
# value with the fix: explore finds a seed in 0..40 where the tree's code
# downgrades at least one leaf, and the replay line names the Linux build
# (tdpsim is kvmmu).
# E6 (fault-invalid-slot): both trees retry a fault on an INVALID memslot,
# so no present leaf is ever replaced by an MMIO SPTE over seeds 0..40.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

for L in "$TDPSIM_LINUX" "$TDPSIM_LINUX61"; do
	fix=()
	while read -r kv; do fix+=(--set "$kv"); done < <("$L" config --mmu | tail -n +2)
	set +e
	"$L" explore fault-downgrade --seeds 0..40 "${fix[@]}" >"$T/d.out" 2>&1; r=$?
	set -e
	[ $r -eq 1 ] || { echo "$L fault-downgrade: exit $r"; cat "$T/d.out"; exit 1; }
	got=$(sed -n 's/.*expected kvm.pf_downgrade == 0, got \([0-9]*\)$/\1/p' "$T/d.out")
	[ -n "$got" ] && [ "$got" -gt 0 ] || { echo "$L: no downgrade"; cat "$T/d.out"; exit 1; }
	self=$(readlink -f "$L")
	grep -q "^replay: $self run fault-downgrade " "$T/d.out" ||
		{ echo "$L: replay line does not name $self"; grep replay "$T/d.out"; exit 1; }

	"$L" explore fault-invalid-slot --seeds 0..40 "${fix[@]}" >"$T/s.out" 2>&1 ||
		{ echo "$L fault-invalid-slot:"; cat "$T/s.out"; exit 1; }
done
