/* ports.c - the archs an aarch64 holdup reads: its own (32-bit arm programs are refused). */
#include "arch.h"
#include "arch_aarch64.h"

const struct arch_info *const arch_native = &arch_aarch64;

/* arch.c looks through these, NULL-terminated. */
const struct arch_info *const arch_ports[] = { &arch_aarch64, NULL };
