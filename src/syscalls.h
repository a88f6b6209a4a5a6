/* syscalls.h - syscall numbers to names and back, what kind of wait a syscall is, futex op names. */
#ifndef HOLDUP_SYSCALLS_H
#define HOLDUP_SYSCALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"

/* Lookups in arch a's table (the target's: snapshot.arch), so nothing else needs its numbering. */
/* "read", "futex"... or NULL for an unknown number. */
const char *syscalls_name(const struct arch_info *a, long nr);
/* The class column; ARCH_SYSCALL_OTHER for an unknown number. */
enum arch_syscall_class syscalls_classify(const struct arch_info *a, long nr);
/* The number of the syscall called name, -1 if a has none (tests use names). */
long syscalls_number(const struct arch_info *a, const char *name);
/* Whether nr is futex(2) itself, in either time layout (futex_time64, which 32-bit code calls
 * first, takes the same arguments); not futex_waitv. */
bool syscalls_is_futex(const struct arch_info *a, long nr);
/* Futex operations (op & FUTEX_CMD_MASK): "FUTEX_WAIT", "FUTEX_LOCK_PI"... or NULL. */
const char *syscalls_futex_op_name(uint64_t op);
/* True for the futex ops that block the caller (WAIT, WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI). */
bool syscalls_futex_op_waits(uint64_t op);

#endif
