/* corenote.c - holdup's own core note ("HOLDUP"): encodes a snapshot's per-thread /proc facts and decodes them, bounded, from untrusted bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corenote.h"

/* Format, little-endian: "HLDN" u32 version u32 nthreads, then per thread: i32 tid, u8 proc_state, u8 flags
 * (1 task_running, 2 on_cpu, 4 read without registers: NT_PRSTATUS holds only its /proc syscall line), str name, str wchan, i64 syscall, u64 args[6], u64 sp, pc, runtime, wait, slices,
 * utime, stime, i32 cpu; then str exe, str cmdline (full: NT_PRPSINFO cuts them); a str is u32 length then that many bytes.
 * Then u32 count and that many tagged records, u32 tag, u32 length, that many bytes, which a reader skips when it
 * does not know the tag (so a later holdup can add facts without a new version): see CN_TAG_*. */
#define CORENOTE_MAGIC "HLDN"
#define CORENOTE_VERSION 2u
#define CORENOTE_MAX_STR 4096u
#define CORENOTE_MAX_THREADS 100000u
#define CORENOTE_MAX_FDS 65536u
#define CORENOTE_MAX_RECORDS 64u	/* tagged records read, at most */

/* i64 CLOCK_REALTIME seconds, i64 nanoseconds, i64 CLOCK_MONOTONIC nanoseconds, when the capture began */
#define CN_TAG_TIME 1u
/* str libc name ("glibc", "musl"), u32 version (major * 1000 + minor, 0 unknown), str where it was read */
#define CN_TAG_LIBC 2u
/* u32 count, then per descriptor i32 fd, str target */
#define CN_TAG_FDS 3u
/* u8 own PID namespace, i32 PID there, str cgroup path, u32 count, then per thread i32 tid, i32 TID there */
#define CN_TAG_NS 4u

struct cn_buf {
	uint8_t *p;
	size_t len, cap;
};

static void
cn_put(struct cn_buf *b, const void *v, size_t n)
{
	xgrow(&b->p, &b->cap, b->len + n, 1);
	if (n > 0)
		memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void
cn_put_u64(struct cn_buf *b, uint64_t v, size_t n)
{
	uint8_t x[8];

	for (size_t i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	cn_put(b, x, n);
}

static void
cn_put_str(struct cn_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > CORENOTE_MAX_STR)
		n = CORENOTE_MAX_STR;
	cn_put_u64(b, n, 4);
	cn_put(b, s ? s : "", n);
}

/* Starts a tagged record; returns where its length goes, filled in by cn_end. */
static size_t
cn_begin(struct cn_buf *b, uint32_t tag)
{
	cn_put_u64(b, tag, 4);
	cn_put_u64(b, 0, 4);
	return b->len;
}

static void
cn_end(struct cn_buf *b, size_t start, uint32_t *nrec)
{
	uint64_t n = b->len - start;

	(*nrec)++;
	for (size_t i = 0; i < 4; i++)
		b->p[start - 4 + i] = (uint8_t)(n >> (8 * i));
}

/* The process facts after the thread records: capture time, libc, descriptors, namespace. */
static void
cn_put_records(struct cn_buf *b, const struct snapshot *s)
{
	size_t at, n, count = b->len;
	uint32_t nrec = 0;

	cn_put_u64(b, 0, 4);	/* the count, filled in at the end */
	at = cn_begin(b, CN_TAG_TIME);
	cn_put_u64(b, (uint64_t)(int64_t)s->taken.tv_sec, 8);
	cn_put_u64(b, (uint64_t)(int64_t)s->taken.tv_nsec, 8);
	cn_put_u64(b, (uint64_t)s->taken_mono_ns, 8);
	cn_end(b, at, &nrec);
	if (s->libc_name != NULL && s->glibc_version > 0) {
		at = cn_begin(b, CN_TAG_LIBC);
		cn_put_str(b, s->libc_name);
		cn_put_u64(b, (uint64_t)(uint32_t)s->glibc_version, 4);
		cn_put_str(b, s->glibc_source);
		cn_end(b, at, &nrec);
	}
	n = s->nfds < CORENOTE_MAX_FDS ? s->nfds : CORENOTE_MAX_FDS;
	at = cn_begin(b, CN_TAG_FDS);
	cn_put_u64(b, n, 4);
	for (size_t i = 0; i < n; i++) {
		cn_put_u64(b, (uint64_t)(uint32_t)s->fds[i].fd, 4);
		cn_put_str(b, s->fds[i].target);
	}
	cn_end(b, at, &nrec);
	n = s->nthreads < CORENOTE_MAX_THREADS ? s->nthreads : CORENOTE_MAX_THREADS;
	at = cn_begin(b, CN_TAG_NS);
	cn_put_u64(b, s->pidns ? 1 : 0, 1);
	cn_put_u64(b, (uint64_t)(uint32_t)s->ns_pid, 4);
	cn_put_str(b, s->container);
	cn_put_u64(b, n, 4);
	for (size_t i = 0; i < n; i++) {
		cn_put_u64(b, (uint64_t)(uint32_t)s->threads[i].tid, 4);
		cn_put_u64(b, (uint64_t)(uint32_t)s->threads[i].ns_tid, 4);
	}
	cn_end(b, at, &nrec);
	for (size_t i = 0; i < 4; i++)
		b->p[count + i] = (uint8_t)(nrec >> (8 * i));
}

int
corenote_encode(const struct snapshot *s, uint8_t **out, size_t *len)
{
	struct cn_buf b = { NULL, 0, 0 };
	size_t n = s->nthreads < CORENOTE_MAX_THREADS ? s->nthreads : CORENOTE_MAX_THREADS;

	cn_put(&b, CORENOTE_MAGIC, 4);
	cn_put_u64(&b, CORENOTE_VERSION, 4);
	cn_put_u64(&b, n, 4);
	for (size_t i = 0; i < n; i++) {
		const struct thread *t = &s->threads[i];

		cn_put_u64(&b, (uint64_t)(uint32_t)t->tid, 4);
		cn_put_u64(&b, (uint8_t)t->proc_state, 1);
		cn_put_u64(&b, (t->task_running ? 1u : 0u) | (t->on_cpu ? 2u : 0u) | (t->regs_valid ? 0u : 4u), 1);
		cn_put_str(&b, t->name);
		cn_put_str(&b, t->wchan);
		cn_put_u64(&b, (uint64_t)(int64_t)t->syscall, 8);
		for (int a = 0; a < 6; a++)
			cn_put_u64(&b, t->syscall_args[a], 8);
		cn_put_u64(&b, t->syscall_sp, 8);
		cn_put_u64(&b, t->syscall_pc, 8);
		cn_put_u64(&b, t->sched_runtime_ns, 8);
		cn_put_u64(&b, t->sched_wait_ns, 8);
		cn_put_u64(&b, t->sched_slices, 8);
		cn_put_u64(&b, t->utime_ticks, 8);
		cn_put_u64(&b, t->stime_ticks, 8);
		cn_put_u64(&b, (uint64_t)(uint32_t)t->cpu, 4);
	}
	cn_put_str(&b, s->exe);
	cn_put_str(&b, s->cmdline);
	cn_put_records(&b, s);
	*out = b.p;
	*len = b.len;
	return 0;
}

struct cn_rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static uint64_t
cn_get(struct cn_rd *r, size_t n)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += n;
	return v;
}

/* A string of at most CORENOTE_MAX_STR bytes, NUL-free; NULL if empty or bad (r->bad set if bad). */
static char *
cn_get_str(struct cn_rd *r)
{
	uint64_t n = cn_get(r, 4);
	char *s;

	if (r->bad || n > CORENOTE_MAX_STR || r->len - r->off < n || memchr(r->p + r->off, '\0', n) != NULL) {
		r->bad = true;
		return NULL;
	}
	if (n == 0)
		return NULL;
	s = xmalloc(n + 1);
	memcpy(s, r->p + r->off, n);
	s[n] = '\0';
	r->off += n;
	return s;
}

static struct thread *
cn_find(struct snapshot *s, pid_t tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

/* Reads one thread's record; applies it to its thread if the snapshot has one. Returns false if bad. */
static bool
cn_apply_thread(struct snapshot *s, struct cn_rd *r)
{
	pid_t tid = (pid_t)(int32_t)(uint32_t)cn_get(r, 4);
	char state = (char)cn_get(r, 1);
	uint64_t flags = cn_get(r, 1);
	char *name = cn_get_str(r);
	char *wchan = cn_get_str(r);
	uint64_t v[14];
	struct thread *t;

	for (int i = 0; i < 14; i++)
		v[i] = cn_get(r, 8);
	int32_t cpu = (int32_t)(uint32_t)cn_get(r, 4);
	t = r->bad ? NULL : cn_find(s, tid);
	if (t == NULL) {
		free(name);
		free(wchan);
		return !r->bad;
	}
	if (name != NULL) {
		free(t->name);
		t->name = name;
	}
	free(t->wchan);
	t->wchan = wchan;
	t->proc_state = state;
	t->task_running = (flags & 1) != 0;
	t->on_cpu = (flags & 2) != 0;
	if (flags & 4)
		t->regs_valid = false;	/* as the capture had it: pc and sp of its syscall line only */
	t->syscall = (long)(int64_t)v[0];
	memcpy(t->syscall_args, &v[1], sizeof t->syscall_args);
	t->syscall_sp = v[7];
	t->syscall_pc = v[8];
	t->sched_runtime_ns = v[9];
	t->sched_wait_ns = v[10];
	t->sched_slices = v[11];
	t->utime_ticks = v[12];
	t->stime_ticks = v[13];
	t->cpu = cpu;
	return true;
}

/* Where a saved snapshot's libc version comes from, as the dump says it. */
static const char cn_libc_source[] = "the saved snapshot, which read it from the target's libc";

static bool
cn_rec_time(struct snapshot *s, struct cn_rd *r)
{
	int64_t sec = (int64_t)cn_get(r, 8), nsec = (int64_t)cn_get(r, 8), mono = (int64_t)cn_get(r, 8);

	if (r->bad || sec <= 0 || nsec < 0 || nsec >= 1000000000 || mono < 0)
		return false;
	s->taken.tv_sec = (time_t)sec;
	s->taken.tv_nsec = (long)nsec;
	s->taken_mono_ns = mono;
	return true;
}

static bool
cn_rec_libc(struct snapshot *s, struct cn_rd *r)
{
	char *name = cn_get_str(r);
	uint32_t v = (uint32_t)cn_get(r, 4);
	char *how = cn_get_str(r);
	bool ok = !r->bad && name != NULL && v < 100000;

	/* the snapshot holds static names only: a name holdup does not know is not taken */
	if (ok && strcmp(name, "glibc") == 0)
		s->libc_name = "glibc";
	else if (ok && strcmp(name, "musl") == 0)
		s->libc_name = "musl";
	else
		ok = false;
	if (ok) {
		s->glibc_version = (int)v;
		s->glibc_source = cn_libc_source;
		/* the capture's own words, where they are plain text (they are printed as they are) */
		for (const char *c = how; c != NULL && *c != '\0'; c++)
			if (*c < 0x20 || *c > 0x7e) {
				free(how);
				how = NULL;
				break;
			}
		if (how != NULL) {
			free(s->glibc_source_buf);
			s->glibc_source = s->glibc_source_buf = how;
			how = NULL;
		}
	}
	free(name);
	free(how);
	return ok;
}

static bool
cn_rec_fds(struct snapshot *s, struct cn_rd *r)
{
	uint64_t n = cn_get(r, 4);

	if (r->bad || n > CORENOTE_MAX_FDS || n > (r->len - r->off) / 8)
		return false;
	for (size_t i = 0; i < s->nfds; i++)
		free(s->fds[i].target);
	free(s->fds);
	s->fds = xcalloc(n + 1, sizeof *s->fds);
	s->nfds = 0;
	for (uint64_t i = 0; i < n; i++) {
		int fd = (int)(int32_t)(uint32_t)cn_get(r, 4);
		char *target = cn_get_str(r);

		if (target == NULL && !r->bad)
			target = xstrdup("");
		if (r->bad || fd < 0 || (s->nfds > 0 && fd <= s->fds[s->nfds - 1].fd)) {
			free(target);	/* descriptors are sorted, once each: snapshot_fd_target relies on it */
			return false;
		}
		s->fds[s->nfds].fd = fd;
		s->fds[s->nfds++].target = target;
	}
	return true;
}

static bool
cn_rec_ns(struct snapshot *s, struct cn_rd *r)
{
	bool pidns = cn_get(r, 1) != 0;
	pid_t ns_pid = (pid_t)(int32_t)(uint32_t)cn_get(r, 4);
	char *container = cn_get_str(r);
	uint64_t n = cn_get(r, 4);

	if (r->bad || n > CORENOTE_MAX_THREADS || n > (r->len - r->off) / 8 || ns_pid < 0) {
		free(container);
		return false;
	}
	s->pidns = pidns;
	s->ns_pid = pidns ? ns_pid : 0;
	free(s->container);
	s->container = container;
	for (uint64_t i = 0; i < n; i++) {
		pid_t tid = (pid_t)(int32_t)(uint32_t)cn_get(r, 4);
		pid_t inner = (pid_t)(int32_t)(uint32_t)cn_get(r, 4);
		struct thread *t = cn_find(s, tid);

		if (t != NULL && pidns && inner > 0)
			t->ns_tid = inner;
	}
	return !r->bad;
}

/* The tagged records after the process record, each bounded by its own length. Returns 0, or -1
 * with e set naming the record that made no sense (the facts before it are kept). */
static int
cn_apply_records(struct snapshot *s, struct cn_rd *r, struct err *e)
{
	uint64_t count = cn_get(r, 4);

	if (r->bad || count > CORENOTE_MAX_RECORDS)
		return err_set(e, "holdup note truncated or corrupt after the process record");
	for (uint64_t k = 0; k < count; k++) {
		uint32_t tag = (uint32_t)cn_get(r, 4);
		uint64_t n = cn_get(r, 4);
		struct cn_rd sub;
		bool ok = true;

		if (r->bad || n > r->len - r->off)
			return err_set(e, "holdup note truncated in tagged record %llu", (unsigned long long)k);
		sub = (struct cn_rd){ r->p + r->off, (size_t)n, 0, false };
		r->off += (size_t)n;
		switch (tag) {
		case CN_TAG_TIME: ok = cn_rec_time(s, &sub); break;
		case CN_TAG_LIBC: ok = cn_rec_libc(s, &sub); break;
		case CN_TAG_FDS: ok = cn_rec_fds(s, &sub); break;
		case CN_TAG_NS: ok = cn_rec_ns(s, &sub); break;
		default: break;	/* a later holdup's fact */
		}
		if (!ok)
			return err_set(e, "holdup note's record of tag %u is corrupt", tag);
	}
	return 0;
}

int
corenote_apply(struct snapshot *s, const void *desc, size_t len, struct err *e)
{
	struct cn_rd r = { desc, len, 0, false };
	uint64_t version, n;

	if (len < 12 || memcmp(desc, CORENOTE_MAGIC, 4) != 0)
		return err_set(e, "not a holdup note (bad magic or %zu bytes)", len);
	r.off = 4;
	version = cn_get(&r, 4);
	if (version != CORENOTE_VERSION)
		return err_set(e, "holdup note version %llu, this holdup reads %u", (unsigned long long)version,
			       CORENOTE_VERSION);
	n = cn_get(&r, 4);
	if (n > CORENOTE_MAX_THREADS)
		return err_set(e, "holdup note claims %llu threads", (unsigned long long)n);
	for (uint64_t i = 0; i < n; i++)
		if (!cn_apply_thread(s, &r))
			return err_set(e, "holdup note truncated or corrupt in thread record %llu", (unsigned long long)i);
	char *exe = cn_get_str(&r), *cmdline = cn_get_str(&r);

	if (r.bad) {
		free(exe);
		free(cmdline);
		return err_set(e, "holdup note truncated or corrupt in the process record");
	}
	if (exe != NULL) {
		free(s->exe);
		s->exe = exe;
	}
	if (cmdline != NULL) {
		free(s->cmdline);
		s->cmdline = cmdline;
	}
	return cn_apply_records(s, &r, e);
}
