/* test_sandbox.c - after sandbox_enter a process reads other processes' memory and files but cannot run, trace, write, signal or fork; in session mode it still captures (ptrace's four requests, perf) and signals its launched command only. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <elf.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sandbox.h"
#include "util.h"

static volatile uint64_t marker = 0x1234abcd5678ef00ULL;

static void *
thread_fn(void *arg)
{
	return arg;
}

static uint64_t
cap_eff(void)
{
	char *st = util_read_file("/proc/self/status", NULL), *p;
	uint64_t v = UINT64_MAX;

	if (st != NULL && (p = strstr(st, "CapEff:")) != NULL)
		v = strtoull(p + 7, NULL, 16);
	free(st);
	return v;
}

/* The checks, in the sandboxed child: the number of the first that failed, 0 if none did. */
/* A sanitized build's filter lets LeakSanitizer's tracer clone and ptrace (src/sandbox.c). */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

static int
child_checks(pid_t parent, bool root)
{
	struct sandbox_limits l = { .cpu_seconds = 60, .as_bytes = 4ULL << 30 };
	struct err e;
	uint64_t got = 0, caps;
	struct iovec li = { &got, sizeof got }, ri = { (void *)&marker, sizeof marker };
	char *argv[] = { "/bin/true", NULL };
	pthread_t th;
	void *ret;
	int fd;

	if (sandbox_enter(&l, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	if (!sandbox_active())
		return 2;
	if (root && (getuid() != SANDBOX_UID || geteuid() != SANDBOX_UID || getegid() != SANDBOX_GID))
		return 3;
	if (execve(argv[0], argv, NULL) == 0 || errno != EPERM)
		return 4;
	if ((fd = open("/tmp/holdup-sandbox-test", O_WRONLY | O_CREAT, 0600)) >= 0 || errno != EPERM)
		return 5;
	if ((fd = openat(AT_FDCWD, "/proc/self/status", O_RDONLY)) < 0)
		return 6;
	close(fd);
	caps = cap_eff();
	/* kept: CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_CHECKPOINT_RESTORE (40); never
	 * CAP_DAC_OVERRIDE (1), CAP_SETUID (7), CAP_SYS_ADMIN (21) on a 5.9+ kernel, CAP_KILL (5) */
	if (root && (caps & ((1ULL << 1) | (1ULL << 5) | (1ULL << 7))) != 0)
		return 7;
	if (root && (caps & (1ULL << 19)) == 0)
		return 8;
#ifndef ASAN
	if (fork() >= 0 || errno != EPERM)
		return 9;
#endif
	if (pthread_create(&th, NULL, thread_fn, &got) != 0 || pthread_join(th, &ret) != 0 || ret != &got)
		return 10;
	if (kill(parent, SIGTERM) == 0 || errno != EPERM)
		return 11;
	/* "does it exist" still gets through the filter (the kernel says EPERM without CAP_KILL) */
	if (kill(parent, 0) != 0 && errno != EPERM)
		return 12;
#ifndef ASAN
	if (ptrace(PTRACE_ATTACH, parent, NULL, NULL) == 0 || errno != EPERM)
		return 13;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 17;
#endif
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		return 14;
	/* still reads another process's memory (the parent's marker: the child's copy was changed) */
	marker = 0;
	if (process_vm_readv(parent, &li, 1, &ri, 1, 0) != (ssize_t)sizeof got || got != 0x1234abcd5678ef00ULL)
		return 15;
	if ((fd = memfd_create("t", MFD_CLOEXEC)) < 0)
		return 16;
	close(fd);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 17;
#ifndef ASAN
	if (mmap(NULL, 5ULL << 30, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) != MAP_FAILED)
		return 18;	/* past RLIMIT_AS */
#endif
	if (unlink("/tmp/holdup-sandbox-none") == 0 || errno != EPERM)
		return 19;
	return 0;
}

/* Runs checks in a forked child (the sandbox cannot be left) and asserts they all passed. */
static void
run_checks(int (*checks)(pid_t parent, bool root), const char *what)
{
	pid_t parent = getpid(), c;
	int st = 0;

	fflush(NULL);
	c = fork();
	assert_true(c >= 0);
	if (c == 0)
		_exit(checks(parent, geteuid() == 0));
	assert_int_equal(waitpid(c, &st, 0), c);
	if (!WIFEXITED(st))
		print_message("%s: sandboxed child ended by signal %d\n", what, WTERMSIG(st));
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		print_message("%s check %d failed\n", what, WEXITSTATUS(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_sandbox_confines(void **state)
{
	(void)state;
	run_checks(child_checks, "sandbox");
}

/* Session mode, in the sandboxed child: the capture's ptrace requests on its own child work, the
 * others and signals elsewhere do not; the number of the first check that failed, 0 if none. */
static int
child_session_checks(pid_t parent, bool root)
{
	struct sandbox_limits l = { .as_bytes = 4ULL << 30, .session = true };
	struct err e;
	unsigned char regs[1024];	/* whatever the machine's register set is */
	struct iovec iov = { regs, sizeof regs };
	char *argv[] = { "/bin/true", NULL };
	int st, fd;
	pid_t t = fork();

	if (t < 0)
		return 1;
	if (t == 0) {
		for (;;)
			pause();
	}
	l.signal_pid = t;
	if (sandbox_enter(&l, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		kill(t, SIGKILL);
		return 2;
	}
	if (root && getuid() != SANDBOX_UID)
		return 3;
	if (execve(argv[0], argv, NULL) == 0 || errno != EPERM)
		return 4;
	if ((fd = open("/tmp/holdup-sandbox-test", O_WRONLY | O_CREAT, 0600)) >= 0 || errno != EPERM)
		return 5;
#ifndef ASAN
	/* PTRACE_O_EXITKILL would let a subverted holdup kill what it traces by exiting */
	if (ptrace(PTRACE_SEIZE, t, 0, (void *)(long)PTRACE_O_EXITKILL) == 0 || errno != EPERM)
		return 6;
#endif
	if (ptrace(PTRACE_SEIZE, t, 0, 0) != 0)
		return 7;
	if (ptrace(PTRACE_INTERRUPT, t, 0, 0) != 0 || waitpid(t, &st, __WALL) != t)
		return 8;
	if (ptrace(PTRACE_GETREGSET, t, (void *)NT_PRSTATUS, &iov) != 0)
		return 9;
#ifndef ASAN
	if (ptrace(PTRACE_POKEDATA, t, (void *)regs, (void *)0) == 0 || errno != EPERM)
		return 10;
	if (ptrace(PTRACE_SETREGSET, t, (void *)NT_PRSTATUS, &iov) == 0 || errno != EPERM)
		return 11;
#endif
	if (ptrace(PTRACE_DETACH, t, 0, 0) != 0)
		return 12;
	if (kill(parent, SIGTERM) == 0 || errno != EPERM)
		return 13;
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		return 14;
	/* the launched command may be signalled (what launch_forward does) */
	if (kill(t, SIGKILL) != 0 || waitpid(t, &st, 0) != t || !WIFSIGNALED(st))
		return 15;
	return 0;
}

static void
test_sandbox_session(void **state)
{
	(void)state;
	run_checks(child_session_checks, "session sandbox");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandbox_confines),
		cmocka_unit_test(test_sandbox_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
