/* lockdecode_musl.c - musl's pthread locks: telling musl from the binary, its mutex, rwlock, condvar, semaphore and join words. */
#include "lockdecode_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <linux/futex.h>

#include "arch.h"
#include "syscalls.h"
#include "targetfile.h"
#include "util.h"

/* musl's mutex type bits (_m_type, src/thread/pthread_mutex*.c): the POSIX type in the low two,
 * robust, priority inheritance, process-shared. */
#define LDM_TYPE_MASK		3
#define LDM_ROBUST		4
#define LDM_PI			8
#define LDM_SHARED		128
#define LDM_TYPE_VALID		(LDM_TYPE_MASK | LDM_ROBUST | LDM_PI | LDM_SHARED)
/* _m_lock: owner TID in the low 30 bits, 0x40000000 owner died, the sign bit waiters */
#define LDM_OWNER_MASK		0x3fffffff
#define LDM_OWNER_DIED		0x40000000
#define LDM_NOTRECOVERABLE	0x3fffffff
/* _rw_lock: reader count in the low 31 bits, 0x7fffffff write-locked, the sign bit waiters */
#define LDM_RW_WRLOCKED		0x7fffffff
#define LDM_RW_COUNT		0x7fffffff
/* sem __val[0]: musl 1.2.4+ keeps a waiters flag in the sign bit beside the value; before, -1
 * meant value 0 with waiters */
#define LDM_SEM_VALUE		0x7fffffff
/* how far the lock API's saved pointers are looked for, and how far a condvar's waiter list is walked */
#define LDM_STACK_SCAN		8192
#define LDM_LIST_MAX		256
#define LDM_WALK_BUDGET		16384
#define LDM_MAX_SYMS		(1u << 22)

static uint32_t
ldm_u32(const uint8_t *img, size_t off)
{
	uint32_t v;

	memcpy(&v, img + off, sizeof v);
	return v;
}

static uint64_t
ldm_u64(const uint8_t *img, size_t off)
{
	uint64_t v;

	memcpy(&v, img + off, sizeof v);
	return v;
}

static void
ldm_note(struct lockdecode_info *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ldm_note(struct lockdecode_info *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->note, sizeof o->note, fmt, ap);
	va_end(ap);
}

static bool
ldm_read(const struct snapshot *s, uint64_t addr, void *buf, size_t len)
{
	return len > 0 && snapshot_read(s, addr, buf, len) == (ssize_t)len;
}

/* What a symbol table says about musl: its start-up functions, and __libc_version's text. */
struct ldm_syms {
	bool init_libc, init_tp, start_init;
	char version[16];
};

/* The bytes of symbol sym (at most len - 1), as a string in out; false if they are not in the file. */
static bool
ldm_sym_text(Elf *elf, size_t shnum, const GElf_Sym *sym, char *out, size_t len)
{
	Elf_Scn *ds;
	GElf_Shdr dsh;
	Elf_Data *dd;
	size_t n = sym->st_size < len ? (size_t)sym->st_size : len - 1;

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= shnum || (ds = elf_getscn(elf, sym->st_shndx)) == NULL ||
	    gelf_getshdr(ds, &dsh) == NULL || dsh.sh_type == SHT_NOBITS || sym->st_value < dsh.sh_addr ||
	    sym->st_value - dsh.sh_addr + n > dsh.sh_size || (dd = elf_getdata(ds, NULL)) == NULL ||
	    dd->d_size < dsh.sh_size)
		return false;
	memcpy(out, (const char *)dd->d_buf + (sym->st_value - dsh.sh_addr), n);
	out[n] = '\0';
	return true;
}

static void
ldm_scan_symbols(int fd, struct ldm_syms *out)
{
	size_t shnum = 0;
	Elf_Scn *scn = NULL;
	Elf *elf;

	memset(out, 0, sizeof *out);
	elf_version(EV_CURRENT);
	if ((elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL)
		return;
	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, &shnum) != 0)
		goto out;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t nsyms;

		if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0 ||
		    (d = elf_getdata(scn, NULL)) == NULL)
			continue;
		nsyms = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < nsyms && i < LDM_MAX_SYMS; i++) {
			GElf_Sym sym;
			const char *name;

			if (gelf_getsym(d, (int)i, &sym) == NULL || (name = elf_strptr(elf, sh.sh_link, sym.st_name)) == NULL ||
			    name[0] != '_' || sym.st_shndx == SHN_UNDEF)
				continue;
			if (strcmp(name, "__init_libc") == 0)
				out->init_libc = true;
			else if (strcmp(name, "__init_tp") == 0)
				out->init_tp = true;
			else if (strcmp(name, "__libc_start_init") == 0)
				out->start_init = true;
			else if (strcmp(name, "__libc_version") == 0 && sym.st_size > 0 && out->version[0] == '\0' &&
			    !ldm_sym_text(elf, shnum, &sym, out->version, sizeof out->version))
				out->version[0] = '\0';
		}
	}
out:
	elf_end(elf);
}

/* The symbols of a target-named file, opened through targetfile; false if it cannot be opened. */
static bool
ldm_file_symbols(const struct targetfile_root *root, const struct snapshot *s, const char *path, struct ldm_syms *out)
{
	struct err e;
	int fd;

	memset(out, 0, sizeof *out);
	if (root == NULL || path == NULL || path[0] != '/' ||
	    (fd = targetfile_open_mapped(root, s, path, 0, NULL, &e)) < 0)
		return false;
	ldm_scan_symbols(fd, out);
	close(fd);
	return true;
}

/* musl's shared libc is its dynamic loader: Alpine maps /lib/ld-musl-x86_64.so.1, Debian's musl
 * package /usr/lib/x86_64-linux-musl/libc.so (the loader is a link to it). */
static bool
ldm_is_loader(const char *path)
{
	const char *b = util_basename(path);

	return strncmp(b, "ld-musl-", 8) == 0 || strncmp(b, "libc.musl-", 10) == 0 ||
	    (strcmp(b, "libc.so") == 0 && strstr(path, "musl") != NULL);
}

bool
lockdecode_musl_detect(const struct snapshot *s, const struct targetfile_root *root, int *version, const char **how)
{
	struct ldm_syms sy;

	*version = 0;
	for (size_t i = 0; i < s->nmaps; i++) {
		if (s->maps[i].path == NULL || !ldm_is_loader(s->maps[i].path))
			continue;
		if (ldm_file_symbols(root, s, s->maps[i].path, &sy) && (*version = lockdecode_parse_version(sy.version)) != 0)
			*how = "musl's __libc_version symbol";
		else
			*how = "the musl loader's mapping (its version is not recorded where holdup can read it; "
			    "musl's lock layouts are the same from 1.1.5 on)";
		return true;
	}
	/* static: musl's start-up functions, which glibc does not have, in the executable's symbols */
	if (!ldm_file_symbols(root, s, s->exe, &sy) || !sy.init_libc || !(sy.init_tp || sy.start_init))
		return false;
	if ((*version = lockdecode_parse_version(sy.version)) != 0)
		*how = "the static executable's musl __libc_version symbol";
	else
		*how = "the static executable's musl symbols (__init_libc; a static musl records no version: "
		    "its lock layouts are the same from 1.1.5 on)";
	return true;
}

static void
ldm_mutex(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	static const char *const types[] = { "normal", "recursive", "errorcheck" };
	uint32_t type = ldm_u32(img, L->mutex_kind), lock = ldm_u32(img, L->mutex_lock);
	int32_t waiters = (int32_t)ldm_u32(img, L->mutex_waiters), count = (int32_t)ldm_u32(img, L->mutex_count);
	uint32_t own = lock & LDM_OWNER_MASK;
	bool robust = type & LDM_ROBUST, pi = type & LDM_PI;

	if ((type & ~(uint32_t)LDM_TYPE_VALID) != 0 || (type & LDM_TYPE_MASK) == 3) {
		snprintf(o->variant, sizeof o->variant, "unknown");
		o->holders_known = false;
		ldm_note(o, "type word 0x%x does not look like a musl mutex: owner unknown", type);
		return;
	}
	if (pi)
		snprintf(o->variant, sizeof o->variant, robust ? "pi-robust" : "pi");
	else if (robust)
		snprintf(o->variant, sizeof o->variant, "robust");
	else
		snprintf(o->variant, sizeof o->variant, "%s", types[type & LDM_TYPE_MASK]);
	/* PI mutexes use _m_waiters as a flag (-1), the others count their sleepers there */
	o->queued = !pi && waiters >= 0 ? waiters : -1;
	if ((type & 15) == 0) {
		/* the default type locks with a bare EBUSY: no owner is ever written */
		o->holders_known = lock == 0;
		if (lock != 0)
			ldm_note(o, "locked, but a normal (default) musl mutex records no owner (word 0x%x): "
			    "owner unknown", lock);
		return;
	}
	o->holders_known = true;
	o->holder = own != LDM_NOTRECOVERABLE ? (pid_t)own : 0;
	o->owner_died = own == LDM_NOTRECOVERABLE || ((robust || pi) && (lock & LDM_OWNER_DIED));
	if (own == LDM_NOTRECOVERABLE)
		ldm_note(o, "not recoverable: its owner died and it was unlocked without being made consistent");
	else if (o->owner_died)
		ldm_note(o, "owner died holding it; the next locker gets EOWNERDEAD");
	else if (lock != 0 && own == 0) {
		o->holders_known = false;
		ldm_note(o, "locked (word 0x%x) but no owner recorded: owner unknown", lock);
	}
	/* _m_count counts the relocks beyond the first */
	if ((type & LDM_TYPE_MASK) == 1 && o->holder != 0 && count >= 0 && count < 0x7fffffff)
		o->count = count + 1;
}

static void
ldm_rwlock(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	uint32_t w = ldm_u32(img, L->rw_readers), n = w & LDM_RW_COUNT, shared = ldm_u32(img, L->rw_shared);
	int32_t waiters = (int32_t)ldm_u32(img, L->rw_waiters);

	if (shared != 0 && shared != LDM_SHARED) {
		snprintf(o->variant, sizeof o->variant, "unknown");
		o->holders_known = false;
		ldm_note(o, "shared word 0x%x does not look like a musl rwlock: owner unknown", shared);
		return;
	}
	o->queued = waiters >= 0 ? waiters : -1;
	if (n == LDM_RW_WRLOCKED) {
		/* a reader and a writer both wait while it is write-locked: the frames tell which */
		o->readers = 0;
		o->holders_known = false;
		ldm_note(o, "write-locked; musl records no writer: owner unknown");
		return;
	}
	o->readers = (int)n;
	o->holders_known = n == 0;
	if (o->want == WAIT_NONE && n > 0)
		o->want = WAIT_RWLOCK_WRITE;	/* only a writer waits for readers */
	if (n > 0)
		ldm_note(o, "read-locked by %u reader%s (musl does not record reader TIDs)", n, n == 1 ? "" : "s");
}

static void
ldm_condvar(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	o->holders_known = false;
	if (ldm_u64(img, L->cond_shared) != 0) {
		/* process-shared: waiters sleep on _c_seq and are counted in _c_waiters */
		uint32_t w = ldm_u32(img, L->cond_waiters) & 0x7fffffff;

		snprintf(o->variant, sizeof o->variant, "shared");
		o->queued = (int)w;
		ldm_note(o, "%u waiter%s; woken by pthread_cond_signal/broadcast", w, w == 1 ? "" : "s");
	} else
		ldm_note(o, "woken by pthread_cond_signal/broadcast");
}

static void
ldm_semaphore(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	uint32_t v = ldm_u32(img, L->sem_value);
	int32_t n = (int32_t)ldm_u32(img, L->sem_nwaiters);
	uint32_t value = v == 0xffffffffu ? 0 : v & LDM_SEM_VALUE;

	if (ldm_u32(img, L->sem_private) == 0)
		snprintf(o->variant, sizeof o->variant, "shared");
	o->count = (int)value;
	o->queued = n >= 0 ? n : -1;
	o->holders_known = false;
	ldm_note(o, "value %u, %d waiter%s; woken by sem_post", value, n >= 0 ? n : 0, n == 1 ? "" : "s");
}

void
lockdecode_musl_object(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	switch (o->kind) {
	case LOCK_MUTEX: ldm_mutex(L, img, o); break;
	case LOCK_RWLOCK: ldm_rwlock(L, img, o); break;
	case LOCK_CONDVAR: ldm_condvar(L, img, o); break;
	case LOCK_SEMAPHORE: ldm_semaphore(L, img, o); break;
	default: break;
	}
}

/* Whether tid (as the target numbers its threads) is a thread of the snapshot. */
static bool
ldm_is_thread(const struct snapshot *s, uint32_t tid)
{
	if (tid == 0 || tid > FUTEX_TID_MASK)
		return false;
	return s->pidns ? snapshot_tid_from_target(s, (pid_t)tid) != 0 : snapshot_thread_index(s, (pid_t)tid) >= 0;
}

/* pthread_join sleeps on the joined thread's detach_state; its TID lies just before (before musl
 * 1.1.22 it slept on the TID word itself, as glibc does). */
static int
ldm_join(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *o)
{
	uint32_t tid;

	o->want = WAIT_JOIN;
	o->holders_known = true;
	if (L->thread_detach_state > L->thread_tid &&
	    ldm_read(s, o->futex - (L->thread_detach_state - L->thread_tid), &tid, sizeof tid) &&
	    ldm_is_thread(s, tid) && (pid_t)tid != t->tid) {
		o->holder = (pid_t)tid;
		return 0;
	}
	if (ldm_read(s, o->futex, &tid, sizeof tid) && ldm_is_thread(s, tid) && (pid_t)tid != t->tid) {
		o->holder = (pid_t)tid;
		return 0;
	}
	o->holders_known = false;
	ldm_note(o, "joining a thread whose TID is not beside the word it sleeps on: thread unknown");
	return 0;
}

/* The values t's lock function may keep its object pointers in: its pointer registers, then the
 * words of its stack copy's top. Returns how many were put in out (at most max). */
static size_t
ldm_saved_values(const struct arch_info *a, const struct thread *t, uint64_t *out, size_t max)
{
	size_t n = 0, psz = a->ptr_size;

	if (t->regs_valid) {
		uint64_t m = a->ptr_regs & t->regs.dwarf_valid;

		for (unsigned i = 0; i < ARCH_DWARF_MAX && i < 64 && n < max; i++)
			if (m >> i & 1)
				out[n++] = t->regs.dwarf[i];
	}
	for (size_t off = 0; t->stack != NULL && off + psz <= t->stack_len && off < LDM_STACK_SCAN && n < max; off += psz)
		out[n++] = arch_word(a, t->stack + off);
	return n;
}

/* Whether the private condvar at c has node in its waiter list (walked from _c_head, at most
 * LDM_LIST_MAX nodes, *budget reads in all); *count gets the nodes seen. */
static bool
ldm_cond_lists(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t c, uint64_t node,
    int *count, size_t *budget)
{
	uint8_t img[64];
	uint64_t p;
	bool found = false;
	int n = 0;

	if (L->cond_size > sizeof img || !ldm_read(s, c, img, L->cond_size) || ldm_u64(img, L->cond_shared) != 0)
		return false;
	p = ldm_u64(img, L->cond_head);
	/* a condvar with waiters has both ends of its list, and its internal lock is 0, 1 or 2 */
	if (p == 0 || (p & 7) || ldm_u64(img, L->cond_tail) == 0 || ldm_u32(img, L->cond_lock) > 2)
		return false;
	for (; p != 0 && n < LDM_LIST_MAX && *budget > 0; n++, (*budget)--) {
		if (p == node)
			found = true;
		if (!ldm_read(s, p + L->cond_node_next, &p, sizeof p))
			break;
	}
	*count = n;
	return found;
}

static bool
ldm_mutex_plausible(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t m)
{
	uint8_t img[64];
	uint32_t type;

	if (L->mutex_size > sizeof img || !ldm_read(s, m, img, L->mutex_size))
		return false;
	type = ldm_u32(img, L->mutex_kind);
	return (type & ~(uint32_t)LDM_TYPE_VALID) == 0 && (type & LDM_TYPE_MASK) != 3 && ldm_u32(img, L->mutex_lock) != 0;
}

/*
 * A private condvar's waiter sleeps on the barrier word of a node on its own stack, linked into the
 * condvar's list; it may also wait for the condvar's internal lock, or, signalled, have been
 * requeued onto the mutex. A process-shared one sleeps on _c_seq. Which one, and the condvar's
 * address, come from the pointers pthread_cond_timedwait keeps in registers and on the stack.
 */
static void
ldm_cond_wait(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *o)
{
	uint64_t vals[ARCH_DWARF_MAX + LDM_STACK_SCAN / 4], a = o->futex, node = a - L->cond_node_barrier;
	size_t n = ldm_saved_values(s->arch, t, vals, sizeof vals / sizeof vals[0]), budget = LDM_WALK_BUDGET;
	int count = 0;

	o->want = WAIT_CONDVAR;
	for (size_t i = 0; i < n; i++) {
		uint64_t c = vals[i];
		const struct mapping *m;

		if (c == 0 || (c & 7) || (m = snapshot_find_mapping(s, c)) == NULL || m->perms[1] != 'w')
			continue;
		if (ldm_cond_lists(L, s, c, node, &count, &budget)) {
			o->base = c;
			o->queued = count;
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t c = vals[i];
		uint8_t img[64];

		if (c == 0 || L->cond_size > sizeof img)
			continue;
		if (a == c + L->cond_lock && ldm_read(s, c, img, L->cond_size) && ldm_u64(img, L->cond_shared) == 0) {
			o->base = c;
			ldm_note(o, "waits for the condvar's internal lock (held briefly by a signaller or another waiter)");
			return;
		}
		if (a == c + L->cond_seq && ldm_read(s, c, img, L->cond_size) && ldm_u64(img, L->cond_shared) != 0) {
			o->base = c;
			lockdecode_musl_object(L, img, o);
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		/* pthread_cond_signal requeues a woken waiter from its node onto the mutex */
		if (vals[i] != 0 && a == vals[i] + L->mutex_lock && ldm_mutex_plausible(L, s, vals[i])) {
			uint8_t img[64];

			o->kind = LOCK_MUTEX;
			o->want = WAIT_MUTEX;
			o->base = vals[i];
			if (ldm_read(s, o->base, img, L->mutex_size))
				ldm_mutex(L, img, o);
			return;
		}
	}
	o->holders_known = false;
	ldm_note(o, "a musl condvar wait whose condvar holdup could not find from the waiter's stack "
	    "(signalled, waiting its turn?): owner unknown");
}

/* Whether a stack with no lock function on it names no function at all (a stripped binary). */
static bool
ldm_unnamed(const struct thread *t)
{
	for (size_t i = 0; i < t->nframes && i < 16; i++)
		if (t->frames[i].function != NULL)
			return false;
	return true;
}

int
lockdecode_musl_thread(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *o, uint64_t op, uint32_t val, bool internal)
{
	uint8_t img[64];
	size_t size;

	if (o->kind == LOCK_MUTEX && internal) {
		snprintf(o->variant, sizeof o->variant, "musl-internal");
		ldm_note(o, "a musl internal lock (malloc, stdio, the thread list...): owner unknown");
		o->want = WAIT_MUTEX;
		return 0;
	}
	switch (o->kind) {
	case LOCK_JOIN:
		return ldm_join(L, s, t, o);
	case LOCK_MUTEX:
		o->base = o->futex - L->mutex_lock;
		o->want = WAIT_MUTEX;
		break;
	case LOCK_RWLOCK:
		o->base = o->futex - L->rw_readers;
		break;
	case LOCK_SEMAPHORE:
		o->base = o->futex - L->sem_value;
		o->want = WAIT_SEMAPHORE;
		break;
	case LOCK_CONDVAR:
		ldm_cond_wait(L, s, t, o);
		return 0;
	case LOCK_BARRIER:
		o->want = WAIT_BARRIER;
		ldm_note(o, "a musl barrier: its layout is not decoded (arrivals unknown)");
		return 0;
	default:
		/* musl's lock words are told apart by the frames only: without them, a raw futex */
		o->kind = LOCK_FUTEX;
		o->want = WAIT_FUTEX;
		ldm_note(o, "raw futex (%s, value %u): owner unknown%s",
		    syscalls_futex_op_name(op) ? syscalls_futex_op_name(op) : "?", val,
		    ldm_unnamed(t) ? "; in a musl binary the lock kind is told from the frames, and these name no function" : "");
		return 0;
	}
	size = lockdecode_size(L, o->kind);
	if (size == 0 || size > sizeof img || !ldm_read(s, o->base, img, size)) {
		if (o->want == WAIT_NONE)
			o->want = WAIT_RWLOCK_WRITE;
		ldm_note(o, "lock memory unreadable: owner unknown");
		return 0;
	}
	lockdecode_musl_object(L, img, o);
	if (o->want == WAIT_NONE)
		o->want = WAIT_RWLOCK_WRITE;
	return 0;
}
