/* arch_int.h - what arch.c gives the ports (not the rest of holdup): the core-file prstatus wrapper of this build's kernel. */
#ifndef HOLDUP_ARCH_INT_H
#define HOLDUP_ARCH_INT_H

#include "arch.h"

/* The register part (pr_reg) of one NT_PRSTATUS desc as this build's kernel and gdb's gcore write
 * it (struct elf_prstatus), with its TID and signal. Returns 0, or -1 if len is not its size. */
int arch_prstatus_unwrap(const void *desc, size_t len, pid_t *tid, int *cursig, const void **greg, size_t *glen);
/* Writes that struct around the register set greg (glen bytes, at most pr_reg's size) into desc
 * (cap bytes). Returns the desc's size, or 0 if cap is short. */
size_t arch_prstatus_wrap(pid_t tid, int cursig, const void *greg, size_t glen, void *desc, size_t cap);

#endif
