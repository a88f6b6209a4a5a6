/* capture_int.h - what the capture files share; included only by src/capture*.c and their unit test. */
#ifndef HOLDUP_CAPTURE_INT_H
#define HOLDUP_CAPTURE_INT_H

#include "capture.h"
#include "proc.h"
#include "sampler.h"

/* Capture's own state of one thread of the snapshot being taken (capture_thr), kept out of the
 * snapshot: nothing after capture needs it. */
struct capture_thr {
	size_t stack_cap;		/* bytes allocated at thread.stack (0 when in a block or none) */
	bool stack_prefetched;		/* stack copied before the stop (blocked in a syscall), kept if still there */
	bool reread;			/* ran while read unstopped, so read again */
	bool stopped_once;		/* stopped in some round of this attempt (counted once in nstopped) */
	bool off_cpu_sure;		/* last ran more than two ticks ago */
	bool stat_deferred;		/* running at its first read: its stat is read after its sched */
};

struct capture_prev;			/* capture_carry.c */

/* Sampled mode's carry-over from one snapshot to the next (capture_carry.c). */
struct capture_carry {
	struct capture_prev *prev;	/* owned, sorted by tid: runnable and blocked threads of the last sampled snapshot */
	size_t nprev, prev_cap;
	struct snapshot *facts;		/* owned; process facts (exe, maps, fds, tids) sampled snapshots reuse */
	uint64_t facts_ns;		/* when they were read; 0 once they are known to be out of date */
	uint64_t facts_vsize;		/* the address space's size then */
};

/* A capture source: the live process (capture.c) or a core file (capture_core.c). The public
 * capture_snapshot/capture_target_alive/capture_close dispatch through these; what they give
 * is a snapshot, used the same way whichever source made it. */
struct capture_ops {
	int (*snapshot)(struct capture *c, struct snapshot **out, struct err *e);
	bool (*alive)(struct capture *c);
	void (*close)(struct capture *c);	/* frees c */
};

struct capture_core;			/* capture_core.c */

struct capture {
	const struct capture_ops *ops;
	struct capture_core *core;	/* owned; a core file's state, NULL for a live process */
	pid_t pid;
	const struct arch_info *arch;	/* borrowed (static): the target's, for its snapshots */
	struct capture_opts opts;
	unsigned long long starttime;	/* detects PID reuse between snapshots */
	struct proc_fdcache *fdc;	/* owned; /proc files kept open across snapshots */
	struct sampler *sampler;	/* owned; NULL unless opts.sample_ns (and not stop_all) */
	struct proc_stat stat;		/* of the process, as capture_target_alive last read it */
	struct capture_carry carry;
	pid_t *pending;			/* seized threads that did not stop yet: detached once they do */
	size_t npending, pending_cap;

	/* The snapshot being taken and capture's state of it; reset by each attempt. */
	struct snapshot *snap;		/* borrowed; NULL between snapshots */
	struct capture_thr *thr;	/* owned; indexed like snap->threads, grown on demand */
	size_t nthr, thr_cap;
	size_t last_stopped;		/* threads that reached the stop in the last capture_stop_copy_resume */
	bool lockwords_frozen;		/* copy lock words only at new addresses (threads born after the cut) */

	/* The rounds of the snapshot being taken, across a discarded attempt and its retake. */
	struct capture_round rounds[SNAPSHOT_MAX_ROUNDS];
	size_t nrounds;
	size_t retaken;			/* threads read again because they ran meanwhile */
	enum capture_mode unsettled;	/* the mode of the last attempt that did not settle */
};

/* capture.c: the flow of one snapshot and what all of it uses. */
/* Capture's state of t, a thread of c->snap (zeroed when first asked for). */
struct capture_thr *capture_thr(struct capture *c, const struct thread *t);
void capture_thread_error(struct thread *t, enum capture_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Forgets a stack copy t does not own (one in a block), so it can get its own. */
void capture_stack_release(struct capture *c, struct thread *t);
/* A thread the fast mode can leave running: blocked in a syscall, which freezes its registers and stack. */
bool capture_is_blocked(const struct thread *t);

/* capture_stop.c: the ptrace stop/copy/resume cycle, the only code calling ptrace. */
/* Stops the threads of s whose indices are in idx, copies registers, stacks and lock words,
 * resumes them. -1 (e set) only when no thread may be traced at all. */
int capture_stop_copy_resume(struct capture *c, struct snapshot *s, size_t *idx, size_t nidx, struct err *e);
/* Copies the stack top of t from sp (minus the red zone), at most want bytes. */
void capture_stop_copy_stack_len(struct capture *c, struct thread *t, uint64_t sp, size_t want);
/* Copies the words around each futex a thread of s waits on, and refreshes every earlier copy
 * (unless c->lockwords_frozen): they all belong to the latest stop. */
void capture_stop_copy_lockwords(struct capture *c, struct snapshot *s);
/* Detaches seized threads that have stopped since they timed out; forgets those that exited. */
void capture_stop_reap_pending(struct capture *c);

/* capture_carry.c: sampled mode's carry-over of threads that did not run, and of the process facts. */
enum capture_carry_kind {
	CAPTURE_CARRY_NONE = 0,		/* read afresh next time */
	CAPTURE_CARRY_RUNNABLE,		/* waited for a CPU: its /proc facts carry while it does not run */
	CAPTURE_CARRY_BLOCKED,		/* blocked in a syscall: also its syscall, wchan and stack copy */
};
/* What of t the next sampled snapshot may carry over. */
enum capture_carry_kind capture_carry_kind(const struct thread *t, bool off_cpu_sure);
void capture_carry_clear(struct capture_carry *k);
void capture_carry_done(struct capture_carry *k);
/* Remembers the threads of the sampled snapshot c->snap that the next one may carry over. */
void capture_carry_save(struct capture *c, const struct snapshot *s);
/* The remembered thread tid, or NULL. */
const struct capture_prev *capture_carry_find(const struct capture_carry *k, pid_t tid);
/* Fills t from p instead of /proc and marks it unchanged. */
void capture_carry_apply(struct capture *c, struct thread *t, const struct capture_prev *p);
/* Carries t over if it has not run since the previous snapshot; false if it must be read. */
bool capture_carry_restore(struct capture *c, struct thread *t);
/* Whether facts read at facts_ns still hold at now_ns for a process whose stat is st. */
bool capture_carry_facts_hold(const struct capture_carry *k, const struct proc_stat *st, uint64_t now_ns);
/* Keeps s's process facts and thread list for the sampled snapshots that follow. */
void capture_carry_facts_save(struct capture *c, const struct snapshot *s, const pid_t *tids, int n);
/* Fills s and *tids (xmalloc'd) from the kept facts if they still hold. */
bool capture_carry_facts_reuse(struct capture *c, struct snapshot *s, pid_t **tids, int *n);

/* capture_perm.c: why the kernel refused to let holdup trace a process. */
/* What capture_perm_message needs to know, read from /proc by capture_perm_explain. */
struct capture_perm_facts {
	int tracer;			/* TracerPid, 0 if none */
	char tracer_comm[64];		/* its comm, "?" if unknown */
	int owner_uid;			/* the target's real uid (0 if unknown) */
	int yama_scope;			/* kernel.yama.ptrace_scope, -1 if unknown */
	int euid;			/* holdup's effective uid */
};
/* Sets e to the reason an EPERM from PTRACE_SEIZE of pid has, given f. Returns -1. */
int capture_perm_message(pid_t pid, const struct capture_perm_facts *f, struct err *e);
/* Explains an EPERM from PTRACE_SEIZE of pid (or reading its /proc) in terms a user can act on. Returns -1. */
int capture_perm_explain(pid_t pid, struct err *e);

#endif
