# SPDX-License-Identifier: GPL-2.0-only
# The Linux MMU build of Debian's linux-source-6.1 (make linux KVER=6.1):
# the same unmodified-files check against the 6.1 package, the thinnest
# scenario (touch-4k: one EPT violation per page, 512) and the seed case
# (6.1 marks the folio at zap time too: 262,144 marks in the collapse, the
# same counts as 6.12 and as kvmmu under mmu.dirty_mark=zap).
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
L=$TDPSIM_LINUX61
[ -x "$L" ] || { echo "no Linux 6.1 MMU build at $L (make linux KVER=6.1)"; exit 1; }
"$L" --version | grep -qx 'mmu: linux 6\.1\.[0-9]*, arch/x86/kvm/mmu, tree [0-9a-f]\{8\}' ||
	{ "$L" --version; exit 1; }

man=$(dirname "$(readlink -f "$L")")/tree-files.sha256
[ "$(wc -l <"$man")" -ge 10 ] || { cat "$man"; exit 1; }
members=$(sed 's|^[0-9a-f]*  |linux-source-6.1/|' "$man")
# shellcheck disable=SC2086
tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$T" $members
(cd "$T/linux-source-6.1" && sha256sum -c --quiet "$man") ||
	{ echo "a compiled tree file differs from the 6.1 package"; exit 1; }

"$L" run touch-4k --json "$T/t.json" >/dev/null
grep -q '"exits.ept_violation": 512,' "$T/t.json" && grep -q '"accesses": 1024,' "$T/t.json" ||
	{ grep -E '"(accesses|exits.ept_violation)"' "$T/t.json"; exit 1; }
"$L" run touch-4k --set cpu.vendor=amd --json "$T/a.json" >/dev/null
grep -q '"exits.npf": 512,' "$T/a.json" || { grep '"exits.npf"' "$T/a.json"; exit 1; }

"$L" run dirty-mark-1g --json "$T/d.json" >/dev/null
grep -q '"phase.collapse.folio.mark_dirty.zap": 262144,' "$T/d.json" ||
	{ grep collapse "$T/d.json"; exit 1; }
"$TDPSIM_LINUX" run dirty-mark-1g --json "$T/d12.json" >/dev/null
for s in folio.mark_dirty exits.ept_violation exits.pml_full tlb.flushes ipi.sent kvm.huge_splits; do
	a=$(grep "\"$s\":" "$T/d.json"); b=$(grep "\"$s\":" "$T/d12.json")
	[ "$a" = "$b" ] || { echo "6.1 $a, 6.12 $b"; exit 1; }
done
echo ok
