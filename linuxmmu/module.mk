# SPDX-License-Identifier: GPL-2.0-only
# linuxmmu: a kernel tree's arch/x86/kvm/mmu/ as tdpsim's MMU (make linux).
#
# `make linux [KSRC=DIR | KVER=6.12]` finds the tree (scripts/linux-tree.sh)
# and builds build/linux-VERSION-HASH/tdpsim: the same command, simulator and
# scenarios as build/opt/tdpsim, with the tree's tdp_iter.c, tdp_mmu.c,
# spte.c, mmu.c and page_track.c compiled as they are (kernel flags,
# -nostdinc, tdpsim's kernel headers in linuxmmu/include) in place of kvmmu's
# MMU, and linuxmmu/*.c as the rest of KVM around them.

LINUX_TREE_FILES := tdp_iter tdp_mmu spte mmu page_track
LINUX_GLUE       := kshim kvm_main x86 vmx svm policy
KVER ?= 6.12

.PHONY: linux linux-build linux-report FORCE
linux: deps
	@$(MAKE) --no-print-directory $(TDPSIM)
	@mkdir -p build
	@scripts/linux-tree.sh "$(KSRC)" "$(KVER)" >build/linux-tree.mk.tmp
	@mv build/linux-tree.mk.tmp build/linux-tree.mk
	@$(MAKE) --no-print-directory linux-build $$(cat build/linux-tree.mk) \
		LINK_AS=$(if $(KSRC),,$(O)/tdpsim-linux-$(KVER))

# The seed case across both MMUs, one report: kvmmu under dirty_mark=zap and
# map (compare) and Linux 6.12's own code, in out/dirty-mark-1g-linux/.
linux-report: linux
	@rm -rf out/dirty-mark-1g-linux.runs
	@$(TDPSIM) compare dirty-mark-1g --vary mmu.dirty_mark=zap,map \
		--report out/dirty-mark-1g-linux.runs >/dev/null
	@$(O)/tdpsim-linux-$(KVER) run dirty-mark-1g \
		--json out/dirty-mark-1g-linux.runs/runs/03-linux-$(KVER).json >/dev/null
	@$(TDPSIM) report out/dirty-mark-1g-linux.runs/runs --out out/dirty-mark-1g-linux

ifneq ($(LKSRC),)
LO        := build/linux-$(LVER)-$(LHASH)$(if $(filter-out opt,$(BUILD)),-$(BUILD))
LMMU      := $(LKSRC)/arch/x86/kvm/mmu
GCC_INC   := $(shell $(CC) -print-file-name=include)
# The tree's version as a number, as the kernel's KERNEL_VERSION(a,b,c) makes
# it: (VERSION << 16) | (PATCHLEVEL << 8) | min(SUBLEVEL, 255).
LVERNUM   := $(subst ., ,$(firstword $(subst -, ,$(LVER))))
LVERCODE  := $(shell echo $$(( ($(word 1,$(LVERNUM)) << 16) | ($(word 2,$(LVERNUM)) << 8) | \
                               ($(word 3,$(LVERNUM)) > 255 ? 255 : $(word 3,$(LVERNUM))) )))
# The kernel's way: no libc headers, the compiler's own, GNU C, no strict
# aliasing, no common symbols; warnings of the tree's code are the tree's.
KFLAGS    := -std=gnu11 -nostdinc -isystem $(GCC_INC) -ffreestanding \
             -fno-strict-aliasing -fno-common -fno-delete-null-pointer-checks \
             -O2 -g -MMD -MP -Ilinuxmmu/include $(CFLAGS_MODE:-Werror=) \
             -Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
             -Werror=int-conversion -Werror=implicit-int \
             -DLKVM_TREE_VERSION='"$(LVER)"' -DLKVM_TREE_HASH='"$(LHASH)"' \
             -DLKVM_TREE_VERSION_CODE=$(LVERCODE)
# tdpsim's own kernel-world code: the same flags, all warnings, -Werror.
KGLUEFLAGS := $(KFLAGS) -I. -Wall -Wextra -Wno-unused-parameter -Werror \
              -Wno-sign-compare -Wno-missing-field-initializers
LINUX_TREE_OBJS := $(patsubst %,$(LO)/tree/%.o,$(LINUX_TREE_FILES))
# The model's sources shared with kvmmu (kvmmu/kvm_model.h), compiled here
# in the kernel's world.
LINUX_MODEL      := dirty_log kvm_vcpu x86 mmu_notifier memslot vmx svm
LINUX_GLUE_OBJS := $(patsubst %,$(LO)/glue/%.o,$(LINUX_GLUE)) $(LO)/glue/host.o \
                   $(patsubst %,$(LO)/model/%.o,$(LINUX_MODEL))
# Everything of the simulator but kvmmu's MMU and rest-of-KVM.
LINUX_LIB_OBJS  := $(filter-out $(O)/kvmmu/%,$(LIB_OBJS))

# Debian's trees also get a fixed name beside the kvmmu binary (the tests
# use $(O)/tdpsim-linux-6.12 and -6.1).
linux-build: $(LO)/tdpsim
	@if [ -n "$(LINK_AS)" ]; then ln -sfn $(abspath $(LO)/tdpsim) $(LINK_AS); fi
	@echo "make linux: $(LO)/tdpsim (linux $(LVER), arch/x86/kvm/mmu of $(LKSRC), tree $(LHASH))"

# The tree is compiled through $(LO)/src/arch/x86/kvm/mmu, a link to its
# mmu/ folder: the dependency files then name paths that stay valid for
# every copy of the same tree (the folder is the tree's hash), and __FILE__
# still reads arch/x86/kvm/mmu/FILE.
$(LO)/src/arch/x86/kvm/mmu/%.c: | $(LO)/src/.linked
	@test -f $@
$(LO)/src/.linked: FORCE
	@mkdir -p $(LO)/src/arch/x86/kvm
	@ln -sfn $(LMMU) $(LO)/src/arch/x86/kvm/mmu
	@touch -c $@ 2>/dev/null || true; [ -e $@ ] || touch $@
$(LO)/tree/%.o: $(LO)/src/arch/x86/kvm/mmu/%.c
	@mkdir -p $(@D)
	$(CC) $(KFLAGS) -Wall -Wno-unused -c $< -o $@

$(LO)/glue/host.o: linuxmmu/host.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Werror -c $< -o $@
$(LO)/glue/policy.o: linuxmmu/policy.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Werror -DLKVM_TREE_VERSION='"$(LVER)"' -DLKVM_TREE_HASH='"$(LHASH)"' \
		-DLKVM_TREE_VERSION_CODE=$(LVERCODE) -c $< -o $@
$(LO)/model/%.o: kvmmu/%.c
	@mkdir -p $(@D)
	$(CC) $(KGLUEFLAGS) -DKVM_WORLD='"linuxmmu/lkvm.h"' -c $< -o $@
$(LO)/glue/%.o: linuxmmu/%.c
	@mkdir -p $(@D)
	$(CC) $(KGLUEFLAGS) -c $< -o $@

# Kernel functions the tree's files call and nothing here defines: each
# becomes a function that stops the run naming it (LINUX_MMU.md rule 4).
# Kernel data the tree uses is defined in linuxmmu/*.c, never trapped.
$(LO)/traps.c: $(LINUX_TREE_OBJS) $(LINUX_GLUE_OBJS) linuxmmu/gen-traps.sh
	linuxmmu/gen-traps.sh $(LINUX_TREE_OBJS) -- $(LINUX_GLUE_OBJS) $(LINUX_LIB_OBJS) >$@.tmp
	@mv $@.tmp $@
$(LO)/traps.o: $(LO)/traps.c
	$(CC) $(KGLUEFLAGS) -c $< -o $@

# --wrap: the model counts the NX recovery pass's zaps on their way into the
# tree's kvm_tdp_mmu_zap_sp (linuxmmu/kvm_main.c).
$(LO)/tdpsim: $(CLI_OBJS) $(LINUX_LIB_OBJS) $(LINUX_TREE_OBJS) $(LINUX_GLUE_OBJS) $(LO)/traps.o
	$(CC) $(LDFLAGS) -Wl,--wrap=kvm_tdp_mmu_zap_sp -o $@ $(CLI_OBJS) $(LINUX_TREE_OBJS) $(LINUX_GLUE_OBJS) \
		$(LO)/traps.o $(LINUX_LIB_OBJS) $(LIBS)
	@linuxmmu/tree-manifest.sh $(LO)/src $(LINUX_TREE_OBJS:.o=.d) >$(LO)/tree-files.sha256

-include $(LINUX_TREE_OBJS:.o=.d) $(LINUX_GLUE_OBJS:.o=.d)
endif
