/* goruntime.h - reading a Go program's goroutines and sync locks from target memory. */
#ifndef HOLDUP_GORUNTIME_H
#define HOLDUP_GORUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

struct jw;
struct output_opts;
struct unwinder;

/* At most this many goroutines are read from one snapshot; the rest are counted, not read. */
#define GORUNTIME_MAX_GOROUTINES 100000

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

/* The Go view of a snapshot. */
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
	bool truncated;			/* more than GORUNTIME_MAX_GOROUTINES */
};

/* Reads the goroutines and Go locks of s if its executable is a Go program; sets s->go (left NULL
 * otherwise) and appends Go locks to s->locks. *cache is a per-target cache (layouts from DWARF),
 * freed with goruntime_cache_free. Never fails: what cannot be read is recorded in s->go. */
void goruntime_analyze(struct snapshot *s, struct unwinder *u, void **cache);
void goruntime_cache_free(void *cache);

const char *goruntime_status_name(uint32_t status);
void goruntime_free(struct goinfo *g);
/* Text and JSON renderings of s->go, called by the text and JSON outputs when s->go is set. */
void goruntime_print_text(FILE *f, const struct snapshot *s, const struct output_opts *o);
void goruntime_print_json(struct jw *w, const struct snapshot *s);

#endif
