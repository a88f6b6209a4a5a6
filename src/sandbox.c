/* sandbox.c - least privilege for parsing target data: capabilities, user, limits and a seccomp filter, entered after the capture. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#include <sys/ptrace.h>

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_X86_64
#define SANDBOX_X32_BIT 0x40000000u	/* x32 system calls: another table, refused as a whole */
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define SANDBOX_X32_BIT 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

#ifdef SANDBOX_ASAN
#define SANDBOX_LSAN_NEEDS(nr) ((nr) == SYS_ptrace)
#else
#define SANDBOX_LSAN_NEEDS(nr) 0
#endif

static bool sandbox_on;

bool
sandbox_active(void)
{
	return sandbox_on;
}

/* --- the seccomp filter: a deny list (EPERM) over an allow-all default. An allow list would be
 * tighter, but libdw, libelf, zlib and glibc pick their system calls by version; what is refused
 * here is what a parser subverted by hostile input could use to reach beyond holdup. */

#define SANDBOX_MAX_INSNS 512

struct sandbox_prog {
	struct sock_filter insn[SANDBOX_MAX_INSNS];
	unsigned short n;
	bool overflow;
};

static void
sandbox_emit(struct sandbox_prog *p, unsigned short code, unsigned char jt, unsigned char jf, uint32_t k)
{
	if (p->n >= SANDBOX_MAX_INSNS) {
		p->overflow = true;
		return;
	}
	p->insn[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

#define SANDBOX_DENY	(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define SANDBOX_ARG(i)	((uint32_t)offsetof(struct seccomp_data, args[i]))	/* the low 32 bits (little-endian) */

/* A system call refused outright (with err, EPERM or ENOSYS). */
static void
sandbox_deny(struct sandbox_prog *p, long nr, int err)
{
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)nr);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA));
}

/* nr refused when argument arg has any of the bits in mask set. */
static void
sandbox_deny_bits(struct sandbox_prog *p, long nr, int arg, uint32_t mask)
{
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, (uint32_t)nr);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(arg));
	sandbox_emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, mask);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SANDBOX_DENY);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/* nr allowed only when argument arg is self (a signal to holdup itself: abort, raise), or when
 * argument sigarg (if >= 0) is 0 (kill(pid, 0) asks whether a process exists). */
static void
sandbox_self_only(struct sandbox_prog *p, long nr, int arg, int sigarg, uint32_t self)
{
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, sigarg >= 0 ? 6 : 4, (uint32_t)nr);
	if (sigarg >= 0) {
		sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(sigarg));
		sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0);
	}
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(arg));
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, self);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SANDBOX_DENY);
}

/* Refused whatever their arguments: running programs, tracing, networking, changing files,
 * credentials, namespaces, mounts, the kernel, and other processes' memory or descriptors. */
static const long sandbox_denied[] = {
	SYS_execve, SYS_execveat, SYS_ptrace, SYS_process_vm_writev, SYS_socket, SYS_socketpair,
	SYS_connect, SYS_bind, SYS_listen, SYS_accept4, SYS_truncate, SYS_unlinkat, SYS_renameat2,
	SYS_linkat, SYS_symlinkat, SYS_mkdirat, SYS_mknodat, SYS_fchmodat, SYS_fchownat, SYS_fchown,
	SYS_fchmod, SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr, SYS_removexattr, SYS_lremovexattr,
	SYS_fremovexattr, SYS_utimensat, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_setns,
	SYS_unshare, SYS_swapon, SYS_swapoff, SYS_reboot, SYS_init_module, SYS_finit_module,
	SYS_delete_module, SYS_kexec_load, SYS_bpf, SYS_perf_event_open, SYS_keyctl, SYS_add_key,
	SYS_request_key, SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid,
	SYS_setgroups, SYS_setfsuid, SYS_setfsgid, SYS_capset, SYS_personality, SYS_userfaultfd,
	SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register, SYS_pidfd_send_signal,
	SYS_pidfd_getfd, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_process_madvise,
	SYS_open_by_handle_at, SYS_name_to_handle_at, SYS_fanotify_init, SYS_quotactl, SYS_acct,
	SYS_settimeofday, SYS_clock_settime, SYS_adjtimex, SYS_sethostname, SYS_setdomainname,
	SYS_move_pages, SYS_migrate_pages, SYS_fsopen, SYS_fsmount, SYS_fsconfig, SYS_move_mount,
	SYS_open_tree, SYS_syslog, SYS_kcmp, SYS_vhangup,
#ifdef SYS_kexec_file_load
	SYS_kexec_file_load,
#endif
#ifdef SYS_mount_setattr
	SYS_mount_setattr,
#endif
#ifdef SYS_fchmodat2
	SYS_fchmodat2,
#endif
#ifdef SYS_open
	/* the legacy calls of x86-64 (aarch64 has only the *at forms) */
	SYS_fork, SYS_vfork, SYS_accept, SYS_creat, SYS_unlink, SYS_rename, SYS_renameat, SYS_link,
	SYS_symlink, SYS_mkdir, SYS_mknod, SYS_rmdir, SYS_chmod, SYS_chown, SYS_lchown, SYS_utime,
	SYS_utimes, SYS_futimesat, SYS_iopl, SYS_ioperm, SYS_uselib,
#endif
};

#define SANDBOX_WRITE_FLAGS ((uint32_t)(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND))

#ifndef SANDBOX_ASAN
/* A session's ptrace: only the requests the capture makes (capture_stop.c); PTRACE_SEIZE with no
 * options (PTRACE_O_EXITKILL would let a subverted holdup kill what it traces by exiting). */
static void
sandbox_session_ptrace(struct sandbox_prog *p)
{
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 9, (uint32_t)SYS_ptrace);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(0));
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 5, 0, PTRACE_INTERRUPT);
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 4, 0, PTRACE_GETREGSET);
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 3, 0, PTRACE_DETACH);
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, PTRACE_SEIZE);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(3));
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SANDBOX_DENY);
}
#endif

/* nr allowed when argument arg is value (kill of the launched command). */
static void
sandbox_allow_arg(struct sandbox_prog *p, long nr, int arg, uint32_t value)
{
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, (uint32_t)nr);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(arg));
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, value);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	/* else: the load clobbered the accumulator; reload nr for the rules after */
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)offsetof(struct seccomp_data, nr));
}

static void
sandbox_build(struct sandbox_prog *p, uint32_t self, const struct sandbox_limits *l)
{
	bool session = l != NULL && l->session;

	p->n = 0;
	p->overflow = false;
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)offsetof(struct seccomp_data, arch));
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, SANDBOX_AUDIT_ARCH);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)offsetof(struct seccomp_data, nr));
	if (SANDBOX_X32_BIT != 0) {
		sandbox_emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, 1, SANDBOX_X32_BIT);
		sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SANDBOX_DENY);
	}
#ifndef SANDBOX_ASAN	/* LeakSanitizer's tracer makes requests of its own */
	if (session)
		sandbox_session_ptrace(p);
#endif
	for (size_t i = 0; i < sizeof sandbox_denied / sizeof sandbox_denied[0]; i++) {
		long nr = sandbox_denied[i];

		if (SANDBOX_LSAN_NEEDS(nr) || (session && (nr == SYS_ptrace || nr == SYS_perf_event_open)))
			continue;
		sandbox_deny(p, nr, EPERM);
	}
	/* glibc tries clone3 first and falls back to clone on ENOSYS, whose flags a filter can see */
	sandbox_deny(p, SYS_clone3, ENOSYS);
#ifndef SANDBOX_ASAN	/* LeakSanitizer's exit check clones a tracer process that ptraces holdup */
	/* threads only: a new process would start outside no limit, but it is one more actor */
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, (uint32_t)SYS_clone);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(0));
	sandbox_emit(p, BPF_JMP | BPF_JSET | BPF_K, 1, 0, CLONE_THREAD);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SANDBOX_DENY);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
#endif
	/* files open read-only (openat2's flags sit behind a pointer the filter cannot follow: the
	 * user and the dropped CAP_DAC_OVERRIDE still stop it writing what nobody may write) */
#ifdef SYS_open
	sandbox_deny_bits(p, SYS_open, 1, SANDBOX_WRITE_FLAGS);
#endif
	sandbox_deny_bits(p, SYS_openat, 2, SANDBOX_WRITE_FLAGS);
	/* no keystrokes pushed into the terminal holdup writes to */
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, (uint32_t)SYS_ioctl);
	sandbox_emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, SANDBOX_ARG(1));
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, TIOCSTI);
	sandbox_emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, TIOCLINUX);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SANDBOX_DENY);
	if (l != NULL && l->signal_pid > 0)
		sandbox_allow_arg(p, SYS_kill, 0, (uint32_t)l->signal_pid);
	sandbox_self_only(p, SYS_kill, 0, 1, self);
	sandbox_self_only(p, SYS_tgkill, 0, -1, self);
	sandbox_self_only(p, SYS_tkill, 0, -1, self);
	sandbox_emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/* --- capabilities, user and limits */

struct sandbox_caps {
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
};

static bool
sandbox_has(const struct sandbox_caps *c, int cap, bool effective)
{
	uint32_t w = effective ? c->data[cap / 32].effective : c->data[cap / 32].permitted;

	return (w >> (cap % 32)) & 1;
}

static int
sandbox_last_cap(void)
{
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f != NULL) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

static void
sandbox_on_xcpu(int sig)
{
	static const char msg[] = "holdup: the analysis used up its CPU-time budget (RLIMIT_CPU): stopped\n";

	(void)sig;
	if (write(2, msg, sizeof msg - 1) < 0) {
		/* nothing more to say */
	}
	_exit(1);
}

/* The capabilities kept (a mask over 64), from those the process has. */
static uint64_t
sandbox_keep(const struct sandbox_caps *c, int last, bool session, bool signals)
{
	int want[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, last >= CAP_CHECKPOINT_RESTORE ? CAP_CHECKPOINT_RESTORE : CAP_SYS_ADMIN,
	    /* a session's sampler opens perf events (and maps their buffers past the per-user
	     * perf_event_mlock_kb) for threads that appear later */
	    session && last >= CAP_PERFMON ? CAP_PERFMON : -1, session ? CAP_IPC_LOCK : -1,
	    /* passing a signal on to the launched command, still root's: the filter lets kill()
	     * reach that one process only */
	    signals ? CAP_KILL : -1 };
	uint64_t keep = 0;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (want[i] >= 0 && sandbox_has(c, want[i], false))
			keep |= 1ULL << want[i];
	return keep;
}

/* Bounding and ambient sets, then the user (keeping the permitted set across the change), then
 * the three sets down to keep. */
static int
sandbox_drop_caps(uint64_t keep, const struct sandbox_caps *old, int last, struct err *e)
{
	struct sandbox_caps c;

	if (sandbox_has(old, CAP_SETPCAP, true))
		for (int cap = 0; cap <= last; cap++)
			if (!((keep >> cap) & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return err_set(e, "sandbox: dropping capability %d from the bounding set: %s", cap, strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_set(e, "sandbox: clearing ambient capabilities: %s", strerror(errno));
	if (geteuid() == 0 || getuid() == 0) {
		gid_t g = SANDBOX_GID;

		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 ||
		    setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID) < 0)
			return err_set(e, "sandbox: becoming uid %d: %s", SANDBOX_UID, strerror(errno));
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	memset(&c, 0, sizeof c);
	c.hdr.version = _LINUX_CAPABILITY_VERSION_3;
	for (int i = 0; i < 2; i++)
		c.data[i].effective = c.data[i].permitted = (uint32_t)(keep >> (32 * i));
	if (syscall(SYS_capset, &c.hdr, c.data) < 0)
		return err_set(e, "sandbox: setting capabilities: %s", strerror(errno));
	return 0;
}

static int
sandbox_limit(int res, uint64_t soft, uint64_t hard, const char *what, struct err *e)
{
	struct rlimit rl, old;

	if (getrlimit(res, &old) == 0 && old.rlim_max != RLIM_INFINITY && old.rlim_max < hard)
		hard = old.rlim_max;
	rl.rlim_cur = soft < hard ? soft : hard;
	rl.rlim_max = hard;
	if (setrlimit(res, &rl) < 0)
		return err_set(e, "sandbox: setting %s: %s", what, strerror(errno));
	return 0;
}

int
sandbox_enter(const struct sandbox_limits *l, struct err *e)
{
	struct sandbox_caps old;
	struct sandbox_prog *p;
	struct sock_fprog prog;
	int last = sandbox_last_cap(), rc;

	memset(&old, 0, sizeof old);
	old.hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &old.hdr, old.data) < 0)
		return err_set(e, "sandbox: reading capabilities: %s", strerror(errno));
	if (sandbox_drop_caps(sandbox_keep(&old, last, l != NULL && l->session, l != NULL && l->signal_pid > 0), &old, last, e) < 0)
		return -1;
	/* not dumpable: no other process of uid nobody may trace holdup or read its memory, and a
	 * core of holdup (which holds the target's memory) is never written */
#ifndef SANDBOX_ASAN	/* LeakSanitizer's tracer attaches to holdup at exit */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(e, "sandbox: PR_SET_DUMPABLE: %s", strerror(errno));
#endif
	if (sandbox_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE", e) < 0)
		return -1;
	if (l != NULL && l->cpu_seconds > 0) {
		signal(SIGXCPU, sandbox_on_xcpu);
		if (sandbox_limit(RLIMIT_CPU, l->cpu_seconds, l->cpu_seconds + 5, "RLIMIT_CPU", e) < 0)
			return -1;
	}
#ifndef SANDBOX_ASAN
	if (l != NULL && l->as_bytes > 0 && sandbox_limit(RLIMIT_AS, l->as_bytes, l->as_bytes, "RLIMIT_AS", e) < 0)
		return -1;
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_set(e, "sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	p = xmalloc(sizeof *p);
	sandbox_build(p, (uint32_t)getpid(), l);
	if (p->overflow) {
		free(p);
		return err_set(e, "sandbox: the seccomp filter does not fit");
	}
	prog.len = p->n;
	prog.filter = p->insn;
	rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	free(p);
	if (rc < 0)
		return err_set(e, "sandbox: installing the seccomp filter: %s", strerror(errno));
	sandbox_on = true;
	return 0;
}
