/* history.c - per-thread time in state and CPU% tracked across snapshots, for the dashboard. */
#include "history.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct history *
history_new(void)
{
	struct history *h = xcalloc(1, sizeof *h);

	h->clk_tck = sysconf(_SC_CLK_TCK);
	if (h->clk_tck <= 0)
		h->clk_tck = 100;
	return h;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	free(h->e);
	free(h);
}

uint64_t
history_snapshot_ns(const struct snapshot *s)
{
	return (uint64_t)s->taken.tv_sec * 1000000000u + (uint64_t)s->taken.tv_nsec;
}

static int
history_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct history_entry *)a)->tid, y = ((const struct history_entry *)b)->tid;

	return (x > y) - (x < y);
}

const struct history_entry *
history_find(const struct history *h, pid_t tid)
{
	struct history_entry key;

	if (h == NULL || h->n == 0)
		return NULL;
	key.tid = tid;
	return bsearch(&key, h->e, h->n, sizeof *h->e, history_cmp);
}

void
history_update(struct history *h, const struct snapshot *s)
{
	uint64_t now = history_snapshot_ns(s);
	uint64_t dt = h->last_ns != 0 && now > h->last_ns ? now - h->last_ns : 0;
	bool first = h->last_ns == 0;
	size_t oldn = h->n, w;

	h->gen++;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		struct history_entry key, *e = NULL;
		uint64_t ticks = t->utime_ticks + t->stime_ticks;

		/* Only the first oldn entries are sorted; new threads go after them, sorted in below. */
		key.tid = t->tid;
		if (oldn > 0)
			e = bsearch(&key, h->e, oldn, sizeof *h->e, history_cmp);
		if (e == NULL) {
			xgrow(&h->e, &h->cap, h->n + 1, sizeof *h->e);
			e = &h->e[h->n++];
			memset(e, 0, sizeof *e);
			e->tid = t->tid;
			e->state = t->state;
			e->wait_kind = t->wait.kind;
			e->wait_addr = t->wait.address;
			e->since_ns = now;
			e->since_first = first;
			e->cpu_pct = -1;
		} else {
			if (e->state != t->state || e->wait_kind != t->wait.kind ||
			    e->wait_addr != t->wait.address) {
				e->state = t->state;
				e->wait_kind = t->wait.kind;
				e->wait_addr = t->wait.address;
				e->since_ns = now;
				e->since_first = false;
			}
			/* Prefer schedstat (ns) over ticks when both samples have it. */
			if (dt == 0)
				e->cpu_pct = -1;
			else if (t->sched_runtime_ns != 0 && e->runtime_ns != 0 && t->sched_runtime_ns >= e->runtime_ns)
				e->cpu_pct = 100.0 * (double)(t->sched_runtime_ns - e->runtime_ns) / (double)dt;
			else if (ticks >= e->ticks)
				e->cpu_pct = 100.0 * (double)(ticks - e->ticks) * 1e9 / (double)h->clk_tck / (double)dt;
			else
				e->cpu_pct = -1;
		}
		e->runtime_ns = t->sched_runtime_ns;
		e->ticks = ticks;
		e->gen = h->gen;
	}
	w = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->e[i].gen == h->gen)
			h->e[w++] = h->e[i];
	h->n = w;
	util_sort(h->e, h->n, sizeof *h->e, history_cmp);
	h->last_ns = now;
}

double
history_state_secs(const struct history *h, const struct snapshot *s, pid_t tid)
{
	const struct history_entry *e = history_find(h, tid);
	uint64_t now = history_snapshot_ns(s);

	if (e == NULL || now < e->since_ns)
		return -1;
	return (double)(now - e->since_ns) / 1e9;
}

double
history_cpu(const struct history *h, pid_t tid)
{
	const struct history_entry *e = history_find(h, tid);

	return e == NULL ? -1 : e->cpu_pct;
}
