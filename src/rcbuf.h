/* rcbuf.h - reference-counted byte buffers: a perf sample's copy shared by the sampler and the snapshots whose stacks point into it. */
#ifndef HOLDUP_RCBUF_H
#define HOLDUP_RCBUF_H

#include <stddef.h>
#include <stdint.h>

/* Single-threaded, like the capture that makes them and the snapshots that hold them. */
struct rcbuf {
	size_t refs;
	size_t cap;
	uint8_t data[];		/* cap bytes */
};

/* A buffer of cap bytes with one reference (the caller's). */
struct rcbuf *rcbuf_new(size_t cap);
/* Another reference to b; returns b. */
struct rcbuf *rcbuf_ref(struct rcbuf *b);
/* Drops one reference; the last frees b. NULL is ignored. */
void rcbuf_unref(struct rcbuf *b);
/* A buffer of at least cap bytes that only the caller holds, to write into: *b itself if it is
 * the sole reference and large enough, else a new one (dropping the caller's reference to *b). */
struct rcbuf *rcbuf_own(struct rcbuf **b, size_t cap);

#endif
