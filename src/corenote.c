/* corenote.c - holdup's own core note ("HOLDUP"): encodes a snapshot's per-thread /proc facts and decodes them, bounded, from untrusted bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corenote.h"

/* Format, little-endian: "HLDN" u32 version u32 nthreads, then per thread: i32 tid, u8 proc_state, u8 flags
 * (1 task_running, 2 on_cpu), str name, str wchan, i64 syscall, u64 args[6], u64 sp, pc, runtime, wait, slices,
 * utime, stime, i32 cpu; then str exe, str cmdline (full: NT_PRPSINFO cuts them); a str is u32 length then that many bytes. */
#define CORENOTE_MAGIC "HLDN"
#define CORENOTE_VERSION 1u
#define CORENOTE_MAX_STR 4096u
#define CORENOTE_MAX_THREADS 100000u

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
		cn_put_u64(&b, (t->task_running ? 1u : 0u) | (t->on_cpu ? 2u : 0u), 1);
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
	return 0;
}
