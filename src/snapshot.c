/* snapshot.c - lifecycle and lookups for the snapshot data; no capture or analysis logic here. */
#include "snapshot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "rcbuf.h"
#include "util.h"

/* runtime/runtime2.go: _Gscan, set on a status while the garbage collector scans the stack. */
#define SNAPSHOT_GO_SCAN 0x1000

/* The threads' stack copies by address (snapshot_index_stacks). */
struct snapshot_stackidx {
	size_t nthreads;	/* the snapshot's thread count when it was built: valid while it holds */
	size_t n;
	struct snapshot_stackent {
		uint64_t start, end;
		size_t thread;
	} *e;			/* owned; sorted by start */
	uint64_t maxlen;	/* the longest copy: how far back a covering copy may start */
};

struct snapshot *
snapshot_new(pid_t pid)
{
	static uint64_t last_id;
	struct snapshot *s = xcalloc(1, sizeof *s);

	s->pid = pid;
	s->arch = arch_native;		/* a capture of another arch's process says so */
	s->id = ++last_id;
	return s;
}

void
snapshot_frames_free(struct frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].packed)
			continue;
		free(f[i].function);
		free(f[i].module);
		free(f[i].file);
	}
	free(f);
}

static char *
snapshot_pack_str(char **p, const char *str)
{
	char *d = *p;
	size_t len;

	if (str == NULL)
		return NULL;
	len = strlen(str) + 1;
	memcpy(d, str, len);
	*p += len;
	return d;
}

void
snapshot_frames_pack(struct frame **f, size_t n)
{
	struct frame *src = *f, *dst;
	size_t bytes = n * sizeof *src;
	char *p;

	if (src == NULL || n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		bytes += src[i].function ? strlen(src[i].function) + 1 : 0;
		bytes += src[i].file ? strlen(src[i].file) + 1 : 0;
		if (src[i].module != NULL && (i == 0 || src[i].module != src[i - 1].module))
			bytes += strlen(src[i].module) + 1;
	}
	dst = xmalloc(bytes);
	p = (char *)(dst + n);
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[i];
		dst[i].packed = true;
		dst[i].function = snapshot_pack_str(&p, src[i].function);
		dst[i].file = snapshot_pack_str(&p, src[i].file);
		dst[i].module = src[i].module != NULL && i > 0 && src[i].module == src[i - 1].module ?
		    dst[i - 1].module : snapshot_pack_str(&p, src[i].module);
	}
	free(src);
	*f = dst;
}

void
snapshot_frame_own(struct frame *f)
{
	if (!f->packed)
		return;
	f->packed = false;
	f->function = f->function ? xstrdup(f->function) : NULL;
	f->module = f->module ? xstrdup(f->module) : NULL;
	f->file = f->file ? xstrdup(f->file) : NULL;
}

static void
snapshot_thread_done(struct thread *t)
{
	free(t->name);
	free(t->wchan);
	free(t->error);
	if (!t->stack_in_block)
		free(t->stack);
	snapshot_frames_free(t->frames, t->nframes);
	free(t->unwind_error);
	free(t->state_reason);
	free(t->wait.symbol);
	free(t->wait.detail);
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nthreads; i++)
		snapshot_thread_done(&s->threads[i]);
	free(s->threads);
	free(s->maps);
	free(s->maps_text);
	free(s->maps_paths);
	for (size_t i = 0; i < s->nblocks; i++)
		rcbuf_unref(s->blocks[i]);
	free(s->blocks);
	for (size_t i = 0; i < s->nmem; i++)
		free(s->mem[i].data);
	free(s->mem);
	for (size_t i = 0; i < s->nfds; i++)
		free(s->fds[i].target);
	free(s->fds);
	free(s->auxv);
	free(s->glibc_source_buf);
	free(s->pagecache);
	if (s->stackidx != NULL)
		free(s->stackidx->e);
	free(s->stackidx);
	snapshot_locks_free(s);
	snapshot_goinfo_free(s->go);
	free(s->exe);
	free(s->cmdline);
	free(s->container);
	free(s->capture_note);
	free(s->source);
	free(s->budget);
	if (s->readlog != NULL) {
		for (size_t i = 0; i < s->readlog->n; i++)
			free(s->readlog->reads[i].data);
		free(s->readlog->reads);
		free(s->readlog);
	}
	if (s->read_ctx_free != NULL)
		s->read_ctx_free(s->read_ctx);
	free(s);
}

void
snapshot_locks_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nlocks; i++) {
		struct lock *l = &s->locks[i];

		free(l->symbol);
		free(l->variant);
		free(l->holders);
		free(l->waiters);
		free(l->note);
		free(l->go_waiters);
		snapshot_probable_free(l);
	}
	free(s->locks);
	s->locks = NULL;
	s->nlocks = 0;
	for (size_t i = 0; i < s->ndeadlocks; i++) {
		free(s->deadlocks[i].threads);
		free(s->deadlocks[i].locks);
		free(s->deadlocks[i].goroutines);
	}
	free(s->deadlocks);
	s->deadlocks = NULL;
	s->ndeadlocks = 0;
}

void
snapshot_goinfo_free(struct goinfo *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->ngs; i++) {
		struct goroutine *r = &g->gs[i];

		free(r->wait_reason);
		free(r->created_by.function);
		free(r->created_by.module);
		free(r->created_by.file);
		snapshot_frames_free(r->frames, r->nframes);
		free(r->unwind_error);
	}
	free(g->gs);
	for (size_t i = 0; i < g->nnotes; i++)
		free(g->notes[i]);
	free(g->notes);
	free(g->version);
	free(g->error);
	free(g);
}

struct thread *
snapshot_add_thread(struct snapshot *s, pid_t tid)
{
	struct thread *t;

	xgrow(&s->threads, &s->threads_cap, s->nthreads + 1, sizeof *s->threads);
	t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof *t);
	t->tid = tid;
	t->syscall = -2;
	t->cpu = -1;
	t->wait.lock = -1;
	t->wait.root = -1;
	return t;
}

size_t
snapshot_drop_threads(struct snapshot *s, enum capture_status st)
{
	size_t kept = 0, n = s->nthreads;

	for (size_t i = 0; i < n; i++) {
		if (s->threads[i].status == st) {
			snapshot_thread_done(&s->threads[i]);
			continue;
		}
		if (kept != i)
			s->threads[kept] = s->threads[i];
		kept++;
	}
	s->nthreads = kept;
	return n - kept;
}

pid_t
snapshot_tid_from_target(const struct snapshot *s, pid_t target_tid)
{
	if (target_tid <= 0)
		return 0;
	if (!s->pidns)
		return snapshot_find_thread(s, target_tid) != NULL ? target_tid : 0;
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].ns_tid == target_tid)
			return s->threads[i].tid;
	return 0;
}

int
snapshot_thread_index(const struct snapshot *s, pid_t tid)
{
	size_t lo = 0, hi = s->nthreads;

	/* threads are usually in TID order (as /proc lists them, as a core is sorted): a binary search
	 * finds most; a match is the thread whatever the order, and a miss looks through them all */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->threads[mid].tid == tid)
			return (int)mid;
		if (s->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return (int)i;
	return -1;
}

struct thread *
snapshot_find_thread(const struct snapshot *s, pid_t tid)
{
	int i = snapshot_thread_index(s, tid);

	return i < 0 ? NULL : &s->threads[i];
}

void
snapshot_add_memcopy(struct snapshot *s, uint64_t addr, const void *data, size_t len)
{
	struct memcopy *m;

	s->mem = xrealloc(s->mem, (s->nmem + 1) * sizeof *s->mem);
	m = &s->mem[s->nmem++];
	m->addr = addr;
	m->len = len;
	m->data = xmalloc(len);
	memcpy(m->data, data, len);
}

void
snapshot_keep_block(struct snapshot *s, struct rcbuf *block)
{
	/* the same buffer twice in a row: a thread read again in this snapshot */
	if (s->nblocks > 0 && s->blocks[s->nblocks - 1] == block)
		return;
	xgrow(&s->blocks, &s->blocks_cap, s->nblocks + 1, sizeof *s->blocks);
	s->blocks[s->nblocks++] = rcbuf_ref(block);
}

/* Copies from one cached range if it covers [addr, addr+len) entirely. */
static int
snapshot_read_range(uint64_t base, const uint8_t *data, size_t dlen, uint64_t addr, void *buf, size_t len)
{
	if (data == NULL || addr < base || addr - base > dlen || len > dlen - (addr - base))
		return 0;
	memcpy(buf, data + (addr - base), len);
	return 1;
}

void
snapshot_record_reads(struct snapshot *s)
{
	if (s->readlog == NULL)
		s->readlog = xcalloc(1, sizeof *s->readlog);
}

/* Keeps a copy of a fallback read, within the log's bound. */
static void
snapshot_log_read(struct snapshot_readlog *l, uint64_t addr, const void *buf, ssize_t r)
{
	if (r <= 0)
		return;
	if (l->bytes + (uint64_t)r > SNAPSHOT_READLOG_MAX) {
		l->full = true;
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->reads = xrealloc(l->reads, l->cap * sizeof *l->reads);
	}
	l->reads[l->n].addr = addr;
	l->reads[l->n].len = (size_t)r;
	l->reads[l->n].data = xmalloc((size_t)r);
	memcpy(l->reads[l->n].data, buf, (size_t)r);
	l->n++;
	l->bytes += (uint64_t)r;
}

/* The pages of the target read last, whole: the analysis reads a few words at a time (a g, then
 * its stack, a sudog, a lock word), and one system call per page instead of per word is most of
 * the cost of a big Go program's dump. Direct-mapped by page number; a page that cannot be read
 * whole is not cached (the read goes to the target as asked). Read once, a page keeps the value
 * it had then: later reads within the snapshot see the same bytes. */
#define SNAPSHOT_PAGE		4096u
#define SNAPSHOT_CACHE_SLOTS	256u	/* 1 MiB */
struct snapshot_pagecache {
	uint64_t page[SNAPSHOT_CACHE_SLOTS];	/* the page's address + 1; 0: empty */
	uint8_t data[SNAPSHOT_CACHE_SLOTS][SNAPSHOT_PAGE];
};

static size_t
snapshot_cache_slot(uint64_t pa)
{
	return (size_t)((pa / SNAPSHOT_PAGE) * 0x9e3779b97f4a7c15ull >> 56) % SNAPSHOT_CACHE_SLOTS;
}

/* The cached copy of the page at pa (page aligned), read now if needed; NULL if it cannot be read whole. */
static const uint8_t *
snapshot_cache_page(const struct snapshot *s, uint64_t pa)
{
	struct snapshot_pagecache *c = s->pagecache;
	size_t slot = snapshot_cache_slot(pa);

	if (c->page[slot] == pa + 1)
		return c->data[slot];
	c->page[slot] = 0;
	if (s->read_fallback(s->read_ctx, pa, c->data[slot], SNAPSHOT_PAGE) != (ssize_t)SNAPSHOT_PAGE)
		return NULL;
	c->page[slot] = pa + 1;
	return c->data[slot];
}

/* The fallback read, through the page cache when it spans at most two pages; recorded (as asked,
 * not whole pages) when s records its reads. */
static ssize_t
snapshot_read_fallback(const struct snapshot *s, uint64_t addr, void *buf, size_t len)
{
	uint64_t first = addr & ~(uint64_t)(SNAPSHOT_PAGE - 1);
	ssize_t r = -1;

	if (len > 0 && len <= SNAPSHOT_PAGE && addr + len > addr) {
		uint64_t last = (addr + len - 1) & ~(uint64_t)(SNAPSHOT_PAGE - 1);
		const uint8_t *p, *q = NULL;

		if (s->pagecache == NULL)
			((struct snapshot *)s)->pagecache = xcalloc(1, sizeof *s->pagecache);	/* a cache, as the budget */
		/* two pages in two slots: the second lookup must not evict the first, so copy at once */
		if ((p = snapshot_cache_page(s, first)) != NULL) {
			size_t head = last == first ? len : (size_t)(first + SNAPSHOT_PAGE - addr);

			memcpy(buf, p + (addr - first), head);
			if (last == first || (q = snapshot_cache_page(s, last)) != NULL) {
				if (q != NULL)
					memcpy((uint8_t *)buf + head, q, len - head);
				r = (ssize_t)len;
			}
		}
	}
	if (r < 0)
		r = s->read_fallback(s->read_ctx, addr, buf, len);
	if (s->readlog != NULL)
		snapshot_log_read(s->readlog, addr, buf, r);
	return r;
}

enum { SNAPSHOT_PREFETCH_BATCH = 64 };

struct snapshot_prefetch_batch {
	uint64_t pa[SNAPSHOT_PREFETCH_BATCH];
	uint8_t *bufs[SNAPSHOT_PREFETCH_BATCH];
	size_t slot[SNAPSHOT_PREFETCH_BATCH];
	size_t n;
};

static void
snapshot_prefetch_flush(const struct snapshot *s, struct snapshot_prefetch_batch *b)
{
	size_t got;

	if (b->n == 0)
		return;
	got = s->read_pages(s->read_ctx, b->pa, b->bufs, b->n);
	for (size_t i = 0; i < got && i < b->n; i++)
		s->pagecache->page[b->slot[i]] = b->pa[i] + 1;
	b->n = 0;
}

void
snapshot_prefetch(const struct snapshot *s, const uint64_t *addrs, size_t n)
{
	struct snapshot_prefetch_batch b;
	struct snapshot_pagecache *c;

	if (s->read_pages == NULL || s->read_fallback == NULL)
		return;
	if (s->pagecache == NULL)
		((struct snapshot *)s)->pagecache = xcalloc(1, sizeof *s->pagecache);	/* a cache, as the budget */
	c = s->pagecache;
	b.n = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = addrs[i] & ~(uint64_t)(SNAPSHOT_PAGE - 1);
		size_t slot = snapshot_cache_slot(pa);
		const struct mapping *m;
		bool taken = false;

		if (addrs[i] == 0 || c->page[slot] == pa + 1)
			continue;
		/* two pages of one batch in one slot: the first one stays */
		for (size_t j = 0; j < b.n && !taken; j++)
			taken = b.slot[j] == slot;
		if (taken)
			continue;
		if (s->nmaps > 0 && ((m = snapshot_find_mapping(s, pa)) == NULL || m->perms[0] != 'r'))
			continue;
		c->page[slot] = 0;
		b.pa[b.n] = pa;
		b.bufs[b.n] = c->data[slot];
		b.slot[b.n++] = slot;
		if (b.n == SNAPSHOT_PREFETCH_BATCH)
			snapshot_prefetch_flush(s, &b);
	}
	snapshot_prefetch_flush(s, &b);
}

ssize_t
snapshot_read_recorded(struct snapshot *s, uint64_t addr, void *buf, size_t len)
{
	if (s->readlog == NULL || s->read_fallback == NULL)
		return -1;
	return snapshot_read_fallback(s, addr, buf, len);
}

static int
snapshot_stackent_cmp(const void *a, const void *b)
{
	const struct snapshot_stackent *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

void
snapshot_index_stacks(struct snapshot *s)
{
	struct snapshot_stackidx *x = s->stackidx;

	if (x == NULL)
		x = s->stackidx = xcalloc(1, sizeof *x);
	free(x->e);
	x->e = xcalloc(s->nthreads + 1, sizeof *x->e);
	x->n = 0;
	x->maxlen = 0;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];

		if (t->stack == NULL || t->stack_len == 0 || t->stack_addr + t->stack_len < t->stack_addr)
			continue;
		x->e[x->n++] = (struct snapshot_stackent){ t->stack_addr, t->stack_addr + t->stack_len, i };
		if (t->stack_len > x->maxlen)
			x->maxlen = t->stack_len;
	}
	qsort(x->e, x->n, sizeof *x->e, snapshot_stackent_cmp);
	x->nthreads = s->nthreads;
}

/* From the thread stack copies, through the index: the copies starting at most maxlen before addr. */
static bool
snapshot_read_stacks_indexed(const struct snapshot *s, uint64_t addr, void *buf, size_t len)
{
	const struct snapshot_stackidx *x = s->stackidx;
	size_t lo = 0, hi = x->n;

	/* the first copy starting after addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0 && addr - x->e[lo].start < x->maxlen) {
		const struct thread *t = &s->threads[x->e[lo].thread];

		if (snapshot_read_range(t->stack_addr, t->stack, t->stack_len, addr, buf, len))
			return true;
	}
	return false;
}

ssize_t
snapshot_read(const struct snapshot *s, uint64_t addr, void *buf, size_t len)
{
	for (size_t i = 0; i < s->nmem; i++)
		if (snapshot_read_range(s->mem[i].addr, s->mem[i].data, s->mem[i].len, addr, buf, len))
			return (ssize_t)len;
	if (s->stackidx != NULL && s->stackidx->nthreads == s->nthreads) {
		if (snapshot_read_stacks_indexed(s, addr, buf, len))
			return (ssize_t)len;
	} else
		for (size_t i = 0; i < s->nthreads; i++) {
			const struct thread *t = &s->threads[i];

			if (snapshot_read_range(t->stack_addr, t->stack, t->stack_len, addr, buf, len))
				return (ssize_t)len;
		}
	if (s->read_fallback == NULL)
		return -1;
	if (s->budget != NULL) {
		struct snapshot_budget *b = s->budget;
		ssize_t r;

		if (b->read_hit || b->deadline_hit)
			return -1;
		if (b->deadline_ns != 0 && util_now_ns() >= b->deadline_ns) {
			b->deadline_hit = true;
			return -1;
		}
		if (b->read_max != 0 && (len > b->read_max || b->read > b->read_max - len)) {
			b->read_hit = true;
			return -1;
		}
		if ((r = snapshot_read_fallback(s, addr, buf, len)) > 0)
			b->read += (uint64_t)r;
		return r;
	}
	return snapshot_read_fallback(s, addr, buf, len);
}

void
snapshot_budget_set(struct snapshot *s, uint64_t read_max, uint64_t timeout_ns)
{
	if (s->budget == NULL)
		s->budget = xcalloc(1, sizeof *s->budget);
	memset(s->budget, 0, sizeof *s->budget);
	s->budget->read_max = read_max;
	s->budget->timeout_ns = timeout_ns;
	s->budget->deadline_ns = timeout_ns != 0 ? util_now_ns() + timeout_ns : 0;
	s->budget->frame_max = SNAPSHOT_FRAME_BUDGET;
}

size_t
snapshot_truncations(const struct snapshot *s, char *out[4])
{
	size_t n = 0;

	if (s->budget != NULL && s->budget->read_hit)
		out[n++] = xasprintf("target-read budget %" PRIu64 " bytes reached: later reads of its memory "
		    "refused", s->budget->read_max);
	if (s->budget != NULL && s->budget->deadline_hit)
		out[n++] = xasprintf("analysis deadline %.3f s reached: what it had not read by then is missing",
		    (double)s->budget->timeout_ns / 1e9);
	if (s->go != NULL && s->go->truncated)
		out[n++] = xasprintf("goroutine budget %d reached: %zu goroutines in allgs, the rest not read",
		    SNAPSHOT_GOROUTINE_BUDGET, s->go->nallgs);
	if (s->budget != NULL && s->budget->frame_hit)
		out[n++] = xasprintf("frame budget %" PRIu64 " frames reached: the threads after it are not unwound",
		    s->budget->frame_max);
	return n;
}

const struct mapping *
snapshot_find_mapping(const struct snapshot *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nmaps;

	/* maps are sorted by start, as the kernel lists them */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < s->maps[mid].start)
			hi = mid;
		else if (addr >= s->maps[mid].end)
			lo = mid + 1;
		else
			return &s->maps[mid];
	}
	return NULL;
}

/* Skips the spaces, then one field; returns where the field ends, or NULL at the end of the line. */
static const char *
snapshot_maps_field(const char *p, const char *eol)
{
	while (p < eol && *p == ' ')
		p++;
	if (p == eol)
		return NULL;
	while (p < eol && *p != ' ')
		p++;
	return p;
}

/* Parses hex digits in [p, eol) up to a non-hex character; *end gets where they stopped. */
static uint64_t
snapshot_maps_hex(const char *p, const char *eol, const char **end)
{
	uint64_t v = 0;

	for (; p < eol; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
		    *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;

		if (d < 0)
			break;
		v = v << 4 | (uint64_t)d;
	}
	*end = p;
	return v;
}

/* "start-end perms offset dev inode   path": no sscanf, since top and record parse it each sample. */
int
snapshot_parse_maps(struct snapshot *s, const char *text)
{
	size_t cap = 0;
	const char *p = text;

	char *paths;
	size_t used = 0;

	free(s->maps);
	free(s->maps_paths);
	s->maps = NULL;
	s->nmaps = 0;
	/* every path is a piece of a line: the text's length bounds them all */
	s->maps_paths = paths = xmalloc(strlen(text) + 1);
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *q, *r, *perms;
		uint64_t start, end, off, dev, ino;
		struct mapping *m;
		size_t plen;

		if (eol == NULL)
			eol = p + strlen(p);
		start = snapshot_maps_hex(p, eol, &q);
		if (q == p || q == eol || *q != '-')
			goto next;
		end = snapshot_maps_hex(q + 1, eol, &r);
		if (r == q + 1 || r == eol || *r != ' ')
			goto next;
		perms = r + 1;
		if ((q = snapshot_maps_field(r, eol)) == NULL)
			goto next;
		plen = (size_t)(q - perms);
		while (q < eol && *q == ' ')
			q++;
		off = snapshot_maps_hex(q, eol, &r);
		if (r == q || (r < eol && *r != ' '))
			goto next;
		/* dev and inode, then the path (which may hold spaces) after the padding */
		dev = ino = 0;
		if ((q = snapshot_maps_field(r, eol)) != NULL) {
			const char *d = r, *x;
			unsigned maj, min;

			while (d < q && *d == ' ')
				d++;
			maj = (unsigned)snapshot_maps_hex(d, q, &x);
			min = x < q && *x == ':' ? (unsigned)snapshot_maps_hex(x + 1, q, &x) : 0;
			dev = makedev(maj, min);
			for (d = q; d < eol && *d == ' '; d++)
				;
			for (; d < eol && *d >= '0' && *d <= '9'; d++)
				ino = ino * 10 + (uint64_t)(*d - '0');
		}
		if (q == NULL || (q = snapshot_maps_field(q, eol)) == NULL)
			q = eol;
		while (q < eol && *q == ' ')
			q++;
		xgrow(&s->maps, &cap, s->nmaps + 1, sizeof *s->maps);
		m = &s->maps[s->nmaps++];
		/* every field: the build ID ones are filled later only by some sources (grown memory is
		 * not zeroed) */
		*m = (struct mapping){ .start = start, .end = end, .offset = off, .dev = dev, .ino = ino };
		snprintf(m->perms, sizeof m->perms, "%.*s", (int)(plen < 4 ? plen : 4), perms);
		plen = (size_t)(eol - q) > 4096 ? 4096 : (size_t)(eol - q);
		memcpy(paths + used, q, plen);
		paths[used + plen] = '\0';
		m->path = paths + used;
		used += plen + 1;
next:
		p = *eol != '\0' ? eol + 1 : eol;
	}
	return 0;
}

void
snapshot_copy_maps(struct snapshot *dst, const struct snapshot *src)
{
	size_t used = 0;

	free(dst->maps);
	free(dst->maps_paths);
	free(dst->maps_text);
	dst->maps = NULL;
	dst->maps_paths = NULL;
	dst->maps_text = src->maps_text != NULL ? xstrdup(src->maps_text) : NULL;
	dst->nmaps = 0;
	if (src->nmaps == 0)
		return;
	/* the paths lie one after another in maps_paths: the one that ends furthest ends them */
	for (size_t i = 0; i < src->nmaps; i++) {
		size_t e = (size_t)(src->maps[i].path - src->maps_paths) + strlen(src->maps[i].path) + 1;

		if (e > used)
			used = e;
	}
	dst->maps_paths = xmalloc(used);
	memcpy(dst->maps_paths, src->maps_paths, used);
	dst->maps = xcalloc(src->nmaps, sizeof *dst->maps);
	memcpy(dst->maps, src->maps, src->nmaps * sizeof *dst->maps);
	dst->nmaps = src->nmaps;
	for (size_t i = 0; i < dst->nmaps; i++) {
		struct mapping *m = &dst->maps[i];

		m->path = dst->maps_paths + (src->maps[i].path - src->maps_paths);
		/* as parsed: what analysis filled in is the source's own */
		m->build_id_hex[0] = '\0';
		memset(m->build_id, 0, sizeof m->build_id);
		m->build_id_len = 0;
	}
}

const char *
snapshot_fd_target(const struct snapshot *s, int fd)
{
	size_t lo = 0, hi = s->nfds;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fd < s->fds[mid].fd)
			hi = mid;
		else if (fd > s->fds[mid].fd)
			lo = mid + 1;
		else
			return s->fds[mid].target;
	}
	return NULL;
}

const char *
snapshot_state_name(enum thread_state st)
{
	static const char *const names[STATE_COUNT] = {
		[STATE_UNKNOWN] = "unknown",
		[STATE_RUNNING] = "running",
		[STATE_RUNNABLE] = "runnable",
		[STATE_BLOCKED] = "blocked",
		[STATE_WAITING] = "waiting",
		[STATE_SLEEPING] = "sleeping",
		[STATE_IO] = "io",
		[STATE_DISK] = "disk",
		[STATE_STOPPED] = "stopped",
		[STATE_DEAD] = "dead",
	};

	return (unsigned)st < STATE_COUNT ? names[st] : "unknown";
}

const char *
snapshot_wait_kind_name(enum wait_kind k)
{
	static const char *const names[WAIT_KIND_COUNT] = {
		[WAIT_NONE] = "none",
		[WAIT_MUTEX] = "mutex",
		[WAIT_RWLOCK_READ] = "rwlock-read",
		[WAIT_RWLOCK_WRITE] = "rwlock-write",
		[WAIT_CONDVAR] = "condvar",
		[WAIT_SEMAPHORE] = "semaphore",
		[WAIT_BARRIER] = "barrier",
		[WAIT_JOIN] = "join",
		[WAIT_FUTEX] = "futex",
		[WAIT_SYSCALL] = "syscall",
	};

	return (unsigned)k < WAIT_KIND_COUNT ? names[k] : "none";
}

const char *
snapshot_capture_status_name(enum capture_status c)
{
	switch (c) {
	case CAPTURE_OK: return "ok";
	case CAPTURE_UNSTOPPED: return "unstopped";
	case CAPTURE_SAMPLED: return "sampled";
	case CAPTURE_GONE: return "gone";
	case CAPTURE_NOSTOP: return "nostop";
	case CAPTURE_ERROR: return "error";
	}
	return "error";
}

const char *
snapshot_capture_mode_name(const struct snapshot *s)
{
	/* a retake is always stop-all, after a fast or sampled attempt that did not settle */
	if (s->capture_retaken == CAPTURE_MODE_SAMPLED)
		return "sampled, retaken stop-all (a blocked thread ran meanwhile)";
	if (s->capture_retaken != CAPTURE_MODE_NONE)
		return "fast, retaken stop-all (a blocked thread ran meanwhile)";
	switch (s->capture_mode) {
	case CAPTURE_MODE_NONE: return NULL;
	case CAPTURE_MODE_FAST: return "fast";
	case CAPTURE_MODE_STOP_ALL: return "stop-all";
	case CAPTURE_MODE_SAMPLED: return "sampled";
	case CAPTURE_MODE_CORE: return "core";
	}
	return NULL;
}

const char *
snapshot_capture_round_kind_name(enum capture_round_kind k)
{
	switch (k) {
	case CAPTURE_ROUND_FIRST: return "first";
	case CAPTURE_ROUND_RETAKE: return "retake";
	case CAPTURE_ROUND_STOP_ALL: return "stop-all";
	case CAPTURE_ROUND_NEW_THREADS: return "new-threads";
	case CAPTURE_ROUND_REREAD: return "reread";
	}
	return "first";
}

const char *
snapshot_lock_kind_name(enum lock_kind k)
{
	static const char *const names[LOCK_KIND_COUNT] = {
		"mutex", "rwlock", "condvar", "semaphore", "barrier", "join", "futex", "go-mutex", "go-rwmutex",
		"rust-mutex", "rust-rwlock", "rust-condvar",
	};

	return (unsigned)k < LOCK_KIND_COUNT ? names[k] : "futex";
}

void
snapshot_probable_free(struct lock *l)
{
	for (size_t i = 0; i < l->nprobable; i++) {
		free(l->probable[i].frame.function);
		free(l->probable[i].frame.module);
		free(l->probable[i].frame.file);
	}
	free(l->probable);
	free(l->probable_note);
	l->probable = NULL;
	l->nprobable = 0;
	l->probable_note = NULL;
}

const char *
snapshot_holder_evidence_name(enum holder_evidence e)
{
	static const char *const names[HOLDER_EV_COUNT] = {
		"object-pointer", "pointer", "locked-frame", "deferred-unlock", "guard",
	};

	return (unsigned)e < HOLDER_EV_COUNT ? names[e] : "pointer";
}

const char *
snapshot_holder_mode_name(enum holder_mode m)
{
	return m == HOLDER_MODE_READ ? "read" : m == HOLDER_MODE_WRITE ? "write" : "unknown";
}

const char *
snapshot_go_status_name(uint32_t status)
{
	static const char *const names[] = {
		"idle", "runnable", "running", "syscall", "waiting", "moribund_unused", "dead",
		"enqueue_unused", "copystack", "preempted",
	};

	status &= ~(uint32_t)SNAPSHOT_GO_SCAN;
	return status < sizeof names / sizeof names[0] ? names[status] : "unknown";
}

const char *
snapshot_go_wait_role_name(enum go_wait_role r)
{
	switch (r) {
	case GOWAIT_SEMA: return "semaphore";
	case GOWAIT_MUTEX: return "go-mutex";
	case GOWAIT_RW_WRITER: return "go-rwmutex-writer";
	case GOWAIT_RW_QUEUED: return "go-rwmutex-queued";
	case GOWAIT_RW_READER: return "go-rwmutex-reader";
	default: return "none";
	}
}

const char *
snapshot_deadlocks_incomplete(const struct snapshot *s, bool *libc)
{
	char *tr[4];
	size_t ntr;

	if (libc != NULL)
		*libc = true;
	if (s->glibc_source != NULL && s->libc_name == NULL)
		return "the glibc version is unknown, so lock owners cannot be read";
	if (s->libc_name != NULL && strcmp(s->libc_name, "musl") == 0)
		for (size_t i = 0; i < s->nlocks; i++)
			if ((s->locks[i].kind == LOCK_MUTEX || s->locks[i].kind == LOCK_RWLOCK) && !s->locks[i].holders_known)
				return "musl's normal mutexes and rwlocks record no owner";
	if (libc != NULL)
		*libc = false;
	if (s->go != NULL && s->go->error != NULL)
		return "the Go runtime could not be read, so goroutines' lock waits are unknown";
	if (s->go != NULL && s->go->waits_unresolved)
		return "the Go runtime's semaphore table could not be read whole: some goroutines' lock waits are unknown";
	if (s->go != NULL && s->go->nunreadable > 0)
		return "some goroutines could not be read";
	if (s->go != NULL && s->go->truncated)
		return "not every goroutine was read (goroutine budget)";
	ntr = snapshot_truncations(s, tr);
	for (size_t i = 0; i < ntr; i++)
		free(tr[i]);
	if (ntr > 0)
		return "the analysis was cut short by a budget";
	return NULL;
}
