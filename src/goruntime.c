/* goruntime.c - goroutines, their stacks and the sync.Mutex/RWMutex they wait for, read from an untrusted Go runtime. */
#include "goruntime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "godwarf.h"
#include "holders.h"
#include "targetfile.h"
#include "unwind.h"
#include "util.h"

/* runtime/runtime2.go: the status values are part of the runtime's debugger contract. */
#define G_SCAN		0x1000
#define G_IDLE		0
#define G_RUNNABLE	1
#define G_RUNNING	2
#define G_SYSCALL	3
#define G_WAITING	4
#define G_DEAD		6
#define G_COPYSTACK	8
#define G_PREEMPTED	9

/* sync/mutex.go and sync/rwmutex.go */
#define MUTEX_LOCKED		1
#define MUTEX_STARVING		4
#define MUTEX_WAITER_SHIFT	3
#define RWMUTEX_MAX_READERS	(1 << 30)

#define GR_MAX_FRAMES		128
#define GR_MAX_FRAMES_MANY	32	/* per goroutine once there are more than GR_MANY */
#define GR_MANY			20000
#define GR_MAX_SEMA_NODES	(4 * GORUNTIME_MAX_GOROUTINES)
#define GR_MAX_REASONS		256
#define GR_MAX_STRING		256

/* Per target, kept across snapshots by the analyzer. */
struct gocache {
	enum godwarf_result res;
	char *error;
	struct godwarf_layout l;
	int pie;
	char **reasons;			/* waitReasonStrings, read once */
	size_t nreasons;
	bool reasons_read;
	char *version;
	bool version_read;
	/* the context of the probable-holder hooks, for the snapshot last analyzed */
	const struct snapshot *hk_s;
	struct unwinder *hk_u;
	uint64_t hk_bias;
};

/* One goroutine parked on a semaphore, from the runtime's semaphore table. */
struct gr_semwait {
	uint64_t g, elem;
};

struct gr_ctx {
	struct snapshot *s;
	struct unwinder *u;
	struct gocache *c;
	const struct godwarf_layout *l;
	uint64_t bias;
	struct goinfo *gi;
	int64_t mono_ns;		/* CLOCK_MONOTONIC (the runtime's nanotime) at the snapshot, 0 if
					 * not known: then no goroutine's wait time is */
	struct gr_semwait *sw;
	size_t nsw, swcap;
};

/* A Go lock found through its waiters; the details behind one s->locks entry. */
struct gr_lockref {
	uint64_t addr;
	size_t gi;			/* index into goinfo.gs */
};

static void
gr_note(struct goinfo *gi, char *msg)
{
	if (gi->nnotes >= 32) {
		free(msg);
		return;
	}
	gi->notes = xrealloc(gi->notes, (gi->nnotes + 1) * sizeof *gi->notes);
	gi->notes[gi->nnotes++] = msg;
}

/* Target memory is untrusted: only addresses inside a readable mapping are read. */
static bool
gr_read(struct gr_ctx *x, uint64_t addr, void *buf, size_t len)
{
	const struct mapping *m;

	if (addr == 0 || len == 0 || addr + len < addr)
		return false;
	if (x->s->nmaps > 0) {
		if ((m = snapshot_find_mapping(x->s, addr)) == NULL || m->perms[0] != 'r' || addr + len > m->end)
			return false;
	}
	return snapshot_read(x->s, addr, buf, len) == (ssize_t)len;
}

static uint64_t
gr_u64(struct gr_ctx *x, uint64_t addr, bool *ok)
{
	uint64_t v = 0;

	*ok = gr_read(x, addr, &v, sizeof v);
	return v;
}

/* A field of a struct copied into buf; 0 when absent or outside the copy. */
static uint64_t
gr_field(const uint8_t *buf, size_t len, struct godwarf_field f)
{
	uint64_t v = 0;

	if (f.off < 0 || f.size <= 0 || f.size > 8 || (size_t)f.off + (size_t)f.size > len)
		return 0;
	memcpy(&v, buf + f.off, (size_t)f.size);	/* little-endian target */
	return v;
}

static int64_t
gr_sfield(const uint8_t *buf, size_t len, struct godwarf_field f)
{
	uint64_t v = gr_field(buf, len, f);

	if (f.size == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* A Go string header {ptr, len} at addr; bounded, control bytes replaced. NULL if unreadable. */
static char *
gr_string(struct gr_ctx *x, uint64_t addr)
{
	uint64_t hdr[2];
	char *str;

	if (!gr_read(x, addr, hdr, sizeof hdr) || hdr[1] > GR_MAX_STRING)
		return NULL;
	str = xmalloc(hdr[1] + 1);
	if (hdr[1] > 0 && !gr_read(x, hdr[0], str, hdr[1])) {
		free(str);
		return NULL;
	}
	str[hdr[1]] = '\0';
	for (size_t i = 0; i < hdr[1]; i++)
		if ((unsigned char)str[i] < 0x20 || str[i] == 0x7f)
			str[i] = '?';
	return str;
}

static void
gr_cache_strings(struct gr_ctx *x)
{
	struct gocache *c = x->c;
	const struct godwarf_layout *l = x->l;

	if (!c->reasons_read && l->waitreasons_addr != 0) {
		size_t n = l->nwaitreasons < GR_MAX_REASONS ? l->nwaitreasons : GR_MAX_REASONS;
		size_t got = 0;

		c->reasons = xcalloc(n ? n : 1, sizeof *c->reasons);
		for (size_t i = 0; i < n; i++)
			if ((c->reasons[i] = gr_string(x, l->waitreasons_addr + x->bias + 16 * i)) != NULL)
				got++;
		c->nreasons = n;
		/* only a fully read table is kept: a partial one would mislabel goroutines forever */
		c->reasons_read = got == n;
		if (!c->reasons_read) {
			for (size_t i = 0; i < n; i++)
				free(c->reasons[i]);
			free(c->reasons);
			c->reasons = NULL;
			c->nreasons = 0;
		}
	}
	if (!c->version_read && l->buildversion_addr != 0) {
		c->version = gr_string(x, l->buildversion_addr + x->bias);
		c->version_read = c->version != NULL;
	}
}

/* The executable, opened through targetfile: /proc/PID/exe is the very file the process runs (even
 * replaced or deleted on disk since); a process not there any more (or a file) goes by the path
 * its maps name, inside its root. */
static int
gr_open_exe(const struct snapshot *s, struct unwinder *u, struct err *e)
{
	int fd = -1;

	if (s->pid > 0 && (fd = targetfile_open_exe(s->pid, e)) >= 0)
		return fd;
	if (s->exe != NULL && unwind_root(u) != NULL)
		fd = targetfile_open_mapped(unwind_root(u), s, s->exe, 0, NULL, e);
	return fd;
}

static struct gocache *
gr_cache_get(struct snapshot *s, struct unwinder *u, void **cachep)
{
	struct gocache *c = *cachep;
	struct err e = { "" };
	int fd;

	if (c != NULL)
		return c;
	c = xcalloc(1, sizeof *c);
	c->res = GODWARF_ERROR;
	if ((fd = gr_open_exe(s, u, &e)) >= 0)
		c->res = godwarf_load_fd(fd, s->exe != NULL ? s->exe : "executable", &c->l, &c->pie, &e);
	if (c->res != GODWARF_OK)
		c->error = xstrdup(e.msg);
	*cachep = c;
	return c;
}

void
goruntime_cache_free(void *cache)
{
	struct gocache *c = cache;

	if (c == NULL)
		return;
	godwarf_layout_done(&c->l);
	free(c->error);
	for (size_t i = 0; i < c->nreasons; i++)
		free(c->reasons[i]);
	free(c->reasons);
	free(c->version);
	free(c);
}

/* PIE Go binaries (-buildmode=pie) are linked at l.load_vaddr (0x400000) like the others and
 * loaded elsewhere: the bias is where the mapping of file offset 0 starts, minus that. */
static uint64_t
gr_bias(const struct snapshot *s, const struct gocache *c)
{
	if (!c->pie || s->exe == NULL)
		return 0;
	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].offset == 0 && s->maps[i].path != NULL && strcmp(s->maps[i].path, s->exe) == 0)
			return s->maps[i].start >= c->l.load_vaddr ? s->maps[i].start - c->l.load_vaddr : 0;
	return 0;
}

/* Walks the semaphore table's treaps: which g is parked on which semaphore address. */
static void
gr_read_semtable(struct gr_ctx *x)
{
	const struct godwarf_layout *l = x->l;
	size_t nodes = 0, count;
	uint64_t *stack = NULL;
	size_t nstack = 0, stackcap = 0;
	uint8_t buf[512];
	bool ok, bad = false;

	if (l->semtable_addr == 0 || l->semaroot_treap.off < 0 || l->sudog_elem.off < 0 || l->sudog_g.off < 0 ||
	    l->sudog_size == 0 || l->sudog_size > sizeof buf) {
		gr_note(x->gi, xstrdup("runtime.semtable or runtime.sudog not in DWARF: lock waits not resolved"));
		x->gi->waits_unresolved = true;
		return;
	}
	count = l->semtable_count < 4096 ? l->semtable_count : 4096;
	for (size_t i = 0; i < count && !bad; i++) {
		uint64_t root = l->semtable_addr + x->bias + i * l->semtable_stride + (uint64_t)l->semtable_root_off;
		uint64_t t = gr_u64(x, root + (uint64_t)l->semaroot_treap.off, &ok);

		if (!ok) {
			gr_note(x->gi, xasprintf("runtime.semtable[%zu] unreadable", i));
			break;
		}
		if (t == 0)
			continue;
		nstack = 0;
		xgrow(&stack, &stackcap, 1, sizeof *stack);
		stack[nstack++] = t;
		while (nstack > 0) {
			uint64_t node = stack[--nstack], w, elem;
			bool first;

			if (++nodes > GR_MAX_SEMA_NODES || !gr_read(x, node, buf, l->sudog_size)) {
				bad = true;
				break;
			}
			elem = gr_field(buf, sizeof buf, l->sudog_elem);
			/* the tree node, then the list of waiters on the same address behind it; every
			 * step counts, and a list that comes back to its node is a loop (hostile memory) */
			for (w = node, first = true; w != 0; w = gr_field(buf, sizeof buf, l->sudog_waitlink), first = false) {
				if (!first && (w == node || ++nodes > GR_MAX_SEMA_NODES || !gr_read(x, w, buf, l->sudog_size))) {
					bad = true;
					break;
				}
				xgrow(&x->sw, &x->swcap, x->nsw + 1, sizeof *x->sw);
				x->sw[x->nsw].g = gr_field(buf, sizeof buf, l->sudog_g);
				x->sw[x->nsw].elem = elem;
				x->nsw++;
				if (l->sudog_waitlink.off < 0)
					break;
			}
			if (bad || !gr_read(x, node, buf, l->sudog_size))
				break;
			if (nstack + 2 > 4096) {	/* a balanced treap is never this deep */
				bad = true;
				break;
			}
			xgrow(&stack, &stackcap, nstack + 2, sizeof *stack);
			if ((w = gr_field(buf, sizeof buf, l->sudog_prev)) != 0)
				stack[nstack++] = w;
			if ((w = gr_field(buf, sizeof buf, l->sudog_next)) != 0)
				stack[nstack++] = w;
		}
	}
	if (bad) {
		gr_note(x->gi, xstrdup("runtime semaphore table unreadable or inconsistent: some lock waits not resolved"));
		x->gi->waits_unresolved = true;
	}
	free(stack);
}

static int
gr_semwait_cmp(const void *a, const void *b)
{
	const struct gr_semwait *p = a, *q = b;

	return p->g < q->g ? -1 : p->g > q->g;
}

static uint64_t
gr_sema_of(const struct gr_ctx *x, uint64_t g)
{
	size_t lo = 0, hi = x->nsw;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g < x->sw[mid].g)
			hi = mid;
		else if (g > x->sw[mid].g)
			lo = mid + 1;
		else
			return x->sw[mid].elem;
	}
	return 0;
}

/* Frame-pointer walk on a goroutine stack: the frame record at bp holds the caller's bp and the
 * return address (arch_info.go_fp_slot, go_ra_slot). */
static size_t
gr_walk(struct gr_ctx *x, uint64_t pc, uint64_t sp, uint64_t bp, uint64_t lo, uint64_t hi, uint64_t *pcs,
    uint64_t *sps, size_t max, const char **why)
{
	size_t n = 0;
	const struct arch_info *a = x->s->arch;

	*why = NULL;
	if (pc == 0 || max == 0)
		return 0;
	sps[n] = sp;
	pcs[n++] = pc;
	while (bp != 0) {
		uint64_t fr[2];

		if (n >= max) {
			*why = "stack truncated";
			break;
		}
		if (bp < lo || bp + 16 > hi || (bp & 7) != 0) {
			*why = "frame pointer outside the goroutine's stack";
			break;
		}
		if (!gr_read(x, bp, fr, sizeof fr)) {
			*why = "stack unreadable";
			break;
		}
		if (fr[a->go_ra_slot] == 0)
			break;
		/* the caller's sp is just above the frame record */
		sps[n] = bp + 8 * (uint64_t)(a->go_ra_slot > a->go_fp_slot ? a->go_ra_slot + 1 : a->go_fp_slot + 1);
		pcs[n++] = fr[a->go_ra_slot];
		if (fr[a->go_fp_slot] != 0 && fr[a->go_fp_slot] <= bp) {
			*why = "frame pointer chain not increasing";
			break;
		}
		bp = fr[a->go_fp_slot];
	}
	return n;
}

static void
gr_frame_copy(struct frame *dst, const struct frame *src)
{
	*dst = *src;
	dst->packed = false;
	dst->function = src->function ? xstrdup(src->function) : NULL;
	dst->module = src->module ? xstrdup(src->module) : NULL;
	dst->file = src->file ? xstrdup(src->file) : NULL;
}

static void
gr_symbolize(struct gr_ctx *x, struct goroutine *g, const uint64_t *pcs, const uint64_t *sps, size_t n,
    bool first_is_activation)
{
	size_t cap = 0;

	for (size_t i = 0; i < n; i++) {
		size_t before = g->nframes;

		unwind_symbolize(x->u, x->s, pcs[i], i == 0 && first_is_activation, &g->frames, &g->nframes, &cap);
		if (g->nframes == before) {	/* no symbol: keep the bare pc */
			xgrow(&g->frames, &cap, g->nframes + 1, sizeof *g->frames);
			memset(&g->frames[g->nframes], 0, sizeof *g->frames);
			g->frames[g->nframes++].pc = pcs[i];
		}
		for (size_t k = before; k < g->nframes; k++)
			g->frames[k].sp = sps[i];
	}
}

static void
gr_creator(struct gr_ctx *x, struct goroutine *g)
{
	struct frame *f = NULL;
	size_t n = 0, cap = 0;

	if (g->gopc == 0)
		return;
	unwind_symbolize(x->u, x->s, g->gopc, false, &f, &n, &cap);
	if (n > 0) {
		/* the containing function comes last, after any inlined calls */
		g->created_by = f[n - 1];
		memset(&f[n - 1], 0, sizeof f[n - 1]);
	}
	g->created_by.pc = g->gopc;
	snapshot_frames_free(f, n);
}

/* Which lock a goroutine parked on semaphore sema waits for, from the sync functions on its stack. */
static void
gr_classify(struct gr_ctx *x, struct goroutine *g, const uint64_t *pcs, size_t n)
{
	const struct godwarf_layout *l = x->l;
	bool in_mutex = false;
	enum go_wait_role role = GOWAIT_SEMA;

	for (size_t i = 0; i < n && i < 16; i++) {
		/* return addresses point after the call; DWARF's ranges are link-time (a PIE's are biased) */
		uint64_t q = (i == 0 ? pcs[i] : pcs[i] - 1) - x->bias;

		if (godwarf_in_func(l, GOFN_RW_LOCK, q)) {
			role = in_mutex ? GOWAIT_RW_QUEUED : GOWAIT_RW_WRITER;
			break;
		}
		if (godwarf_in_func(l, GOFN_RW_RLOCK, q)) {
			role = in_mutex ? GOWAIT_MUTEX : GOWAIT_RW_READER;
			break;
		}
		if (godwarf_in_func(l, GOFN_MUTEX_LOCKSLOW, q) || godwarf_in_func(l, GOFN_MUTEX_LOCK, q)) {
			in_mutex = true;
			role = GOWAIT_MUTEX;
		} else if (in_mutex) {
			break;
		}
	}
	g->role = role;
	switch (role) {
	case GOWAIT_MUTEX:
		if (l->mutex_sema.off >= 0)
			g->lock_addr = g->sema - (uint64_t)l->mutex_sema.off;
		break;
	case GOWAIT_RW_QUEUED:
		if (l->mutex_sema.off >= 0 && l->rw_w.off >= 0)
			g->lock_addr = g->sema - (uint64_t)l->mutex_sema.off - (uint64_t)l->rw_w.off;
		break;
	case GOWAIT_RW_WRITER:
		if (l->rw_writersem.off >= 0)
			g->lock_addr = g->sema - (uint64_t)l->rw_writersem.off;
		break;
	case GOWAIT_RW_READER:
		if (l->rw_readersem.off >= 0)
			g->lock_addr = g->sema - (uint64_t)l->rw_readersem.off;
		break;
	default:
		break;
	}
}

static enum thread_state
gr_state(const struct gr_ctx *x, const struct goroutine *g)
{
	const char *r = g->wait_reason ? g->wait_reason : "";

	switch (g->status) {
	case G_RUNNING:
		return STATE_RUNNING;
	case G_RUNNABLE:
	case G_PREEMPTED:
	case G_COPYSTACK:
		return STATE_RUNNABLE;
	case G_SYSCALL: {
		const struct thread *t = g->tid ? snapshot_find_thread(x->s, g->tid) : NULL;

		return t != NULL && t->state != STATE_UNKNOWN ? t->state : STATE_IO;
	}
	case G_WAITING:
		if (g->role != GOWAIT_NONE && g->role != GOWAIT_SEMA)
			return STATE_BLOCKED;
		if (strcmp(r, "sleep") == 0)
			return STATE_SLEEPING;
		if (strcmp(r, "IO wait") == 0)
			return STATE_IO;
		if (strncmp(r, "sync.Mutex", 10) == 0 || strncmp(r, "sync.RWMutex", 12) == 0)
			return STATE_BLOCKED;
		return STATE_WAITING;
	case G_DEAD:
		return STATE_DEAD;
	default:
		return STATE_UNKNOWN;
	}
}

/* Reads one g; returns false if it is not a live goroutine (dead, idle, unreadable). */
static bool
gr_read_g(struct gr_ctx *x, uint64_t gaddr, uint8_t *buf, struct goroutine *g, size_t max_frames, bool *unreadable)
{
	const struct godwarf_layout *l = x->l;
	size_t len = l->g_size;
	uint64_t pcs[GR_MAX_FRAMES], sps[GR_MAX_FRAMES], m, lo, hi, reason;
	size_t npcs = 0;
	const char *why = NULL;
	int64_t since;
	bool ok, activation = false;
	const struct thread *t = NULL;

	*unreadable = false;
	if (!gr_read(x, gaddr, buf, len)) {
		*unreadable = true;
		return false;
	}
	memset(g, 0, sizeof *g);
	g->lock = -1;
	g->wait_seconds = -1;
	g->gaddr = gaddr;
	g->status = (uint32_t)gr_field(buf, len, l->g_atomicstatus) & ~(uint32_t)G_SCAN;
	if (g->status == G_DEAD || g->status == G_IDLE)
		return false;
	if (g->status > G_PREEMPTED) {
		*unreadable = true;
		return false;
	}
	g->id = gr_field(buf, len, l->g_goid);
	g->gopc = gr_field(buf, len, l->g_gopc);
	g->parent_id = gr_field(buf, len, l->g_parent_goid);
	lo = gr_field(buf, len, l->g_stack_lo);
	hi = gr_field(buf, len, l->g_stack_hi);
	if (hi <= lo || hi - lo > (1ull << 30)) {
		*unreadable = true;
		return false;
	}
	reason = gr_field(buf, len, l->g_waitreason);
	if (g->status == G_WAITING && reason != 0) {
		if (reason < x->c->nreasons && x->c->reasons[reason] != NULL)
			g->wait_reason = xstrdup(x->c->reasons[reason]);
		else
			g->wait_reason = xasprintf("wait reason %" PRIu64, reason);
	}
	since = gr_sfield(buf, len, l->g_waitsince);
	/* the runtime sets waitsince only when a GC sees the goroutine blocked */
	if ((g->status == G_WAITING || g->status == G_SYSCALL) && since > 0 && x->mono_ns > 0 && since <= x->mono_ns)
		g->wait_seconds = (double)(x->mono_ns - since) / 1e9;
	if ((m = gr_field(buf, len, l->g_m)) != 0 && (g->status == G_RUNNING || g->status == G_SYSCALL) &&
	    l->m_procid.off >= 0) {
		uint64_t procid = gr_u64(x, m + (uint64_t)l->m_procid.off, &ok);
		pid_t tid = ok && procid > 0 && procid < (1u << 30) ? snapshot_tid_from_target(x->s, (pid_t)procid) : 0;

		/* m.procid is the TID as the target numbers it, inside its PID namespace */
		if (tid != 0 && (t = snapshot_find_thread(x->s, tid)) != NULL)
			g->tid = tid;
	}

	if (max_frames > GR_MAX_FRAMES)
		max_frames = GR_MAX_FRAMES;
	if (t != NULL && t->nframes > 0 && (g->status == G_RUNNING || g->status == G_SYSCALL)) {
		/* on a thread: the unwinder already did this stack from the registers */
		g->frames = xcalloc(t->nframes, sizeof *g->frames);
		for (size_t i = 0; i < t->nframes && i < max_frames; i++)
			gr_frame_copy(&g->frames[g->nframes++], &t->frames[i]);
	} else if (t != NULL && t->regs_valid && g->status == G_RUNNING) {
		npcs = gr_walk(x, t->regs.pc, t->regs.sp, t->regs.fp, lo, hi, pcs, sps, max_frames, &why);
		activation = true;
	} else if (g->status == G_SYSCALL) {
		npcs = 0;
		sps[0] = gr_field(buf, len, l->g_syscallsp);
		if ((pcs[0] = gr_field(buf, len, l->g_syscallpc)) != 0)
			npcs = 1;
		why = "in a system call: only its entry point is known";
	} else if (g->status == G_RUNNING) {
		why = "running, but its thread's registers are not in the snapshot";
	} else {
		npcs = gr_walk(x, gr_field(buf, len, l->g_sched_pc), gr_field(buf, len, l->g_sched_sp),
		    gr_field(buf, len, l->g_sched_bp), lo, hi, pcs, sps, max_frames, &why);
	}
	if (npcs > 0)
		gr_symbolize(x, g, pcs, sps, npcs, activation);
	if (why != NULL)
		g->unwind_error = xstrdup(why);
	gr_creator(x, g);

	if (g->status == G_WAITING && (g->sema = gr_sema_of(x, gaddr)) != 0)
		gr_classify(x, g, pcs, npcs);
	g->state = gr_state(x, g);
	return true;
}

enum { GR_PREFETCH = 32 };	/* goroutines whose memory is fetched in one batch */

/* Fetches in batches what reading the goroutines at gs[0..n) will read one by one: their g
 * structs, then the stack pages their saved sp and bp point into (where the frame-pointer walk
 * starts). Only a cache: gr_read still checks and reads whatever is missing. */
static void
gr_prefetch(struct gr_ctx *x, const uint64_t *gs, size_t n, uint8_t *gbuf)
{
	const struct godwarf_layout *l = x->l;
	uint64_t addrs[2 * GR_PREFETCH];
	size_t k = 0;

	if (n > GR_PREFETCH)
		n = GR_PREFETCH;
	for (size_t i = 0; i < n; i++) {
		addrs[k++] = gs[i];
		addrs[k++] = gs[i] != 0 ? gs[i] + l->g_size - 1 : 0;
	}
	snapshot_prefetch(x->s, addrs, k);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gr_read(x, gs[i], gbuf, l->g_size))
			continue;
		addrs[k++] = gr_field(gbuf, l->g_size, l->g_sched_sp);
		addrs[k++] = gr_field(gbuf, l->g_size, l->g_sched_bp);
	}
	snapshot_prefetch(x->s, addrs, k);
}

/* The g addresses seen in allgs: a hostile (or corrupt) allgs that repeats one g pointer
 * 100,000 times must cost one read and one goroutine, not 100,000 of each. Open addressing over
 * twice the entries, so it is never full. */
struct gr_seen {
	uint64_t *slot;
	size_t mask;
};

static void
gr_seen_init(struct gr_seen *t, size_t n)
{
	size_t cap = 64;

	while (cap < 2 * n)
		cap *= 2;
	t->slot = xcalloc(cap, sizeof *t->slot);
	t->mask = cap - 1;
}

/* True if addr was seen before; remembers it otherwise. */
static bool
gr_seen_check(struct gr_seen *t, uint64_t addr)
{
	size_t i = (size_t)((addr >> 3) * 0x9e3779b97f4a7c15ull) & t->mask;

	if (addr == 0)
		return false;
	for (; t->slot[i] != 0; i = (i + 1) & t->mask)
		if (t->slot[i] == addr)
			return true;
	t->slot[i] = addr;
	return false;
}

static void
gr_read_goroutines(struct gr_ctx *x)
{
	const struct godwarf_layout *l = x->l;
	struct goinfo *gi = x->gi;
	uint64_t hdr[3], len, chunk[512];
	uint8_t *gbuf;
	size_t n, max_frames, cap = 0, dups = 0;
	struct gr_seen seen;

	if (!gr_read(x, l->allgs_addr + x->bias, hdr, sizeof hdr)) {
		gr_note(gi, xstrdup("runtime.allgs unreadable"));
		return;
	}
	len = hdr[1];
	if (len > hdr[2] || (len > 0 && hdr[0] == 0)) {
		gr_note(gi, xasprintf("runtime.allgs inconsistent (len %" PRIu64 ", cap %" PRIu64 ")", hdr[1], hdr[2]));
		return;
	}
	gi->nallgs = (size_t)len;
	n = (size_t)len;
	if (n > GORUNTIME_MAX_GOROUTINES) {
		gi->truncated = true;
		gr_note(gi, xasprintf("truncated: goroutine budget %d reached (%zu in allgs; the rest not read)",
		    GORUNTIME_MAX_GOROUTINES, n));
		n = GORUNTIME_MAX_GOROUTINES;
	}
	max_frames = n > GR_MANY ? GR_MAX_FRAMES_MANY : GR_MAX_FRAMES;
	gbuf = xmalloc(l->g_size);
	gr_seen_init(&seen, n);
	for (size_t i = 0; i < n; i += 512) {
		size_t k = n - i < 512 ? n - i : 512;

		if (!gr_read(x, hdr[0] + 8 * i, chunk, 8 * k)) {
			gr_note(gi, xasprintf("runtime.allgs[%zu..%zu] unreadable", i, i + k));
			gi->nunreadable += k;
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			bool unreadable;

			if (j % GR_PREFETCH == 0)
				gr_prefetch(x, chunk + j, k - j, gbuf);
			if (gr_seen_check(&seen, chunk[j])) {
				dups++;
				continue;
			}
			xgrow(&gi->gs, &cap, gi->ngs + 1, sizeof *gi->gs);
			if (gr_read_g(x, chunk[j], gbuf, &gi->gs[gi->ngs], max_frames, &unreadable))
				gi->ngs++;
			else if (unreadable)
				gi->nunreadable++;
			else
				gi->ndead++;
		}
	}
	free(gbuf);
	free(seen.slot);
	if (dups > 0)
		gr_note(gi, xasprintf("runtime.allgs names %zu g%s more than once (each read once): corrupt or hostile "
		    "memory", dups, dups == 1 ? "" : "s"));
	if (gi->nunreadable > 0)
		gr_note(gi, xasprintf("%zu goroutines unreadable or inconsistent (skipped)", gi->nunreadable));
}

static int
gr_lockref_cmp(const void *a, const void *b)
{
	const struct gr_lockref *p = a, *q = b;

	if (p->addr != q->addr)
		return p->addr < q->addr ? -1 : 1;
	return p->gi < q->gi ? -1 : p->gi > q->gi;
}

/* Names a lock: the global's symbol, or where it lives. */
static char *
gr_lock_symbol(struct gr_ctx *x, uint64_t addr)
{
	char *name = NULL;
	uint64_t off = 0, size = 0;
	const struct mapping *m;

	if (unwind_addr_symbol(x->u, addr, &name, &off, &size) == 0 && name != NULL) {
		/* a lock inside a global: main.accounts[1].mu, by the global's DWARF type */
		char *path = unwind_data_path(x->u, addr);

		if (path != NULL && (off == 0 || path[0] == '[' || path[0] == '.')) {
			char *full = xasprintf("%s%s", name, path);

			free(path);
			free(name);
			return full;
		}
		free(path);
		if (off == 0)
			return name;
		char *r = xasprintf("%s+%" PRIu64, name, off);
		free(name);
		return r;
	}
	free(name);
	m = snapshot_find_mapping(x->s, addr);
	if (m != NULL && m->path != NULL && m->path[0] != '\0' && m->path[0] != '[')
		return xasprintf("%s data", util_basename(m->path));
	return xstrdup("heap");
}

/* The struct type of a pointer-receiver method's name: "pkg/path.(*T).m" gives "pkg/path.T";
 * false for anything else (functions, value receivers, generic types). */
static bool
gr_method_type(const char *fn, char *out, size_t len)
{
	const char *p, *q;

	if (fn == NULL || (p = strstr(fn, ".(*")) == NULL || (q = strstr(p + 3, ").")) == NULL || q == p + 3)
		return false;
	if ((size_t)(p - fn) + 1 + (size_t)(q - (p + 3)) + 1 > len || memchr(p + 3, '[', (size_t)(q - (p + 3))) != NULL)
		return false;
	snprintf(out, len, "%.*s.%.*s", (int)(p - fn), fn, (int)(q - (p + 3)), p + 3);
	return true;
}

/* Whether value v is in the stack slots of frame k of g and of its caller (a Go function keeps no
 * value in a register across a call, and register arguments spill into the caller's frame). */
static bool
gr_frame_holds(struct gr_ctx *x, const struct goroutine *g, size_t k, uint64_t v)
{
	uint64_t lo = g->frames[k].sp, hi;
	uint64_t buf[512];
	size_t n;

	if (lo == 0 || k + 1 >= g->nframes)
		return false;
	hi = g->frames[k + 2 < g->nframes ? k + 2 : k + 1].sp;
	if (hi <= lo)
		return false;
	n = (size_t)(hi - lo) / 8 < 512 ? (size_t)(hi - lo) / 8 : 512;
	if (n == 0 || !gr_read(x, lo, buf, n * 8))
		return false;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == v)
			return true;
	return false;
}

/* A lock in a heap object named by the object's type, where a waiter's stack says so: the first
 * frame outside sync and the runtime is a method of *T, T has a lock member of the lock's kind at
 * off, and that method's frame holds the object's address (addr - off). NULL when none does. */
static char *
gr_heap_name(struct gr_ctx *x, uint64_t addr, bool rw, const struct gr_lockref *refs, size_t n)
{
	for (size_t i = 0; i < n && i < 16; i++) {
		const struct goroutine *g = &x->gi->gs[refs[i].gi];

		for (size_t k = 0; k < g->nframes && k < 32; k++) {
			const char *fn = g->frames[k].function;
			const struct godwarf_lockmember *m;
			char type[256];
			size_t nm;

			if (fn == NULL || strncmp(fn, "sync.", 5) == 0 || strncmp(fn, "runtime.", 8) == 0 ||
			    strncmp(fn, "internal/", 9) == 0)
				continue;
			if (!gr_method_type(fn, type, sizeof type))
				break;
			nm = godwarf_lockmembers_of(x->l, type, &m);
			for (size_t j = 0; j < nm; j++)
				if (m[j].rw == rw && addr >= (uint64_t)m[j].off &&
				    gr_frame_holds(x, g, k, addr - (uint64_t)m[j].off))
					return xasprintf("(*%s).%s", type, m[j].member);
			break;
		}
	}
	return NULL;
}

/* Fills one s->locks entry for the Go lock at addr waited on by refs[0..n). */
static void
gr_add_lock(struct gr_ctx *x, uint64_t addr, const struct gr_lockref *refs, size_t n)
{
	const struct godwarf_layout *l = x->l;
	struct goinfo *gi = x->gi;
	struct snapshot *s = x->s;
	struct lock *lk;
	bool rw = false;
	size_t nwriter = 0, nqueued = 0, nreaders = 0, nmutex = 0;
	uint64_t writer = 0;
	uint8_t buf[64];
	int idx;

	for (size_t i = 0; i < n; i++) {
		const struct goroutine *g = &gi->gs[refs[i].gi];

		switch (g->role) {
		case GOWAIT_RW_WRITER: rw = true; nwriter++; writer = g->id; break;
		case GOWAIT_RW_QUEUED: rw = true; nqueued++; break;
		case GOWAIT_RW_READER: rw = true; nreaders++; break;
		default: nmutex++; break;
		}
	}
	s->locks = xrealloc(s->locks, (s->nlocks + 1) * sizeof *s->locks);
	idx = (int)s->nlocks++;
	lk = &s->locks[idx];
	memset(lk, 0, sizeof *lk);
	lk->address = addr;
	lk->kind = rw ? LOCK_GO_RWMUTEX : LOCK_GO_MUTEX;
	lk->symbol = gr_lock_symbol(x, addr);
	if (strcmp(lk->symbol, "heap") == 0) {
		char *typed = gr_heap_name(x, addr, rw, refs, n);

		if (typed != NULL) {
			free(lk->symbol);
			lk->symbol = typed;
		}
	}
	lk->holders_known = false;
	lk->readers = -1;
	lk->count = -1;
	lk->size = (uint32_t)(rw ? l->rwmutex_size : l->mutex_size);
	lk->go_waiters = xcalloc(n, sizeof *lk->go_waiters);
	for (size_t i = 0; i < n; i++) {
		gi->gs[refs[i].gi].lock = idx;
		lk->go_waiters[lk->ngo_waiters++] = gi->gs[refs[i].gi].id;
	}

	if (!rw) {
		size_t sz = l->mutex_size;

		if (sz == 0 || sz > sizeof buf || !gr_read(x, addr, buf, sz)) {
			lk->note = xasprintf("%zu goroutine%s waiting; state unreadable; Go mutexes do not record their "
			    "holder", nmutex, nmutex == 1 ? "" : "s");
			return;
		}
		int64_t st = gr_sfield(buf, sz, l->mutex_state);
		lk->count = (int)(st >> MUTEX_WAITER_SHIFT);
		lk->expected_holders = (st & MUTEX_LOCKED) ? 1 : 0;
		lk->note = xasprintf("%s, %" PRId64 " waiter%s%s; Go mutexes do not record their holder",
		    (st & MUTEX_LOCKED) ? "locked" : "unlocked (being handed over)", st >> MUTEX_WAITER_SHIFT,
		    (st >> MUTEX_WAITER_SHIFT) == 1 ? "" : "s", (st & MUTEX_STARVING) ? ", starving" : "");
		return;
	}
	if (l->rwmutex_size == 0 || l->rwmutex_size > sizeof buf || !gr_read(x, addr, buf, l->rwmutex_size)) {
		lk->note = xasprintf("%zu goroutines waiting; state unreadable; Go mutexes do not record their holder", n);
		return;
	}
	int64_t rc = gr_sfield(buf, l->rwmutex_size, l->rw_readercount);
	int64_t rwait = gr_sfield(buf, l->rwmutex_size, l->rw_readerwait);
	struct godwarf_field wst = l->mutex_state;
	int64_t wstate;
	bool writer_pending = rc < 0;
	int64_t active;

	/* both offsets come from the target's DWARF: a sum past INT32_MAX reads nothing */
	wst.off = wst.off >= 0 && l->rw_w.off >= 0 && wst.off <= INT32_MAX - l->rw_w.off ? wst.off + l->rw_w.off : -1;
	wstate = gr_sfield(buf, l->rwmutex_size, wst);
	if (rc < -RWMUTEX_MAX_READERS || rc > RWMUTEX_MAX_READERS || rwait < 0 || rwait > RWMUTEX_MAX_READERS) {
		lk->note = xasprintf("%zu goroutines waiting; state inconsistent (readerCount %" PRId64 ", readerWait %"
		    PRId64 "); Go mutexes do not record their holder", n, rc, rwait);
		return;
	}
	/* with a writer pending, readerWait counts the readers it still waits for */
	active = writer_pending ? rwait : rc;
	lk->readers = (int)active;
	lk->count = (int)(wstate >> MUTEX_WAITER_SHIFT);
	/* readers hold it, or with a writer pending and none left, that writer (not one waiting) */
	lk->expected_holders = active > 0 ? (int)active : (writer_pending && nwriter == 0) ? 1 : 0;
	if (writer_pending) {
		char wdesc[64];

		if (nwriter > 0)
			snprintf(wdesc, sizeof wdesc, " (goroutine %" PRIu64 ")", writer);
		else
			wdesc[0] = '\0';
		char more[64] = "";

		if (nreaders > 0)
			snprintf(more, sizeof more, ", %zu reader%s blocked behind the writer", nreaders,
			    nreaders == 1 ? "" : "s");
		lk->note = xasprintf("%" PRId64 " reader%s active, 1 writer waiting for them%s, %zu goroutine%s queued "
		    "behind the writer%s; Go mutexes do not record their holder", active, active == 1 ? "" : "s", wdesc,
		    nqueued, nqueued == 1 ? "" : "s", more);
	} else {
		lk->note = xasprintf("%" PRId64 " reader%s active, %s, %zu goroutine%s waiting; Go mutexes do not "
		    "record their holder", active, active == 1 ? "" : "s",
		    (wstate & MUTEX_LOCKED) ? "write-locked" : "no writer", n, n == 1 ? "" : "s");
	}
}

static void
gr_build_locks(struct gr_ctx *x)
{
	struct goinfo *gi = x->gi;
	struct gr_lockref *refs;
	size_t n = 0;

	refs = xcalloc(gi->ngs ? gi->ngs : 1, sizeof *refs);
	for (size_t i = 0; i < gi->ngs; i++)
		if (gi->gs[i].lock_addr != 0) {
			refs[n].addr = gi->gs[i].lock_addr;
			refs[n].gi = i;
			n++;
		}
	util_sort(refs, n, sizeof *refs, gr_lockref_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && refs[j].addr == refs[i].addr)
			j++;
		gr_add_lock(x, refs[i].addr, refs + i, j - i);
		i = j;
	}
	free(refs);
}

void
goruntime_analyze(struct snapshot *s, struct unwinder *u, void **cache)
{
	struct gocache *c;
	struct gr_ctx x;
	struct goinfo *gi;

	if (s->go != NULL) {
		snapshot_goinfo_free(s->go);
		s->go = NULL;
	}
	c = gr_cache_get(s, u, cache);
	if (c->res == GODWARF_NOT_GO)
		return;
	gi = xcalloc(1, sizeof *gi);
	s->go = gi;
	if (c->res != GODWARF_OK) {
		gi->error = xstrdup(c->error ? c->error : "Go runtime layout unknown");
		return;
	}
	if (!s->arch->go) {
		/* the walk reads 8-byte words and frame pointers, which Go's 386 port does not keep */
		gi->error = xasprintf("the Go runtime of a %s program is not read (holdup reads Go's %s runtime)",
		    s->arch->name, arch_native->name);
		return;
	}
	memset(&x, 0, sizeof x);
	x.s = s;
	x.u = u;
	x.c = c;
	x.l = &c->l;
	x.gi = gi;
	x.bias = gr_bias(s, c);
	x.mono_ns = s->taken_mono_ns;
	gr_cache_strings(&x);
	if (c->version != NULL)
		gi->version = xstrdup(c->version);
	if (!c->reasons_read)
		gr_note(gi, xstrdup("runtime.waitReasonStrings unreadable: wait reasons shown as numbers"));
	gr_read_semtable(&x);
	if (x.nsw > 0)
		util_sort(x.sw, x.nsw, sizeof *x.sw, gr_semwait_cmp);
	gr_read_goroutines(&x);
	gr_build_locks(&x);
	free(x.sw);
}

/* ---- hooks for probable holders (holders.h) ---- */

/* A lock or unlock call the code at [lo, hi) makes last, by the positions of the sync functions'
 * inlined copies and of direct calls to their bodies. Returns the function, or -1 if none. */
static int
gr_last_lockop(const struct gocache *c, uint64_t lo, uint64_t hi)
{
	static const enum godwarf_fn ops[] = { GOFN_MUTEX_LOCK, GOFN_RW_LOCK, GOFN_RW_RLOCK, GOFN_MUTEX_UNLOCK,
		GOFN_RW_UNLOCK, GOFN_RW_RUNLOCK };
	enum { MAXCODE = 16384 };
	uint64_t bias = c->hk_bias, best = 0;
	int which = -1;
	uint8_t *code;
	ssize_t got;

	if (hi <= lo || hi - lo > MAXCODE)
		return -1;
	/* an inlined Mutex.Lock inside RWMutex.Lock (Unlock likewise) is the same kind of op */
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		uint64_t at = godwarf_last_in(&c->l, ops[k], lo - bias, hi - bias);

		if (at != 0 && at + bias > best) {
			best = at + bias;
			which = (int)ops[k];
		}
	}
	code = xmalloc(hi - lo);
	got = snapshot_read(c->hk_s, lo, code, hi - lo);
	for (ssize_t p = ARCH_CALL_BYTES; got > 0 && p <= got; p++) {
		uint64_t target = 0, ra = lo + (uint64_t)p;

		if (ra <= best || !c->hk_s->arch->call_decode(code + p - ARCH_CALL_BYTES, ra, &target) || target == 0)
			continue;
		for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
			if (target - bias == godwarf_last_in(&c->l, ops[k], target - bias, target - bias + 1)) {
				best = ra;
				which = (int)ops[k];
				break;
			}
	}
	free(code);
	return which;
}

static enum holder_mode
gr_op_mode(int op)
{
	return op == GOFN_RW_RLOCK || op == GOFN_RW_RUNLOCK ? HOLDER_MODE_READ : HOLDER_MODE_WRITE;
}

/* The code range of the function holding addr: [*lo, *hi). */
static bool
gr_func_range(const struct gocache *c, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	char *name = NULL;
	uint64_t off = 0, size = 0;
	int rc = unwind_addr_symbol(c->hk_u, addr, &name, &off, &size);

	free(name);
	if (rc != 0 || size == 0)
		return false;
	*lo = addr - off;
	*hi = *lo + size;
	return true;
}

static bool
gr_hook_deferred(void *ctx, uint64_t fnpc, enum holder_mode *mode)
{
	const struct gocache *c = ctx;
	uint64_t lo, hi;
	int op;

	/* a function value's code pointer is the entry of a (small) closure */
	if (fnpc < 4096 || !gr_func_range(c, fnpc, &lo, &hi) || lo != fnpc || hi - lo > 4096)
		return false;
	op = gr_last_lockop(c, lo, hi);
	if (op != GOFN_MUTEX_UNLOCK && op != GOFN_RW_UNLOCK && op != GOFN_RW_RUNLOCK)
		return false;
	*mode = gr_op_mode(op);
	return true;
}

static bool
gr_hook_locked(void *ctx, const struct frame *f, enum holder_mode *mode)
{
	const struct gocache *c = ctx;
	uint64_t lo, hi;
	int op;

	if (f->pc < 4096 || !gr_func_range(c, f->pc - 1, &lo, &hi))
		return false;
	op = gr_last_lockop(c, lo, f->pc);
	if (op != GOFN_MUTEX_LOCK && op != GOFN_RW_LOCK && op != GOFN_RW_RLOCK)
		return false;
	*mode = gr_op_mode(op);
	return true;
}

bool
goruntime_holder_hooks(void *cache, const struct snapshot *s, struct unwinder *u, struct holders_hooks *h)
{
	struct gocache *c = cache;

	memset(h, 0, sizeof *h);
	if (c == NULL || c->res != GODWARF_OK || s->go == NULL)
		return false;
	c->hk_s = s;
	c->hk_u = u;
	c->hk_bias = gr_bias(s, c);
	h->ctx = c;
	h->deferred_unlock = gr_hook_deferred;
	h->frame_locked = gr_hook_locked;
	return true;
}
