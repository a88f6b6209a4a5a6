/* ports.c - the archs an x86-64 holdup reads: its own, and i386 programs under a 64-bit kernel. */
#include "arch.h"
#include "arch_x86_64.h"
#include "../i386/arch_i386.h"

const struct arch_info *const arch_native = &arch_x86_64;

/* arch.c looks through these, NULL-terminated. */
const struct arch_info *const arch_ports[] = { &arch_x86_64, &arch_i386, NULL };
