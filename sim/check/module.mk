LIB_SRCS += sim/check/check.c
