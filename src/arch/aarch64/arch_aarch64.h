/* arch_aarch64.h - the aarch64 port's parts, for its own files and the port list (not for the rest of holdup). */
#ifndef HOLDUP_ARCH_AARCH64_H
#define HOLDUP_ARCH_AARCH64_H

#include "arch.h"

#define ARCH_AARCH64_NSYSCALLS	451	/* asm-generic/unistd.h of Linux 6.1: 0..450 */

extern const struct arch_info arch_aarch64;
extern const struct arch_syscall arch_aarch64_syscalls[ARCH_AARCH64_NSYSCALLS];
bool arch_aarch64_call_decode(const uint8_t code[ARCH_CALL_BYTES], uint64_t ra, uint64_t *target);
bool arch_aarch64_plt_slot(const uint8_t code[ARCH_PLT_BYTES], uint64_t addr, uint64_t *slot);

#endif
