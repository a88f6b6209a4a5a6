/* sampler.h - running threads' registers and stack tops from perf_event samples, without stopping them. */
#ifndef HOLDUP_SAMPLER_H
#define HOLDUP_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "util.h"

struct rcbuf;

/* Bytes of user stack each sample carries (from the sampled sp upwards). */
#define SAMPLER_STACK_BYTES 8192

/*
 * One perf_event per thread of the target counts its CPU time (task-clock) and, every period_ns
 * of it, has the kernel copy the thread's user registers and stack top into a small overwrite
 * ring buffer. A thread that runs or waits for a CPU thus always has a copy of its state from at
 * most one period of its own CPU time ago, and holdup never has to stop it. Only capture.c uses
 * this: it is part of the capture layer.
 */
struct sampler;

/* A decoded PERF_RECORD_SAMPLE. */
struct sampler_sample {
	pid_t tid;
	uint64_t time_ns;		/* CLOCK_MONOTONIC */
	uint64_t cpu_ns;		/* the thread's task-clock when the sample was taken */
	struct arch_regs regs;		/* syscall_nr is -1: a sample does not say whether it was in a syscall */
	uint64_t stack_addr;		/* target address of stack[0] (the sampled sp) */
	const uint8_t *stack;		/* borrowed: points into the record it was decoded from */
	size_t stack_len;
	struct rcbuf *buf;		/* borrowed, NULL from sampler_decode: the buffer stack points into,
					 * valid until the next sampler call; rcbuf_ref it to keep it longer */
};

/* Sets up a sampler for pid (no event is opened yet). */
struct sampler *sampler_new(pid_t pid, uint64_t period_ns);
void sampler_free(struct sampler *s);
/* Makes sure tid has its event. Returns 0, or -1 with e saying why; after a failure that means
 * perf sampling is not possible at all (permission, no kernel support), sampler_usable() is false. */
int sampler_track(struct sampler *s, pid_t tid, struct err *e);
bool sampler_usable(const struct sampler *s);
/* Why sampling is not possible ("perf_event_open: Permission denied (...)"), NULL while it is. */
const char *sampler_broken_why(const struct sampler *s);
/* Closes the events of threads not tracked since the previous sweep (they exited). */
void sampler_sweep(struct sampler *s);
/* Whether tid ran since the previous call for it: it was scheduled in (the kernel refreshes the
 * control page then) or sampled (a thread that never leaves its CPU is never scheduled in again).
 * 1 yes, 0 no: its registers and stack are as they were; -1 not tracked. A new event counts as 1. */
int sampler_ran(struct sampler *s, pid_t tid);
/* The same question since that call, without asking it anew (the next sampler_ran still
 * compares with what the previous one saw). */
int sampler_ran_since(struct sampler *s, pid_t tid);
/* Notes tid's task clock now (after sampler_ran, before /proc is read), for sampler_on_cpu.
 * 0, or -1 if tid is not tracked or its event cannot be read. */
int sampler_mark(struct sampler *s, pid_t tid);
/* Whether tid is on a CPU now: its task clock moves between two reads. 1 yes, 0 no, and *idle
 * says it has had no CPU time at all since its sampler_mark (so it cannot have changed since
 * then, and cannot without being scheduled in, which sampler_ran sees). -1: no mark to use. */
int sampler_on_cpu(struct sampler *s, pid_t tid, bool *idle);
/* The newest sample of tid, decoded into *out (its stack points into a buffer of s, valid until
 * the next sampler call for tid). Returns 1, 0 when tid has none yet, -1 when tid is not tracked. */
int sampler_latest(struct sampler *s, pid_t tid, struct sampler_sample *out);

/* Pure parts, exposed for unit tests. */
/* Decodes one sample record (header included) as sampler's events write them. Returns 0 or -1. */
int sampler_decode(const uint8_t *rec, size_t len, struct sampler_sample *out);
/* Finds the newest PERF_RECORD_SAMPLE in a backward (overwrite) ring buffer of size bytes (a
 * power of two) whose data_head is head: *at gets its offset from head. Returns its length, 0 if
 * there is none, -1 if the buffer is corrupt. */
ssize_t sampler_ring_find(const uint8_t *data, size_t size, uint64_t head, uint64_t *at);

#endif
