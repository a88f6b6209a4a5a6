/* sampler.c - running threads' registers and stack tops from perf_event samples, without stopping them. */
#include "sampler.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rcbuf.h"

#define SAMPLER_DATA_PAGES	8	/* 32 KiB: three samples, so the newest survives a write or two while read */
#define SAMPLER_RETRIES		4
#define SAMPLER_ABI_64		2	/* PERF_SAMPLE_REGS_ABI_64 */
/* A new event samples after this much CPU time, then every period: on a crowded machine a thread
 * may get a CPU only every tenth of a second, and until its first sample it must be stopped. */
#define SAMPLER_FIRST_NS	100000

struct sampler_ent {
	pid_t tid;
	int fd;
	void *map;			/* owned mapping: the control page, then the data pages */
	uint32_t seq;			/* control page's lock at the previous sampler_ran */
	uint64_t head;			/* data_head then */
	bool fresh;			/* no sampler_ran yet */
	bool period_set;		/* moved from SAMPLER_FIRST_NS to the sampler's period */
	struct rcbuf *rec;		/* one reference owned; the newest sample as last copied out of the
					 * ring, shared with the snapshots whose stacks point into it */
	size_t reclen;			/* 0: none copied */
	uint64_t rechead;		/* data_head when it was copied: while it holds, so does rec */
	bool swept;			/* tracked since the previous sweep */
	uint64_t mark;			/* its task clock at sampler_mark */
	bool marked;			/* mark is set and not yet compared */
};

struct sampler {
	pid_t pid;
	uint64_t period_ns;
	size_t pagesz;
	bool broken;			/* perf sampling impossible here: callers stop threads instead */
	char why[192];			/* why it is broken */
	bool exclude_kernel;		/* the kernel would not let us sample kernel mode */
	struct sampler_ent *e;		/* owned, sorted by tid */
	size_t n, cap;
};

/* Why perf_event_open is refused, for the snapshot's note: above 2, kernel.perf_event_paranoid (a
 * Debian patch; Debian's kernels default to 3) lets only CAP_SYS_ADMIN open events, which a
 * confined session has dropped. */
static void
sampler_why(struct sampler *s, int err)
{
	char *text = util_read_file("/proc/sys/kernel/perf_event_paranoid", NULL);
	int level = text != NULL ? atoi(text) : -1;

	free(text);
	if ((err == EACCES || err == EPERM) && level > 2)
		snprintf(s->why, sizeof s->why, "perf_event_open: %s (kernel.perf_event_paranoid is %d: only "
		    "CAP_SYS_ADMIN may sample; a session run with --no-sandbox keeps it)", strerror(err), level);
	else
		snprintf(s->why, sizeof s->why, "perf_event_open: %s", strerror(err));
}

struct sampler *
sampler_new(pid_t pid, uint64_t period_ns)
{
	struct sampler *s = xcalloc(1, sizeof *s);

	s->pid = pid;
	s->period_ns = period_ns > 0 ? period_ns : 1000000;
	s->pagesz = (size_t)sysconf(_SC_PAGESIZE);
	return s;
}

static size_t
sampler_maplen(const struct sampler *s)
{
	return (1 + SAMPLER_DATA_PAGES) * s->pagesz;
}

static void
sampler_ent_close(struct sampler *s, struct sampler_ent *x)
{
	if (x->map != NULL)
		munmap(x->map, sampler_maplen(s));
	if (x->fd >= 0)
		close(x->fd);
	rcbuf_unref(x->rec);
	x->rec = NULL;
	x->reclen = 0;
	x->map = NULL;
	x->fd = -1;
}

void
sampler_free(struct sampler *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		sampler_ent_close(s, &s->e[i]);
	free(s->e);
	free(s);
}

bool
sampler_usable(const struct sampler *s)
{
	return s != NULL && !s->broken;
}

const char *
sampler_broken_why(const struct sampler *s)
{
	return s != NULL && s->broken ? s->why : NULL;
}

/* Index of tid, or of where it would go. */
static size_t
sampler_find(const struct sampler *s, pid_t tid, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->e[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n && s->e[lo].tid == tid;
	return lo;
}

static int
sampler_open(struct sampler *s, pid_t tid)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = s->period_ns < SAMPLER_FIRST_NS ? s->period_ns : SAMPLER_FIRST_NS;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_READ | PERF_SAMPLE_REGS_USER |
	    PERF_SAMPLE_STACK_USER;
	a.sample_regs_user = arch_native->perf_regs_mask;	/* the general registers, as the arch numbers them */
	a.sample_stack_user = SAMPLER_STACK_BYTES;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.write_backward = 1;	/* with a read-only mapping: the kernel overwrites, the newest stays */
	a.exclude_hv = 1;
	a.exclude_kernel = s->exclude_kernel;
	fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0 && !util_fd_spare(fd)) {
		/* the descriptors left are the reserve: this thread is stopped for its snapshot instead */
		close(fd);
		errno = EMFILE;
		return -1;
	}
	return fd;
}

/* Once the first sample is in, one per period from then on (if the ioctl fails the period stays
 * short, which costs the target more samples but loses nothing). */
static void
sampler_settle(struct sampler *s, struct sampler_ent *x)
{
	struct perf_event_mmap_page *pg = x->map;
	uint64_t period = s->period_ns;

	if (x->period_set || __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE) == 0)
		return;
	(void)ioctl(x->fd, PERF_EVENT_IOC_PERIOD, &period);
	x->period_set = true;
}

int
sampler_track(struct sampler *s, pid_t tid, struct err *e)
{
	struct sampler_ent x = { .tid = tid, .fd = -1 };
	bool found;
	size_t at;
	int saved;

	if (s->broken)
		return err_set(e, "%s", s->why);
	at = sampler_find(s, tid, &found);
	if (found) {
		s->e[at].swept = true;
		sampler_settle(s, &s->e[at]);
		return 0;
	}
	x.fd = sampler_open(s, tid);
	if (x.fd < 0 && (errno == EACCES || errno == EPERM) && !s->exclude_kernel) {
		/* perf_event_paranoid may allow user-mode samples only */
		s->exclude_kernel = true;
		x.fd = sampler_open(s, tid);
	}
	if (x.fd < 0) {
		saved = errno;
		if (saved == ESRCH)
			return err_set(e, "tid %d: perf_event_open: %s", (int)tid, strerror(saved));
		/* anything but a vanished thread or a full fd table says perf is not for us */
		if (saved != EMFILE && saved != ENFILE && s->n == 0) {
			s->broken = true;
			sampler_why(s, saved);
		}
		return err_set(e, "tid %d: perf_event_open: %s", (int)tid, strerror(saved));
	}
	x.map = mmap(NULL, sampler_maplen(s), PROT_READ, MAP_SHARED, x.fd, 0);
	if (x.map == MAP_FAILED) {
		saved = errno;
		x.map = NULL;
		sampler_ent_close(s, &x);
		/* out of perf_event_mlock_kb: later threads would fail the same way */
		if (s->n == 0) {
			s->broken = true;
			snprintf(s->why, sizeof s->why, "mmap of the perf ring buffer: %s", strerror(saved));
		}
		return err_set(e, "tid %d: mmap of the perf ring buffer: %s", (int)tid, strerror(saved));
	}
	x.fresh = true;
	x.swept = true;
	xgrow(&s->e, &s->cap, s->n + 1, sizeof *s->e);
	memmove(&s->e[at + 1], &s->e[at], (s->n - at) * sizeof *s->e);
	s->e[at] = x;
	s->n++;
	return 0;
}

void
sampler_sweep(struct sampler *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->e[i].swept) {
			sampler_ent_close(s, &s->e[i]);
			continue;
		}
		s->e[i].swept = false;
		s->e[kept++] = s->e[i];
	}
	s->n = kept;
}

static struct sampler_ent *
sampler_get(struct sampler *s, pid_t tid)
{
	bool found;
	size_t at = sampler_find(s, tid, &found);

	return found ? &s->e[at] : NULL;
}

static uint64_t
sampler_get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

int
sampler_decode(const uint8_t *rec, size_t len, struct sampler_sample *out)
{
	struct perf_event_header h;
	uint64_t r[ARCH_PERF_MAX], size;
	size_t rlen = arch_native->perf_nregs * sizeof r[0];
	size_t off = sizeof h;
	uint32_t ids[2];

	if (len < sizeof h)
		return -1;
	memcpy(&h, rec, sizeof h);
	if (h.type != PERF_RECORD_SAMPLE || h.size > len || h.size < sizeof h)
		return -1;
	len = h.size;
	/* tid, time, read value, regs abi: the fixed part */
	if (len - off < 4 * 8)
		return -1;
	memset(out, 0, sizeof *out);
	memcpy(ids, rec + off, sizeof ids);
	out->tid = (pid_t)ids[1];
	out->time_ns = sampler_get_u64(rec + off + 8);
	out->cpu_ns = sampler_get_u64(rec + off + 16);
	if (sampler_get_u64(rec + off + 24) != SAMPLER_ABI_64)
		return -1;	/* no registers (a kernel thread) or a 32-bit task */
	off += 32;
	if (len - off < rlen + 8)
		return -1;
	memcpy(r, rec + off, rlen);
	off += rlen;
	arch_native->regs_from_perf(r, &out->regs);
	size = sampler_get_u64(rec + off);
	off += 8;
	if (size > 0) {
		uint64_t dyn;

		if (size > len - off || len - off - size < 8)
			return -1;
		dyn = sampler_get_u64(rec + off + size);
		if (dyn > size)
			return -1;
		out->stack = rec + off;
		out->stack_len = (size_t)dyn;
	}
	out->stack_addr = out->regs.sp;
	return 0;
}

/* Copies len bytes at ring offset pos (wrapping) into out. */
static void
sampler_ring_copy(const uint8_t *data, size_t size, uint64_t pos, uint8_t *out, size_t len)
{
	size_t at = (size_t)(pos & (size - 1)), first = size - at < len ? size - at : len;

	memcpy(out, data + at, first);
	memcpy(out + first, data, len - first);
}

ssize_t
sampler_ring_find(const uint8_t *data, size_t size, uint64_t head, uint64_t *at)
{
	uint64_t pos = head;

	if (size == 0 || (size & (size - 1)) != 0)
		return -1;
	/* records run forward from head, newest first; the buffer starts zeroed, a zero size ends them */
	while (pos - head < size) {
		struct perf_event_header h;

		if (size - (pos - head) < sizeof h)
			return 0;
		sampler_ring_copy(data, size, pos, (uint8_t *)&h, sizeof h);
		if (h.size == 0)
			return 0;
		if (h.size < sizeof h || h.size % 8 != 0)
			return -1;
		if (pos - head + h.size > size)
			return 0;	/* the oldest record, partly overwritten already */
		if (h.type == PERF_RECORD_SAMPLE) {
			*at = pos - head;
			return h.size;
		}
		pos += h.size;
	}
	return 0;
}

/* Copies the newest sample of x into x->rec (a new buffer if a snapshot still holds the old one, or
 * it is too small), checking that the kernel did not overwrite it meanwhile: straight from the
 * ring, one copy. On failure x->rec holds nothing.
 * Returns the record's length, 0, or -1. */
static ssize_t
sampler_copy(struct sampler *s, struct sampler_ent *x, uint64_t *headp)
{
	struct perf_event_mmap_page *pg = x->map;
	const uint8_t *data = (const uint8_t *)x->map + s->pagesz;
	size_t size = SAMPLER_DATA_PAGES * s->pagesz;

	x->reclen = 0;
	x->rechead = 0;
	for (int tries = 0; tries < SAMPLER_RETRIES; tries++) {
		uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE), now, at = 0;
		ssize_t n;

		if (head == 0)
			return 0;	/* nothing written yet: the thread has not run a whole period */
		n = sampler_ring_find(data, size, head, &at);
		if (n <= 0)
			return n;
		if ((size_t)n > size)
			return -1;
		sampler_ring_copy(data, size, head + at, rcbuf_own(&x->rec, (size_t)n)->data, (size_t)n);
		/* The kernel writes new records below head while we copy, wrapping onto the oldest
		 * bytes; the copy holds if what was written since, plus one record that may be in
		 * flight, did not reach the end of ours. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		now = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
		if ((head - now) + at + (uint64_t)n + (uint64_t)n <= size) {
			*headp = head;
			return n;
		}
	}
	return 0;
}

int
sampler_latest(struct sampler *s, pid_t tid, struct sampler_sample *out)
{
	struct sampler_ent *x = sampler_get(s, tid);
	uint64_t head;
	ssize_t n;

	if (x == NULL)
		return -1;
	/* nothing written since the last copy: a thread that waits for a CPU is read from there */
	head = __atomic_load_n(&((struct perf_event_mmap_page *)x->map)->data_head, __ATOMIC_ACQUIRE);
	if (x->reclen == 0 || head != x->rechead) {
		n = sampler_copy(s, x, &head);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		x->reclen = (size_t)n;
		x->rechead = head;
	}
	if (sampler_decode(x->rec->data, x->reclen, out) != 0 || out->tid != tid)
		return 0;
	out->buf = x->rec;
	return 1;
}

/* Whether x's control page or ring head moved since sampler_ran last looked (a new event: yes). */
static bool
sampler_moved(const struct sampler_ent *x, uint32_t *seq, uint64_t *head)
{
	const struct perf_event_mmap_page *pg = x->map;

	*seq = __atomic_load_n(&pg->lock, __ATOMIC_ACQUIRE);
	*head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	return x->fresh || *seq != x->seq || *head != x->head;
}

int
sampler_ran_since(struct sampler *s, pid_t tid)
{
	struct sampler_ent *x = sampler_get(s, tid);
	uint32_t seq;
	uint64_t head;

	if (x == NULL)
		return -1;
	return sampler_moved(x, &seq, &head) ? 1 : 0;
}

int
sampler_ran(struct sampler *s, pid_t tid)
{
	struct sampler_ent *x = sampler_get(s, tid);
	uint32_t seq;
	uint64_t head;
	bool ran;

	if (x == NULL)
		return -1;
	ran = sampler_moved(x, &seq, &head);
	x->marked = false;	/* a mark belongs to the snapshot being read */
	x->fresh = false;
	x->seq = seq;
	x->head = head;
	return ran ? 1 : 0;
}

/* The thread's task clock now: reading the event of a thread on a CPU has that CPU bring it up to
 * date first, so the count of one on a CPU moves between two reads and that of one off it does not. */
static int
sampler_count(const struct sampler_ent *x, uint64_t *v)
{
	return read(x->fd, v, sizeof *v) == (ssize_t)sizeof *v ? 0 : -1;
}

int
sampler_mark(struct sampler *s, pid_t tid)
{
	struct sampler_ent *x = sampler_get(s, tid);

	if (x == NULL)
		return -1;
	x->marked = sampler_count(x, &x->mark) == 0;
	return x->marked ? 0 : -1;
}

int
sampler_on_cpu(struct sampler *s, pid_t tid, bool *idle)
{
	struct sampler_ent *x = sampler_get(s, tid);
	uint64_t a, b;

	*idle = false;
	if (x == NULL || !x->marked)
		return -1;
	x->marked = false;
	if (sampler_count(x, &a) < 0)
		return 0;	/* an exited thread's event reads nothing: not on a CPU, and not known idle */
	if (a == x->mark) {
		/* no CPU time since the mark: off its CPU all along */
		*idle = true;
		return 0;
	}
	if (sampler_count(x, &b) < 0)
		return 0;
	return b != a ? 1 : 0;
}
