CLI_SRCS += cli/main.c
