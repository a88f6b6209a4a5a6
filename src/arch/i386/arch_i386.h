/* arch_i386.h - the i386 port's parts, for its own files and a port list that reads i386 programs. */
#ifndef HOLDUP_ARCH_I386_H
#define HOLDUP_ARCH_I386_H

#include "arch.h"

#define ARCH_I386_NSYSCALLS	451	/* asm/unistd_32.h of Linux 6.1: 0..450 */

extern const struct arch_info arch_i386;
extern const struct arch_syscall arch_i386_syscalls[ARCH_I386_NSYSCALLS];
bool arch_i386_call_decode(const uint8_t code[ARCH_CALL_BYTES], uint64_t ra, uint64_t *target);
bool arch_i386_plt_slot(const uint8_t code[ARCH_PLT_BYTES], uint64_t addr, uint64_t *slot);

#endif
