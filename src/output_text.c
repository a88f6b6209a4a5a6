/* output_text.c - the human-readable dump: header, threads with stacks, locks, deadlocks. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "output_select.h"
#include "output_text_go.h"
#include "sanitize.h"
#include "syscalls.h"
#include "util.h"

struct output_text {
	FILE *f;		/* borrowed */
	struct output_opts o;
	int nsnap;
};

#define C_RED "\033[31m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RESET "\033[0m"

static const char *
output_text_c(const struct output_text *ot, const char *code)
{
	return ot->o.color ? code : "";
}

static void *
output_text_begin(FILE *f, const struct output_opts *o)
{
	struct output_text *ot = xcalloc(1, sizeof *ot);

	ot->f = f;
	if (o != NULL)
		ot->o = *o;
	return ot;
}

/* "futex(0x7f.. <accounts_lock>, FUTEX_WAIT_PRIVATE, 2)", "read(3 <socket:[123]>)" ... */
static void
output_text_syscall(FILE *f, const struct snapshot *s, const struct thread *t)
{
	const char *name = syscalls_name(s->arch, t->syscall);
	char buf[256];

	if (t->on_cpu) {
		fputs("on cpu", f);
		return;
	}
	if (t->task_running) {
		fputs("waiting for a cpu", f);
		return;
	}
	if (t->syscall == -1) {
		fputs("not in a syscall", f);
		return;
	}
	if (t->syscall < 0) {
		fputs("syscall unknown", f);
		return;
	}
	if (name != NULL)
		fputs(name, f);
	else
		fprintf(f, "syscall_%ld", t->syscall);
	switch (syscalls_classify(s->arch, t->syscall)) {
	case ARCH_SYSCALL_FUTEX_WAIT: {
		const char *op = syscalls_futex_op_name(t->syscall_args[1]);

		fprintf(f, "(0x%" PRIx64 ", %s%s, %" PRIu64 ")", t->syscall_args[0], op ? op : "?",
		    (t->syscall_args[1] & 128) ? "_PRIVATE" : "", t->syscall_args[2]);
		break;
	}
	case ARCH_SYSCALL_IO_FD:
	case ARCH_SYSCALL_IO_EPOLL: {
		const char *target = snapshot_fd_target(s, (int)t->syscall_args[0]);

		fprintf(f, "(%d", (int)t->syscall_args[0]);
		if (target != NULL)
			fprintf(f, " <%s>", sanitize_str(target, buf, sizeof buf));
		fputc(')', f);
		break;
	}
	case ARCH_SYSCALL_IO_POLL:
		fprintf(f, "(0x%" PRIx64 ", %" PRIu64 " fds)", t->syscall_args[0], t->syscall_args[1]);
		break;
	default:
		fprintf(f, "(0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ")", t->syscall_args[0], t->syscall_args[1],
		    t->syscall_args[2]);
		break;
	}
}

/* Writes prefix then v in base (10 or 16) at p, zero-padded to width digits; returns the end. */
static char *
output_text_uint(char *p, const char *prefix, uint64_t v, unsigned base, int width)
{
	char digits[24];
	int n = 0;

	while (*prefix != '\0')
		*p++ = *prefix++;
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while (n < width)
		digits[n++] = '0';
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

/* Frames with addresses as wide as the process's pointers (8 digits for a 32-bit one). */
static void
output_text_frames(FILE *f, const struct snapshot *s, const struct frame *fr, size_t n)
{
	unsigned width = 2 * s->arch->ptr_size;

	for (size_t i = 0; i < n; i++) {
		const struct frame *x = &fr[i];
		char buf[80], *p = buf;

		/* "    #%-2zu 0x%016" PRIx64 " " by hand: fprintf was most of a 1000-thread dump's output time */
		p = output_text_uint(p, "    #", i, 10, 0);
		if (i < 10)
			*p++ = ' ';
		p = output_text_uint(p, " 0x", x->pc, 16, width);
		*p++ = ' ';
		fwrite(buf, 1, (size_t)(p - buf), f);
		if (x->inlined)
			fputs("[inlined] ", f);
		if (x->function != NULL) {
			sanitize_fputs(x->function, f);
			if (!x->inlined) {
				p = output_text_uint(buf, "+0x", x->offset, 16, 0);
				fwrite(buf, 1, (size_t)(p - buf), f);
			}
		} else {
			fputs("??", f);
		}
		if (x->module != NULL) {
			fputs(" (", f);
			sanitize_fputs(util_basename(x->module), f);
			fputc(')', f);
		}
		if (x->file != NULL) {
			fputc(' ', f);
			sanitize_fputs(x->file, f);
			if (x->line > 0)
				fprintf(f, ":%d", x->line);
		}
		fputc('\n', f);
	}
}

/* The probable holders' names only: "thread 12, thread 13". */
static void
output_text_probable_who(FILE *f, const struct snapshot *s, const struct lock *l)
{
	for (size_t i = 0; i < l->nprobable && i < 8; i++) {
		const struct probable_holder *p = &l->probable[i];

		if (p->thread >= 0 && (size_t)p->thread < s->nthreads)
			fprintf(f, "%s%d", i ? ", " : "", (int)s->threads[p->thread].tid);
		else
			fprintf(f, "%sgoroutine %" PRIu64, i ? ", " : "", p->goroutine);
	}
	if (l->nprobable > 8)
		fputs(", ...", f);
}

static void
output_text_holders(FILE *f, const struct lock *l)
{
	if (!l->holders_known) {
		fputs("owner unknown", f);
		return;
	}
	if (l->nholders == 0) {
		fputs("not held", f);
		return;
	}
	fputs("held by ", f);
	for (size_t i = 0; i < l->nholders; i++)
		fprintf(f, "%s%d", i ? ", " : "", (int)l->holders[i]);
}

/* A lock's probable holders, one a line, and what limited the search. */
void
output_text_probable(FILE *f, const struct snapshot *s, const struct lock *l, const char *indent)
{
	char buf[512];

	for (size_t i = 0; i < l->nprobable; i++)
		fprintf(f, "%sprobably held by %s\n", indent,
		    output_probable_describe(s, &l->probable[i], buf, sizeof buf));
	if (l->probable_note != NULL) {
		fprintf(f, "%s(probable holders: ", indent);
		sanitize_fputs(l->probable_note, f);
		fputs(")\n", f);
	}
}

/* On a waiter's own line: a holder that is no thread of the process (it exited holding the lock). */
static void
output_text_holders_gone(FILE *f, const struct snapshot *s, const struct lock *l)
{
	for (size_t i = 0; i < l->nholders; i++)
		if (snapshot_thread_index(s, l->holders[i]) < 0)
			fprintf(f, " (%d is not a thread of this process: it exited holding the lock?)", (int)l->holders[i]);
}

/* "threads 12 and 13", "threads 12, 13 and 14": the members of a deadlock cycle. */
static void
output_text_cycle_members(FILE *f, const struct snapshot *s, const struct deadlock *dl)
{
	fputs(dl->nthreads == 1 ? "thread" : "threads", f);
	for (size_t i = 0; i < dl->nthreads; i++)
		if (dl->threads[i] >= 0 && (size_t)dl->threads[i] < s->nthreads)
			fprintf(f, "%s%d", i == 0 ? " " : i + 1 == dl->nthreads ? " and " : ", ",
			    (int)s->threads[dl->threads[i]].tid);
}

/* The deadlock cycle thread index ti is part of, or NULL. */
static const struct deadlock *
output_text_cycle_of(const struct snapshot *s, int ti)
{
	for (size_t d = 0; d < s->ndeadlocks; d++)
		for (size_t i = 0; i < s->deadlocks[d].nthreads; i++)
			if (s->deadlocks[d].threads[i] == ti)
				return &s->deadlocks[d];
	return NULL;
}

static void
output_text_lockname(FILE *f, const struct lock *l)
{
	fputs(snapshot_lock_kind_name(l->kind), f);
	if (l->symbol != NULL) {
		fputc(' ', f);
		sanitize_fputs(l->symbol, f);
	}
	fprintf(f, " (0x%" PRIx64 ")", l->address);
}

/* What the thread waits on and what it holds, under its header line. */
static void
output_text_wait(struct output_text *ot, const struct snapshot *s, const struct thread *t, int ti)
{
	FILE *f = ot->f;
	const struct lock *l = t->wait.lock >= 0 && (size_t)t->wait.lock < s->nlocks ? &s->locks[t->wait.lock] : NULL;

	if (t->wait.kind == WAIT_JOIN && l != NULL && l->nholders == 1) {
		fprintf(f, "  - waiting for thread %d to exit (join)", (int)l->holders[0]);
		output_text_holders_gone(f, s, l);
		fputc('\n', f);
	} else if (t->wait.kind != WAIT_NONE && t->wait.kind != WAIT_SYSCALL) {
		fprintf(f, "  %s- waiting on %s", output_text_c(ot, C_BOLD), snapshot_wait_kind_name(t->wait.kind));
		if (t->wait.symbol != NULL) {
			fputc(' ', f);
			sanitize_fputs(t->wait.symbol, f);
		}
		if (t->wait.address != 0)
			fprintf(f, " <0x%" PRIx64 ">", t->wait.address);
		if (l != NULL) {
			fputs(", ", f);
			output_text_holders(f, l);
			if (l->nprobable > 0 && l->nholders == 0) {
				fputs(", probably held by ", f);
				output_text_probable_who(f, s, l);
			}
			output_text_holders_gone(f, s, l);
		}
		fputs(output_text_c(ot, C_RESET), f);
		fputc('\n', f);
	}
	if (t->wait.detail != NULL) {
		fputs("  - ", f);
		sanitize_fputs(t->wait.detail, f);
		fputc('\n', f);
	}
	if (t->wait.in_deadlock)
		fprintf(f, "  %s- part of a deadlock%s\n", output_text_c(ot, C_RED), output_text_c(ot, C_RESET));
	else if (t->wait.root >= 0 && t->wait.root != ti && (size_t)t->wait.root < s->nthreads) {
		const struct deadlock *dl = output_text_cycle_of(s, t->wait.root);

		/* behind a cycle no one member is the culprit: the cycle is */
		if (dl != NULL) {
			fprintf(f, "  %s- waits on the deadlock of ", output_text_c(ot, C_RED));
			output_text_cycle_members(f, s, dl);
			fprintf(f, "%s\n", output_text_c(ot, C_RESET));
		} else {
			fprintf(f, "  - wait chain ends at thread %d (the likely culprit)\n",
			    (int)s->threads[t->wait.root].tid);
		}
	}
	for (size_t i = 0; i < s->nlocks; i++) {
		const struct lock *h = &s->locks[i];

		/* being joined is not holding anything a reader would call a lock */
		for (size_t j = 0; j < h->nholders && h->kind != LOCK_JOIN; j++) {
			if (h->holders[j] != t->tid)
				continue;
			fputs("  - holds ", f);
			output_text_lockname(f, h);
			if (h->nwaiters > 0)
				fprintf(f, ", %zu waiting", h->nwaiters);
			fputc('\n', f);
		}
	}
}

/* The rounds a capture took when threads read without a stop ran meanwhile (doc/design.md). */
static void
output_text_rounds(FILE *f, const struct snapshot *s)
{
	if (s->nrounds <= 1 && s->threads_retaken == 0)
		return;
	fprintf(f, "Rounds:  %zu (stopped per round:", s->nrounds);
	for (size_t i = 0; i < s->nrounds; i++)
		fprintf(f, "%s %" PRIu32 "%s", i == 0 ? "" : ",", s->rounds[i].stopped,
		    s->rounds[i].kind == CAPTURE_ROUND_FIRST || s->rounds[i].kind == CAPTURE_ROUND_RETAKE ? "" :
		    s->rounds[i].kind == CAPTURE_ROUND_STOP_ALL ? " all" :
		    s->rounds[i].kind == CAPTURE_ROUND_NEW_THREADS ? " new" : " reread");
	fprintf(f, ")");
	if (s->threads_retaken > 0)
		fprintf(f, "; %zu thread%s read without a stop ran meanwhile and %s read again", s->threads_retaken,
		    s->threads_retaken == 1 ? "" : "s", s->threads_retaken == 1 ? "was" : "were");
	if (s->capture_retaken)
		fprintf(f, "; threads kept waking, so every thread was stopped");
	fputc('\n', f);
}

static void
output_text_header(struct output_text *ot, const struct snapshot *s)
{
	FILE *f = ot->f;
	size_t counts[STATE_COUNT] = { 0 };
	char when[64];
	const char *mode;
	struct tm tm;

	for (size_t i = 0; i < s->nthreads; i++)
		counts[s->threads[i].state < STATE_COUNT ? s->threads[i].state : 0]++;
	localtime_r(&s->taken.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%sProcess %d%s ", output_text_c(ot, C_BOLD), (int)s->pid, output_text_c(ot, C_RESET));
	sanitize_fputs(s->exe ? s->exe : "?", f);
	if (s->arch != arch_native)
		fprintf(f, " (%s code, %d-bit)", s->arch->name, 8 * (int)s->arch->ptr_size);
	fputs("\nCommand: ", f);
	sanitize_fputs(s->cmdline ? s->cmdline : "", f);
	if (s->pidns || s->container != NULL) {
		/* a container: its threads number themselves differently, and locks hold those numbers */
		fputs("\nIn:      ", f);
		if (s->container != NULL) {
			fputs("cgroup ", f);
			sanitize_fputs(s->container, f);
		}
		if (s->pidns)
			fprintf(f, "%sits own PID namespace (pid %d there; thread IDs there shown as \"ns N\")",
			    s->container != NULL ? ", " : "", (int)s->ns_pid);
	}
	if (s->source != NULL) {
		size_t unknown = 0;
		const char *why = NULL;

		fputs("\nSource:  ", f);
		sanitize_fputs(s->source, f);
		for (size_t i = 0; i < s->nthreads; i++)
			if (s->threads[i].state_reason != NULL) {
				unknown++;
				why = s->threads[i].state_reason;
			}
		if (why != NULL) {
			fprintf(f, "\n         %zu thread state%s unknown: ", unknown, unknown == 1 ? "" : "s");
			sanitize_fputs(why, f);
		}
	}
	fprintf(f, "\nTaken:   %s, %zu thread%s:", when, s->nthreads, s->nthreads == 1 ? "" : "s");
	for (int st = 0; st < STATE_COUNT; st++)
		if (counts[st] > 0)
			fprintf(f, " %zu %s", counts[st], snapshot_state_name(st));
	if (s->threads_exited > 0)
		fprintf(f, " (and %zu exited while holdup looked)", s->threads_exited);
	mode = snapshot_capture_mode_name(s);
	/* "mode": the capture's name, not a verdict on the pause (5 ms on a loaded machine is not fast) */
	fprintf(f, "\nPause:   %" PRIu64 " us (%d of %zu thread%s stopped, mode %s; capture took %" PRIu64 " us)\n",
	    s->pause_us, s->nstopped, s->nthreads, s->nthreads == 1 ? "" : "s", mode != NULL ? mode : "?",
	    s->capture_us);
	output_text_rounds(f, s);
	if (s->glibc_source != NULL && s->libc_name != NULL && strcmp(s->libc_name, "musl") == 0) {
		/* musl's default mutexes and its rwlocks keep no owner: say what that leaves */
		if (s->glibc_version != 0)
			fprintf(f, "Libc:    musl %d.%d (from %s)", s->glibc_version / 1000, s->glibc_version % 1000,
			    s->glibc_source);
		else
			fprintf(f, "Libc:    musl, version unknown (from %s)", s->glibc_source);
		fputs("; its normal mutexes and rwlocks record no owner: their holders are probable at best\n", f);
	} else if (s->glibc_source != NULL) {
		if (s->glibc_version != 0)
			fprintf(f, "Libc:    glibc %d.%d (from %s)\n", s->glibc_version / 1000, s->glibc_version % 1000,
			    s->glibc_source);
		else
			fprintf(f, "Libc:    glibc version %s: lock owners cannot be read, so a deadlock "
			    "cannot be seen either (no DEADLOCK line is no all-clear)\n", s->glibc_source);
	}
	if (s->capture_note != NULL) {
		fputs("Note:    ", f);
		sanitize_fputs(s->capture_note, f);
		fputc('\n', f);
	}
	if (s->target_was_stopped)
		fputs("Note:    the process was stopped by job control before holdup came, and still is\n", f);
	{
		char *tr[4];
		size_t ntr = snapshot_truncations(s, tr);

		for (size_t i = 0; i < ntr; i++) {
			fprintf(f, "Truncated: %s\n", tr[i]);
			free(tr[i]);
		}
	}
	{
		bool libc;
		const char *why = snapshot_deadlocks_incomplete(s, &libc);

		/* the Libc line above says it when the libc's locks record no owner */
		if (s->ndeadlocks == 0 && why != NULL && !libc)
			fprintf(f, "Note:    no deadlock found, but %s: no DEADLOCK line is no all-clear\n", why);
	}
	if (s->ndeadlocks > 0) {
		size_t nprob = 0;

		for (size_t d = 0; d < s->ndeadlocks; d++)
			nprob += s->deadlocks[d].probable;
		if (nprob == s->ndeadlocks)
			fprintf(f, "%sPROBABLE DEADLOCK: %zu wait cycle%s through probable lock holders, see below%s\n",
			    output_text_c(ot, C_RED), s->ndeadlocks, s->ndeadlocks == 1 ? "" : "s",
			    output_text_c(ot, C_RESET));
		else
			fprintf(f, "%sDEADLOCK: %zu wait cycle%s found (%zu of them probable), see below%s\n",
			    output_text_c(ot, C_RED), s->ndeadlocks, s->ndeadlocks == 1 ? "" : "s", nprob,
			    output_text_c(ot, C_RESET));
	}
	fputc('\n', f);
}

static void
output_text_thread(struct output_text *ot, const struct snapshot *s, int ti)
{
	FILE *f = ot->f;
	const struct thread *t = &s->threads[ti];

	fprintf(f, "%sThread %d%s", output_text_c(ot, C_BOLD), (int)t->tid, output_text_c(ot, C_RESET));
	if (t->ns_tid != 0 && t->ns_tid != t->tid)
		fprintf(f, " (ns %d)", (int)t->ns_tid);
	fputs(" \"", f);
	sanitize_fputs(t->name, f);
	fprintf(f, "\" %s%s%s  ", t->state == STATE_BLOCKED ? output_text_c(ot, C_RED) : "",
	    snapshot_state_name(t->state), t->state == STATE_BLOCKED ? output_text_c(ot, C_RESET) : "");
	output_text_syscall(f, s, t);
	fputc('\n', f);
	if (t->status != CAPTURE_OK && t->status != CAPTURE_UNSTOPPED && t->status != CAPTURE_SAMPLED) {
		fprintf(f, "  ! %s: ", snapshot_capture_status_name(t->status));
		sanitize_fputs(t->error ? t->error : "", f);
		fputc('\n', f);
	}
	output_text_wait(ot, s, t, ti);
	output_text_frames(f, s, t->frames, t->nframes);
	if (t->unwind_error != NULL) {
		fputs("    (unwinding stopped: ", f);
		sanitize_fputs(t->unwind_error, f);
		fputs(")\n", f);
	}
	fputc('\n', f);
}

static void
output_text_locks(struct output_text *ot, const struct snapshot *s)
{
	FILE *f = ot->f;

	if (s->nlocks == 0)
		return;
	fprintf(f, "%sLocks%s\n", output_text_c(ot, C_BOLD), output_text_c(ot, C_RESET));
	for (size_t i = 0; i < s->nlocks; i++) {
		const struct lock *l = &s->locks[i];

		if (l->kind == LOCK_JOIN && l->nholders == 1) {
			fprintf(f, "  join of thread %d:", (int)l->holders[0]);
			for (size_t j = 0; j < l->nwaiters; j++)
				if (l->waiters[j] >= 0 && (size_t)l->waiters[j] < s->nthreads)
					fprintf(f, " %d", (int)s->threads[l->waiters[j]].tid);
			fputs(" waiting for it to exit\n", f);
			continue;
		}
		fputs("  ", f);
		output_text_lockname(f, l);
		if (l->variant != NULL) {
			fputs(" [", f);
			sanitize_fputs(l->variant, f);
			fputc(']', f);
		}
		fputs(": ", f);
		output_text_holders(f, l);
		if (l->readers >= 0)
			fprintf(f, ", %d reader%s", l->readers, l->readers == 1 ? "" : "s");
		if (l->count >= 0 && l->kind == LOCK_MUTEX)
			fprintf(f, ", count %d", l->count);
		if (l->owner_died)
			fputs(", OWNER DIED", f);
		if (l->nwaiters > 0) {
			fprintf(f, "; %zu waiting:", l->nwaiters);
			for (size_t j = 0; j < l->nwaiters && j < 32; j++)
				if (l->waiters[j] >= 0 && (size_t)l->waiters[j] < s->nthreads)
					fprintf(f, " %d", (int)s->threads[l->waiters[j]].tid);
			if (l->nwaiters > 32)
				fputs(" ...", f);
		}
		if (l->ngo_waiters > 0)
			fprintf(f, "; %zu goroutine%s waiting", l->ngo_waiters, l->ngo_waiters == 1 ? "" : "s");
		if (l->note != NULL) {
			fputs(" (", f);
			sanitize_fputs(l->note, f);
			fputc(')', f);
		}
		fputc('\n', f);
		if (l->kind != LOCK_GO_MUTEX && l->kind != LOCK_GO_RWMUTEX)
			output_text_probable(f, s, l, "    ");
	}
	fputc('\n', f);
}

/* A cycle of goroutines through Go locks' probable holders. */
static void
output_text_go_deadlock(struct output_text *ot, const struct snapshot *s, const struct deadlock *dl)
{
	FILE *f = ot->f;

	fprintf(f, "%sFound one probable deadlock (%zu goroutine%s):%s\n", output_text_c(ot, C_RED), dl->ngoroutines,
	    dl->ngoroutines == 1 ? "" : "s", output_text_c(ot, C_RESET));
	fputs("=============================\n", f);
	fputs("(probable: Go locks record no owner; the holders are inferred from the goroutines' stacks)\n", f);
	for (size_t i = 0; i < dl->ngoroutines; i++) {
		const struct lock *l = NULL;

		for (size_t k = 0; k < s->nlocks && i < dl->nlocks; k++)
			if (s->locks[k].address == dl->locks[i])
				l = &s->locks[k];
		fprintf(f, "Goroutine %" PRIu64 ":\n  waiting to lock ", dl->goroutines[i]);
		if (l != NULL) {
			output_text_lockname(f, l);
			fputs(",\n  which is probably held by ", f);
			output_text_probable_who(f, s, l);
		} else if (i < dl->nlocks) {
			fprintf(f, "0x%" PRIx64, dl->locks[i]);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

/* In the manner of jstack's "Found one Java-level deadlock". */
static void
output_text_deadlocks(struct output_text *ot, const struct snapshot *s)
{
	FILE *f = ot->f;

	for (size_t d = 0; d < s->ndeadlocks; d++) {
		const struct deadlock *dl = &s->deadlocks[d];

		if (dl->ngoroutines > 0) {
			output_text_go_deadlock(ot, s, dl);
			continue;
		}
		fprintf(f, "%sFound one %sdeadlock (%zu thread%s):%s\n", output_text_c(ot, C_RED),
		    dl->probable ? "probable " : "", dl->nthreads,
		    dl->nthreads == 1 ? ", waiting on a lock it holds itself" : "s", output_text_c(ot, C_RESET));
		fputs("=============================\n", f);
		if (dl->probable)
			fputs("(probable: a lock in the cycle records no owner; its holder is inferred from the stacks, "
			    "see the lock's probable holders)\n", f);
		for (size_t i = 0; i < dl->nthreads; i++) {
			const struct thread *t = &s->threads[dl->threads[i]];
			const struct lock *l = NULL;

			for (size_t k = 0; k < s->nlocks && i < dl->nlocks; k++)
				if (s->locks[k].address == dl->locks[i])
					l = &s->locks[k];
			fprintf(f, "Thread %d \"", (int)t->tid);
			sanitize_fputs(t->name, f);
			fputs("\":\n  waiting to lock ", f);
			if (l != NULL) {
				output_text_lockname(f, l);
				fputs(",\n  which is ", f);
				if (l->nholders == 0 && l->nprobable > 0) {
					fputs("probably held by ", f);
					output_text_probable_who(f, s, l);
				} else {
					output_text_holders(f, l);
				}
			} else if (i < dl->nlocks) {
				fprintf(f, "0x%" PRIx64, dl->locks[i]);
			}
			fputc('\n', f);
		}
		fputs("\nStacks of the threads in the cycle:\n", f);
		for (size_t i = 0; i < dl->nthreads; i++) {
			const struct thread *t = &s->threads[dl->threads[i]];

			fprintf(f, "Thread %d \"", (int)t->tid);
			sanitize_fputs(t->name, f);
			fputs("\":\n", f);
			output_text_frames(f, s, t->frames, t->nframes);
		}
		fputc('\n', f);
	}
}

/* The threads the filters pass, folded into groups when asked or when there are many. */
static void
output_text_threads(struct output_text *ot, const struct snapshot *s)
{
	FILE *f = ot->f;
	int *sel;
	size_t nsel = output_select_threads(s, ot->o.filter, &sel), ng;
	struct output_group *g;

	if (ot->o.filter != NULL && ot->o.filter->on)
		fprintf(f, "Shown:   %zu of %zu thread%s (filter %s)\n\n", nsel, s->nthreads, s->nthreads == 1 ? "" : "s",
		    ot->o.filter->text);
	if (!ot->o.group && (ot->o.no_group || s->nthreads <= OUTPUT_GROUP_DEFAULT_ABOVE)) {
		for (size_t i = 0; i < nsel; i++)
			output_text_thread(ot, s, sel[i]);
		free(sel);
		return;
	}
	ng = output_group_threads(s, sel, nsel, NULL, &g);
	if (!ot->o.group && ng < nsel)
		fprintf(f, "Grouped: %zu threads in %zu entr%s, threads with the same state, wait and stack folded "
		    "(--no-group lists each)\n\n", nsel, ng, ng == 1 ? "y" : "ies");
	for (size_t i = 0; i < ng; i++) {
		if (g[i].n > 1) {
			fprintf(f, "%s%zu threads with this state, wait and stack:%s", output_text_c(ot, C_BOLD), g[i].n,
			    output_text_c(ot, C_RESET));
			for (size_t k = 0; k < g[i].n; k++)
				fprintf(f, " %d", (int)s->threads[g[i].threads[k]].tid);
			fputc('\n', f);
		}
		output_text_thread(ot, s, g[i].threads[0]);
	}
	output_groups_free(g, ng);
	free(sel);
}

static int
output_text_add(void *state, const struct snapshot *s)
{
	struct output_text *ot = state;

	if (ot->nsnap++ > 0)
		fputs("----\n", ot->f);
	output_text_header(ot, s);
	output_text_threads(ot, s);
	output_text_locks(ot, s);
	output_text_deadlocks(ot, s);
	if (s->go != NULL)
		output_text_go_print(ot->f, s, &ot->o);
	return ferror(ot->f) ? -1 : 0;
}

static int
output_text_end(void *state)
{
	struct output_text *ot = state;
	int rc = fflush(ot->f) == 0 && !ferror(ot->f) ? 0 : -1;

	free(ot);
	return rc;
}

const struct output_format output_text_format = {
	"text", output_text_begin, output_text_add, output_text_end,
};
