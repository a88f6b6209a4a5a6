/* corenote.c - placeholder for holdup's own core note: the coresave branch supplies the real reader and replaces this file. */
#include "corenote.h"

/* Records nothing: without the writer's format there is nothing to read yet. */
int
corenote_apply(struct snapshot *s, const void *desc, size_t len, struct err *e)
{
	(void)s;
	(void)desc;
	(void)len;
	(void)e;
	return 0;
}
