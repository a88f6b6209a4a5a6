/* threadstate.c - one state per thread from its /proc state letter, the syscall it sleeps in and its fds. */
#include "threadstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls.h"
#include "util.h"

#define TS_MAX_FDS 8	/* fds named in a poll/select detail */

/* The syscall number as the thread's registers or /proc say, -1 if none: the stop's when it was
 * stopped (the /proc read came earlier and may be stale), else /proc's view. */
static long
threadstate_raw_syscall(const struct thread *t)
{
	if (t->regs_valid)
		return t->regs.syscall_nr >= 0 ? (long)t->regs.syscall_nr : -1;
	return t->syscall >= 0 ? t->syscall : -1;
}

static uint64_t
threadstate_arg(const struct thread *t, int i)
{
	if (!t->regs_valid)
		return t->syscall_args[i];
	return t->regs.args[i < ARCH_SYSCALL_NARGS ? i : ARCH_SYSCALL_NARGS - 1];
}

/* The call a thread in restart_syscall resumes, from its stack: a timed wait stopped by a debugger,
 * strace, SIGSTOP or holdup's own stop-all is resumed by the kernel as restart_syscall, with the
 * original call's arguments still in its registers and the original call site on its stack. -1
 * when the stack does not say. */
static long
threadstate_restarted(const struct arch_info *a, const struct thread *t)
{
	static const struct {
		const char *pat, *call;
	} pats[] = {
		/* glibc's futex wrappers and every lock API that waits through them */
		{ "futex", "futex" }, { "lll_lock", "futex" }, { "pthread_cond_", "futex" },
		{ "pthread_mutex_", "futex" }, { "pthread_rwlock_", "futex" }, { "sem_", "futex" },
		{ "pthread_barrier", "futex" }, { "pthread_join", "futex" }, { "pthread_timedjoin", "futex" },
		{ "pthread_clockjoin", "futex" }, { "mtx_", "futex" }, { "cnd_", "futex" },
		{ "__timedwait", "futex" },	/* musl's timed futex wait under every lock API */
		{ "clock_nanosleep", "clock_nanosleep" }, { "nanosleep", "nanosleep" }, { "ppoll", "ppoll" },
		{ "poll", "poll" },
	};
	size_t n = t->nframes < 8 ? t->nframes : 8;

	for (size_t i = 0; i < n; i++) {
		const char *f = t->frames[i].function;

		if (f == NULL)
			continue;
		for (size_t j = 0; j < sizeof pats / sizeof pats[0]; j++) {
			long nr;

			if (strstr(f, pats[j].pat) == NULL || (nr = syscalls_number(a, pats[j].call)) < 0)
				continue;
			/* a futex wait must have a waiting op in its second argument */
			if (strcmp(pats[j].call, "futex") == 0 && !syscalls_futex_op_waits(threadstate_arg(t, 1)))
				return -1;
			return nr;
		}
	}
	return -1;
}

long
threadstate_syscall(const struct arch_info *a, const struct thread *t, bool *restarted)
{
	long nr = threadstate_raw_syscall(t), orig;
	const char *name;

	if (restarted != NULL)
		*restarted = false;
	if (nr < 0 || (name = syscalls_name(a, nr)) == NULL || strcmp(name, "restart_syscall") != 0 ||
	    (orig = threadstate_restarted(a, t)) < 0)
		return nr;
	if (restarted != NULL)
		*restarted = true;
	return orig;
}

/* Appends "fd N (target)" to buf. */
static void
threadstate_fd(const struct snapshot *s, char *buf, size_t len, int fd, const char *sep)
{
	const char *tg = snapshot_fd_target(s, fd);
	size_t used = strlen(buf);

	if (used + 1 >= len)
		return;
	if (tg != NULL)
		snprintf(buf + used, len - used, "%sfd %d (%s)", sep, fd, tg);
	else
		snprintf(buf + used, len - used, "%sfd %d", sep, fd);
}

/* poll(fds, nfds): names the fds from the pollfd array as of the snapshot. */
static void
threadstate_poll(const struct snapshot *s, const struct thread *t, const char *name, char *buf, size_t len)
{
	struct { int32_t fd; int16_t events, revents; } pfd[TS_MAX_FDS];
	uint64_t n = threadstate_arg(t, 1);
	size_t want = n < TS_MAX_FDS ? (size_t)n : TS_MAX_FDS;

	snprintf(buf, len, "%s on %llu fd%s", name, (unsigned long long)n, n == 1 ? "" : "s");
	if (want == 0 || snapshot_read(s, threadstate_arg(t, 0), pfd, want * sizeof pfd[0]) !=
	    (ssize_t)(want * sizeof pfd[0]))
		return;
	for (size_t i = 0; i < want; i++)
		threadstate_fd(s, buf, len, pfd[i].fd, i == 0 ? ": " : ", ");
	if (n > want && strlen(buf) + 5 < len)
		strcat(buf, ", ...");
}

/* select(nfds, readfds, writefds, ...): the fds in the read and write sets. */
static void
threadstate_select(const struct snapshot *s, const struct thread *t, const char *name, char *buf, size_t len)
{
	uint64_t nfds = threadstate_arg(t, 0);
	int shown = 0;

	snprintf(buf, len, "%s", name);
	if (nfds > 1024)
		nfds = 1024;
	for (int set = 1; set <= 2; set++) {
		uint64_t bits[16];
		size_t bytes = (size_t)((nfds + 63) / 64) * 8;
		uint64_t p = threadstate_arg(t, set);

		if (p == 0 || bytes == 0 || snapshot_read(s, p, bits, bytes) != (ssize_t)bytes)
			continue;
		for (uint64_t fd = 0; fd < nfds && shown <= TS_MAX_FDS; fd++) {
			if (!(bits[fd / 64] & (1ULL << (fd % 64))))
				continue;
			if (shown++ == TS_MAX_FDS) {
				strncat(buf, ", ...", len - strlen(buf) - 1);
				break;
			}
			threadstate_fd(s, buf, len, (int)fd, shown == 1 ? " on " : ", ");
		}
	}
}

static void
threadstate_set_wait(struct thread *t, enum wait_kind k, const char *detail)
{
	t->wait.kind = k;
	free(t->wait.detail);
	t->wait.detail = detail != NULL ? xstrdup(detail) : NULL;
}

/* A thread asleep in the kernel ('S' and the like): the syscall says why. */
static void
threadstate_sleeper(const struct snapshot *s, struct thread *t)
{
	bool restarted;
	long nr = threadstate_syscall(s->arch, t, &restarted);
	const char *name = syscalls_name(s->arch, nr);
	char buf[512], rbuf[64];

	buf[0] = '\0';
	if (nr < 0 && t->regs_valid) {
		/* asleep when /proc was read, in user space at the stop: it woke up meanwhile */
		t->state = STATE_RUNNABLE;
		return;
	}
	if (nr < 0) {
		t->state = STATE_WAITING;
		threadstate_set_wait(t, WAIT_SYSCALL, t->wchan);
		return;
	}
	if (name == NULL)
		name = "syscall";
	if (restarted) {
		snprintf(rbuf, sizeof rbuf, "%s, restarted", name);
		name = rbuf;
	}
	switch (syscalls_classify(s->arch, nr)) {
	case ARCH_SYSCALL_FUTEX_WAIT:
		/* lock analysis refines this into blocked/waiting on a known object */
		t->state = STATE_WAITING;
		snprintf(buf, sizeof buf, "%s", name);
		threadstate_set_wait(t, WAIT_FUTEX, buf);
		t->wait.address = threadstate_arg(t, 0);
		return;
	case ARCH_SYSCALL_SLEEP:
		t->state = STATE_SLEEPING;
		threadstate_set_wait(t, WAIT_SYSCALL, name);
		return;
	case ARCH_SYSCALL_IO_FD:
		t->state = STATE_IO;
		snprintf(buf, sizeof buf, "%s", name);
		threadstate_fd(s, buf, sizeof buf, (int)threadstate_arg(t, 0), " on ");
		break;
	case ARCH_SYSCALL_IO_POLL:
		t->state = STATE_IO;
		threadstate_poll(s, t, name, buf, sizeof buf);
		break;
	case ARCH_SYSCALL_IO_SELECT:
		t->state = STATE_IO;
		threadstate_select(s, t, name, buf, sizeof buf);
		break;
	case ARCH_SYSCALL_IO_EPOLL:
		t->state = STATE_IO;
		snprintf(buf, sizeof buf, "%s", name);
		threadstate_fd(s, buf, sizeof buf, (int)threadstate_arg(t, 0), " on epoll ");
		break;
	case ARCH_SYSCALL_EVENT:
	case ARCH_SYSCALL_OTHER:
		t->state = STATE_WAITING;
		snprintf(buf, sizeof buf, "%s", name);
		break;
	}
	threadstate_set_wait(t, WAIT_SYSCALL, buf);
}

/* A vfork (or posix_spawn's clone with CLONE_VFORK) parent sleeps uninterruptibly, 'D', until the
 * child execs or exits: a wait for a process, not disk I/O. */
static bool
threadstate_vfork_parent(const struct snapshot *s, const struct thread *t)
{
	long nr = threadstate_syscall(s->arch, t, NULL);
	const char *name = nr >= 0 ? syscalls_name(s->arch, nr) : NULL;

	if (name != NULL && strcmp(name, "vfork") == 0)
		return true;
	return name != NULL && strncmp(name, "clone", 5) == 0 && t->wchan != NULL &&
	    (strstr(t->wchan, "vfork") != NULL || strstr(t->wchan, "kernel_clone") != NULL);
}

void
threadstate_classify(struct snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		const char *dname;

		free(t->wait.symbol);
		free(t->wait.detail);
		memset(&t->wait, 0, sizeof t->wait);
		t->wait.lock = -1;
		t->wait.root = -1;
		switch (t->proc_state) {
		case 'Z':
		case 'X':
		case 'x':
			t->state = STATE_DEAD;
			break;
		case 'T':
			/* Job-control stopped before holdup came (SIGSTOP, ^Z: freezing a hung process
			 * first is common): a thread stopped inside a wait is still in that wait, and
			 * its locks and the deadlocks they make are what the user is after. */
			if (threadstate_syscall(s->arch, t, NULL) >= 0)
				threadstate_sleeper(s, t);
			else
				t->state = STATE_STOPPED;
			break;
		case 't':
			/* stopped by another tracer (a debugger at a breakpoint): holdup cannot read it */
			t->state = STATE_STOPPED;
			break;
		case 'D':
			if (threadstate_vfork_parent(s, t)) {
				/* not disk: it waits, killably, for its child to exec or exit */
				t->state = STATE_WAITING;
				threadstate_set_wait(t, WAIT_SYSCALL, "vfork: waiting for its child to exec or exit");
				break;
			}
			t->state = STATE_DISK;
			if ((dname = syscalls_name(s->arch, threadstate_syscall(s->arch, t, NULL))) != NULL)
				threadstate_set_wait(t, WAIT_SYSCALL, dname);
			else
				threadstate_set_wait(t, WAIT_SYSCALL, t->wchan);
			break;
		case 'R':
		case 'W':
			t->state = t->on_cpu ? STATE_RUNNING : STATE_RUNNABLE;
			break;
		case '\0':
			/* no state letter (a core file): which of running, runnable or asleep is unknown,
			 * but registers taken inside a syscall still say what it waits in */
			if (threadstate_syscall(s->arch, t, NULL) >= 0)
				threadstate_sleeper(s, t);
			t->state = STATE_UNKNOWN;
			break;
		default:
			threadstate_sleeper(s, t);
			break;
		}
	}
}
