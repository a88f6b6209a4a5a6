/* output_json.c - the machine-readable dump (schema in doc/json-schema.md); one object per snapshot. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"
#include "output_json_go.h"
#include "output_select.h"
#include "syscalls.h"
#include "util.h"

struct output_json {
	struct jw w;
	struct output_opts o;
	bool array;		/* json-array: one JSON document, an array of snapshots */
	size_t nsnap;
};

static void *
output_json_begin(FILE *f, const struct output_opts *o)
{
	struct output_json *oj = xcalloc(1, sizeof *oj);

	jw_init(&oj->w, f, false);
	if (o != NULL)
		oj->o = *o;
	return oj;
}

static void
output_json_frames(struct jw *w, const struct frame *fr, size_t n)
{
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(w);
		jw_khex(w, "pc", fr[i].pc);
		jw_kstring(w, "function", fr[i].function);
		jw_kuint(w, "offset", fr[i].offset);
		jw_kstring(w, "module", fr[i].module);
		jw_kstring(w, "file", fr[i].file);
		jw_kint(w, "line", fr[i].line);
		jw_kbool(w, "inline", fr[i].inlined);
		if (fr[i].jit)
			jw_kbool(w, "jit", true);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void
output_json_syscall(struct jw *w, const struct snapshot *s, const struct thread *t)
{
	if (t->syscall < 0) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_kint(w, "nr", t->syscall);
	jw_kstring(w, "name", syscalls_name(s->arch, t->syscall));
	jw_key(w, "args");
	jw_array_begin(w);
	for (int i = 0; i < 6; i++)
		jw_hex(w, t->syscall_args[i]);
	jw_array_end(w);
	if (syscalls_classify(s->arch, t->syscall) == ARCH_SYSCALL_FUTEX_WAIT)
		jw_kstring(w, "futex_op", syscalls_futex_op_name(t->syscall_args[1]));
	if (syscalls_classify(s->arch, t->syscall) == ARCH_SYSCALL_IO_FD ||
	    syscalls_classify(s->arch, t->syscall) == ARCH_SYSCALL_IO_EPOLL) {
		jw_kint(w, "fd", (int)t->syscall_args[0]);
		jw_kstring(w, "fd_target", snapshot_fd_target(s, (int)t->syscall_args[0]));
	}
	jw_object_end(w);
}

/* What the wait's own line says in text: the cycle a waiter is stuck behind (behind_deadlock: its
 * index in deadlocks, present only then) and holders that are no thread of the process any more
 * (holders_exited, present only then). */
static void
output_json_wait_more(struct jw *w, const struct snapshot *s, const struct thread *t, const struct lock *l)
{
	size_t gone = 0;

	if (!t->wait.in_deadlock && t->wait.root >= 0)
		for (size_t d = 0; d < s->ndeadlocks; d++)
			for (size_t i = 0; i < s->deadlocks[d].nthreads; i++)
				if (s->deadlocks[d].threads[i] == t->wait.root) {
					jw_kuint(w, "behind_deadlock", d);
					d = s->ndeadlocks - 1;
					break;
				}
	for (size_t i = 0; l != NULL && i < l->nholders; i++)
		gone += snapshot_thread_index(s, l->holders[i]) < 0;
	if (gone == 0)
		return;
	jw_key(w, "holders_exited");
	jw_array_begin(w);
	for (size_t i = 0; i < l->nholders; i++)
		if (snapshot_thread_index(s, l->holders[i]) < 0)
			jw_int(w, l->holders[i]);
	jw_array_end(w);
}

static void
output_json_wait(struct jw *w, const struct snapshot *s, const struct thread *t)
{
	const struct lock *l = t->wait.lock >= 0 && (size_t)t->wait.lock < s->nlocks ? &s->locks[t->wait.lock] : NULL;

	if (t->wait.kind == WAIT_NONE) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_kstring(w, "kind", snapshot_wait_kind_name(t->wait.kind));
	if (t->wait.address != 0)
		jw_khex(w, "address", t->wait.address);
	else
		jw_kstring(w, "address", NULL);
	jw_kstring(w, "symbol", t->wait.symbol);
	jw_key(w, "holders");
	jw_array_begin(w);
	for (size_t i = 0; l != NULL && i < l->nholders; i++)
		jw_int(w, l->holders[i]);
	jw_array_end(w);
	jw_kbool(w, "holders_known", l != NULL && l->holders_known);
	jw_kstring(w, "detail", t->wait.detail);
	if (t->wait.root >= 0 && (size_t)t->wait.root < s->nthreads)
		jw_kint(w, "root", s->threads[t->wait.root].tid);
	else
		jw_kstring(w, "root", NULL);
	jw_kbool(w, "in_deadlock", t->wait.in_deadlock);
	output_json_wait_more(w, s, t, l);
	jw_object_end(w);
}

static void
output_json_thread(struct jw *w, const struct snapshot *s, const struct thread *t)
{
	jw_object_begin(w);
	jw_kint(w, "tid", t->tid);
	if (t->ns_tid != 0)
		jw_kint(w, "ns_tid", t->ns_tid);
	jw_kstring(w, "name", t->name);
	jw_kstring(w, "state", snapshot_state_name(t->state));
	if (t->state_reason != NULL)
		jw_kstring(w, "state_reason", t->state_reason);
	jw_key(w, "proc_state");
	{
		char st[2] = { t->proc_state ? t->proc_state : '?', '\0' };

		jw_string(w, st);
	}
	jw_key(w, "syscall");
	output_json_syscall(w, s, t);
	jw_kstring(w, "wchan", t->wchan);
	jw_kstring(w, "capture", snapshot_capture_status_name(t->status));
	jw_kbool(w, "stopped", t->status == CAPTURE_OK);
	jw_kstring(w, "error", t->error);
	if (t->pending_signal != 0)
		jw_kint(w, "signal_reinjected", t->pending_signal);
	jw_kuint(w, "cpu_ns", t->sched_runtime_ns);
	jw_key(w, "wait");
	output_json_wait(w, s, t);
	jw_key(w, "frames");
	output_json_frames(w, t->frames, t->nframes);
	jw_kstring(w, "unwind_error", t->unwind_error);
	jw_object_end(w);
}

/* A lock's probable holders (only for a lock that records no owner): likely, never certain. */
static void
output_json_probable(struct jw *w, const struct snapshot *s, const struct lock *l)
{
	jw_key(w, "probable_holders");
	jw_array_begin(w);
	for (size_t j = 0; j < l->nprobable; j++) {
		const struct probable_holder *p = &l->probable[j];

		jw_object_begin(w);
		if (p->thread >= 0 && (size_t)p->thread < s->nthreads)
			jw_kint(w, "thread", s->threads[p->thread].tid);
		else
			jw_kuint(w, "goroutine", p->goroutine);
		jw_key(w, "frame");
		if (p->frame_index < 0) {
			jw_null(w);
		} else {
			jw_object_begin(w);
			jw_kint(w, "index", p->frame_index);
			jw_khex(w, "pc", p->frame.pc);
			jw_kstring(w, "function", p->frame.function);
			jw_kstring(w, "file", p->frame.file);
			jw_kint(w, "line", p->frame.line);
			jw_object_end(w);
		}
		if (p->slot != 0)
			jw_khex(w, "slot", p->slot);
		else
			jw_kstring(w, "slot", NULL);
		jw_kstring(w, "mode", snapshot_holder_mode_name(p->mode));
		jw_kstring(w, "evidence", snapshot_holder_evidence_name(p->evidence));
		jw_kint(w, "rank", p->rank);
		jw_object_end(w);
	}
	jw_array_end(w);
	if (l->expected_holders > 0)
		jw_kint(w, "expected_holders", l->expected_holders);
	jw_kstring(w, "probable_note", l->probable_note);
}

static void
output_json_locks(struct jw *w, const struct snapshot *s)
{
	jw_array_begin(w);
	for (size_t i = 0; i < s->nlocks; i++) {
		const struct lock *l = &s->locks[i];

		jw_object_begin(w);
		jw_khex(w, "address", l->address);
		jw_kstring(w, "kind", snapshot_lock_kind_name(l->kind));
		jw_kstring(w, "symbol", l->symbol);
		jw_kstring(w, "variant", l->variant);
		jw_key(w, "holders");
		jw_array_begin(w);
		for (size_t j = 0; j < l->nholders; j++)
			jw_int(w, l->holders[j]);
		jw_array_end(w);
		jw_kbool(w, "holders_known", l->holders_known);
		jw_key(w, "waiters");
		jw_array_begin(w);
		for (size_t j = 0; j < l->nwaiters; j++)
			if (l->waiters[j] >= 0 && (size_t)l->waiters[j] < s->nthreads)
				jw_int(w, s->threads[l->waiters[j]].tid);
		jw_array_end(w);
		if (l->readers >= 0)
			jw_kint(w, "readers", l->readers);
		else
			jw_kstring(w, "readers", NULL);
		if (l->count >= 0)
			jw_kint(w, "count", l->count);
		jw_kbool(w, "owner_died", l->owner_died);
		jw_kstring(w, "note", l->note);
		if (l->ngo_waiters > 0 || l->kind == LOCK_GO_MUTEX || l->kind == LOCK_GO_RWMUTEX) {
			jw_key(w, "goroutine_waiters");
			jw_array_begin(w);
			for (size_t j = 0; j < l->ngo_waiters; j++)
				jw_uint(w, l->go_waiters[j]);
			jw_array_end(w);
		}
		output_json_probable(w, s, l);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void
output_json_deadlocks(struct jw *w, const struct snapshot *s)
{
	jw_array_begin(w);
	for (size_t i = 0; i < s->ndeadlocks; i++) {
		const struct deadlock *d = &s->deadlocks[i];

		jw_object_begin(w);
		jw_key(w, "threads");
		jw_array_begin(w);
		for (size_t j = 0; j < d->nthreads; j++)
			jw_int(w, s->threads[d->threads[j]].tid);
		jw_array_end(w);
		jw_key(w, "locks");
		jw_array_begin(w);
		for (size_t j = 0; j < d->nlocks; j++)
			jw_hex(w, d->locks[j]);
		jw_array_end(w);
		jw_kbool(w, "probable", d->probable);
		if (d->ngoroutines > 0) {
			jw_key(w, "goroutines");
			jw_array_begin(w);
			for (size_t j = 0; j < d->ngoroutines; j++)
				jw_uint(w, d->goroutines[j]);
			jw_array_end(w);
		}
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* The threads the filters pass; with --group also thread_groups, the TIDs of each fold. */
static void
output_json_threads(struct jw *w, const struct snapshot *s, const struct output_opts *o)
{
	int *sel;
	size_t nsel = output_select_threads(s, o->filter, &sel);

	if (o->filter != NULL && o->filter->on) {
		jw_kuint(w, "threads_total", s->nthreads);
		jw_kstring(w, "filter", o->filter->text);
	}
	jw_key(w, "threads");
	jw_array_begin(w);
	for (size_t i = 0; i < nsel; i++)
		output_json_thread(w, s, &s->threads[sel[i]]);
	jw_array_end(w);
	if (o->group) {
		struct output_group *g;
		size_t ng = output_group_threads(s, sel, nsel, NULL, &g);

		jw_key(w, "thread_groups");
		jw_array_begin(w);
		for (size_t i = 0; i < ng; i++) {
			jw_array_begin(w);
			for (size_t k = 0; k < g[i].n; k++)
				jw_int(w, s->threads[g[i].threads[k]].tid);
			jw_array_end(w);
		}
		jw_array_end(w);
		output_groups_free(g, ng);
	}
	free(sel);
}

/* The capture's rounds (doc/design.md, capture modes): how many, the threads read again because
 * they ran meanwhile, and what each round stopped. */
static void
output_json_rounds(struct jw *w, const struct snapshot *s)
{
	jw_kuint(w, "capture_rounds", s->nrounds);
	jw_kuint(w, "threads_retaken", s->threads_retaken);
	jw_key(w, "capture_round_detail");
	jw_array_begin(w);
	for (size_t i = 0; i < s->nrounds; i++) {
		const struct capture_round *r = &s->rounds[i];

		jw_object_begin(w);
		jw_kstring(w, "kind", snapshot_capture_round_kind_name(r->kind));
		jw_kuint(w, "stopped", r->stopped);
		jw_kuint(w, "ran", r->ran);
		jw_kuint(w, "pause_us", r->pause_us);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static int
output_json_add(void *state, const struct snapshot *s)
{
	struct output_json *oj = state;
	struct jw *w = &oj->w;
	bool musl = s->libc_name != NULL && strcmp(s->libc_name, "musl") == 0;

	if (oj->array)
		fputs(oj->nsnap++ == 0 ? "[\n" : ",\n", w->f);
	jw_init(w, w->f, w->pretty);	/* each snapshot is a JSON document (and line) of its own */
	jw_object_begin(w);
	jw_kint(w, "pid", s->pid);
	jw_kstring(w, "arch", s->arch->name);
	jw_kstring(w, "exe", s->exe);
	jw_kstring(w, "cmdline", s->cmdline);
	jw_kbool(w, "pid_namespace", s->pidns);
	if (s->pidns)
		jw_kint(w, "ns_pid", s->ns_pid);
	jw_kstring(w, "cgroup", s->container);
	jw_kdouble(w, "time", (double)s->taken.tv_sec + (double)s->taken.tv_nsec / 1e9);
	jw_kuint(w, "pause_us", s->pause_us);
	jw_kuint(w, "capture_us", s->capture_us);
	jw_kint(w, "threads_stopped", s->nstopped);
	jw_kuint(w, "threads_exited", s->threads_exited);
	jw_kstring(w, "source", s->source);
	jw_kstring(w, "capture_mode", snapshot_capture_mode_name(s));
	output_json_rounds(w, s);
	jw_kbool(w, "target_was_stopped", s->target_was_stopped);
	jw_kstring(w, "capture_note", s->capture_note);
	{
		char *tr[4];
		size_t ntr = snapshot_truncations(s, tr);

		/* the budgets that cut this snapshot's analysis short: what is missing is not absent */
		jw_key(w, "truncated");
		jw_array_begin(w);
		for (size_t i = 0; i < ntr; i++) {
			jw_string(w, tr[i]);
			free(tr[i]);
		}
		jw_array_end(w);
	}
	if (s->glibc_source != NULL) {
		char v[32];

		snprintf(v, sizeof v, "%d.%d", s->glibc_version / 1000, s->glibc_version % 1000);
		/* "glibc" as before for glibc (or none found); "libc" says which, musl included */
		if (!musl) {
			jw_key(w, "glibc");
			jw_object_begin(w);
			jw_kstring(w, "version", s->glibc_version != 0 ? v : NULL);
			jw_kstring(w, "source", s->glibc_source);
			jw_object_end(w);
		}
		jw_key(w, "libc");
		jw_object_begin(w);
		jw_kstring(w, "name", s->libc_name);
		jw_kstring(w, "version", s->glibc_version != 0 ? v : NULL);
		jw_kstring(w, "source", s->glibc_source);
		jw_object_end(w);
	}
	/* an empty deadlocks list is an all-clear only when the lock owners could be read */
	const char *incomplete = snapshot_deadlocks_incomplete(s, NULL);

	jw_kbool(w, "deadlocks_complete", incomplete == NULL);
	jw_kstring(w, "deadlocks_incomplete", incomplete);
	output_json_threads(w, s, &oj->o);
	jw_key(w, "locks");
	output_json_locks(w, s);
	jw_key(w, "deadlocks");
	output_json_deadlocks(w, s);
	if (s->go != NULL)
		output_json_go_print(w, s);
	jw_object_end(w);
	jw_done(w);
	if (!oj->array)
		fputc('\n', w->f);
	/* One whole line per snapshot, flushed: a reader of JSON Lines sees complete ones. */
	return fflush(w->f) == 0 && !ferror(w->f) ? 0 : -1;
}

static int
output_json_end(void *state)
{
	struct output_json *oj = state;
	int rc;

	/* an array of no snapshot is still one valid document */
	if (oj->array)
		fputs(oj->nsnap == 0 ? "[]\n" : "\n]\n", oj->w.f);
	rc = fflush(oj->w.f) == 0 && !ferror(oj->w.f) ? 0 : -1;
	free(oj);
	return rc;
}

static void *
output_json_array_begin(FILE *f, const struct output_opts *o)
{
	struct output_json *oj = output_json_begin(f, o);

	oj->array = true;
	return oj;
}

const struct output_format output_json_format = {
	"json", output_json_begin, output_json_add, output_json_end,
};

/* record -o FILE.json: one JSON document (an array of snapshot objects), not JSON Lines. */
const struct output_format output_json_array_format = {
	"json-array", output_json_array_begin, output_json_add, output_json_end,
};
