/* sandbox.h - least privilege for parsing target data: after the capture, holdup gives up what only the capture needed. */
#ifndef HOLDUP_SANDBOX_H
#define HOLDUP_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/* The user a root holdup becomes: nobody (65534), which owns no file worth writing. */
#define SANDBOX_UID 65534
#define SANDBOX_GID 65534

/* Defaults for the resource limits (0 leaves one unset). */
#define SANDBOX_CPU_SECONDS	600		/* analysis CPU time: a stuck parse ends */
#define SANDBOX_AS_BYTES	(16ULL << 30)	/* address space: a hostile length cannot take the host */

struct sandbox_limits {
	uint64_t cpu_seconds;		/* RLIMIT_CPU; SIGXCPU then ends holdup with a message */
	uint64_t as_bytes;		/* RLIMIT_AS; not set under AddressSanitizer (its shadow) */
	/* A session (top, record, watch) captures again after confining itself: ptrace stays allowed
	 * for the four requests the capture makes (PTRACE_SEIZE without options, PTRACE_INTERRUPT,
	 * PTRACE_GETREGSET, PTRACE_DETACH), perf_event_open too (the sampler), and CAP_PERFMON is
	 * kept. Its new files come from a broker (broker.h). */
	bool session;
	pid_t signal_pid;		/* > 0: a process kill() may signal (a launched command) */
};

/* Irreversibly lowers the privileges of this (single-threaded) process to what reading the
 * target's memory and files needs: a root holdup becomes SANDBOX_UID with only CAP_SYS_PTRACE
 * (process_vm_readv), CAP_DAC_READ_SEARCH (looking up files inside the target's root) and
 * CAP_CHECKPOINT_RESTORE (/proc/PID/map_files; CAP_SYS_ADMIN on kernels before 5.9) left, the
 * others gone from every set and the bounding set; then no new privileges, not dumpable, no core
 * file, the limits in l, and a seccomp filter that refuses (EPERM) execve, ptrace, fork, sockets,
 * signals to other processes, opening files for writing, changing the file system, and changing
 * credentials, namespaces or mounts. Files and descriptors already open stay usable. Returns 0,
 * or -1 with e saying which step failed (the process may be partly confined: callers stop). */
int sandbox_enter(const struct sandbox_limits *l, struct err *e);

/* True once sandbox_enter succeeded in this process. */
bool sandbox_active(void);

#endif
