/* cmd_watch.c - holdup watch: samples at a low rate and writes a dump when a deadlock or a long block appears. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include "broker.h"
#include "cmd.h"
#include "goruntime.h"
#include "launch.h"
#include "lockgraph.h"
#include "options.h"
#include "output.h"
#include "output_core.h"
#include "outcap.h"
#include "sanitize.h"
#include "session.h"
#include "signals.h"
#include "util.h"

/* The kinds of trigger; each is rate-limited on its own. */
enum cmd_watch_trigger {
	WATCH_DEADLOCK = 0,
	WATCH_BLOCKED,
	WATCH_TRIGGERS
};

/* One thread (or goroutine) blocked on one lock, followed across snapshots. */
struct cmd_watch_block {
	uint64_t id;		/* tid, or goroutine id */
	bool go;
	uint64_t lock;		/* lock address */
	uint64_t slices;	/* schedstat timeslices when last seen: a change means it ran (got the lock) */
	uint64_t since_ns;	/* monotonic time the block was first seen */
	bool fired;		/* a dump already reported this block */
};

/* What watch follows of one process (with --subprocesses, each process of the tree has its own). */
struct cmd_watch_state {
	pid_t pid;
	struct cmd_watch_block *blocks;	/* sorted by (go, id) */
	size_t nblocks, blocks_cap;
	char *deadlock_sig;		/* the deadlocks reported last ("12,13;"), NULL if none */
	char *pending_sig;		/* deadlocks seen once, not yet confirmed by a second snapshot */
	uint64_t last_dump_ns[WATCH_TRIGGERS];
	bool dumped[WATCH_TRIGGERS];
};

struct cmd_watch {
	pid_t pid;
	double interval, blocked_for, rate_limit, analysis_timeout;
	long max_dump_bytes;		/* one dump file's output budget */
	long max_dir_bytes;		/* all dumps this watch writes into --dir */
	uint64_t dir_bytes;		/* written so far */
	bool dir_full_said;
	const char *dir;
	const char *exec;
	bool subprocesses;
	bool save;			/* --save: each dump's snapshot also as a core file */
	struct options_targets targets;
	struct launch launch;		/* launch mode: the command started */
	bool launched;
	bool unusable;			/* ended because nothing could be captured */
	struct cmd_watch_state *states;	/* owned; one per process seen */
	size_t nstates, states_cap;
	struct cmd_watch_state *st;	/* the process of the snapshot being looked at */
	unsigned ndumps;
	bool no_sandbox;
	struct broker *broker;		/* owned; makes the dumps and runs the hooks (broker.h) */
};

static void
cmd_watch_help(void)
{
	printf("usage: holdup watch [OPTIONS] PID\n"
	    "       holdup watch [OPTIONS] -- COMMAND [ARGS...]\n\n"
	    "Takes a snapshot of PID every interval and writes a text and a JSON dump into DIR when a\n"
	    "deadlock appears or when a thread (or goroutine) stays blocked on the same lock longer than\n"
	    "the threshold. Keeps watching after a dump; exits 0 when PID exits or on SIGINT/SIGTERM.\n"
	    "With -- COMMAND, starts COMMAND, watches it until it exits and exits with its status; a\n"
	    "SIGTERM to holdup is passed on to it (CI: watch --blocked-for 60 --subprocesses -- make test).\n\n"
	    "  --blocked-for SECS  threshold for one block on one lock (default 5)\n"
	    "  --dir DIR           where dumps go (default .), as holdup-PID-TIME.txt and .json\n"
	    "  --exec CMD          run CMD with /bin/sh after each dump; the text dump's path is $1 and\n"
	    "                      $HOLDUP_DUMP, the JSON one $2 and $HOLDUP_DUMP_JSON, the saved core\n"
	    "                      (--save) $3 and $HOLDUP_DUMP_CORE, the reason $HOLDUP_REASON\n"
	    "  --save              also save each dump's snapshot as an ELF core (.core, 0600) that\n"
	    "                      holdup dump FILE, gdb and eu-stack read offline\n"
	    "  -i, --interval SECS time between snapshots (default 1)\n"
	    "  --rate-limit SECS   at most one dump per trigger kind (deadlock, blocked) per SECS (default 60)\n"
	    "  --analysis-timeout SECS  a snapshot's analysis deadline (default 10): a target that makes\n"
	    "                      it slower gets a snapshot marked truncated, and sampling goes on\n"
	    "  --max-dump-bytes N  one dump file's budget (default 64 MiB): a bigger text dump is cut\n"
	    "                      there, a bigger JSON one replaced by a note, each saying so\n"
	    "  --max-dir-bytes N   all dumps of this watch together (default 1 GiB): then no more\n"
	    "                      dumps, and the log says so\n"
	    "  --subprocesses      the target's descendants too, as they come and go (one dump per process)\n"
	    "  --no-sandbox        analyse with holdup's full privileges (by default holdup keeps only\n"
	    "                      what capturing needs; a broker process makes the dumps, runs --exec)\n");
}

static void
cmd_watch_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stdout per thing watch did, with the local time, flushed for log collectors. */
static void
cmd_watch_log(const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
	printf("%s holdup watch: ", ts);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int
cmd_watch_block_cmp(const void *a, const void *b)
{
	const struct cmd_watch_block *x = a, *y = b;

	if (x->go != y->go)
		return x->go ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct cmd_watch_block *
cmd_watch_find(const struct cmd_watch *w, bool go, uint64_t id)
{
	struct cmd_watch_block key = { .id = id, .go = go };

	if (w->st->nblocks == 0)
		return NULL;
	return bsearch(&key, w->st->blocks, w->st->nblocks, sizeof key, cmd_watch_block_cmp);
}

/* Continues a block from the previous snapshot or starts a new one. */
static void
cmd_watch_track(const struct cmd_watch *w, struct cmd_watch_block **nb, size_t *n, size_t *cap,
    bool go, uint64_t id, uint64_t lock, uint64_t slices, uint64_t now)
{
	const struct cmd_watch_block *old = cmd_watch_find(w, go, id);
	struct cmd_watch_block *b;

	xgrow(nb, cap, *n + 1, sizeof **nb);
	b = &(*nb)[(*n)++];
	b->id = id;
	b->go = go;
	b->lock = lock;
	b->slices = slices;
	/* Same lock and, for threads, not scheduled since: the same wait, not a new one after progress. */
	if (old != NULL && old->lock == lock && (go || old->slices == slices)) {
		b->since_ns = old->since_ns;
		b->fired = old->fired;
	} else {
		b->since_ns = now;
		b->fired = false;
	}
}

static bool
cmd_watch_lock_wait(enum wait_kind k)
{
	return k == WAIT_MUTEX || k == WAIT_RWLOCK_READ || k == WAIT_RWLOCK_WRITE;
}

/* Rebuilds the block table from s. */
static void
cmd_watch_update(struct cmd_watch *w, const struct snapshot *s, uint64_t now)
{
	struct cmd_watch_block *nb = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];

		if (t->state == STATE_BLOCKED && cmd_watch_lock_wait(t->wait.kind) && t->wait.address != 0)
			cmd_watch_track(w, &nb, &n, &cap, false, (uint64_t)t->tid, t->wait.address, t->sched_slices, now);
	}
	for (size_t i = 0; s->go != NULL && i < s->go->ngs; i++) {
		const struct goroutine *g = &s->go->gs[i];

		if (g->lock_addr != 0 && g->role != GOWAIT_NONE && g->role != GOWAIT_SEMA)
			cmd_watch_track(w, &nb, &n, &cap, true, g->id, g->lock_addr, 0, now);
	}
	util_sort(nb, n, sizeof *nb, cmd_watch_block_cmp);
	free(w->st->blocks);
	w->st->blocks = nb;
	w->st->nblocks = n;
	w->st->blocks_cap = cap;
}

/* "tid,tid;..." naming the current deadlocks, NULL if there are none. */
static char *
cmd_watch_deadlock_sig(const struct snapshot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (s->ndeadlocks == 0)
		return NULL;
	if ((m = open_memstream(&buf, &len)) == NULL)
		util_fatal("open_memstream: out of memory");
	for (size_t i = 0; i < s->ndeadlocks; i++) {
		for (size_t j = 0; j < s->deadlocks[i].nthreads; j++) {
			int ti = s->deadlocks[i].threads[j];

			fprintf(m, "%s%d", j ? "," : "", ti >= 0 && (size_t)ti < s->nthreads ? (int)s->threads[ti].tid : -1);
		}
		for (size_t j = 0; j < s->deadlocks[i].ngoroutines; j++)
			fprintf(m, "%sg%" PRIu64, j ? "," : "", s->deadlocks[i].goroutines[j]);
		fputc(';', m);
	}
	fclose(m);
	return buf;
}

static unsigned
cmd_watch_random(void)
{
	unsigned r = 0;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned)util_now_ns() ^ ((unsigned)getpid() << 16);
	return r;
}

/* Creates DIR/holdup-PID-TIME-RANDOM[-N].SUFFIX exclusively; the path goes in *path. */
static FILE *
cmd_watch_create(const struct cmd_watch *w, const char *stem, const char *suffix, char **path)
{
	for (int n = 0; n < 100; n++) {
		char *name = n == 0 ? xasprintf("%s.%s", stem, suffix) : xasprintf("%s-%d.%s", stem, n, suffix);
		/* new files only (O_EXCL, O_NOFOLLOW), mode 0600, made by the broker, which keeps the
		 * right to when watch is confined */
		int fd = broker_create(w->broker, w->dir, name);

		*path = xasprintf("%s/%s", w->dir, name);
		free(name);
		if (fd >= 0) {
			FILE *f = fdopen(fd, "w");

			if (f == NULL)
				close(fd);
			return f;
		}
		if (errno != EEXIST)
			return NULL;
		free(*path);
	}
	*path = NULL;
	errno = EEXIST;
	return NULL;
}

/* Writes one snapshot in one format to a new file; the path (owned) or NULL. */
static char *
cmd_watch_write(struct cmd_watch *w, const struct snapshot *s, const char *stem, const char *format)
{
	struct output_opts o;
	char *path = NULL;
	bool json = strcmp(format, "json") == 0;
	FILE *raw = cmd_watch_create(w, stem, json ? "json" : "txt", &path), *f;
	struct outcap k;
	int rc;

	if (raw == NULL) {
		cmd_watch_log("cannot create a dump in %s: %s", w->dir, strerror(errno));
		free(path);
		return NULL;
	}
	f = outcap_open(&k, raw, (uint64_t)w->max_dump_bytes);
	memset(&o, 0, sizeof o);
	rc = output_write(output_find(format), f, &o, s);
	if (fclose(f) != 0 || rc < 0) {
		cmd_watch_log("writing %s: %s", path, strerror(errno));
		fclose(raw);
		free(path);
		return NULL;
	}
	if (outcap_cut(&k)) {
		(void)outcap_finish(&k, json, s->pid, "--max-dump-bytes");	/* a regular file: rewritten */
		cmd_watch_log("%s: output budget %ld bytes reached (the dump was %" PRIu64 " bytes): %s", path,
		    w->max_dump_bytes, k.total, json ? "replaced by a note" : "cut there");
	}
	w->dir_bytes += k.written;
	fclose(raw);
	return path;
}

/* --save: the snapshot as a core beside its dumps; the path (owned) or NULL after logging why. A core
 * is never cut to the dump budget (it would not open): its size counts toward --max-dir-bytes. */
static char *
cmd_watch_save(struct cmd_watch *w, struct snapshot *s, const char *stem)
{
	char *path = NULL;
	FILE *f = cmd_watch_create(w, stem, "core", &path);
	struct err e = { "" };
	struct stat sb;

	if (f == NULL) {
		cmd_watch_log("cannot create a core in %s: %s", w->dir, strerror(errno));
		free(path);
		return NULL;
	}
	if (output_core_save(s, fileno(f), &e) < 0) {
		cmd_watch_log("%s: %s", path, e.msg);
		fclose(f);
		broker_unlink(w->broker, w->dir, strrchr(path, '/') + 1);
		free(path);
		return NULL;
	}
	if (fstat(fileno(f), &sb) == 0)
		w->dir_bytes += (uint64_t)sb.st_size;
	fclose(f);
	return path;
}

/* The state of pid's process, made on first sight. */
static struct cmd_watch_state *
cmd_watch_state(struct cmd_watch *w, pid_t pid)
{
	struct cmd_watch_state *st;

	for (size_t i = 0; i < w->nstates; i++)
		if (w->states[i].pid == pid)
			return &w->states[i];
	xgrow(&w->states, &w->states_cap, w->nstates + 1, sizeof *w->states);
	st = &w->states[w->nstates++];
	memset(st, 0, sizeof *st);
	st->pid = pid;
	return st;
}

static void
cmd_watch_state_free(struct cmd_watch_state *st)
{
	free(st->blocks);
	free(st->deadlock_sig);
	free(st->pending_sig);
}

/* Forgets the processes that left the session (exited): their PIDs may come back as others. */
static void
cmd_watch_prune(struct cmd_watch *w, const struct session *ses)
{
	size_t kept = 0;

	for (size_t i = 0; i < w->nstates; i++) {
		bool live = false;

		for (size_t j = 0; j < ses->nmembers && !live; j++)
			live = ses->members[j].pid == w->states[i].pid && !ses->members[j].gone;
		if (live)
			w->states[kept++] = w->states[i];
		else
			cmd_watch_state_free(&w->states[i]);
	}
	w->nstates = kept;
	w->st = NULL;
}

/* Writes the dump pair, logs it and runs the hook. */
static void
cmd_watch_dump(struct cmd_watch *w, struct snapshot *s, const char *reason)
{
	char stem[96], ts[32];
	struct tm tm;
	char *txt, *json, *core;

	if (w->dir_bytes >= (uint64_t)w->max_dir_bytes) {
		if (!w->dir_full_said)
			cmd_watch_log("%s: not written: directory budget %ld bytes reached (--max-dir-bytes); watching goes on",
			    reason, w->max_dir_bytes);
		w->dir_full_said = true;
		return;
	}
	strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", localtime_r(&s->taken.tv_sec, &tm));
	/* a random part: a name another user can predict is a name they can plant first */
	snprintf(stem, sizeof stem, "holdup-%d-%s-%08x", (int)s->pid, ts, cmd_watch_random());
	txt = cmd_watch_write(w, s, stem, "text");
	if (txt == NULL)
		return;
	json = cmd_watch_write(w, s, stem, "json");
	core = w->save ? cmd_watch_save(w, s, stem) : NULL;
	w->ndumps++;
	if (s->pid != w->pid) {
		char name[64] = "?";
		const struct thread *t = snapshot_find_thread(s, s->pid);

		if (t != NULL && t->name != NULL)
			sanitize_str(t->name, name, sizeof name);
		cmd_watch_log("process %d (%s): %s: wrote %s%s%s%s%s", (int)s->pid, name, reason, txt,
		    json ? " and " : "", json ? json : "", core ? " and " : "", core ? core : "");
	} else
		cmd_watch_log("%s: wrote %s%s%s%s%s", reason, txt, json ? " and " : "", json ? json : "",
		    core ? " and " : "", core ? core : "");
	if (w->exec != NULL) {
		fflush(NULL);
		if (broker_exec(w->broker, txt, json, core, reason) < 0)
			cmd_watch_log("--exec: %s", strerror(errno));
	}
	free(txt);
	free(json);
	free(core);
}

/* True when trigger kind k may dump now; records the dump time if so. */
static bool
cmd_watch_allowed(struct cmd_watch *w, enum cmd_watch_trigger k, uint64_t now)
{
	if (w->st->dumped[k] && now - w->st->last_dump_ns[k] < (uint64_t)(w->rate_limit * 1e9))
		return false;
	w->st->dumped[k] = true;
	w->st->last_dump_ns[k] = now;
	return true;
}

static void
cmd_watch_check(struct cmd_watch *w, struct snapshot *s, uint64_t now)
{
	char *sig = cmd_watch_deadlock_sig(s);
	char reason[256];
	size_t nlong = 0;
	const struct cmd_watch_block *first = NULL;

	/* A deadlock is reported once when it appears (or changes), not on every snapshot it lasts,
	 * and only once two snapshots in a row agree: a real deadlock persists, while a snapshot torn
	 * by a thread that moved during the capture can show a cycle that never existed. */
	if (sig == NULL) {
		free(w->st->deadlock_sig);
		w->st->deadlock_sig = NULL;
		free(w->st->pending_sig);
		w->st->pending_sig = NULL;
	} else if (w->st->deadlock_sig != NULL && strcmp(sig, w->st->deadlock_sig) == 0) {
		/* already reported */
	} else if (w->st->pending_sig != NULL && strcmp(sig, w->st->pending_sig) == 0) {
		if (cmd_watch_allowed(w, WATCH_DEADLOCK, now)) {
			snprintf(reason, sizeof reason, "deadlock of threads %.200s", sig);
			/* "12,13;14,15;" reads as "12,13 14,15" */
			for (char *p = reason; *p != '\0'; p++)
				if (*p == ';')
					*p = p[1] == '\0' ? '\0' : ' ';
			cmd_watch_dump(w, s, reason);
			free(w->st->deadlock_sig);
			w->st->deadlock_sig = sig;
			sig = NULL;
		}
	} else {
		free(w->st->pending_sig);
		w->st->pending_sig = sig;
		sig = NULL;
	}
	free(sig);
	/* Threads of a reported deadlock are covered by its dump: no second one for their long block. */
	for (size_t i = 0; w->st->deadlock_sig != NULL && i < s->nthreads; i++) {
		struct cmd_watch_block key = { .id = (uint64_t)s->threads[i].tid, .go = false }, *b;

		if (s->threads[i].wait.in_deadlock && w->st->nblocks > 0 &&
		    (b = bsearch(&key, w->st->blocks, w->st->nblocks, sizeof key, cmd_watch_block_cmp)) != NULL)
			b->fired = true;
	}

	for (size_t i = 0; i < w->st->nblocks; i++) {
		const struct cmd_watch_block *b = &w->st->blocks[i];

		if (!b->fired && (double)(now - b->since_ns) / 1e9 >= w->blocked_for) {
			if (first == NULL)
				first = b;
			nlong++;
		}
	}
	if (nlong > 0 && cmd_watch_allowed(w, WATCH_BLOCKED, now)) {
		const struct thread *t = first->go ? NULL : snapshot_find_thread(s, (pid_t)first->id);
		char name[128];

		if (t != NULL && t->wait.symbol != NULL)
			sanitize_str(t->wait.symbol, name, sizeof name);
		else
			snprintf(name, sizeof name, "0x%" PRIx64, first->lock);
		snprintf(reason, sizeof reason, "%s %" PRIu64 " blocked on %s for %.0fs%s",
		    first->go ? "goroutine" : "thread", first->id, name, (double)(now - first->since_ns) / 1e9,
		    nlong > 1 ? " (and others)" : "");
		cmd_watch_dump(w, s, reason);
		/* One dump covers every block over the threshold right now. */
		for (size_t i = 0; i < w->st->nblocks; i++)
			if ((double)(now - w->st->blocks[i].since_ns) / 1e9 >= w->blocked_for)
				w->st->blocks[i].fired = true;
	}
}

/* The options and the PID; false when the command is done, returning *rc. */
static bool
cmd_watch_options(int *rc, struct cmd_watch *w, int argc, char **argv)
{
	const struct options_spec specs[] = {
		{ "blocked-for", 0, OPTIONS_SECONDS, &w->blocked_for, .min = 0, .max = 1e7,
		    .error = "--blocked-for wants a number of seconds (at least 0)" },
		{ "dir", 0, OPTIONS_STRING, &w->dir },
		{ "exec", 0, OPTIONS_STRING, &w->exec },
		{ "no-sandbox", 0, OPTIONS_FLAG, &w->no_sandbox },
		{ "interval", 'i', OPTIONS_SECONDS, &w->interval, .min = 0.01, .max = 1e7,
		    .error = "--interval wants a number of seconds (at least 0.01)" },
		{ "rate-limit", 0, OPTIONS_SECONDS, &w->rate_limit, .min = 0, .max = 1e7,
		    .error = "--rate-limit wants a number of seconds (at least 0)" },
		{ "subprocesses", 0, OPTIONS_FLAG, &w->subprocesses },
		{ "save", 0, OPTIONS_FLAG, &w->save },
		{ "analysis-timeout", 0, OPTIONS_SECONDS, &w->analysis_timeout, .min = 0.001, .max = 1e6,
		    .error = "--analysis-timeout wants a number of seconds (at least 0.001)" },
		{ "max-dump-bytes", 0, OPTIONS_COUNT, &w->max_dump_bytes, .min = 4096, .max = 1L << 40,
		    .error = "--max-dump-bytes wants a number of bytes (at least 4096)" },
		{ "max-dir-bytes", 0, OPTIONS_COUNT, &w->max_dir_bytes, .min = 4096, .max = 1L << 50,
		    .error = "--max-dir-bytes wants a number of bytes (at least 4096)" },
		{ NULL, 0, OPTIONS_END, NULL },
	};
	struct stat sb;

	switch (options_parse_targets(argc, argv, specs, OPTIONS_TARGET_COMMAND, &w->targets)) {
	case OPTIONS_HELP:
		cmd_watch_help();
		*rc = EXIT_OK;
		return false;
	case OPTIONS_USAGE:
		*rc = EXIT_USAGE;
		return false;
	default: break;
	}
	if (w->targets.command == NULL)
		w->pid = w->targets.pids[0];
	if (stat(w->dir, &sb) < 0 || !S_ISDIR(sb.st_mode) || access(w->dir, W_OK) < 0) {
		fprintf(stderr, "holdup: --dir %s: %s\n", w->dir, errno ? strerror(errno) : "not a writable directory");
		*rc = EXIT_ERROR;
		return false;
	}
	return true;
}

/* Snapshots on the schedule until a quit signal or the target's exit, checking each for triggers. */
static void
cmd_watch_loop(struct cmd_watch *w, struct session *ses)
{
	char msg[600];

	for (;;) {
		struct snapshot *s = NULL;
		enum session_event ev = session_wait(ses);

		broker_reap(w->broker, 0);
		if (ev == SESSION_QUIT) {
			cmd_watch_log("signal %d: stopping after %u dump%s", signals_quit_requested(), w->ndumps,
			    w->ndumps == 1 ? "" : "s");
			return;
		}
		if (ev == SESSION_SNAPSHOT)
			ev = session_tick(ses, &s);
		if (ev == SESSION_UNUSABLE) {
			/* a hang guard that can never see its target must fail, not watch forever */
			cmd_watch_log("%s; nothing can be watched", session_error(ses, msg, sizeof msg));
			w->unusable = true;
			return;
		}
		if (ev == SESSION_GONE) {
			cmd_watch_log("%s %d exited; %u dump%s written", w->launched ? "command" : "pid", (int)w->pid,
			    w->ndumps, w->ndumps == 1 ? "" : "s");
			return;
		}
		if (ev == SESSION_FAILED && ses->first_failure)
			cmd_watch_log("%s", session_error(ses, msg, sizeof msg));
		if (ev == SESSION_SNAPSHOT) {
			uint64_t now = util_now_ns();

			w->st = cmd_watch_state(w, s->pid);
			if (s->budget != NULL && (s->budget->deadline_hit || s->budget->read_hit))
				cmd_watch_log("pid %d: snapshot analysis stopped: %s budget reached (the snapshot is marked "
				    "truncated); sampling goes on", (int)s->pid, s->budget->deadline_hit ?
				    "deadline" : "target-read");
			cmd_watch_update(w, s, now);
			cmd_watch_check(w, s, now);
			w->st = NULL;
		}
		snapshot_free(s);
		if (w->subprocesses && ses->next == 0)
			cmd_watch_prune(w, ses);	/* a round is over */
	}
}

/* Opens the session (in launch mode after starting the command); -1 (rc set) after saying why. */
static int
cmd_watch_open(struct cmd_watch *w, struct session **ses, int *rc)
{
	struct broker_opts bo = { .dirs = { NULL } };
	struct session_opts so;
	struct err e = { "" };

	*rc = EXIT_ERROR;
	if (w->targets.command != NULL) {
		if (launch_start(w->targets.command, &w->launch, rc, &e) < 0) {
			fprintf(stderr, "holdup: %s\n", e.msg);
			return -1;
		}
		w->launched = true;
		w->pid = w->launch.pid;
	}
	memset(&so, 0, sizeof so);
	capture_opts_default(&so.capture);
	/* Steady schedule; a slow snapshot skips ticks rather than bunching them. */
	so.period_ns = (uint64_t)(w->interval * 1e9);
	so.backlog = 0;
	so.subprocesses = w->subprocesses;
	so.launch = w->launched ? &w->launch : NULL;
	so.analysis_timeout_ns = (uint64_t)(w->analysis_timeout * 1e9);
	so.record_reads = w->save;	/* a dump's snapshot is known only after its analysis */
	if (session_open(w->pid, &so, ses, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		if (w->launched)
			*rc = cmd_launch_status(&w->launch, EXIT_ERROR);
		return -1;
	}
	bo.dirs[0] = w->dir;
	bo.exec = w->exec;
	bo.log = cmd_watch_log;
	if (session_confine(*ses, w->no_sandbox, &bo, &w->broker, &e) < 0) {
		fprintf(stderr, "holdup: %s\n", e.msg);
		session_close(*ses);
		*ses = NULL;
		if (w->launched)
			*rc = cmd_launch_status(&w->launch, EXIT_ERROR);
		return -1;
	}
	return 0;
}

int
cmd_watch(int argc, char **argv)
{
	struct cmd_watch w;
	struct session *ses = NULL;
	int rc;

	memset(&w, 0, sizeof w);
	w.interval = 1;
	w.blocked_for = 5;
	w.rate_limit = 60;
	w.analysis_timeout = 10;
	w.max_dump_bytes = 64L << 20;
	w.max_dir_bytes = 1L << 30;
	w.dir = ".";
	if (!cmd_watch_options(&rc, &w, argc, argv)) {
		options_targets_free(&w.targets);
		return rc;
	}
	if (cmd_watch_open(&w, &ses, &rc) < 0) {
		options_targets_free(&w.targets);
		return rc;
	}
	cmd_watch_log("watching %s %d%s every %gs; dumps into %s on a deadlock or a block over %gs%s%s",
	    w.launched ? "command" : "pid", (int)w.pid, w.subprocesses ? " and its descendants" : "", w.interval,
	    w.dir, w.blocked_for, w.exec ? "; then runs: " : "", w.exec ? w.exec : "");
	cmd_watch_loop(&w, ses);
	/* Hooks started for a dump get a moment to finish so their status is logged. */
	broker_free(w.broker, 5);
	for (size_t i = 0; i < w.nstates; i++)
		cmd_watch_state_free(&w.states[i]);
	free(w.states);
	rc = w.unusable ? EXIT_ERROR : EXIT_OK;
	session_close(ses);
	if (w.launched)
		rc = cmd_launch_status(&w.launch, rc);
	options_targets_free(&w.targets);
	return rc;
}
