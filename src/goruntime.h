/* goruntime.h - reading a Go program's goroutines and sync locks from target memory. */
#ifndef HOLDUP_GORUNTIME_H
#define HOLDUP_GORUNTIME_H

#include "snapshot.h"

struct unwinder;

/* At most this many goroutines are read from one snapshot; the rest are counted, not read. */
#define GORUNTIME_MAX_GOROUTINES 100000

/* Reads the goroutines and Go locks of s if its executable is a Go program; sets s->go (left NULL
 * otherwise) and appends Go locks to s->locks. *cache is a per-target cache (layouts from DWARF),
 * freed with goruntime_cache_free. Never fails: what cannot be read is recorded in s->go. */
void goruntime_analyze(struct snapshot *s, struct unwinder *u, void **cache);
void goruntime_cache_free(void *cache);

#endif
