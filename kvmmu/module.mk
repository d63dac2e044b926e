# SPDX-License-Identifier: GPL-2.0-only
# kvmmu: KVM's x86 TDP MMU (see kvmmu/kvmmu.h).
LIB_SRCS += kvmmu/spte.c kvmmu/tdp_iter.c kvmmu/tdp_mmu.c kvmmu/mmu.c \
            kvmmu/kvm_main.c kvmmu/kvm_vcpu.c kvmmu/x86.c kvmmu/vmx.c kvmmu/svm.c \
            kvmmu/dirty_log.c kvmmu/mmu_notifier.c kvmmu/memslot.c
TESTS    += tests/kvmmu/test_tdp_mmu
BENCHES  += bench/kvmmu_zap
# kvmmu under a mock env (no simulator): the registry reads its policies.
tests/kvmmu/test_tdp_mmu_UNITS := kvmmu sim/core
tests/kvmmu/test_tdp_mmu_OBJS  := tests/kvmmu/mock_env.o scenarios/params.o
$(O)/bench/kvmmu_zap: $(O)/tests/kvmmu/mock_env.o
-include $(O)/tests/kvmmu/mock_env.d
# Every allocation of a small VM's life failing in turn: kvmmu's callocs
# and reallocs are wrapped by the test (-Wl,--wrap).
TESTS    += tests/kvmmu/test_alloc_fail
tests/kvmmu/test_alloc_fail_UNITS := kvmmu sim/core
tests/kvmmu/test_alloc_fail_OBJS  := tests/kvmmu/mock_env.o scenarios/params.o
$(O)/tests/kvmmu/test_alloc_fail: private LDFLAGS += -Wl,--wrap=calloc -Wl,--wrap=realloc
