/* rcbuf.c - reference-counted byte buffers, so that snapshots share a sample's stack copy instead of copying it. */
#include "rcbuf.h"

#include <stdlib.h>

#include "util.h"

struct rcbuf *
rcbuf_new(size_t cap)
{
	struct rcbuf *b = xmalloc(sizeof *b + cap);

	b->refs = 1;
	b->cap = cap;
	return b;
}

struct rcbuf *
rcbuf_ref(struct rcbuf *b)
{
	b->refs++;
	return b;
}

void
rcbuf_unref(struct rcbuf *b)
{
	if (b != NULL && --b->refs == 0)
		free(b);
}

struct rcbuf *
rcbuf_own(struct rcbuf **b, size_t cap)
{
	if (*b != NULL && (*b)->refs == 1 && (*b)->cap >= cap)
		return *b;
	rcbuf_unref(*b);
	*b = rcbuf_new(cap);
	return *b;
}
