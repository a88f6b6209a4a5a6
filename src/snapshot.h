/* snapshot.h - the plain data one capture produces and analysis fills in; it owns its strings. */
#ifndef HOLDUP_SNAPSHOT_H
#define HOLDUP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "arch.h"

struct rcbuf;

/* Exactly one per thread; names are the JSON/text vocabulary (snapshot_state_name). */
enum thread_state {
	STATE_UNKNOWN = 0,
	STATE_RUNNING,
	STATE_RUNNABLE,
	STATE_BLOCKED,	/* waiting to acquire a lock */
	STATE_WAITING,	/* waiting for an event: condvar, semaphore, join, futex, pause */
	STATE_SLEEPING,	/* timed sleep */
	STATE_IO,	/* blocking I/O or poll */
	STATE_DISK,	/* uninterruptible */
	STATE_STOPPED,
	STATE_DEAD,
	STATE_COUNT
};

/* How the capture went for one thread. */
enum capture_status {
	CAPTURE_OK = 0,		/* registers (and stack top) copied */
	CAPTURE_UNSTOPPED,	/* not stopped: blocked in the kernel, read from /proc (see thread.syscall_*) */
	CAPTURE_SAMPLED,	/* not stopped: registers and stack top from its newest perf sample */
	CAPTURE_GONE,		/* exited during the snapshot */
	CAPTURE_NOSTOP,		/* did not stop within the bound; skipped */
	CAPTURE_ERROR,		/* some other failure: see thread.error */
};

/* How a snapshot was taken (snapshot_capture_mode_name gives the JSON/text words). */
enum capture_mode {
	CAPTURE_MODE_NONE = 0,	/* not taken by capture (built by hand, tests) */
	CAPTURE_MODE_FAST,	/* threads blocked in the kernel read without stopping them */
	CAPTURE_MODE_STOP_ALL,	/* every thread stopped */
	CAPTURE_MODE_SAMPLED,	/* running threads from perf samples */
	CAPTURE_MODE_CORE,	/* read from a core file (capture_open_core): nothing was stopped */
};

/* One round of a live capture: a stop of some threads (or none), then the check that the threads
 * read without a stop did not run meanwhile (snapshot_capture_round_kind_name gives the words). */
enum capture_round_kind {
	CAPTURE_ROUND_FIRST = 0,	/* the first stop: what was not blocked in the kernel */
	CAPTURE_ROUND_RETAKE,		/* threads that ran meanwhile, stopped and read again with those stopped before */
	CAPTURE_ROUND_STOP_ALL,		/* every thread stopped (--stop-all, or the last resort of a retake) */
	CAPTURE_ROUND_NEW_THREADS,	/* threads born during the snapshot, stopped on their own */
	CAPTURE_ROUND_REREAD,		/* sampled mode: threads that ran, read again */
};

struct capture_round {
	enum capture_round_kind kind;
	uint32_t stopped;		/* threads that reached the stop in this round */
	uint32_t ran;			/* threads read without a stop found to have run after it */
	uint64_t pause_us;		/* this round's first stop to its last resume */
};

#define SNAPSHOT_MAX_ROUNDS 16		/* more than capture makes (capture.c bounds them) */

/* What a non-running thread waits for (filled by analysis, see lockdecode.h). */
enum wait_kind {
	WAIT_NONE = 0,
	WAIT_MUTEX,
	WAIT_RWLOCK_READ,
	WAIT_RWLOCK_WRITE,
	WAIT_CONDVAR,
	WAIT_SEMAPHORE,
	WAIT_BARRIER,
	WAIT_JOIN,
	WAIT_FUTEX,
	WAIT_SYSCALL,
	WAIT_KIND_COUNT
};

struct frame {
	uint64_t pc;		/* as unwound: a return address for all but the innermost frame */
	char *function;		/* owned; NULL when no symbol covers pc */
	uint64_t offset;	/* pc - start of function */
	char *module;		/* owned; path of the module (ELF) holding pc, NULL if none */
	char *file;		/* owned; source file, NULL if unknown */
	int line;		/* 0 if unknown */
	int column;		/* 0 if unknown */
	bool inlined;		/* an inlined call inside the next (outer) frame, same pc */
	bool jit;		/* named from the target's perf map (JIT code; module "[perf-map]") */
	bool packed;		/* function, module and file live in the frames array's own
				 * allocation (snapshot_frames_pack), not one allocation each */
	uint64_t sp;		/* the frame's stack pointer as unwound (an inlined call has its
				 * function's), 0 if unknown; its slots lie from here up to the next
				 * outer frame's sp (probable holders, holders.c) */
};

struct wait_info {
	enum wait_kind kind;
	uint64_t address;	/* lock/futex address, 0 if none */
	char *symbol;		/* owned; name of the object at address ("accounts_lock", "heap"), or NULL */
	int lock;		/* index into snapshot.locks, -1 if none */
	char *detail;		/* owned; free text (fd target for io, "owner unknown", ...), or NULL */
	int root;		/* index of the thread at the root of this thread's wait chain (the likely culprit), -1 if none */
	bool in_deadlock;	/* part of a wait cycle */
};

struct thread {
	pid_t tid;
	pid_t ns_tid;			/* the TID in the target's own PID namespace, 0 if it is the same
					 * as tid (no namespace of its own) or unknown */
	char *name;			/* owned; comm, untrusted bytes */

	/* Read from /proc before anything is stopped. */
	char proc_state;		/* state letter from /proc/TID/stat: R S D T t Z X I ... */
	char *wchan;			/* owned; /proc/TID/wchan, NULL if unavailable or "0" */
	bool task_running;		/* /proc/TID/syscall said "running": on a CPU or waiting for one */
	bool on_cpu;			/* task_running and its CPU time grew while holdup read /proc */
	long syscall;			/* syscall number; -1 not in a syscall; -2 unknown */
	uint64_t syscall_args[6];
	uint64_t syscall_sp, syscall_pc;
	uint64_t sched_runtime_ns;	/* /proc/TID/schedstat: time on cpu */
	uint64_t sched_wait_ns;		/* ... time runnable but waiting for a cpu */
	uint64_t sched_slices;		/* ... number of times it ran */
	uint64_t utime_ticks, stime_ticks;
	int cpu;			/* last cpu it ran on */

	/* From the stop. */
	enum capture_status status;
	char *error;			/* owned; why status is not CAPTURE_OK, NULL otherwise */
	bool regs_valid;
	struct arch_regs regs;
	uint64_t stack_addr;		/* target address of stack[0] */
	uint8_t *stack;			/* owned; copy of the stack top */
	size_t stack_len;
	int pending_signal;		/* signal seen during the stop and re-injected on resume, 0 if none */
	bool unchanged;			/* sampled mode: not run since the previous snapshot, whose /proc
					 * facts it carries over; its sample is the same one too */
	uint64_t regs_id;		/* nonzero: names where regs and stack came from, so that two
					 * snapshots of a process whose thread has the same id hold the
					 * same registers and stack bytes (a perf sample's time); 0 unknown */
	bool stack_in_block;		/* stack points into one of snapshot.blocks, not owned (read only) */

	/* Analysis. */
	struct frame *frames;		/* owned, innermost first */
	size_t nframes;
	char *unwind_error;		/* owned; why unwinding stopped early, NULL if it reached the end */
	char *state_reason;		/* owned; why state is unknown (proc_state '\0': a core file records
					 * no thread states), NULL if it is known */
	enum thread_state state;
	struct wait_info wait;
};

/* A memory range of the target copied while it was stopped (lock words and the like). */
struct memcopy {
	uint64_t addr;
	size_t len;
	uint8_t *data;			/* owned */
};

/* Longest build ID a mapping keeps (GNU build IDs are 16 to 20 bytes; longer ones are not kept). */
#define SNAPSHOT_BUILD_ID_MAX 32

/* One line of /proc/PID/maps. */
struct mapping {
	uint64_t start, end, offset;
	char perms[5];			/* "r-xp" */
	uint64_t dev;			/* device of the mapped file (as makedev(major, minor)), 0 if none */
	uint64_t ino;			/* its inode, 0 if none */
	char *path;			/* borrowed from snapshot.maps_paths; may be "" or "[stack]" */
	char build_id_hex[65];		/* the mapped ELF's GNU build ID in hex (unwind fills it for the
					 * modules it opened: those holding frames), "" if unknown */
	uint8_t build_id[SNAPSHOT_BUILD_ID_MAX];	/* the mapped ELF file's build ID where the
					 * capture read it from memory (a core file), else build_id_len 0 */
	uint8_t build_id_len;
};

/* An open file descriptor of the target, from /proc/PID/fd before the stop. */
struct fdlink {
	int fd;
	char *target;			/* owned; "socket:[123]", "pipe:[4]", "/var/log/x" */
};

/* ---- Analysis results: lockgraph.c and goruntime.c fill them, the outputs print them. ---- */

/* Names are the JSON/text vocabulary (snapshot_lock_kind_name). */
enum lock_kind {
	LOCK_MUTEX = 0,
	LOCK_RWLOCK,
	LOCK_CONDVAR,
	LOCK_SEMAPHORE,
	LOCK_BARRIER,
	LOCK_JOIN,		/* a thread being joined; holder = the joined thread */
	LOCK_FUTEX,		/* raw futex, owner unknown */
	LOCK_GO_MUTEX,
	LOCK_GO_RWMUTEX,
	LOCK_RUST_MUTEX,	/* std::sync::Mutex (futex-based, Rust 1.62+): no owner recorded */
	LOCK_RUST_RWLOCK,	/* std::sync::RwLock: reader count and writer bits, no owner recorded */
	LOCK_RUST_CONDVAR,	/* std::sync::Condvar: a futex counter */
	LOCK_KIND_COUNT
};

/* What in a stack says a thread or goroutine probably holds a lock (holders.c), weakest first;
 * names: snapshot_holder_evidence_name. */
enum holder_evidence {
	HOLDER_EV_OBJECT = 0,	/* a pointer a little below the lock: to the object that contains it */
	HOLDER_EV_POINTER,	/* the lock's own address in a stack slot or register */
	HOLDER_EV_LOCKED_FRAME,	/* a pointer in a frame whose function took the lock before its pc and
				 * has not released it since (Go: RLock/Lock inlined or called) */
	HOLDER_EV_DEFER,	/* a deferred Unlock/RUnlock whose receiver is the lock (Go) */
	HOLDER_EV_GUARD,	/* a lock guard object in scope in the frame (C++ lock_guard, ...) */
	HOLDER_EV_COUNT
};

/* How a probable holder holds it; names: snapshot_holder_mode_name ("unknown", "read", "write"). */
enum holder_mode {
	HOLDER_MODE_UNKNOWN = 0,
	HOLDER_MODE_READ,
	HOLDER_MODE_WRITE,
};

/* One probable holder of a lock that records none (holders.c fills them). */
struct probable_holder {
	int thread;		/* index into snapshot.threads, -1 if a goroutine */
	uint64_t goroutine;	/* goid, 0 if a thread */
	int frame_index;	/* the frame holding the evidence: #N of that stack, -1 for a register */
	struct frame frame;	/* a copy of that frame (its strings owned), zero for a register */
	uint64_t slot;		/* address of the stack slot with the evidence, 0 for a register */
	enum holder_mode mode;
	enum holder_evidence evidence;
	int rank;		/* strength: higher is stronger (the evidence, see holders.c) */
};

struct lock {
	uint64_t address;
	enum lock_kind kind;
	char *symbol;		/* owned; "accounts_lock", "forks+80", "heap", "stack of 1234", or NULL */
	char *variant;		/* owned; "normal", "recursive", "errorcheck", "robust", "pi", ... or NULL */
	bool holders_known;	/* false: the layout does not record an owner ("owner unknown") */
	pid_t *holders;		/* owned; TIDs holding it (write holder for rwlocks) */
	size_t nholders;
	int *waiters;		/* owned; indices into snapshot.threads */
	size_t nwaiters;
	int readers;		/* active readers of an rwlock, -1 if not applicable or unknown */
	int count;		/* recursion depth, semaphore value, ... -1 if not applicable */
	bool owner_died;	/* robust mutex whose owner exited */
	char *note;		/* owned; free text for the reader, or NULL */
	uint64_t *go_waiters;	/* owned; goroutine ids waiting (Go locks) */
	size_t ngo_waiters;
	uint32_t size;		/* bytes of the lock object (a pointer into it is evidence), 0 if unknown */
	struct probable_holder *probable;	/* owned; most likely first (holders.c), only for a lock
					 * that records no owner (or an rwlock's readers) */
	size_t nprobable;
	int expected_holders;	/* how many hold it as its state says (readers, 1 for a locked mutex), 0 if unknown */
	char *probable_note;	/* owned; what limited the search (bounds hit, ...), or NULL */
};

struct deadlock {
	int *threads;		/* owned; indices into snapshot.threads, in cycle order */
	size_t nthreads;
	uint64_t *locks;	/* owned; lock addresses, locks[i] is what threads[i] (or goroutines[i]) waits for */
	size_t nlocks;
	bool probable;		/* a wait-for edge of the cycle goes through a probable holder (holders.c),
				 * not a recorded owner: likely, not certain */
	uint64_t *goroutines;	/* owned; goroutine ids in cycle order for a cycle of goroutines (then
				 * nthreads is 0), NULL otherwise */
	size_t ngoroutines;
};

/* What a goroutine parked on a semaphore waits for, found through the runtime's semaphore table. */
enum go_wait_role {
	GOWAIT_NONE = 0,
	GOWAIT_SEMA,		/* a semaphore not known to belong to a sync lock (WaitGroup, ...) */
	GOWAIT_MUTEX,		/* sync.Mutex.Lock */
	GOWAIT_RW_WRITER,	/* RWMutex.Lock holding w, waiting for the active readers (writerSem) */
	GOWAIT_RW_QUEUED,	/* RWMutex.Lock queued behind another writer (w.sema) */
	GOWAIT_RW_READER,	/* RWMutex.RLock waiting for a writer (readerSem) */
};

struct goroutine {
	uint64_t id;			/* goid */
	uint64_t gaddr;			/* address of its runtime.g */
	uint32_t status;		/* runtime's atomicstatus without the scan bit */
	enum thread_state state;	/* in the thread vocabulary */
	char *wait_reason;		/* owned; runtime's string, NULL if none */
	double wait_seconds;		/* < 0 when the runtime did not record it */
	uint64_t gopc;			/* pc of the go statement that created it, 0 if none */
	uint64_t parent_id;		/* creating goroutine (Go 1.21+), 0 if unknown */
	struct frame created_by;	/* gopc symbolized (function/file/line owned), pc 0 if none */
	pid_t tid;			/* OS thread running it (m.procid), 0 if none */
	struct frame *frames;		/* owned, innermost first */
	size_t nframes;
	char *unwind_error;		/* owned; why the stack is incomplete, or NULL */
	enum go_wait_role role;
	uint64_t sema;			/* semaphore it is parked on, 0 if none */
	uint64_t lock_addr;		/* the sync.Mutex/RWMutex, 0 if none */
	int lock;			/* index into snapshot.locks, -1 if none */
};

/* The Go view of a snapshot (read by goruntime.c). */
struct goinfo {
	char *version;			/* owned; runtime.buildVersion, or NULL */
	char *error;			/* owned; why goroutines could not be read (no DWARF, ...), or NULL */
	char **notes;			/* owned; what could not be read, for the reader */
	size_t nnotes;
	struct goroutine *gs;		/* owned; live goroutines, in allgs order */
	size_t ngs;
	size_t nallgs;			/* len(allgs) as the runtime said */
	size_t ndead;			/* dead or idle goroutines, not listed */
	size_t nunreadable;		/* g's that could not be read or made no sense */
	bool truncated;			/* more than SNAPSHOT_GOROUTINE_BUDGET in allgs */
	bool waits_unresolved;		/* the semaphore table was unreadable or inconsistent: some
					 * goroutines' lock waits are not known, nor a cycle through them */
};

/* Falls back to the target itself when the snapshot has no copy of an address. Returns bytes read or -1. */
typedef ssize_t (*snapshot_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);
/* Reads whole 4096-byte pages at the 4096-aligned addresses pa[0..n) into bufs[0..n) (n <= 64) in one go;
 * returns how many leading ones were read. */
typedef size_t (*snapshot_readpages_fn)(void *ctx, const uint64_t *pa, uint8_t *const *bufs, size_t n);

struct snapshot {
	uint64_t id;			/* unique in this run (snapshot_new): a cache can tell snapshots apart
					 * even when one is allocated where a freed one was */
	pid_t pid;
	const struct arch_info *arch;	/* borrowed (static): the arch of the process's code, which
					 * every reading of registers, words and syscalls goes by */
	char *exe;			/* owned; /proc/PID/exe target, untrusted */
	char *cmdline;			/* owned; arguments joined by spaces, untrusted */
	bool pidns;			/* the target has a PID namespace of its own (a container): the
					 * TIDs its memory holds are thread.ns_tid, not tid */
	pid_t ns_pid;			/* its PID there, 0 if pidns is false */
	char *container;		/* owned; its cgroup path ("/system.slice/docker-1f3e.scope"), NULL if "/" */
	struct timespec taken;		/* CLOCK_REALTIME when the capture began */
	int64_t taken_mono_ns;		/* CLOCK_MONOTONIC then (the clock Go's runtime times waits by),
					 * 0 if not known (a core made elsewhere or at another boot) */
	uint64_t pause_us;		/* first thread stopped to last thread resumed */
	uint64_t capture_us;		/* the whole capture, /proc reads included */
	int nstopped;			/* threads actually stopped */
	bool target_was_stopped;	/* job-control stopped before we came; left stopped */
	enum capture_mode capture_mode;	/* the mode the snapshot was finally taken in */
	enum capture_mode capture_retaken;	/* the mode (fast or sampled) of an attempt discarded and
					 * retaken stop-all (a blocked thread kept running); NONE if none */
	struct capture_round rounds[SNAPSHOT_MAX_ROUNDS];	/* the capture's rounds, in order */
	size_t nrounds;
	size_t threads_retaken;		/* threads read without a stop that ran meanwhile and were read again */

	size_t threads_exited;		/* threads that exited while the snapshot was taken: counted, not listed */
	char *capture_note;		/* owned; what the capture could not do as asked (events refused...), or NULL */
	struct thread *threads;		/* owned */
	size_t nthreads;
	size_t threads_cap;		/* private to snapshot.c */

	struct mapping *maps;		/* owned */
	size_t nmaps;
	char *maps_text;		/* owned; /proc/PID/maps as read, for libdwfl */
	char *maps_paths;		/* owned; the maps' paths, one after another (one allocation) */
	struct rcbuf **blocks;		/* one reference each owned; buffers threads' stacks point into
					 * (stack_in_block): perf samples, shared with the sampler and
					 * other snapshots instead of copied; dropped with the snapshot */
	size_t nblocks, blocks_cap;

	struct memcopy *mem;		/* owned */
	size_t nmem;

	struct fdlink *fds;		/* owned; sorted by fd; at most a few thousand are read */
	size_t nfds;
	uint8_t *auxv;			/* owned; the auxiliary vector (/proc/PID/auxv, a core's NT_AUXV), or NULL */
	size_t auxv_len;

	snapshot_read_fn read_fallback;	/* may be NULL (no live target) */
	snapshot_readpages_fn read_pages;	/* may be NULL: then snapshot_prefetch does nothing */
	void *read_ctx;			/* borrowed, unless read_ctx_free is set */
	void (*read_ctx_free)(void *ctx);	/* non-NULL: the snapshot owns read_ctx (a core file's
					 * memory reader) and frees it with this */
	char *source;			/* owned; where the snapshot was read from when it is not a live
					 * process ("core file /tmp/core.123"), NULL for a live process */

	/* Analysis results, owned, NULL until computed. */
	const char *libc_name;		/* static string: "glibc", "musl", or NULL (not known, or not looked for) */
	int glibc_version;		/* the libc's (musl's too) major * 1000 + minor, 0 if not known
					 * (or not looked for; a static musl records none) */
	const char *glibc_source;	/* static string: where the version came from, or why none was
					 * found; NULL when nobody waited on a futex, so it was not looked for */
	char *glibc_source_buf;		/* owned; glibc_source when a saved snapshot said it, or NULL */
	struct lock *locks;
	size_t nlocks;
	struct deadlock *deadlocks;
	size_t ndeadlocks;
	struct goinfo *go;
	struct snapshot_budget *budget;	/* owned, NULL: unbounded; counts through const snapshots */
	struct snapshot_readlog *readlog;	/* owned, NULL: reads not recorded (snapshot_record_reads) */
	struct snapshot_stackidx *stackidx;	/* owned, NULL: the threads' stack copies by address
					 * (snapshot_index_stacks), for snapshot_read */
	struct snapshot_pagecache *pagecache;	/* owned, NULL until the first fallback read: recent
					 * pages of the target, read whole (snapshot.c) */
};

/* The target memory analysis read through the fallback, kept for a saved core (dump --save). */
struct snapshot_readlog {
	struct memcopy *reads;		/* owned, in the order read */
	size_t n, cap;
	uint64_t bytes;			/* at most SNAPSHOT_READLOG_MAX; later reads are not kept */
	bool full;			/* some reads were not kept */
};
#define SNAPSHOT_READLOG_MAX (64u << 20)

/* Sorts the threads' stack copies by address for snapshot_read (which otherwise looks through
 * every thread for every read: quadratic in a 10,000-thread process). Call once the stacks are
 * copied (the analysis does); threads added later make snapshot_read look through them all again. */
void snapshot_index_stacks(struct snapshot *s);

/* From now on every successful fallback read of s is recorded in s->readlog. */
void snapshot_record_reads(struct snapshot *s);
/* When s records its reads: reads len bytes at addr through the fallback (not its copies), past
 * its budget, and records them; what a saved core needs beyond the analysis. Returns bytes read or -1. */
ssize_t snapshot_read_recorded(struct snapshot *s, uint64_t addr, void *buf, size_t len);

/* At most this many goroutines are read from one snapshot; the rest are counted, not read. */
#define SNAPSHOT_GOROUTINE_BUDGET 100000

/* What the analysis of one snapshot may spend on the target (a hostile one can make every read
 * lead to another): bytes read from it after the capture, and a wall-clock deadline. Once either
 * is reached snapshot_read fails, so every loop over target memory ends, and the output says so. */
struct snapshot_budget {
	uint64_t read_max;		/* bytes; 0 none */
	uint64_t deadline_ns;		/* CLOCK_MONOTONIC; 0 none */
	uint64_t timeout_ns;		/* the deadline's length, for the message */
	uint64_t read;			/* bytes read so far through the fallback */
	bool read_hit, deadline_hit;
	uint64_t frame_max;		/* frames unwound over all threads; 0 none */
	uint64_t frames;		/* so far */
	bool frame_hit;			/* threads after it were not unwound */
};
/* The frames one snapshot's threads may have together by default (a stack is at most 256 frames
 * deep: that is 3,900 threads at full depth, or 50,000 at 20 frames). */
#define SNAPSHOT_FRAME_BUDGET 1000000

/* Sets s's budget (replacing any): read_max bytes, timeout_ns from now (0: none of either), and
 * SNAPSHOT_FRAME_BUDGET frames. */
void snapshot_budget_set(struct snapshot *s, uint64_t read_max, uint64_t timeout_ns);
/* Which budgets cut s short, for the reader ("target-read budget 536870912 bytes reached"), in
 * *out (up to 4 static-free owned strings); returns how many. The goroutine budget counts. */
size_t snapshot_truncations(const struct snapshot *s, char *out[4]);

/* Why an empty deadlock list of the analysed s is no all-clear (static text: lock owners not
 * readable, goroutines or their waits not all read, a budget reached), or NULL when the search saw
 * every wait it could have. libc (may be NULL) is set when the reason is the libc's: no owners
 * recorded, which the dump's Libc line states already. */
const char *snapshot_deadlocks_incomplete(const struct snapshot *s, bool *libc);

struct snapshot *snapshot_new(pid_t pid);
void snapshot_free(struct snapshot *s);
/* Adds a zeroed thread and returns it (pointer valid until the next add). */
struct thread *snapshot_add_thread(struct snapshot *s, pid_t tid);
struct thread *snapshot_find_thread(const struct snapshot *s, pid_t tid);
/* The thread a TID read from the target's memory names: in a target with its own PID namespace
 * that TID is a thread's ns_tid, otherwise its tid. Returns the tid (as holdup sees it), 0 if no
 * thread of s has it. */
pid_t snapshot_tid_from_target(const struct snapshot *s, pid_t target_tid);
/* Removes the threads whose capture status is st (their data is freed); returns how many. */
size_t snapshot_drop_threads(struct snapshot *s, enum capture_status st);
/* Index of tid in s->threads, -1 if absent. */
int snapshot_thread_index(const struct snapshot *s, pid_t tid);
void snapshot_add_memcopy(struct snapshot *s, uint64_t addr, const void *data, size_t len);
/* Takes a reference to block, dropped with the snapshot; threads with stack_in_block point into it. */
void snapshot_keep_block(struct snapshot *s, struct rcbuf *block);
/* Reads target memory as of the snapshot: stack copies and memcopies first, then the fallback.
 * Returns the number of bytes read (may be short) or -1. */
ssize_t snapshot_read(const struct snapshot *s, uint64_t addr, void *buf, size_t len);
/* The mapping holding addr, or NULL. */
const struct mapping *snapshot_find_mapping(const struct snapshot *s, uint64_t addr);
/* Brings the pages holding addrs[0..n) (0 entries skipped) into the read cache in batches: one
 * read per batch instead of one per page, for walks that know their next addresses (the Go
 * runtime's goroutines). Only pages of readable mappings; a page that fails is read again, or
 * not, when asked for. */
void snapshot_prefetch(const struct snapshot *s, const uint64_t *addrs, size_t n);
/* Parses /proc/PID/maps text into s->maps (replacing). Returns 0 or -1. */
int snapshot_parse_maps(struct snapshot *s, const char *text);
/* Gives dst (its maps replaced) the maps of src as snapshot_parse_maps made them from the same text,
 * without parsing it again. */
void snapshot_copy_maps(struct snapshot *dst, const struct snapshot *src);

/* Target of fd, or NULL. */
const char *snapshot_fd_target(const struct snapshot *s, int fd);

const char *snapshot_state_name(enum thread_state st);
const char *snapshot_wait_kind_name(enum wait_kind k);
const char *snapshot_capture_status_name(enum capture_status c);
/* The capture_mode words of s: "fast", "stop-all", "sampled", "fast, retaken stop-all (...)",
 * "sampled, retaken stop-all (...)"; NULL
 * for a snapshot not taken by capture. */
const char *snapshot_capture_mode_name(const struct snapshot *s);
/* "first", "retake", "stop-all", "new-threads", "reread". */
const char *snapshot_capture_round_kind_name(enum capture_round_kind k);
void snapshot_frames_free(struct frame *f, size_t n);
/* Gives n frames whose strings are borrowed (from a cache that outlives the call) one allocation
 * of their own: the array, then the strings, a module named by consecutive frames stored once.
 * Replaces *f; the frames come back packed. One allocation per stack instead of three per frame. */
void snapshot_frames_pack(struct frame **f, size_t n);
/* Gives a packed frame owned copies of its strings, so that they can be replaced one by one. */
void snapshot_frame_own(struct frame *f);
/* Frees s->locks and s->deadlocks and leaves none. */
void snapshot_locks_free(struct snapshot *s);
/* Frees a Go view (NULL is fine). */
void snapshot_goinfo_free(struct goinfo *g);
const char *snapshot_lock_kind_name(enum lock_kind k);
/* The runtime's name of a goroutine status (the scan bit ignored), "unknown" if out of range. */
const char *snapshot_go_status_name(uint32_t status);
const char *snapshot_go_wait_role_name(enum go_wait_role r);
const char *snapshot_holder_evidence_name(enum holder_evidence e);
const char *snapshot_holder_mode_name(enum holder_mode m);
/* Frees l's probable holders and leaves none. */
void snapshot_probable_free(struct lock *l);

#endif
