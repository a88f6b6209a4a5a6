/* goruntime.h - reading a Go program's goroutines and sync locks from target memory. */
#ifndef HOLDUP_GORUNTIME_H
#define HOLDUP_GORUNTIME_H

#include <stdbool.h>

#include "holders.h"
#include "snapshot.h"

struct unwinder;

/* At most this many goroutines are read from one snapshot; the rest are counted, not read. */
#define GORUNTIME_MAX_GOROUTINES SNAPSHOT_GOROUTINE_BUDGET

/* Reads the goroutines and Go locks of s if its executable is a Go program; sets s->go (left NULL
 * otherwise) and appends Go locks to s->locks. *cache is a per-target cache (layouts from DWARF),
 * freed with goruntime_cache_free. Never fails: what cannot be read is recorded in s->go. */
void goruntime_analyze(struct snapshot *s, struct unwinder *u, void **cache);
void goruntime_cache_free(void *cache);
/* The Go hooks for probable holders (holders.h) of the snapshot s last analyzed with cache: deferred
 * Unlock/RUnlock closures and frames that took a sync lock before their pc. False (h zeroed) if s is
 * not a Go program with a known layout. h stays valid while cache, s and u do. */
bool goruntime_holder_hooks(void *cache, const struct snapshot *s, struct unwinder *u, struct holders_hooks *h);

#endif
