/* proc.h - parsers and readers for /proc/PID and /proc/PID/task/TID files (no ptrace here). */
#ifndef HOLDUP_PROC_H
#define HOLDUP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"
#include "util.h"

struct proc_stat {
	char comm[64];		/* as the kernel has it (up to 15 bytes + NUL); untrusted */
	char state;
	int ppid;
	unsigned long flags;	/* PF_* task flags */
	uint64_t utime, stime;	/* clock ticks */
	int processor;
	long num_threads;
	uint64_t starttime;	/* clock ticks after boot */
	uint64_t vsize;		/* bytes of address space */
};

#define PROC_PF_KTHREAD 0x00200000UL

/* Parses the text of /proc/.../stat. The comm may hold spaces and parentheses: it ends at the last ')'. */
int proc_parse_stat(const char *text, struct proc_stat *st);
/* Parses /proc/.../syscall: "running", "-1 sp pc", or "nr a0..a5 sp pc". Fills t's syscall fields. */
int proc_parse_syscall(const char *text, struct thread *t);
/* Parses /proc/.../schedstat: "runtime_ns waittime_ns timeslices". */
int proc_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns, uint64_t *slices);
/* Parses se.exec_start (ms with a fraction) from /proc/.../sched text into nanoseconds. */
int proc_parse_exec_start(const char *text, uint64_t *ns);
/* Value of "Key:" in /proc/.../status text, copied into buf; -1 if absent. */
int proc_status_field(const char *status, const char *key, char *buf, size_t len);

/* The innermost ID of an "NSpid:" value ("1234\t7" -> 7, as the target's own PID namespace
 * numbers it); returns the number of namespace levels (1: the same namespace as holdup's /proc),
 * 0 if it does not parse. */
int proc_parse_nspid(const char *value, pid_t *inner);
/* The container a process belongs to, from /proc/PID/cgroup text: the cgroup v2 path (or the
 * first v1 one), trimmed of a trailing "/"; an owned string, NULL for "/" or nothing. */
char *proc_parse_cgroup(const char *text);

/* Lists the TIDs in /proc/PID/task into *tids (malloc'd, sorted). Returns count or -1. */
int proc_list_tasks(pid_t pid, pid_t **tids, struct err *e);
/* Open /proc/PID/task/TID files kept across snapshots, so a repeated snapshot re-reads each with
 * one pread instead of open, read and close. Bounded by the fd limit; NULL disables it. */
struct proc_fdcache;

/* once: for one snapshot, which re-reads only the run counts: only those files are kept. */
struct proc_fdcache *proc_fdcache_new(pid_t pid, bool once);
void proc_fdcache_free(struct proc_fdcache *fc);
/* Closes the files of threads not read since the last call (they exited). */
void proc_fdcache_sweep(struct proc_fdcache *fc);
/* Keeps tid's files open through the next sweep although nothing was read from them. */
void proc_fdcache_keep(struct proc_fdcache *fc, pid_t tid);

/* Reads one thread's /proc facts (stat, syscall, schedstat, wchan, comm) into t. -1 if it vanished.
 * fc may be NULL. */
int proc_read_thread(struct proc_fdcache *fc, pid_t pid, struct thread *t);
/* The same, but with defer a thread whose syscall line says running is left without its stat
 * (returns 1): proc_read_sched(..., whole) or proc_read_thread_stat reads it later, once the
 * thread's on-CPU test is done (the sched read needs a stat read anyway). 0 read, -1 vanished. */
int proc_read_thread_lazy(struct proc_fdcache *fc, pid_t pid, struct thread *t, bool defer);
/* The stat read proc_read_thread_lazy deferred: all of stat's facts into t. -1 if it vanished. */
int proc_read_thread_stat(struct proc_fdcache *fc, pid_t pid, struct thread *t);
/* Reads se.exec_start from /proc/.../sched (*exec_start_ns 0 if it cannot) and, right after,
 * from stat the cpu the thread is on, or with whole all of stat's facts as proc_read_thread does.
 * 0 read; -1 sched or stat unread; -2 (whole only) stat unread: the thread vanished. */
int proc_read_sched(struct proc_fdcache *fc, pid_t pid, struct thread *t, bool whole, uint64_t *exec_start_ns);
/* Reads and parses one thread's stat. */
int proc_read_stat(struct proc_fdcache *fc, pid_t pid, pid_t tid, struct proc_stat *st);
/* Re-reads just the facts that tell whether a thread ran: schedstat slices and the syscall line
 * (not read when syscall_line is NULL). */
int proc_read_progress(struct proc_fdcache *fc, pid_t pid, pid_t tid, uint64_t *slices, char *syscall_line,
    size_t len);
/* pid itself, or a live thread of it when the main thread has exited (pthread_exit) and left its
 * /proc files empty: the process's memory, maps and files are read through that thread. */
pid_t proc_live_task(pid_t pid);
/* Reads exe, cmdline, maps and fds of the process into s, and its PID namespace and cgroup. */
int proc_read_process(struct snapshot *s, struct err *e);
/* In a target with its own PID namespace (s->pidns), sets each thread's ns_tid, the TID the
 * target's own code sees (and stores in its locks), from /proc/PID/task/TID/status, read once per
 * thread and kept in fc (may be NULL). Threads whose file is gone keep 0. */
void proc_read_ns_tids(struct proc_fdcache *fc, struct snapshot *s);

#endif
