/* output_dot.c - dump's wait-for graph for Graphviz: waiter -> lock -> holder, deadlock cycles in red. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "sanitize.h"
#include "util.h"

#define DOT_CYCLE " color=red fontcolor=red penwidth=2.5 style=bold"

struct output_dot {
	FILE *f;		/* borrowed */
	int nsnap;
};

/* Writes s as the inside of a DOT quoted string: control bytes and invalid UTF-8 become \xNN
 * (sanitize), then backslash and quote are escaped so no target name ends the string or makes
 * a DOT escape (\N, \G, \l ...). */
static void
output_dot_str(FILE *f, const char *s)
{
	char buf[512];

	for (const char *p = sanitize_str(s, buf, sizeof buf); *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
}

static void *
output_dot_begin(FILE *f, const struct output_opts *o)
{
	struct output_dot *st = xcalloc(1, sizeof *st);

	(void)o;
	st->f = f;
	return st;
}

/* Does thread ti take part in the graph: it waits on a lock or holds one. */
static bool
output_dot_involved(const struct snapshot *s, size_t ti)
{
	const struct thread *t = &s->threads[ti];

	if (t->wait.lock >= 0 && (size_t)t->wait.lock < s->nlocks)
		return true;
	for (size_t i = 0; i < s->nlocks; i++)
		for (size_t h = 0; h < s->locks[i].nholders; h++)
			if (s->locks[i].holders[h] == t->tid)
				return true;
	return false;
}

/* Is lock li -> holder thread hi an edge of a deadlock cycle. */
static bool
output_dot_cycle_edge(const struct snapshot *s, size_t li, int hi)
{
	for (size_t d = 0; d < s->ndeadlocks; d++) {
		const struct deadlock *dl = &s->deadlocks[d];

		for (size_t i = 0; i < dl->nthreads && i < dl->nlocks; i++)
			if (dl->locks[i] == s->locks[li].address && dl->threads[(i + 1) % dl->nthreads] == hi)
				return true;
	}
	return false;
}

static void
output_dot_thread(FILE *f, const struct snapshot *s, size_t ti)
{
	const struct thread *t = &s->threads[ti];

	fprintf(f, "  t%d [shape=box label=\"TID %d", (int)t->tid, (int)t->tid);
	if (t->ns_tid != 0 && t->ns_tid != t->tid)
		fprintf(f, " (ns %d)", (int)t->ns_tid);
	fputs("\\n\\\"", f);
	output_dot_str(f, t->name ? t->name : "");
	fprintf(f, "\\\"\\n%s\"%s];\n", snapshot_state_name(t->state), t->wait.in_deadlock ? DOT_CYCLE : "");
}

static void
output_dot_lock(FILE *f, const struct snapshot *s, size_t li)
{
	const struct lock *l = &s->locks[li];
	bool cyc = false;

	for (size_t d = 0; d < s->ndeadlocks; d++)
		for (size_t i = 0; i < s->deadlocks[d].nlocks; i++)
			cyc |= s->deadlocks[d].locks[i] == l->address;
	fprintf(f, "  l%zu [shape=ellipse label=\"", li);
	if (l->kind == LOCK_JOIN && l->nholders == 1) {
		fprintf(f, "join of thread %d", (int)l->holders[0]);
	} else {
		fputs(snapshot_lock_kind_name(l->kind), f);
		if (l->symbol != NULL) {
			fputc(' ', f);
			output_dot_str(f, l->symbol);
		}
		if (l->variant != NULL) {
			fputs(" [", f);
			output_dot_str(f, l->variant);
			fputc(']', f);
		}
	}
	fprintf(f, "\\n0x%" PRIx64 "\"%s];\n", l->address, cyc ? DOT_CYCLE : "");
}

/* The edges out of lock li: to each holder, or to a node saying the holder is not known. */
static void
output_dot_holders(FILE *f, const struct snapshot *s, size_t li)
{
	const struct lock *l = &s->locks[li];

	if (!l->holders_known || (l->nholders == 0 && l->kind == LOCK_FUTEX)) {
		fprintf(f, "  u%zu [shape=plaintext label=\"owner unknown\\n(the lock does not record it)\"];\n", li);
		fprintf(f, "  l%zu -> u%zu [style=dashed label=\"held by?\"];\n", li, li);
		return;
	}
	for (size_t h = 0; h < l->nholders; h++) {
		int hi = snapshot_thread_index(s, l->holders[h]);

		if (hi < 0) {
			/* a holder that is no thread of the process any more */
			fprintf(f, "  x%zu_%zu [shape=box style=dashed label=\"TID %d\\nnot a thread of this process "
			    "(exited holding it?)\"];\n", li, h, (int)l->holders[h]);
			fprintf(f, "  l%zu -> x%zu_%zu [label=\"held by\"];\n", li, li, h);
			continue;
		}
		fprintf(f, "  l%zu -> t%d [label=\"%s\"%s];\n", li, (int)l->holders[h],
		    l->kind == LOCK_JOIN ? "until it exits" : "held by", output_dot_cycle_edge(s, li, hi) ? DOT_CYCLE : "");
	}
}

/* Goroutines waiting on Go locks: a node each, an edge to the lock. */
static void
output_dot_goroutines(FILE *f, const struct snapshot *s)
{
	if (s->go == NULL)
		return;
	for (size_t i = 0; i < s->go->ngs; i++) {
		const struct goroutine *g = &s->go->gs[i];

		if (g->lock < 0 || (size_t)g->lock >= s->nlocks)
			continue;
		fprintf(f, "  g%" PRIu64 " [shape=box style=rounded label=\"goroutine %" PRIu64 "\\n%s", g->id, g->id,
		    snapshot_state_name(g->state));
		if (g->wait_reason != NULL) {
			fputs("\\n", f);
			output_dot_str(f, g->wait_reason);
		}
		fputs("\"];\n", f);
		fprintf(f, "  g%" PRIu64 " -> l%d [label=\"waits\"];\n", g->id, g->lock);
	}
}

static int
output_dot_add(void *state, const struct snapshot *s)
{
	struct output_dot *st = state;
	FILE *f = st->f;

	fprintf(f, "digraph \"holdup_%d_%d\" {\n", (int)s->pid, st->nsnap++);
	fprintf(f, "  graph [rankdir=LR label=\"holdup: process %d ", (int)s->pid);
	output_dot_str(f, s->exe ? util_basename(s->exe) : "?");
	fprintf(f, ", %zu thread%s, %zu lock%s, %zu deadlock%s\" labelloc=t];\n", s->nthreads, s->nthreads == 1 ? "" : "s",
	    s->nlocks, s->nlocks == 1 ? "" : "s", s->ndeadlocks, s->ndeadlocks == 1 ? "" : "s");
	fputs("  node [fontname=\"monospace\" fontsize=10];\n  edge [fontname=\"monospace\" fontsize=9];\n", f);
	for (size_t i = 0; i < s->nthreads; i++)
		if (output_dot_involved(s, i))
			output_dot_thread(f, s, i);
	for (size_t i = 0; i < s->nlocks; i++)
		output_dot_lock(f, s, i);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];

		if (t->wait.lock >= 0 && (size_t)t->wait.lock < s->nlocks)
			fprintf(f, "  t%d -> l%d [label=\"waits\"%s];\n", (int)t->tid, t->wait.lock,
			    t->wait.in_deadlock ? DOT_CYCLE : "");
	}
	for (size_t i = 0; i < s->nlocks; i++)
		output_dot_holders(f, s, i);
	output_dot_goroutines(f, s);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}

static int
output_dot_end(void *state)
{
	struct output_dot *st = state;
	int rc = fflush(st->f) == 0 && !ferror(st->f) ? 0 : -1;

	free(st);
	return rc;
}

const struct output_format output_dot_format = {
	"dot", output_dot_begin, output_dot_add, output_dot_end,
};
