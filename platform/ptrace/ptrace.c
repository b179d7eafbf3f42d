/* Placeholder until the ptrace platform lands. */
#include "platform/platform.h"
const struct platform_ops platform_ptrace_ops = {.name = "ptrace"};
