/* syscalls.h - x86_64 syscall numbers to names, futex op names, and what kind of wait a syscall is. */
#ifndef HOLDUP_SYSCALLS_H
#define HOLDUP_SYSCALLS_H

#include <stdbool.h>
#include <stdint.h>

/* The x86_64 syscall numbers holdup reasons about. */
enum {
	SYSCALLS_READ = 0,
	SYSCALLS_WRITE = 1,
	SYSCALLS_POLL = 7,
	SYSCALLS_SELECT = 23,
	SYSCALLS_PAUSE = 34,
	SYSCALLS_NANOSLEEP = 35,
	SYSCALLS_WAIT4 = 61,
	SYSCALLS_FUTEX = 202,
	SYSCALLS_EPOLL_WAIT = 232,
	SYSCALLS_CLOCK_NANOSLEEP = 230,
	SYSCALLS_PSELECT6 = 270,
	SYSCALLS_PPOLL = 271,
	SYSCALLS_EPOLL_PWAIT = 281,
	SYSCALLS_EPOLL_PWAIT2 = 441,
	SYSCALLS_FUTEX_WAITV = 449,
};

/* How a thread blocked in a syscall should be classified. */
enum syscalls_class {
	SYSCALLS_OTHER = 0,	/* not a blocking call we know */
	SYSCALLS_FUTEX_WAIT,	/* futex: lock analysis decides */
	SYSCALLS_SLEEP,		/* nanosleep & co */
	SYSCALLS_EVENT,		/* pause, sigwait, wait4, flock...: waiting for an event */
	SYSCALLS_IO_FD,		/* read/write/accept/recv... on the fd in arg 0 */
	SYSCALLS_IO_POLL,	/* poll/ppoll: pollfd array in arg 0, count in arg 1 */
	SYSCALLS_IO_SELECT,	/* select/pselect6: nfds, fd_sets */
	SYSCALLS_IO_EPOLL,	/* epoll_wait & co on the epoll fd in arg 0 */
};

/* "read", "futex"... or NULL for an unknown number. */
const char *syscalls_name(long nr);
enum syscalls_class syscalls_classify(long nr);
/* Futex operations (op & FUTEX_CMD_MASK): "FUTEX_WAIT", "FUTEX_LOCK_PI"... or NULL. */
const char *syscalls_futex_op_name(uint64_t op);
/* True for the futex ops that block the caller (WAIT, WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI). */
bool syscalls_futex_op_waits(uint64_t op);

#endif
