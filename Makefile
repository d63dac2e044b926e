# SPDX-License-Identifier: GPL-2.0-only
# tdpsim — one non-recursive Makefile; each folder adds itself in module.mk.
#
#   make            build tdpsim (BUILD=opt)
#   make test       install missing packages, build and run every test suite
#   make check      -Wall -Wextra -Werror + ASan/UBSan build, the layering
#                   check (scripts/check-layers.sh), then the tests
#   make run        the main job on its built-in default
#   make bench      benchmark figures, one "bench NAME VALUE UNIT" line each,
#                   with its goal from README.md and whether it was met
#   make fuzz       libFuzzer harnesses for every parser, bounded time
#   make install    binary, man page, bash completion under PREFIX
#
# BUILD=opt|debug|asan picks the mode; objects go to build/$(BUILD).

BUILD  ?= opt
O      := build/$(BUILD)
CC     ?= cc

CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -I. -Wall -Wextra -Wshadow \
               -Wno-unused-parameter -MMD -MP -fno-strict-aliasing
ifeq ($(BUILD),opt)
  CFLAGS_MODE := -O2 -g
else ifeq ($(BUILD),debug)
  CFLAGS_MODE := -O0 -g3
else ifeq ($(BUILD),asan)
  CFLAGS_MODE := -O1 -g -fsanitize=address,undefined \
                 -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  LDFLAGS_MODE := -fsanitize=address,undefined
else
  $(error BUILD must be opt, debug or asan, not '$(BUILD)')
endif
ifeq ($(WERROR),1)
  CFLAGS_MODE += -Werror
endif
CFLAGS  := $(CFLAGS_BASE) $(CFLAGS_MODE) $(EXTRA_CFLAGS)
LDFLAGS := $(LDFLAGS_MODE)
LIBS    := -ljansson -linih -lzstd -llzma -lelf -lnettle -lm
TEST_LIBS := -lcmocka

# Filled in by the module fragments.
LIB_SRCS  :=
LIB_GEN_OBJS :=
CLI_SRCS  :=
TESTS     :=
BENCHES   :=
FUZZERS   :=

include sim/core/module.mk
-include sim/host/module.mk
-include sim/tlb/module.mk
-include sim/ept/module.mk
-include sim/npt/module.mk
-include sim/pml/module.mk
-include sim/cpu/module.mk
-include sim/check/module.mk
-include kvmmu/module.mk
-include traces/module.mk
-include workloads/module.mk
-include scenarios/module.mk
include cli/module.mk

LIB_OBJS := $(patsubst %,$(O)/%.o,$(basename $(LIB_SRCS))) $(LIB_GEN_OBJS)
CLI_OBJS := $(patsubst %,$(O)/%.o,$(basename $(CLI_SRCS)))
LIB      := $(O)/libtdpsim.a
TDPSIM   := $(O)/tdpsim
TEST_BINS  := $(addprefix $(O)/,$(TESTS))
include linuxmmu/module.mk
BENCH_BINS := $(addprefix $(O)/,$(BENCHES))

.DELETE_ON_ERROR:
# Keep test and bench objects: they are not intermediate files to delete.
.SECONDARY:
.PHONY: all deps test test-run check run bench bench-run fuzz clean install FORCE
.DEFAULT_GOAL := all

# ./tdpsim is a link to the optimized build so README commands work as
# written: made by the opt build (make, make run, make test), never
# repointed by BUILD=debug or asan.
ifeq ($(BUILD),opt)
all: $(TDPSIM) tdpsim
LINK_TDPSIM := tdpsim
else
all: $(TDPSIM)
LINK_TDPSIM :=
endif

tdpsim: $(TDPSIM)
	@ln -sfn $(TDPSIM) tdpsim

# Objects depend on the flags they were built with: a change of CFLAGS or
# EXTRA_CFLAGS rebuilds them ($(O)/cflags is rewritten only when they change).
$(O)/cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS) $(LDFLAGS)' >$@

# The git commit of the sources, for --version and every JSON result
# ("unknown" in a tree without .git, e.g. an unpacked tarball; "-dirty"
# when tracked files differ from it).  Rewritten only when it changes.
TDPSIM_COMMIT = $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) || c=unknown; \
	[ "$$c" = unknown ] || git diff-index --quiet HEAD -- 2>/dev/null || c=$$c-dirty; echo $$c)
$(O)/gen/commit.h: FORCE
	@mkdir -p $(@D)
	@printf '#define TDPSIM_COMMIT "%s"\n' '$(TDPSIM_COMMIT)' | cmp -s - $@ || \
		printf '#define TDPSIM_COMMIT "%s"\n' '$(TDPSIM_COMMIT)' >$@
$(O)/cli/version.o: $(O)/gen/commit.h
$(O)/cli/version.o: private CFLAGS += -I$(O)/gen
FORCE:

$(O)/%.o: %.c $(O)/cflags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@
$(O)/%.o: %.S $(O)/cflags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(TDPSIM): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LIBS)

# A test is tests/<dir>/<name>.c linked with cmocka and only what its
# module.mk names: <test>_UNITS, folders whose library objects it takes
# whole (the unit under test and the units below it that it needs), and
# <test>_OBJS, single objects (the parameter registry, a mock, a command).
# A test that starts to need another unit fails to link until it says so.
test_objs = $(filter $(foreach u,$($(1)_UNITS),$(O)/$(u)/%),$(LIB_OBJS)) \
            $(addprefix $(O)/,$($(1)_OBJS))
define test_link
$(O)/$(1): $(O)/$(1).o $(call test_objs,$(1))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS) $$(TEST_LIBS)
endef
$(foreach t,$(TESTS),$(eval $(call test_link,$(t))))
# A benchmark links the library (and the objects its module.mk adds).
$(O)/bench/%: $(O)/bench/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LIBS)

deps:
	@scripts/deps.sh

# The tests run on kvmmu and on Linux's own MMU (Debian's 6.12 and 6.1).
test: deps
	@$(MAKE) --no-print-directory linux KVER=6.12
	@$(MAKE) --no-print-directory linux KVER=6.1
	@$(MAKE) --no-print-directory test-run

# The layering of README.md, judged on the dependency files of this build.
test-run: $(TEST_BINS) $(TDPSIM) $(LINK_TDPSIM)
	@scripts/check-layers.sh $(O)
	@scripts/run-tests.sh $(O) $(TESTS)

check: deps
	@$(MAKE) --no-print-directory BUILD=asan WERROR=1 linux KVER=6.12
	@$(MAKE) --no-print-directory BUILD=asan WERROR=1 linux KVER=6.1
	@$(MAKE) --no-print-directory BUILD=asan WERROR=1 test-run

run: deps
	@$(MAKE) --no-print-directory $(TDPSIM) $(LINK_TDPSIM)
	@scripts/run-default.sh $(TDPSIM)

bench: deps
	@$(MAKE) --no-print-directory linux KVER=6.12
	@$(MAKE) --no-print-directory bench-run

# Each figure is printed with its goal from README.md and whether it was met.
bench-run: $(BENCH_BINS) $(TDPSIM)
	@{ ( for b in $(BENCH_BINS); do $$b || exit 1; done; \
	     scripts/bench-instr.sh $(O)/bench/replay && \
	     scripts/bench-explore.sh $(TDPSIM) && \
	     scripts/bench-linux.sh $(TDPSIM) $(O)/tdpsim-linux-6.12 ); \
	   echo "bench-exit $$?"; } | scripts/bench-goals.sh README.md

fuzz: deps
	@scripts/fuzz.sh $(FUZZERS)

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, its man page
# (help2man, from --help) and its bash completion.
PREFIX ?= /usr/local
install: $(TDPSIM)
	@scripts/install.sh $(TDPSIM) $(DESTDIR)$(PREFIX)

clean:
	rm -rf build tdpsim

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_BINS:=.d) $(BENCH_BINS:=.d)
