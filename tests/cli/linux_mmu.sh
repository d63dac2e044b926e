# SPDX-License-Identifier: GPL-2.0-only
# The Linux MMU build of Debian's linux-source-6.12 (make linux): it names
# the MMU that runs, compiled the tree's files unmodified (their SHA-256
# against the files inside the package's tarball), runs the tree's own
# code on the seed case, and refuses historical knobs the tree decides.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
L=$TDPSIM_LINUX
[ -x "$L" ] || { echo "no Linux MMU build at $L (make linux)"; exit 1; }

# --- names: --version, config --mmu, every JSON result.
"$L" --version | grep -qx 'mmu: linux 6\.12\.[0-9]*, arch/x86/kvm/mmu, tree [0-9a-f]\{8\}' ||
	{ "$L" --version; exit 1; }
"$TDPSIM" --version | grep -qx 'mmu: kvmmu' || { "$TDPSIM" --version; exit 1; }
"$L" config --mmu | grep -qx 'mmu.dirty_mark=zap' || { "$L" config --mmu; exit 1; }
[ "$("$TDPSIM" config --mmu)" = "mmu: kvmmu" ] || exit 1

# --- unmodified: every tree file the compiler read (the manifest is made
# from the -MMD dependency files) is byte for byte the package's.
dir=$(dirname "$(readlink -f "$L")")
man=$dir/tree-files.sha256
[ "$(wc -l <"$man")" -ge 12 ] || { echo "manifest too short:"; cat "$man"; exit 1; }
for f in tdp_iter.c tdp_mmu.c spte.c mmu.c page_track.c mmu_internal.h spte.h tdp_mmu.h; do
	grep -q " arch/x86/kvm/mmu/$f\$" "$man" || { echo "$f not in the manifest"; exit 1; }
done
tarball=/usr/src/linux-source-6.12.tar.xz
members=$(sed 's|^[0-9a-f]*  |linux-source-6.12/|' "$man")
# shellcheck disable=SC2086
tar -xJf "$tarball" -C "$T" $members
(cd "$T/linux-source-6.12" && sha256sum -c --quiet "$man") ||
	{ echo "a compiled tree file differs from $tarball"; exit 1; }

# --- the seed case on the tree's code: 6.12 marks the folio dirty when the
# collapse zaps each of the 262,144 dirty 4K SPTEs, like kvmmu under
# mmu.dirty_mark=zap (aa85986e7150 moved it to map time in 6.13).
"$L" run dirty-mark-1g --json "$T/l.json" >"$T/l.out"
grep -q '"mmu": "linux 6.12' "$T/l.json" || { head -4 "$T/l.json"; exit 1; }
grep -q '"phase.collapse.folio.mark_dirty.zap": 262144,' "$T/l.json" ||
	{ grep 'phase.collapse' "$T/l.json"; exit 1; }
grep -q '"kvm.huge_splits": 513,' "$T/l.json" || { grep huge_splits "$T/l.json"; exit 1; }
"$TDPSIM" run dirty-mark-1g --set mmu.dirty_mark=zap --json "$T/k.json" >/dev/null
for s in phase.collapse.folio.mark_dirty.zap folio.mark_dirty exits.ept_violation \
	exits.pml_full tlb.flushes ipi.sent accesses; do
	a=$(grep "\"$s\":" "$T/k.json"); b=$(grep "\"$s\":" "$T/l.json")
	[ "$a" = "$b" ] || { echo "kvmmu/zap $a, linux $b"; exit 1; }
done

# --- historical knobs are the tree's code here: exit 2, naming key and tree.
# refused KEY=VALUE MESSAGE: the Linux build rejects the setting, saying so.
refused() {
	set +e
	"$L" run touch-4k --set "$1" >"$T/o" 2>&1; local rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "$1: exit $rc, want 2"; cat "$T/o"; exit 1; }
	grep -q "$2" "$T/o" || { cat "$T/o"; exit 1; }
}
refused mmu.dirty_mark=map "mmu.dirty_mark: chooses a historical KVM behaviour.*linux 6.12.*does zap"
refused mmu.fault_huge=zap "mmu.fault_huge: chooses a historical KVM behaviour.*linux 6.12.*does split"
# ... while real configuration is honoured (enable_pml off: write-protection).
"$L" run touch-4k --set mmu.dirty_log=wp --set vmx.vpid=off >/dev/null
echo ok
