# SPDX-License-Identifier: GPL-2.0-only
# traces/: trace formats, importers and the writer (see traces/FORMAT.md).
LIB_SRCS += traces/source.c traces/trace.c traces/native.c traces/lackey.c \
            traces/champsim.c traces/elf.c
TESTS    += tests/traces/test_native tests/traces/test_lackey \
            tests/traces/test_champsim tests/traces/test_bad_input \
            tests/traces/test_elf
BENCHES  += bench/trace_decode
FUZZERS  += fuzz/trace_native.c fuzz/trace_lackey.c fuzz/trace_champsim.c \
            fuzz/elf_reader.c
tests/traces/test_native_UNITS     := traces
tests/traces/test_lackey_UNITS     := traces
tests/traces/test_champsim_UNITS   := traces
tests/traces/test_bad_input_UNITS  := traces
tests/traces/test_elf_UNITS        := traces
