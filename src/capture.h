/* capture.h - the only layer that touches ptrace: attach to a target and take snapshots of it. */
#ifndef HOLDUP_CAPTURE_H
#define HOLDUP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "snapshot.h"
#include "util.h"

struct capture_opts {
	size_t stack_bytes;	/* bytes of each stack top copied during the stop (default 32 KiB) */
	int stop_timeout_ms;	/* how long to wait for one thread to stop before skipping it (default 200) */
	bool stop_all;		/* classic all-stop snapshot, even of threads blocked in the kernel */
	uint64_t sample_ns;	/* > 0: threads that run are read from perf_event samples taken every
				 * sample_ns of their CPU time instead of being stopped (top, record);
				 * falls back to stopping them where perf sampling is not allowed */
	bool once;		/* one snapshot only (dump): keeps open only the /proc files its own
				 * checks read again */
};

void capture_opts_default(struct capture_opts *o);
/* The sample_ns for snapshots every interval_ns: half of it, between 1 and 10 ms of CPU time,
 * so a running thread's sample is at most half an interval of its own CPU time old. Each sample
 * costs the target a few microseconds (measured: about 1% of 100 busy threads' throughput at
 * 1.25 ms, none visible at 10 ms). */
uint64_t capture_sample_ns_for(uint64_t interval_ns);

/* A session with one target process, reused across snapshots so per-target work is done once. */
struct capture;

/* Checks that pid exists and can be traced; on failure e says why (no such process, permission
 * and the reason, zombie, kernel thread). Does not stop anything. */
int capture_open(pid_t pid, const struct capture_opts *opts, struct capture **out, struct err *e);
/* Takes one snapshot: /proc reads, the short stop, copies, resume. Per-thread failures are
 * recorded in the snapshot; returns -1 only when nothing could be captured (process gone...). */
int capture_snapshot(struct capture *c, struct snapshot **out, struct err *e);
void capture_close(struct capture *c);

/* What a core file cannot say about where its files are, from the command line. */
struct capture_core_opts {
	size_t stack_bytes;	/* bytes of each thread's stack top copied from the core (0: 32 KiB) */
};
/* Opens an ELF core file (x86-64 ELF64 ET_CORE; anything else is refused with a clear message) as
 * a capture source: capture_snapshot then reads its threads, registers, mappings and memory into
 * a snapshot whose memory reads (snapshot_read) are served from the core's PT_LOAD segments.
 * capture_target_alive is false: there is no process. */
int capture_open_core(const char *path, const struct capture_core_opts *opts, struct capture **out,
    struct err *e);
/* True while the target process exists (not a zombie). */
bool capture_target_alive(struct capture *c);
/* Reads the live target's memory (process_vm_readv, page by page). Bytes read or -1. */
ssize_t capture_read_live(pid_t pid, uint64_t addr, void *buf, size_t len);
/* True (with the wait status) when one of capture's waits for a stop reaped pid's exit instead:
 * only possible for a child of holdup (launch mode), whose parent is also its tracer. */
bool capture_reaped(pid_t pid, int *status);
/* Detaches from every thread holdup traces right now; safe to call from a signal handler. */
void capture_emergency_detach(void);

#endif
