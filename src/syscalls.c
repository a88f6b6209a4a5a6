/* syscalls.c - syscall names, numbers and classes from the arch's table, and futex op decoding. */
#include "syscalls.h"

#include <stddef.h>
#include <string.h>

#include <linux/futex.h>

static const struct arch_syscall *
syscalls_row(const struct arch_info *a, long nr)
{
	if (nr < 0 || (size_t)nr >= a->nsyscalls || a->syscalls[nr].name == NULL)
		return NULL;
	return &a->syscalls[nr];
}

const char *
syscalls_name(const struct arch_info *a, long nr)
{
	const struct arch_syscall *r = syscalls_row(a, nr);

	return r != NULL ? r->name : NULL;
}

enum arch_syscall_class
syscalls_classify(const struct arch_info *a, long nr)
{
	const struct arch_syscall *r = syscalls_row(a, nr);

	return r != NULL ? r->cls : ARCH_SYSCALL_OTHER;
}

long
syscalls_number(const struct arch_info *a, const char *name)
{
	for (size_t i = 0; i < a->nsyscalls; i++)
		if (a->syscalls[i].name != NULL && strcmp(a->syscalls[i].name, name) == 0)
			return (long)i;
	return -1;
}

bool
syscalls_is_futex(const struct arch_info *a, long nr)
{
	const char *n = syscalls_name(a, nr);

	return n != NULL && (strcmp(n, "futex") == 0 || strcmp(n, "futex_time64") == 0);
}

const char *
syscalls_futex_op_name(uint64_t op)
{
	static const char *const names[] = {
		[FUTEX_WAIT] = "FUTEX_WAIT",
		[FUTEX_WAKE] = "FUTEX_WAKE",
		[FUTEX_FD] = "FUTEX_FD",
		[FUTEX_REQUEUE] = "FUTEX_REQUEUE",
		[FUTEX_CMP_REQUEUE] = "FUTEX_CMP_REQUEUE",
		[FUTEX_WAKE_OP] = "FUTEX_WAKE_OP",
		[FUTEX_LOCK_PI] = "FUTEX_LOCK_PI",
		[FUTEX_UNLOCK_PI] = "FUTEX_UNLOCK_PI",
		[FUTEX_TRYLOCK_PI] = "FUTEX_TRYLOCK_PI",
		[FUTEX_WAIT_BITSET] = "FUTEX_WAIT_BITSET",
		[FUTEX_WAKE_BITSET] = "FUTEX_WAKE_BITSET",
		[FUTEX_WAIT_REQUEUE_PI] = "FUTEX_WAIT_REQUEUE_PI",
		[FUTEX_CMP_REQUEUE_PI] = "FUTEX_CMP_REQUEUE_PI",
		[13] = "FUTEX_LOCK_PI2",
	};
	uint64_t cmd = op & FUTEX_CMD_MASK;

	return cmd < sizeof names / sizeof names[0] ? names[cmd] : NULL;
}

bool
syscalls_futex_op_waits(uint64_t op)
{
	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case 13:	/* FUTEX_LOCK_PI2, newer than some headers */
	case FUTEX_WAIT_REQUEUE_PI:
		return true;
	}
	return false;
}
