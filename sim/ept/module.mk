# sim/ept: the EPT format and the shared two-dimensional walker.
LIB_SRCS += sim/ept/ept.c sim/ept/walk.c
TESTS    += tests/sim/ept/test_walk
BENCHES  += bench/walk
