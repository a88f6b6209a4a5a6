/* syscalls.h - syscall numbers to names and back, what kind of wait a syscall is, futex op names. */
#ifndef HOLDUP_SYSCALLS_H
#define HOLDUP_SYSCALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"

/* Lookups in this architecture's table (arch_syscalls), so nothing else needs its numbering. */
/* "read", "futex"... or NULL for an unknown number. */
const char *syscalls_name(long nr);
/* The class column; ARCH_SYSCALL_OTHER for an unknown number. */
enum arch_syscall_class syscalls_classify(long nr);
/* The number of the syscall called name, -1 if this architecture has none (tests use names). */
long syscalls_number(const char *name);
/* Futex operations (op & FUTEX_CMD_MASK): "FUTEX_WAIT", "FUTEX_LOCK_PI"... or NULL. */
const char *syscalls_futex_op_name(uint64_t op);
/* True for the futex ops that block the caller (WAIT, WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI). */
bool syscalls_futex_op_waits(uint64_t op);

#endif
