/* holders.c - probable holders of locks that record no owner: their addresses in other stacks' slots, ranked by evidence. */
#include "holders.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unwind.h"
#include "util.h"

/* Guard types, by the name of the (class) template instance; the guard keeps the lock's address in
 * the frame whose scope it lives in: C++'s, and Rust's (std::sync and parking_lot's lock_api name
 * their guards alike; DWARF names the instance without its path: "MutexGuard<u64>"). */
static const char *const holders_guards[] = {
	"lock_guard<", "unique_lock<", "scoped_lock<", "shared_lock<",
	"MutexGuard<", "MappedMutexGuard<",
	"RwLockReadGuard<", "MappedRwLockReadGuard<", "RwLockWriteGuard<", "MappedRwLockWriteGuard<",
	"RwLockUpgradableReadGuard<",
};
#define HOLDERS_NGUARDS (sizeof holders_guards / sizeof holders_guards[0])
/* the mode each guard holds its lock in */
static const enum holder_mode holders_guard_modes[HOLDERS_NGUARDS] = {
	HOLDER_MODE_UNKNOWN, HOLDER_MODE_UNKNOWN, HOLDER_MODE_UNKNOWN, HOLDER_MODE_READ,
	HOLDER_MODE_WRITE, HOLDER_MODE_WRITE,
	HOLDER_MODE_READ, HOLDER_MODE_READ, HOLDER_MODE_WRITE, HOLDER_MODE_WRITE,
	HOLDER_MODE_READ,
};
#define HOLDERS_GUARD_RUST_MUTEX	4	/* the first Rust mutex guard, then the RwLock ones to the end */
#define HOLDERS_GUARD_RUST_RWLOCK	6
/* frames out from a slot's own frame where its guard may live */
#define HOLDERS_GUARD_REACH 16

int
holders_rank(enum holder_evidence e)
{
	/* the order of the enum is the order of strength */
	return (unsigned)e < HOLDER_EV_COUNT ? (int)e + 1 : 0;
}

#define HOLDERS_MEMO_FRAMES 128

/* A candidate: the best evidence one stack has. */
struct holders_cand {
	size_t stack;
	int frame;		/* index into the stack's frames, -1 for a register */
	uint64_t slot;
	enum holder_evidence ev;
	enum holder_mode mode;
};

/* Per-stack memo of what the DWARF and the hooks say about each frame (computed when first asked). */
struct holders_memo {
	signed char guard[HOLDERS_MEMO_FRAMES];	/* -2 not asked, -1 none, else the prefix index */
	signed char locked[HOLDERS_MEMO_FRAMES];	/* -2 not asked, -1 no, else the holder_mode */
};

static bool
holders_skipped(const struct holders_target *t, const struct holders_stack *st)
{
	for (size_t i = 0; st->thread >= 0 && i < t->nskip_threads; i++)
		if (t->skip_threads[i] == st->thread)
			return true;
	for (size_t i = 0; st->goroutine != 0 && i < t->nskip_gs; i++)
		if (t->skip_gs[i] == st->goroutine)
			return true;
	return false;
}

/* The frame whose slots hold slot: the outermost one with the highest sp at or below slot (the
 * function itself, after the calls inlined into it, which share its sp). */
static int
holders_frame_of(const struct holders_stack *st, uint64_t slot)
{
	int best = -1;

	for (size_t i = 0; i < st->nframes; i++) {
		uint64_t sp = st->frames[i].sp;

		if (sp == 0 || sp > slot)
			continue;
		/* frames run innermost first, their sps upwards: the last one at or below slot owns it */
		if (best < 0 || sp >= st->frames[best].sp)
			best = (int)i;
	}
	return best;
}

/* The guard in scope in frame fi, as an index into holders_guards (only those t allows), -1 if none. */
static int
holders_guard(struct unwinder *u, const struct holders_target *t, const struct holders_stack *st,
    struct holders_memo *m, int fi)
{
	const struct frame *f = &st->frames[fi];
	size_t first = t->guard_count > 0 ? t->guard_first : 0, n = t->guard_count > 0 ? t->guard_count : HOLDERS_NGUARDS;
	int g;

	if (first >= HOLDERS_NGUARDS || n > HOLDERS_NGUARDS - first)
		return -1;
	if (fi < HOLDERS_MEMO_FRAMES && m->guard[fi] != -2)
		return m->guard[fi];
	g = unwind_scope_var_type(u, f->pc, fi == 0, holders_guards + first, n);
	if (g >= 0)
		g += (int)first;
	if (fi < HOLDERS_MEMO_FRAMES)
		m->guard[fi] = (signed char)g;
	return g;
}

static bool
holders_locked(const struct holders_hooks *h, const struct holders_stack *st, struct holders_memo *m, int fi,
    enum holder_mode *mode)
{
	enum holder_mode md = HOLDER_MODE_UNKNOWN;
	bool yes;

	if (h == NULL || h->frame_locked == NULL || fi < 0 || (size_t)fi >= st->nframes)
		return false;
	if (fi < HOLDERS_MEMO_FRAMES && m->locked[fi] != -2) {
		*mode = m->locked[fi] >= 0 ? (enum holder_mode)m->locked[fi] : HOLDER_MODE_UNKNOWN;
		return m->locked[fi] >= 0;
	}
	yes = h->frame_locked(h->ctx, &st->frames[fi], &md);
	if (fi < HOLDERS_MEMO_FRAMES)
		m->locked[fi] = yes ? (signed char)md : -1;
	*mode = md;
	return yes;
}

/* The evidence one matching slot gives. exact: the word points into the lock, not below it. */
static void
holders_judge(struct unwinder *u, const struct holders_hooks *h, const struct holders_target *t,
    const struct holders_stack *st, struct holders_memo *m, const uint64_t *words, size_t i, uint64_t slot, bool exact, struct holders_cand *c)
{
	int fi = holders_frame_of(st, slot), g;
	enum holder_mode md = HOLDER_MODE_UNKNOWN;

	c->frame = fi;
	c->slot = slot;
	c->ev = exact ? HOLDER_EV_POINTER : HOLDER_EV_OBJECT;
	c->mode = HOLDER_MODE_UNKNOWN;
	if (fi < 0)
		return;
	/* a deferred call's function value: the closure's code, then what it captured (the receiver) */
	if (exact && i > 0 && h != NULL && h->deferred_unlock != NULL && h->deferred_unlock(h->ctx, words[i - 1], &md)) {
		c->ev = HOLDER_EV_DEFER;
		c->mode = md;
		return;
	}
	/* a guard kept in registers (-O1 and up) reaches the stack only where a callee saves them, in
	 * that callee's frame: the guard's own frame is this one or one further out */
	for (int k = fi; (exact || t->object_guard) && st->thread >= 0 && k < (int)st->nframes &&
	    k < fi + HOLDERS_GUARD_REACH; k++) {
		if ((g = holders_guard(u, t, st, m, k)) >= 0 && (size_t)g < HOLDERS_NGUARDS) {
			c->frame = k;
			c->ev = HOLDER_EV_GUARD;
			c->mode = holders_guard_modes[g];
			return;
		}
	}
	/* Go spills a callee's register arguments into its caller's frame, just above the return
	 * address: a pointer there may be the callee's, so both frames are asked */
	if (holders_locked(h, st, m, fi, &md)) {
		c->ev = HOLDER_EV_LOCKED_FRAME;
		c->mode = md;
		return;
	}
	while (fi > 0 && st->frames[fi - 1].sp == st->frames[fi].sp)
		fi--;	/* the first of this frame's inlined calls: the callee frame is just before it */
	if (fi > 0) {
		int inner = fi - 1;

		if (holders_locked(h, st, m, inner, &md)) {
			c->frame = inner;
			c->ev = HOLDER_EV_LOCKED_FRAME;
			c->mode = md;
		}
	}
}

/* The range of st's stack to scan: from the innermost frame's sp to a little above the outermost
 * one's, bounded. Returns false if st has no frame with an sp. */
static bool
holders_range(const struct snapshot *s, const struct holders_stack *st, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = 0, b = 0;
	const struct mapping *mp;

	for (size_t i = 0; i < st->nframes; i++) {
		uint64_t sp = st->frames[i].sp;

		if (sp == 0)
			continue;
		if (a == 0 || sp < a)
			a = sp;
		if (sp > b)
			b = sp;
	}
	if (a == 0)
		return false;
	b += 512;	/* the outermost frame's own slots */
	if (b - a > (uint64_t)HOLDERS_MAX_SLOTS * 8)
		b = a + (uint64_t)HOLDERS_MAX_SLOTS * 8;
	if ((mp = snapshot_find_mapping(s, a)) != NULL && b > mp->end)
		b = mp->end;
	*lo = a & ~7ull;
	*hi = b;
	return *hi > *lo;
}

/* Stronger evidence wins; at equal strength a stack slot (which names a frame) beats a register. */
static bool
holders_better(const struct holders_cand *a, const struct holders_cand *b)
{
	int ra = holders_rank(a->ev), rb = holders_rank(b->ev);

	return ra > rb || (ra == rb && a->frame >= 0 && b->frame < 0);
}

/* ---- C code: which lock functions a frame called (through the PLT or directly) ---- */

enum holders_cop { COP_NONE = 0, COP_READ, COP_WRITE, COP_RELEASE };

/* What calling the function named name does to a lock (leading underscores and a 64 suffix of
 * glibc's internal names ignored). */
static enum holders_cop
holders_cop_of(const char *name)
{
	static const struct { const char *name; enum holders_cop op; } ops[] = {
		{ "pthread_rwlock_rdlock", COP_READ }, { "pthread_rwlock_timedrdlock", COP_READ },
		{ "pthread_rwlock_clockrdlock", COP_READ }, { "pthread_rwlock_tryrdlock", COP_READ },
		{ "pthread_rwlock_wrlock", COP_WRITE }, { "pthread_rwlock_timedwrlock", COP_WRITE },
		{ "pthread_rwlock_clockwrlock", COP_WRITE }, { "pthread_rwlock_trywrlock", COP_WRITE },
		{ "pthread_mutex_lock", COP_WRITE }, { "pthread_mutex_timedlock", COP_WRITE },
		{ "pthread_mutex_clocklock", COP_WRITE }, { "pthread_mutex_trylock", COP_WRITE },
		{ "sem_wait", COP_WRITE }, { "sem_timedwait", COP_WRITE }, { "sem_clockwait", COP_WRITE },
		{ "pthread_rwlock_unlock", COP_RELEASE }, { "pthread_mutex_unlock", COP_RELEASE },
		{ "sem_post", COP_RELEASE },
	};

	while (name != NULL && *name == '_')
		name++;
	for (size_t i = 0; name != NULL && i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].name);

		if (strncmp(name, ops[i].name, n) == 0 && (name[n] == '\0' || strcmp(name + n, "64") == 0 ||
		    name[n] == '@'))
			return ops[i].op;
	}
	return COP_NONE;
}

/* The lock operation a direct call to target is: the symbol there, or the one its PLT entry's GOT
 * slot points to. */
static enum holders_cop
holders_call_op(const struct snapshot *s, struct unwinder *u, uint64_t target)
{
	uint8_t code[ARCH_PLT_BYTES], wbuf[8];
	uint64_t slot, dest, off = 0, size = 0;
	char *name = NULL;
	enum holders_cop op = COP_NONE;

	if (unwind_addr_symbol(u, target, &name, &off, &size) == 0 && off == 0) {
		op = holders_cop_of(name);
		free(name);
		return op;
	}
	free(name);
	name = NULL;
	if (snapshot_read(s, target, code, sizeof code) != (ssize_t)sizeof code || !s->arch->plt_slot(code, target, &slot) ||
	    snapshot_read(s, slot, wbuf, s->arch->ptr_size) != (ssize_t)s->arch->ptr_size)
		return COP_NONE;
	dest = arch_word(s->arch, wbuf);
	if (unwind_addr_symbol(u, dest, &name, &off, &size) == 0 && off == 0)
		op = holders_cop_of(name);
	free(name);
	return op;
}

/* Whether the function of frame f, in code order up to its pc, last called a lock function
 * rather than an unlock: the mode it took it in. */
static bool
holders_c_locked(const struct snapshot *s, struct unwinder *u, const struct frame *f, enum holder_mode *mode)
{
	enum { MAXCODE = 16384 };
	uint64_t lo, off = 0, size = 0;
	char *name = NULL;
	uint8_t *code;
	ssize_t got;
	enum holders_cop last = COP_NONE;

	if (u == NULL || f->pc < 4096 || unwind_addr_symbol(u, f->pc - 1, &name, &off, &size) != 0) {
		free(name);
		return false;
	}
	free(name);
	lo = f->pc - 1 - off;
	if (f->pc - lo > MAXCODE)
		return false;
	code = xmalloc(f->pc - lo);
	got = snapshot_read(s, lo, code, f->pc - lo);
	for (ssize_t p = ARCH_CALL_BYTES; got > 0 && p <= got; p++) {
		uint64_t target = 0;
		enum holders_cop op;

		if (!s->arch->call_decode(code + p - ARCH_CALL_BYTES, lo + (uint64_t)p, &target) || target == 0 ||
		    target == lo)
			continue;
		if ((op = holders_call_op(s, u, target)) != COP_NONE)
			last = op;
	}
	free(code);
	if (last != COP_READ && last != COP_WRITE)
		return false;
	*mode = last == COP_READ ? HOLDER_MODE_READ : HOLDER_MODE_WRITE;
	return true;
}

/* The hooks' context for C threads. */
struct holders_cctx {
	const struct snapshot *s;
	struct unwinder *u;
};

static bool
holders_hook_c_locked(void *ctx, const struct frame *f, enum holder_mode *mode)
{
	const struct holders_cctx *c = ctx;

	return holders_c_locked(c->s, c->u, f, mode);
}

/* Reads [lo, lo+len) as far as it can: the snapshot's copy of a stack top may end before the range
 * does (then the rest comes from the target, where there is one). Returns the bytes read. */
static ssize_t
holders_read(const struct snapshot *s, uint64_t lo, void *buf, size_t len)
{
	size_t got = 0;

	if (snapshot_read(s, lo, buf, len) == (ssize_t)len)
		return (ssize_t)len;
	while (got < len) {
		size_t n = len - got < 512 ? len - got : 512;

		if (snapshot_read(s, lo + got, (uint8_t *)buf + got, n) != (ssize_t)n)
			break;
		got += n;
	}
	return (ssize_t)got;
}

/* The best evidence of one stack, if any: true with *best filled. */
static bool
holders_scan_stack(const struct snapshot *s, struct unwinder *u, const struct holders_hooks *h,
    const struct holders_target *t, const struct holders_stack *st, size_t si, size_t *budget,
    struct holders_cand *best)
{
	uint64_t lo, hi, size = t->size ? t->size : 8, *words;
	size_t psz;
	ssize_t got;
	bool found = false;
	struct holders_memo memo;

	memset(&memo, 0xfe, sizeof memo);	/* every entry -2: not asked yet */
	for (size_t r = 0; r < st->nregs; r++) {
		if (st->regs[r] >= t->addr && st->regs[r] - t->addr < size) {
			*best = (struct holders_cand){ si, -1, 0, HOLDER_EV_POINTER, HOLDER_MODE_UNKNOWN };
			found = true;
			break;
		}
	}
	/* a callee-saved register may be any frame's: the innermost one that took a lock owns it */
	for (size_t k = 0; found && k < st->nframes && k < HOLDERS_GUARD_REACH; k++) {
		enum holder_mode md;

		if (holders_locked(h, st, &memo, (int)k, &md)) {
			best->frame = (int)k;
			best->ev = HOLDER_EV_LOCKED_FRAME;
			best->mode = md;
			break;
		}
	}
	if (!holders_range(s, st, &lo, &hi) || hi - lo > *budget)
		return found;
	/* room for the slots as 8-byte values even where a slot is 4 bytes (widened below) */
	words = xmalloc(2 * (hi - lo));
	got = holders_read(s, lo, words, hi - lo);
	*budget -= hi - lo;
	psz = s->arch->ptr_size;
	if (psz == 4 && got > 0) {
		/* from the last slot down, so no slot is overwritten before it is read */
		for (size_t j = (size_t)got / 4; j-- > 0;)
			words[j] = arch_word(s->arch, (const uint8_t *)words + 4 * j);
	}
	for (size_t i = 0; got > 0 && i < (size_t)got / psz; i++) {
		uint64_t v = words[i];
		bool exact = v >= t->addr && v - t->addr < size;
		bool near = !exact && v < t->addr && t->addr - v <= HOLDERS_OBJECT_WINDOW && v != 0;
		struct holders_cand c;

		if (!exact && !near)
			continue;
		holders_judge(u, h, t, st, &memo, words, i, lo + psz * i, exact, &c);
		c.stack = si;
		if (!found || holders_better(&c, best)) {
			*best = c;
			found = true;
		}
	}
	free(words);
	return found;
}

/* The order of candidates: by evidence, and at equal evidence a stack slot (which names the frame)
 * before a register (a callee-saved register may be any outer frame's, long after its use). */
static int
holders_key(const struct holders_cand *c)
{
	return 2 * holders_rank(c->ev) + (c->frame >= 0);
}

static int
holders_cand_cmp(const void *a, const void *b)
{
	const struct holders_cand *x = a, *y = b;
	int rx = holders_key(x), ry = holders_key(y);

	if (rx != ry)
		return ry - rx;
	return (x->stack > y->stack) - (x->stack < y->stack);
}

static void
holders_emit(const struct holders_target *t, const struct holders_stack *st, const struct holders_cand *c,
    struct probable_holder **out, size_t *nout, size_t *cap)
{
	struct probable_holder *p;

	xgrow(out, cap, *nout + 1, sizeof **out);
	p = &(*out)[(*nout)++];
	memset(p, 0, sizeof *p);
	p->thread = st->thread;
	p->goroutine = st->goroutine;
	p->frame_index = c->frame;
	if (c->frame >= 0) {
		const struct frame *f = &st->frames[c->frame];

		p->frame = *f;
		p->frame.packed = false;	/* its own copies, freed one by one */
		p->frame.function = f->function ? xstrdup(f->function) : NULL;
		p->frame.module = f->module ? xstrdup(f->module) : NULL;
		p->frame.file = f->file ? xstrdup(f->file) : NULL;
	}
	p->slot = c->slot;
	p->evidence = c->ev;
	p->rank = holders_rank(c->ev);
	/* the lock's state says how all its holders hold it; the stack may say it of this one */
	p->mode = t->mode != HOLDER_MODE_UNKNOWN ? t->mode : c->mode;
}

size_t
holders_search(const struct snapshot *s, struct unwinder *u, const struct holders_hooks *h,
    const struct holders_target *t, const struct holders_stack *stacks, size_t n, size_t max,
    struct probable_holder **out, size_t *nout, size_t *budget)
{
	struct holders_cand *c = xcalloc(n ? n : 1, sizeof *c);
	size_t nc = 0, cap = *nout, want, listed = 0;
	int cut;

	for (size_t i = 0; i < n; i++) {
		if (holders_skipped(t, &stacks[i]))
			continue;
		/* a pointer near the lock alone says too little, whatever the target allows */
		if (holders_scan_stack(s, u, h, t, &stacks[i], i, budget, &c[nc]) && c[nc].ev != HOLDER_EV_OBJECT &&
		    c[nc].ev >= t->min_evidence)
			nc++;
	}
	util_sort(c, nc, sizeof *c, holders_cand_cmp);
	/* as many as the lock's state says hold it, and everyone as strong as the last of them */
	want = t->expected > 0 ? (size_t)t->expected : 1;
	cut = nc == 0 ? 0 : holders_key(&c[(want < nc ? want : nc) - 1]);
	for (size_t i = 0; i < nc && listed < max; i++) {
		if (holders_key(&c[i]) < cut)
			break;
		holders_emit(t, &stacks[c[i].stack], &c[i], out, nout, &cap);
		listed++;
	}
	free(c);
	return nc;
}

/* ---- the snapshot's locks ---- */

static bool
holders_wanted(const struct lock *l)
{
	switch (l->kind) {
	case LOCK_GO_MUTEX:
	case LOCK_GO_RWMUTEX:
	case LOCK_RUST_MUTEX:
	case LOCK_RUST_RWLOCK:
		return true;
	case LOCK_RWLOCK:
		return l->readers > 0 || (!l->holders_known && l->nholders == 0);
	case LOCK_MUTEX:
	case LOCK_SEMAPHORE:
	case LOCK_FUTEX:
		return !l->holders_known && l->nholders == 0;
	default:
		return false;	/* condvars, barriers and joins are not held */
	}
}

/* The stacks of s: every thread with frames, then every goroutine. regs points into one array. */
static struct holders_stack *
holders_stacks(const struct snapshot *s, size_t *nthr, size_t *ngo, uint64_t **regs)
{
	size_t ng = s->go != NULL ? s->go->ngs : 0, n = 0;
	struct holders_stack *st = xcalloc(s->nthreads + ng + 1, sizeof *st);
	uint64_t *rv = xcalloc(s->nthreads * ARCH_DWARF_MAX + 1, sizeof *rv);

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		struct holders_stack *h = &st[n++];

		h->thread = (int)i;
		h->frames = t->frames;
		h->nframes = t->nframes;
		h->regs = rv + i * ARCH_DWARF_MAX;
		for (int r = 0; t->regs_valid && r < ARCH_DWARF_MAX && r < 64; r++)
			if ((s->arch->ptr_regs >> r & 1) && (t->regs.dwarf_valid >> r & 1))
				rv[i * ARCH_DWARF_MAX + h->nregs++] = t->regs.dwarf[r];
	}
	*nthr = n;
	for (size_t i = 0; i < ng; i++) {
		const struct goroutine *g = &s->go->gs[i];
		struct holders_stack *h = &st[n++];

		h->thread = -1;
		h->goroutine = g->id;
		h->frames = g->frames;
		h->nframes = g->nframes;
	}
	*ngo = ng;
	*regs = rv;
	return st;
}

/* The target for lock l: its size, the mode and count its state implies, its waiters. */
static void
holders_target_of(const struct lock *l, struct holders_target *t)
{
	memset(t, 0, sizeof *t);
	t->addr = l->address;
	t->size = l->size;
	t->expected = l->expected_holders;
	if ((l->kind == LOCK_RWLOCK || l->kind == LOCK_GO_RWMUTEX || l->kind == LOCK_RUST_RWLOCK) && l->readers > 0)
		t->mode = HOLDER_MODE_READ;
	else if (l->kind == LOCK_MUTEX || l->kind == LOCK_GO_MUTEX || l->kind == LOCK_RUST_MUTEX ||
	    (l->kind == LOCK_RUST_RWLOCK && l->expected_holders > 0))
		t->mode = HOLDER_MODE_WRITE;
	/* a Rust guard points to the std Mutex/RwLock, whose futex words need not come first: a guard
	 * in scope makes a pointer a little below the words evidence too */
	t->object_guard = l->kind == LOCK_RUST_MUTEX || l->kind == LOCK_RUST_RWLOCK;
	/* and only a guard of its own kind counts: a MutexGuard says nothing of an RwLock next to it */
	if (l->kind == LOCK_RUST_MUTEX) {
		t->guard_first = HOLDERS_GUARD_RUST_MUTEX;
		t->guard_count = HOLDERS_GUARD_RUST_RWLOCK - HOLDERS_GUARD_RUST_MUTEX;
	} else if (l->kind == LOCK_RUST_RWLOCK) {
		t->guard_first = HOLDERS_GUARD_RUST_RWLOCK;
		t->guard_count = HOLDERS_NGUARDS - HOLDERS_GUARD_RUST_RWLOCK;
	}
	/* Go code that holds a lock shows it (a deferred unlock, the lock call in the frame); a bare
	 * pointer to a Go lock is as often a bystander's (measured: doc/design.md) */
	if (l->kind == LOCK_GO_MUTEX || l->kind == LOCK_GO_RWMUTEX)
		t->min_evidence = HOLDER_EV_LOCKED_FRAME;
	t->skip_threads = l->waiters;
	t->nskip_threads = l->nwaiters;
	t->skip_gs = l->go_waiters;
	t->nskip_gs = l->ngo_waiters;
}

void
holders_find(struct snapshot *s, struct unwinder *u, const struct holders_hooks *goh)
{
	size_t nthr, ngo, budget = HOLDERS_MAX_BYTES, looked = 0;
	uint64_t *regs;
	struct holders_stack *st = holders_stacks(s, &nthr, &ngo, &regs);
	struct holders_cctx cc = { s, u };
	struct holders_hooks ch = { .ctx = &cc, .frame_locked = holders_hook_c_locked };

	for (size_t i = 0; i < s->nlocks; i++) {
		struct lock *l = &s->locks[i];
		struct holders_target t;
		bool go = l->kind == LOCK_GO_MUTEX || l->kind == LOCK_GO_RWMUTEX;
		size_t before, found;

		snapshot_probable_free(l);
		if (!holders_wanted(l))
			continue;
		if (looked++ >= HOLDERS_MAX_LOCKS) {
			l->probable_note = xasprintf("not searched: over %d locks need probable holders", HOLDERS_MAX_LOCKS);
			continue;
		}
		holders_target_of(l, &t);
		before = budget;
		found = holders_search(s, u, go ? goh : &ch, &t, go ? st + nthr : st, go ? ngo : nthr,
		    HOLDERS_MAX_LISTED, &l->probable, &l->nprobable, &budget);
		if (budget < before && budget < (size_t)HOLDERS_MAX_SLOTS * 8)
			l->probable_note = xasprintf("the stacks were searched only in part (%u MiB read in all)",
			    HOLDERS_MAX_BYTES >> 20);
		else if (found == 0 && (go || l->expected_holders > 0))
			l->probable_note = xstrdup(go ? "no goroutine's stack shows it held (a lock taken without defer and "
			    "without a pointer kept in the frame leaves no trace)" : "no other thread's stack holds its address");
		else if (found > l->nprobable)
			l->probable_note = xasprintf("%zu more stack%s with weaker or equal evidence not listed",
			    found - l->nprobable, found - l->nprobable == 1 ? "" : "s");
	}
	free(regs);
	free(st);
}
