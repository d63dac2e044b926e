LIB_SRCS += scenarios/scenario.c scenarios/selftest.c
