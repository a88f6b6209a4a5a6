/* rustlock.c - Rust's std::sync Mutex, RwLock, Condvar (futex words) and parking_lot waits, from frames and lock words. */
#include "rustlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/futex.h>

#include "unwind.h"
#include "util.h"

/* Frames looked at from the innermost: the futex call sits a few inlined frames in. */
#define RUSTLOCK_FRAMES 12

/* A function name with '<' and '>' dropped, so "<std::..::futex::Mutex>::lock_contended" (v0, an
 * inherent impl) reads like the legacy "std::..::futex::Mutex::lock_contended". */
static void
rustlock_plain(const char *fn, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; fn[i] != '\0' && o + 1 < len; i++)
		if (fn[i] != '<' && fn[i] != '>')
			buf[o++] = fn[i];
	buf[o] = '\0';
}

enum rustlock_op
rustlock_frames_op(const struct frame *frames, size_t n, const char **what)
{
	static const struct { const char *pat; enum rustlock_op op; const char *what; } pats[] = {
		/* std: sys/sync/{mutex,rwlock,condvar}/futex.rs (1.77+), sys/unix/locks/futex*.rs (1.62-1.76) */
		{ "Mutex::lock_contended", RUSTLOCK_MUTEX, NULL },
		{ "RwLock::read_contended", RUSTLOCK_READ, NULL },
		{ "RwLock::write_contended", RUSTLOCK_WRITE, NULL },
		{ "Condvar::wait", RUSTLOCK_CONDVAR, NULL },
		/* parking_lot */
		{ "parking_lot::raw_mutex::RawMutex::lock_slow", RUSTLOCK_PARKING_LOT, "parking_lot Mutex (RawMutex::lock_slow)" },
		{ "parking_lot::raw_rwlock::RawRwLock::lock_shared_slow", RUSTLOCK_PARKING_LOT,
		  "parking_lot RwLock, read (RawRwLock::lock_shared_slow)" },
		{ "parking_lot::raw_rwlock::RawRwLock::lock_exclusive_slow", RUSTLOCK_PARKING_LOT,
		  "parking_lot RwLock, write (RawRwLock::lock_exclusive_slow)" },
		{ "parking_lot::raw_rwlock::RawRwLock::lock_upgradable_slow", RUSTLOCK_PARKING_LOT,
		  "parking_lot RwLock, upgradable read (RawRwLock::lock_upgradable_slow)" },
		{ "parking_lot::condvar::Condvar::wait_until_internal", RUSTLOCK_PARKING_LOT,
		  "parking_lot Condvar (Condvar::wait_until_internal)" },
		{ "parking_lot::raw_fair_mutex::RawFairMutex::lock_slow", RUSTLOCK_PARKING_LOT, "parking_lot FairMutex" },
	};
	char buf[512];

	for (size_t i = 0; frames != NULL && i < n && i < RUSTLOCK_FRAMES; i++) {
		const char *fn = frames[i].function;

		if (fn == NULL)
			continue;
		rustlock_plain(fn, buf, sizeof buf);
		for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
			/* std's own: only its futex implementation (other platforms' locks are other code) */
			if (strstr(buf, pats[k].pat) == NULL ||
			    (pats[k].op != RUSTLOCK_PARKING_LOT && (strncmp(buf, "std::", 5) != 0 || strstr(buf, "futex") == NULL)))
				continue;
			if (what != NULL)
				*what = pats[k].what;
			return pats[k].op;
		}
	}
	return RUSTLOCK_NONE;
}

void
rustlock_state(enum rustlock_op op, uint32_t v, struct lockdecode_info *o, int *expected)
{
	*expected = 0;
	o->readers = -1;
	o->count = -1;
	o->holders_known = false;
	if (op == RUSTLOCK_MUTEX) {
		*expected = v == 1 || v == 2;
		snprintf(o->note, sizeof o->note, "state %u (%s); Rust's Mutex records no owner", v,
		    v == 0 ? "unlocked: its waiter is being woken" : v == 1 ? "locked" : v == 2 ? "locked, contended" :
		    "not a Rust mutex state");
		return;
	}
	if (op == RUSTLOCK_READ || op == RUSTLOCK_WRITE) {
		uint32_t m = v & RUSTLOCK_RW_MASK;
		const char *w = (v & RUSTLOCK_RW_WRITERS_WAITING) ? (v & RUSTLOCK_RW_READERS_WAITING) ?
		    ", writers and readers waiting" : ", writers waiting" : (v & RUSTLOCK_RW_READERS_WAITING) ?
		    ", readers waiting" : "";

		if (m == RUSTLOCK_RW_WRITE_LOCKED) {
			o->readers = 0;
			*expected = 1;
			snprintf(o->note, sizeof o->note, "write locked%s; Rust's RwLock records no owner", w);
		} else if (m == 0) {
			o->readers = 0;
			snprintf(o->note, sizeof o->note, "unlocked%s: its waiter is being woken", w);
		} else {
			o->readers = (int)m;
			*expected = (int)m;
			snprintf(o->note, sizeof o->note, "%u reader%s%s; Rust's RwLock records no owner", m,
			    m == 1 ? "" : "s", w);
		}
	}
}

int
rustlock_thread(const struct snapshot *s, const struct thread *t, struct lockdecode_info *o, int *expected)
{
	uint64_t addr, op;
	uint32_t val, word;
	const char *what = NULL;
	enum rustlock_op rop;

	if (lockdecode_futex_call(s->arch, t, &addr, &op, &val) < 0 ||
	    (rop = rustlock_frames_op(t->frames, t->nframes, &what)) == RUSTLOCK_NONE)
		return -1;
	memset(o, 0, sizeof *o);
	*expected = 0;
	o->futex = o->base = addr;
	o->readers = o->count = o->queued = -1;
	switch (rop) {
	case RUSTLOCK_PARKING_LOT:
		o->want = strstr(what, "Condvar") != NULL ? WAIT_CONDVAR : strstr(what, "write") != NULL ?
		    WAIT_RWLOCK_WRITE : strstr(what, "read") != NULL ? WAIT_RWLOCK_READ : WAIT_MUTEX;
		snprintf(o->note, sizeof o->note, "%s: the thread sleeps on its own parker, so the lock's address "
		    "and holder are not known", what);
		return 1;
	case RUSTLOCK_CONDVAR:
		o->kind = LOCK_RUST_CONDVAR;
		o->want = WAIT_CONDVAR;
		snprintf(o->note, sizeof o->note, "counter %u; woken by notify_one/notify_all", val);
		return 0;
	case RUSTLOCK_MUTEX:
		o->kind = LOCK_RUST_MUTEX;
		o->want = WAIT_MUTEX;
		snprintf(o->variant, sizeof o->variant, "futex");
		break;
	case RUSTLOCK_READ:
	case RUSTLOCK_WRITE:
		o->kind = LOCK_RUST_RWLOCK;
		o->want = rop == RUSTLOCK_READ ? WAIT_RWLOCK_READ : WAIT_RWLOCK_WRITE;
		/* a writer sleeps on writer_notify, the word after the state */
		if (rop == RUSTLOCK_WRITE)
			o->base = addr - 4;
		snprintf(o->variant, sizeof o->variant, "futex");
		break;
	default:
		return -1;
	}
	if (snapshot_read(s, o->base, &word, sizeof word) != (ssize_t)sizeof word) {
		o->holders_known = false;
		snprintf(o->note, sizeof o->note, "lock memory unreadable; Rust's locks record no owner");
		return 0;
	}
	rustlock_state(rop, word, o, expected);
	return 0;
}

static bool
rustlock_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

char *
rustlock_type_name(struct unwinder *u, const struct thread *t)
{
	char buf[512];

	for (size_t i = 0; t->frames != NULL && i < t->nframes && i < RUSTLOCK_FRAMES; i++) {
		const struct frame *f = &t->frames[i];
		const char *lt, *tn;
		char *ty, *r;

		if (f->function == NULL)
			continue;
		rustlock_plain(f->function, buf, sizeof buf);
		/* the public call (std::sync::..::Mutex<T>::lock, RwLock<T>::read/write; v0 names the
		 * instance: <std::sync::..::Mutex<u64>>::lock), whose self is the std::sync object with
		 * its type argument */
		if (strncmp(buf, "std::sync::", 11) != 0 || !((strstr(f->function, "::Mutex<") != NULL &&
		    rustlock_ends(f->function, "::lock")) || (strstr(f->function, "::RwLock<") != NULL &&
		    (rustlock_ends(f->function, "::read") || rustlock_ends(f->function, "::write")))))
			continue;
		if ((ty = unwind_param_type(u, f->pc, i == 0, "self", "::Mutex<")) == NULL &&
		    (ty = unwind_param_type(u, f->pc, i == 0, "self", "::RwLock<")) == NULL)
			return NULL;
		tn = ty[0] == '&' ? ty + 1 : ty;
		/* "std::sync::poison::mutex::Mutex<u64>" -> "Mutex<u64>": the path before the type's name */
		lt = strchr(tn, '<');
		for (const char *p = tn; *p != '\0' && (lt == NULL || p < lt); p++)
			if (p[0] == ':' && p[1] == ':')
				tn = p + 2;
		r = strncmp(tn, "Mutex<", 6) == 0 || strncmp(tn, "RwLock<", 7) == 0 ? xstrdup(tn) : NULL;
		free(ty);
		return r;
	}
	return NULL;
}
