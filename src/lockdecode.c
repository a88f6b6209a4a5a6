/* lockdecode.c - what a thread in a futex wait waits on: libc layouts (one table), kind, object, holder. */
#include "lockdecode.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "arch.h"
#include "lockdecode_int.h"
#include "syscalls.h"
#include "targetfile.h"
#include "threadstate.h"
#include "util.h"

/* glibc's mutex kind bits (nptl/pthreadP.h); KIND_VALID is every bit a kind word may have. */
#define LD_MUTEX_TYPE_MASK	0x3
#define LD_MUTEX_ROBUST		0x10
#define LD_MUTEX_PI		0x20
#define LD_MUTEX_PP		0x40
#define LD_MUTEX_KIND_VALID	0x3f3
#define LD_MUTEX_INCONSISTENT	0x7fffffff
#define LD_MUTEX_NOTRECOVERABLE	0x7ffffffe
#define LD_FUTEX_PRIVATE	128
#define LD_RW_FUTEX_USED	2
#define LD_FUTEX_LOCK_PI2	13

/*
 * The layouts. Offsets checked against glibc's sysdeps/x86/nptl/bits/struct_mutex.h,
 * struct_rwlock.h, sysdeps/nptl/bits/thread-shared-types.h (struct __pthread_cond_s),
 * sysdeps/nptl/internaltypes.h (new_sem, pthread_barrier) and nptl/pthread_rwlock_common.c
 * (the __readers bits). These public structs are ABI: they are frozen since 2.25 rewrote rwlock
 * and condvar. 2.23/2.24 have the same mutex, sem and barrier, but the old rwlock and condvar
 * (size 0 below: not decoded). Rows are keyed by (arch, glibc versions): another architecture's
 * offsets are its own rows, and one without any gets no layout, never these.
 */
static const struct lockdecode_layout lockdecode_layouts[] = {
	{
		.name = "glibc 2.25+ x86_64",
		.arch = "x86_64",
		.min_version = 2025, .max_version = 2099,
		.mutex_size = 40, .mutex_lock = 0, .mutex_count = 4, .mutex_owner = 8,
		.mutex_nusers = 12, .mutex_kind = 16,
		.rw_size = 56, .rw_readers = 0, .rw_writers = 4, .rw_wrphase_futex = 8,
		.rw_writers_futex = 12, .rw_cur_writer = 24, .rw_shared = 28, .rw_flags = 48,
		.rw_reader_shift = 3, .rw_wrphase = 1, .rw_wrlocked = 2, .rw_rwaiting = 4,
		.rw_flag_bytes = 4, .rw_pads = { 16, 20, 40, 44 },	/* __pad3, __pad4, __pad2 */
		.cond_size = 48, .cond_wseq = 0, .cond_wrefs = 36, .cond_g_signals0 = 40,
		.cond_g_signals1 = 44, .cond_g_refs0 = 16, .cond_g_refs1 = 20, .cond_g1_orig_size = 32,
		.cond_wrefs_shift = 3,
		.sem_size = 32, .sem_value = 0, .sem_nwaiters = 4, .sem_private = 8, .sem_pad = 12,
		.barrier_size = 32, .barrier_in = 0, .barrier_round = 4, .barrier_count = 8,
	},
	{
		.name = "glibc 2.23-2.24 x86_64",
		.arch = "x86_64",
		.min_version = 2023, .max_version = 2024,
		.mutex_size = 40, .mutex_lock = 0, .mutex_count = 4, .mutex_owner = 8,
		.mutex_nusers = 12, .mutex_kind = 16,
		.sem_size = 32, .sem_value = 0, .sem_nwaiters = 4, .sem_private = 8, .sem_pad = 12,
		.barrier_size = 32, .barrier_in = 0, .barrier_round = 4, .barrier_count = 8,
	},
	/*
	 * aarch64, from the generic sysdeps/nptl/bits/struct_mutex.h and struct_rwlock.h (__WORDSIZE
	 * 64): x86-64's offsets, but a 48-byte mutex and a rwlock with two 8-byte pads before
	 * __flags (x86-64 has __rwelision there); checked with offsetof against Debian's arm64 glibc
	 * 2.36 headers. It has 64-bit atomics: new_sem is x86-64's.
	 */
	{
		.name = "glibc 2.25+ aarch64",
		.arch = "aarch64",
		.min_version = 2025, .max_version = 2099,
		.mutex_size = 48, .mutex_lock = 0, .mutex_count = 4, .mutex_owner = 8,
		.mutex_nusers = 12, .mutex_kind = 16,
		.rw_size = 56, .rw_readers = 0, .rw_writers = 4, .rw_wrphase_futex = 8,
		.rw_writers_futex = 12, .rw_cur_writer = 24, .rw_shared = 28, .rw_flags = 48,
		.rw_reader_shift = 3, .rw_wrphase = 1, .rw_wrlocked = 2, .rw_rwaiting = 4,
		.rw_flag_bytes = 4, .rw_pads = { 16, 20, 32, 40 },	/* __pad3, __pad4, __pad1, __pad2 */
		.cond_size = 48, .cond_wseq = 0, .cond_wrefs = 36, .cond_g_signals0 = 40,
		.cond_g_signals1 = 44, .cond_g_refs0 = 16, .cond_g_refs1 = 20, .cond_g1_orig_size = 32,
		.cond_wrefs_shift = 3,
		.sem_size = 32, .sem_value = 0, .sem_nwaiters = 4, .sem_private = 8, .sem_pad = 12,
		.barrier_size = 32, .barrier_in = 0, .barrier_round = 4, .barrier_count = 8,
	},
	{
		.name = "glibc 2.23-2.24 aarch64",
		.arch = "aarch64",
		.min_version = 2023, .max_version = 2024,
		.mutex_size = 48, .mutex_lock = 0, .mutex_count = 4, .mutex_owner = 8,
		.mutex_nusers = 12, .mutex_kind = 16,
		.sem_size = 32, .sem_value = 0, .sem_nwaiters = 4, .sem_private = 8, .sem_pad = 12,
		.barrier_size = 32, .barrier_in = 0, .barrier_round = 4, .barrier_count = 8,
	},
	/*
	 * i386 (a 32-bit program under a 64-bit kernel), from the same files' !__x86_64__ branches:
	 * the mutex's __kind comes before __nusers; the rwlock ends in byte-sized __flags, __shared,
	 * __rwelision and __pad2, then __cur_writer; the condvar is the same 48 bytes; i386 has no
	 * 64-bit atomics, so new_sem is value (count << 1, bit 0 "has waiters"), private, pad,
	 * nwaiters; the barrier's fields are where x86-64 has them (20 bytes in all).
	 */
	{
		.name = "glibc 2.25+ i386",
		.arch = "i386",
		.min_version = 2025, .max_version = 2099,
		.mutex_size = 24, .mutex_lock = 0, .mutex_count = 4, .mutex_owner = 8,
		.mutex_kind = 12, .mutex_nusers = 16,
		.rw_size = 32, .rw_readers = 0, .rw_writers = 4, .rw_wrphase_futex = 8,
		.rw_writers_futex = 12, .rw_flags = 24, .rw_shared = 25, .rw_cur_writer = 28,
		.rw_reader_shift = 3, .rw_wrphase = 1, .rw_wrlocked = 2, .rw_rwaiting = 4,
		.rw_flag_bytes = 1, .rw_pads = { 16, 20 },	/* __pad3, __pad4 */
		.cond_size = 48, .cond_wseq = 0, .cond_wrefs = 36, .cond_g_signals0 = 40,
		.cond_g_signals1 = 44, .cond_g_refs0 = 16, .cond_g_refs1 = 20, .cond_g1_orig_size = 32,
		.cond_wrefs_shift = 3,
		.sem_size = 16, .sem_value = 0, .sem_value_shift = 1, .sem_nwaiters = 12, .sem_private = 4,
		.sem_pad = 8,
		.barrier_size = 20, .barrier_in = 0, .barrier_round = 4, .barrier_count = 8,
	},
	{
		.name = "glibc 2.23-2.24 i386",
		.arch = "i386",
		.min_version = 2023, .max_version = 2024,
		.mutex_size = 24, .mutex_lock = 0, .mutex_count = 4, .mutex_owner = 8,
		.mutex_kind = 12, .mutex_nusers = 16,
		.sem_size = 16, .sem_value = 0, .sem_value_shift = 1, .sem_nwaiters = 12, .sem_private = 4,
		.sem_pad = 8,
		.barrier_size = 20, .barrier_in = 0, .barrier_round = 4, .barrier_count = 8,
	},
	/*
	 * musl, offsets from its include/alltypes.h.in (unions of int __i[], volatile int __vi[] and
	 * void *__p[]) and the _m_, _rw_, _c_ names of src/internal/pthread_impl.h: _m_type __i[0],
	 * _m_lock __vi[1], _m_waiters __vi[2], _m_count __i[5]; _rw_lock __vi[0], _rw_waiters __vi[1],
	 * _rw_shared __i[2]; _c_shared __p[0], _c_head __p[1], _c_seq __vi[2], _c_waiters __vi[3],
	 * _c_lock __vi[8], _c_tail __p[5]; sem_t __val[0..2]; struct waiter in
	 * pthread_cond_timedwait.c; struct pthread's tid and detach_state. Unchanged from 1.1.5 (the
	 * condvar's waiter list, 2014) to 1.2.5; a static musl records no version, so version 0
	 * (unknown) gets this row too, and the libc source says so. The barrier is not decoded.
	 */
	{
		.name = "musl 1.1.5+ x86_64",
		.libc = LOCKDECODE_MUSL,
		.arch = "x86_64",
		.min_version = 0, .max_version = 1999,
		.mutex_size = 40, .mutex_kind = 0, .mutex_lock = 4, .mutex_waiters = 8, .mutex_count = 20,
		.rw_size = 56, .rw_readers = 0, .rw_waiters = 4, .rw_shared = 8,
		.cond_size = 48, .cond_shared = 0, .cond_head = 8, .cond_seq = 8, .cond_waiters = 12,
		.cond_lock = 32, .cond_tail = 40,
		.cond_node_size = 32, .cond_node_prev = 0, .cond_node_next = 8, .cond_node_state = 16,
		.cond_node_barrier = 20,
		.sem_size = 32, .sem_value = 0, .sem_nwaiters = 4, .sem_private = 8,
		.thread_tid = 48, .thread_detach_state = 56,
	},
};

bool
lockdecode_is_musl(const struct lockdecode_layout *L)
{
	return L != NULL && L->libc != NULL && strcmp(L->libc, LOCKDECODE_MUSL) == 0;
}

const struct lockdecode_layout *
lockdecode_layout_find(const char *libc, const char *arch_name, int version)
{
	for (size_t i = 0; i < sizeof lockdecode_layouts / sizeof lockdecode_layouts[0]; i++) {
		const struct lockdecode_layout *L = &lockdecode_layouts[i];

		if (strcmp(L->libc != NULL ? L->libc : "glibc", libc) == 0 && strcmp(L->arch, arch_name) == 0 &&
		    version >= L->min_version && version <= L->max_version)
			return L;
	}
	return NULL;
}

const struct lockdecode_layout *
lockdecode_layout_lookup(const char *arch_name, int version)
{
	return lockdecode_layout_find("glibc", arch_name, version);
}

const struct lockdecode_layout *
lockdecode_layout_for(int version)
{
	return lockdecode_layout_lookup(arch_native->name, version);
}

int
lockdecode_parse_version(const char *s)
{
	const char *p = s;
	char *end;
	long maj, min;

	if (strncmp(p, "libc-", 5) == 0)
		p += 5;
	if (!isdigit((unsigned char)*p))
		return 0;
	maj = strtol(p, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return 0;
	min = strtol(end + 1, &end, 10);
	if (maj < 1 || maj > 9 || min < 0 || min > 999)
		return 0;
	return (int)(maj * 1000 + min);
}

/* Bytes of a libc or executable searched for glibc's banner: a static binary can be big, but the
 * search must end. */
#define LOCKDECODE_MAX_SCAN	(256u << 20)

/* A static glibc binary often lacks the banner, but keeps nptl's version string "2.36" behind
 * the __nptl_version symbol when it has a symbol table. 0 if there is none. */
static int
lockdecode_version_from_symbol(int fd)
{
	size_t shnum = 0, nsyms;
	Elf_Scn *scn = NULL;
	int v = 0;
	Elf *elf;

	elf_version(EV_CURRENT);
	if ((elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL)
		return 0;
	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrnum(elf, &shnum) != 0)
		goto out;
	while (v == 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (gelf_getshdr(scn, &sh) == NULL || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0 ||
		    (d = elf_getdata(scn, NULL)) == NULL)
			continue;
		nsyms = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < nsyms && i < (1u << 22); i++) {
			GElf_Sym sym;
			const char *name;
			Elf_Scn *ds;
			GElf_Shdr dsh;
			Elf_Data *dd;
			char text[16];

			if (gelf_getsym(d, (int)i, &sym) == NULL || sym.st_size == 0 || sym.st_size >= sizeof text ||
			    (name = elf_strptr(elf, sh.sh_link, sym.st_name)) == NULL || strcmp(name, "__nptl_version") != 0)
				continue;
			if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= shnum ||
			    (ds = elf_getscn(elf, sym.st_shndx)) == NULL || gelf_getshdr(ds, &dsh) == NULL ||
			    dsh.sh_type == SHT_NOBITS || sym.st_value < dsh.sh_addr ||
			    sym.st_value - dsh.sh_addr + sym.st_size > dsh.sh_size || (dd = elf_getdata(ds, NULL)) == NULL ||
			    dd->d_size < dsh.sh_size)
				break;
			memcpy(text, (const char *)dd->d_buf + (sym.st_value - dsh.sh_addr), sym.st_size);
			text[sym.st_size] = '\0';
			v = lockdecode_parse_version(text);
			break;
		}
	}
out:
	elf_end(elf);
	return v;
}

/* glibc's version string ("... release version 2.36.") in a libc or static executable file, opened
 * through targetfile (inside the target's root, the mapped file, never blocking). */
static int
lockdecode_version_from_file(const struct targetfile_root *root, const struct snapshot *s, const char *path,
    bool *from_symbol)
{
	static const char needle[] = "GNU C Library";
	size_t cap = 1 << 16, len = 0, total = 0;
	struct err e;
	ssize_t n;
	char *buf;
	int fd, v = 0;

	if (root == NULL || path == NULL || path[0] != '/')
		return 0;
	if ((fd = targetfile_open_mapped(root, s, path, 0, NULL, &e)) < 0)
		return 0;
	buf = xmalloc(cap + 1);
	/* read in chunks, keeping an overlap, so a big executable is never held whole */
	while (v == 0 && total < LOCKDECODE_MAX_SCAN && (n = read(fd, buf + len, cap - len)) > 0) {
		const char *p = buf, *q;

		len += (size_t)n;
		total += (size_t)n;
		buf[len] = '\0';	/* the version is parsed as a string: it must end in the chunk */
		while (v == 0 && (q = memmem(p, len - (size_t)(p - buf), needle, sizeof needle - 1)) != NULL) {
			const char *r = memmem(q, len - (size_t)(q - buf) > 200 ? 200 : len - (size_t)(q - buf),
			    "version ", 8);

			if (r != NULL)
				v = lockdecode_parse_version(r + 8);
			p = q + 1;
		}
		if (len > 256) {
			memmove(buf, buf + len - 256, 256);
			len = 256;
		}
	}
	free(buf);
	if (v == 0)
		*from_symbol = (v = lockdecode_version_from_symbol(fd)) != 0;
	close(fd);
	return v;
}

int
lockdecode_glibc_version(const struct snapshot *s, const struct targetfile_root *root, const char **how)
{
	const char *libc = NULL, *dummy;
	bool sym = false;
	int v;

	if (how == NULL)
		how = &dummy;
	for (size_t i = 0; i < s->nmaps && libc == NULL; i++) {
		const char *b = util_basename(s->maps[i].path);

		if (strcmp(b, "libc.so.6") == 0 || (strncmp(b, "libc-", 5) == 0 && strstr(b, ".so") != NULL))
			libc = s->maps[i].path;
	}
	if (libc != NULL) {
		/* before 2.34 the file name carries the version */
		*how = "the libc file name";
		if ((v = lockdecode_parse_version(util_basename(libc))) != 0)
			return v;
		if ((v = lockdecode_version_from_file(root, s, libc, &sym)) != 0) {
			*how = sym ? "libc's __nptl_version symbol" : "libc's version banner";
			return v;
		}
		*how = "not found in libc (not glibc, or unreadable)";
		return 0;
	}
	/* no shared libc: maybe a static glibc executable */
	if ((v = lockdecode_version_from_file(root, s, s->exe, &sym)) != 0) {
		*how = sym ? "the static executable's __nptl_version symbol" : "the static executable's version banner";
		return v;
	}
	*how = "not found (no shared libc; a static binary without symbols, musl, or no libc)";
	return 0;
}

int
lockdecode_libc(const struct snapshot *s, const struct targetfile_root *root, const char **name, const char **how)
{
	const char *dummy;
	int v;

	if (how == NULL)
		how = &dummy;
	*name = NULL;
	if ((v = lockdecode_glibc_version(s, root, how)) != 0) {
		*name = "glibc";
		return v;
	}
	if (lockdecode_musl_detect(s, root, &v, how)) {
		*name = LOCKDECODE_MUSL;
		return v;
	}
	return 0;
}

static uint32_t
ld_u32(const uint8_t *img, size_t off)
{
	uint32_t v;

	memcpy(&v, img + off, sizeof v);
	return v;
}

static void
ld_note(struct lockdecode_info *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ld_note(struct lockdecode_info *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->note, sizeof o->note, fmt, ap);
	va_end(ap);
}

size_t
lockdecode_size(const struct lockdecode_layout *L, enum lock_kind k)
{
	if (L == NULL)
		return 0;
	switch (k) {
	case LOCK_MUTEX: return L->mutex_size;
	case LOCK_RWLOCK: return L->rw_size;
	case LOCK_CONDVAR: return L->cond_size;
	case LOCK_SEMAPHORE: return L->sem_size;
	case LOCK_BARRIER: return L->barrier_size;
	default: return 0;
	}
}

static void
ld_mutex(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	static const char *const types[] = { "normal", "recursive", "errorcheck", "adaptive" };
	uint32_t lock = ld_u32(img, L->mutex_lock), kind = ld_u32(img, L->mutex_kind);
	int32_t owner = (int32_t)ld_u32(img, L->mutex_owner);
	bool robust = kind & LD_MUTEX_ROBUST, pi = kind & LD_MUTEX_PI;

	if ((kind & ~(uint32_t)LD_MUTEX_KIND_VALID) != 0) {
		snprintf(o->variant, sizeof o->variant, "unknown");
		o->holders_known = false;
		ld_note(o, "kind word 0x%x does not look like a glibc mutex: owner unknown", kind);
		return;
	}
	if (pi)
		snprintf(o->variant, sizeof o->variant, robust ? "pi-robust" : "pi");
	else if (robust)
		snprintf(o->variant, sizeof o->variant, "robust");
	else if (kind & LD_MUTEX_PP)
		snprintf(o->variant, sizeof o->variant, "pp");
	else
		snprintf(o->variant, sizeof o->variant, "%s", types[kind & LD_MUTEX_TYPE_MASK]);
	o->holders_known = true;
	if (pi || robust) {
		/* these keep the owner's TID in the futex word, as the kernel's robust/PI protocol wants */
		o->holder = (pid_t)(lock & FUTEX_TID_MASK);
		o->owner_died = (lock & FUTEX_OWNER_DIED) != 0;
	} else
		o->holder = lock != 0 ? owner : 0;
	if (o->holder == 0 && lock != 0 && !o->owner_died) {
		o->holders_known = false;
		ld_note(o, "locked (word %u) but no owner recorded yet: owner unknown", lock);
	}
	if (owner == LD_MUTEX_INCONSISTENT) {
		o->owner_died = true;
		ld_note(o, "previous owner died; the new holder has not called pthread_mutex_consistent");
	} else if (owner == LD_MUTEX_NOTRECOVERABLE) {
		o->owner_died = true;
		ld_note(o, "not recoverable: its owner died and it was unlocked without being made consistent");
	} else if (o->owner_died)
		ld_note(o, "owner died holding it; the next locker gets EOWNERDEAD");
	if ((kind & LD_MUTEX_TYPE_MASK) == 1 && o->holder != 0)
		o->count = (int)ld_u32(img, L->mutex_count);
}

/* __flags or __shared, as wide as the layout has them. */
static uint32_t
ld_rw_flag(const struct lockdecode_layout *L, const uint8_t *img, size_t off)
{
	return L->rw_flag_bytes == 1 ? img[off] : ld_u32(img, off);
}

static void
ld_rwlock(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	static const char *const prefs[] = { "prefer-reader", "prefer-writer", "prefer-writer-nonrecursive" };
	uint32_t r = ld_u32(img, L->rw_readers), flags = ld_rw_flag(L, img, L->rw_flags);
	uint32_t nr = r >> L->rw_reader_shift;
	int32_t cur = (int32_t)ld_u32(img, L->rw_cur_writer);
	bool wp = r & L->rw_wrphase, wl = r & L->rw_wrlocked;

	snprintf(o->variant, sizeof o->variant, "%s", flags < 3 ? prefs[flags] : "unknown");
	o->queued = (int)(ld_u32(img, L->rw_writers) & 0x7fffffff);
	if (o->want == WAIT_NONE) {
		/* which side the waiter is on follows from the futex word it sleeps on and the phase */
		if (o->futex == o->base + L->rw_writers_futex)
			o->want = WAIT_RWLOCK_WRITE;
		else if (o->futex == o->base + L->rw_wrphase_futex)
			o->want = wp ? WAIT_RWLOCK_READ : WAIT_RWLOCK_WRITE;
		else
			o->want = WAIT_RWLOCK_READ;
	}
	o->holders_known = true;
	if (wp && wl) {
		/* write phase with a primary writer: it holds the lock, readers in R are waiting */
		o->readers = 0;
		o->holder = cur > 0 ? cur : 0;
		if (cur <= 0) {
			o->holders_known = false;
			ld_note(o, "write-locked, writer not recorded yet: owner unknown");
		}
	} else if (!wp) {
		o->readers = (int)nr;
		if (nr > 0) {
			o->holders_known = false;
			ld_note(o, "read-locked by %u reader%s (glibc does not record reader TIDs)%s", nr,
			    nr == 1 ? "" : "s", wl ? "; a writer is waiting for them" : "");
		}
	} else
		o->readers = 0;
}

static void
ld_condvar(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	uint32_t w = ld_u32(img, L->cond_wrefs) >> L->cond_wrefs_shift;

	o->queued = (int)w;
	o->holders_known = false;
	ld_note(o, "%u waiter%s; woken by pthread_cond_signal/broadcast", w, w == 1 ? "" : "s");
}

static void
ld_semaphore(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	uint32_t v = ld_u32(img, L->sem_value) >> L->sem_value_shift, n = ld_u32(img, L->sem_nwaiters);

	o->count = (int)v;
	o->queued = (int)n;
	o->holders_known = false;
	ld_note(o, "value %u, %u waiter%s; woken by sem_post", v, n, n == 1 ? "" : "s");
}

static void
ld_barrier(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o)
{
	uint32_t in = ld_u32(img, L->barrier_in), round = ld_u32(img, L->barrier_round);
	uint32_t cnt = ld_u32(img, L->barrier_count);

	o->count = (int)(in - round);
	o->holders_known = false;
	ld_note(o, "%u of %u threads arrived", in - round, cnt);
}

int
lockdecode_object(const struct lockdecode_layout *L, const uint8_t *img, size_t len, struct lockdecode_info *o)
{
	size_t need = lockdecode_size(L, o->kind);

	if (o->kind == LOCK_JOIN || o->kind == LOCK_FUTEX)
		return 0;
	if (need == 0) {
		o->holders_known = false;
		ld_note(o, "%s layout of %s unknown: owner unknown", snapshot_lock_kind_name(o->kind), L->name);
		return 0;
	}
	if (len < need)
		return -1;
	if (lockdecode_is_musl(L)) {
		lockdecode_musl_object(L, img, o);
		return 0;
	}
	switch (o->kind) {
	case LOCK_MUTEX: ld_mutex(L, img, o); break;
	case LOCK_RWLOCK: ld_rwlock(L, img, o); break;
	case LOCK_CONDVAR: ld_condvar(L, img, o); break;
	case LOCK_SEMAPHORE: ld_semaphore(L, img, o); break;
	case LOCK_BARRIER: ld_barrier(L, img, o); break;
	default: break;
	}
	return 0;
}

int
lockdecode_futex_call(const struct arch_info *a, const struct thread *t, uint64_t *addr, uint64_t *op, uint32_t *val)
{
	/* a timed futex wait resumed as restart_syscall after a stop is still that wait */
	if (!syscalls_is_futex(a, threadstate_syscall(a, t, NULL)))
		return -1;
	if (t->regs_valid) {
		/* stopped: the registers are newer than the /proc read; a restarting call keeps its args */
		*addr = t->regs.args[0];
		*op = t->regs.args[1];
		*val = (uint32_t)t->regs.args[2];
	} else if (t->syscall >= 0) {
		*addr = t->syscall_args[0];
		*op = t->syscall_args[1];
		*val = (uint32_t)t->syscall_args[2];
	} else
		return -1;
	return syscalls_futex_op_waits(*op) ? 0 : -1;
}

/* Which lock API the libc frames on the stack are in; innermost match wins, so a condvar waiter
 * re-taking its mutex counts as a mutex waiter. */
const char *
lockdecode_go_idle(const struct thread *t)
{
	static const char *const sleeps[] = { "runtime.futexsleep", "runtime.notesleep", "runtime.notetsleep_internal",
		"runtime.notetsleep", "runtime.notetsleepg" };
	static const char *const idles[] = { "runtime.mPark", "runtime.stopm", "runtime.findRunnable",
		"runtime.findrunnable", "runtime.stoplockedm", "runtime.templateThread", "runtime.sysmon",
		"runtime.stopTheWorldWithSema", "runtime.gcstopm" };
	bool slept = false;

	/* only the innermost frames: the sleep is at the top, its caller a few frames out */
	for (size_t i = 0; i < t->nframes && i < 16; i++) {
		const char *fn = t->frames[i].function;

		if (fn == NULL)
			continue;
		for (size_t k = 0; k < sizeof sleeps / sizeof sleeps[0] && !slept; k++)
			slept = strcmp(fn, sleeps[k]) == 0;
		for (size_t k = 0; k < sizeof idles / sizeof idles[0] && slept; k++)
			if (strcmp(fn, idles[k]) == 0)
				return idles[k];
	}
	return NULL;
}

static bool
ld_frames_kind(const struct thread *t, enum lock_kind *kind, enum wait_kind *want, bool *internal)
{
	static const struct {
		const char *pat;
		enum lock_kind kind;
		enum wait_kind want;
	} pats[] = {
		{ "rwlock_rdlock", LOCK_RWLOCK, WAIT_RWLOCK_READ },
		{ "rwlock_timedrdlock", LOCK_RWLOCK, WAIT_RWLOCK_READ },
		{ "rwlock_clockrdlock", LOCK_RWLOCK, WAIT_RWLOCK_READ },
		{ "rwlock_wrlock", LOCK_RWLOCK, WAIT_RWLOCK_WRITE },
		{ "rwlock_timedwrlock", LOCK_RWLOCK, WAIT_RWLOCK_WRITE },
		{ "rwlock_clockwrlock", LOCK_RWLOCK, WAIT_RWLOCK_WRITE },
		{ "mutex_lock", LOCK_MUTEX, WAIT_MUTEX },
		{ "mutex_timedlock", LOCK_MUTEX, WAIT_MUTEX },
		{ "mutex_clocklock", LOCK_MUTEX, WAIT_MUTEX },
		{ "mutex_cond_lock", LOCK_MUTEX, WAIT_MUTEX },
		{ "mtx_lock", LOCK_MUTEX, WAIT_MUTEX },
		{ "mtx_timedlock", LOCK_MUTEX, WAIT_MUTEX },
		{ "cond_wait", LOCK_CONDVAR, WAIT_CONDVAR },
		{ "cond_timedwait", LOCK_CONDVAR, WAIT_CONDVAR },
		{ "cond_clockwait", LOCK_CONDVAR, WAIT_CONDVAR },
		{ "cnd_wait", LOCK_CONDVAR, WAIT_CONDVAR },
		{ "cnd_timedwait", LOCK_CONDVAR, WAIT_CONDVAR },
		{ "sem_wait", LOCK_SEMAPHORE, WAIT_SEMAPHORE },
		{ "sem_timedwait", LOCK_SEMAPHORE, WAIT_SEMAPHORE },
		{ "sem_clockwait", LOCK_SEMAPHORE, WAIT_SEMAPHORE },
		{ "barrier_wait", LOCK_BARRIER, WAIT_BARRIER },
		{ "pthread_join", LOCK_JOIN, WAIT_JOIN },
		{ "clockjoin", LOCK_JOIN, WAIT_JOIN },
		{ "timedjoin", LOCK_JOIN, WAIT_JOIN },
		{ "thrd_join", LOCK_JOIN, WAIT_JOIN },
	};
	size_t n = t->nframes < 16 ? t->nframes : 16;

	*internal = false;
	for (size_t i = 0; i < n; i++) {
		const char *f = t->frames[i].function;

		if (f == NULL)
			continue;
		if (strstr(f, "lll_lock_wait_private") != NULL || strcmp(f, "__lock") == 0) {
			/* glibc's and musl's own locks (malloc arenas, stdio, loader) record no owner */
			*kind = LOCK_MUTEX;
			*want = WAIT_MUTEX;
			*internal = true;
			return true;
		}
		for (size_t j = 0; j < sizeof pats / sizeof pats[0]; j++)
			if (strstr(f, pats[j].pat) != NULL) {
				*kind = pats[j].kind;
				*want = pats[j].want;
				return true;
			}
	}
	return false;
}

/* Reads len bytes of the target at addr; false if the snapshot cannot serve them. */
static bool
ld_read(const struct snapshot *s, uint64_t addr, uint8_t *buf, size_t len)
{
	return len > 0 && snapshot_read(s, addr, buf, len) == (ssize_t)len;
}

/* True if value appears as a saved pointer in t's registers or stack copy: the lock API functions
 * keep their object pointer somewhere there, which tells which of several candidate starts is right. */
static bool
ld_on_stack(const struct arch_info *a, const struct thread *t, uint64_t value)
{
	size_t psz = a->ptr_size;

	if (t->regs_valid) {
		uint64_t m = a->ptr_regs & t->regs.dwarf_valid;

		for (unsigned i = 0; i < ARCH_DWARF_MAX && i < 64; i++)
			if ((m >> i & 1) && t->regs.dwarf[i] == value)
				return true;
	}
	for (size_t off = 0; t->stack != NULL && off + psz <= t->stack_len && off < 8192; off += psz)
		if (arch_word(a, t->stack + off) == value)
			return true;
	return false;
}

static bool
ld_rw_plausible(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t base)
{
	uint8_t img[128];

	if (L->rw_size == 0 || L->rw_size > sizeof img || !ld_read(s, base, img, L->rw_size))
		return false;
	/* the pads stay zero, __flags and __shared are small */
	for (size_t i = 0; i < sizeof L->rw_pads / sizeof L->rw_pads[0]; i++)
		if ((i == 0 || L->rw_pads[i] != 0) && L->rw_pads[i] + 4 <= L->rw_size && ld_u32(img, L->rw_pads[i]) != 0)
			return false;
	return ld_rw_flag(L, img, L->rw_flags) <= 2 && ld_rw_flag(L, img, L->rw_shared) <= 1;
}

static bool
ld_mutex_plausible(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t base)
{
	uint8_t img[64];

	if (L->mutex_size == 0 || L->mutex_size > sizeof img || !ld_read(s, base, img, L->mutex_size))
		return false;
	return (ld_u32(img, L->mutex_kind) & ~(uint32_t)LD_MUTEX_KIND_VALID) == 0 &&
	    (int32_t)ld_u32(img, L->mutex_owner) > 0;
}

static bool
ld_cond_plausible(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t base, int g)
{
	uint8_t img[64];

	if (L->cond_size == 0 || L->cond_size > sizeof img || !ld_read(s, base, img, L->cond_size))
		return false;
	/* a waiter is counted in __wrefs and holds a reference on its group */
	return (ld_u32(img, L->cond_wrefs) >> L->cond_wrefs_shift) >= 1 &&
	    ld_u32(img, g ? L->cond_g_refs1 : L->cond_g_refs0) >= 2;
}

static bool
ld_sem_plausible(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t base)
{
	uint8_t img[64];

	if (L->sem_size == 0 || L->sem_size > sizeof img || !ld_read(s, base, img, 16))
		return false;
	/* a waiter sleeps on a value of 0 (just the waiters bit where the value is shifted) */
	return ld_u32(img, L->sem_value) >> L->sem_value_shift == 0 && ld_u32(img, L->sem_nwaiters) >= 1 &&
	    (ld_u32(img, L->sem_private) == 0 || ld_u32(img, L->sem_private) == LD_FUTEX_PRIVATE) &&
	    ld_u32(img, L->sem_pad) == 0;
}

static bool
ld_barrier_plausible(const struct lockdecode_layout *L, const struct snapshot *s, uint64_t base)
{
	uint8_t img[64];
	uint32_t cnt, shared;

	if (L->barrier_size == 0 || L->barrier_size > sizeof img || !ld_read(s, base, img, 20))
		return false;
	cnt = ld_u32(img, L->barrier_count);
	shared = ld_u32(img, 12);
	return cnt >= 1 && cnt < (1u << 24) && (shared == 0 || shared == LD_FUTEX_PRIVATE) &&
	    ld_u32(img, L->barrier_in) - ld_u32(img, L->barrier_round) <= cnt;
}

/* The kind of a futex wait when the frames do not say: from the op, the value and the words. */
static enum lock_kind
ld_guess_kind(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    uint64_t addr, uint32_t val)
{
	int ti = val != 0 && val <= FUTEX_TID_MASK ? snapshot_thread_index(s, (pid_t)val) : -1;

	/* pthread_join sleeps on the joined thread's tid word with that TID as the value */
	if (ti >= 0 && s->threads[ti].tid != t->tid)
		return LOCK_JOIN;
	if (L == NULL)
		return LOCK_FUTEX;
	if ((val == 2 || (val & FUTEX_WAITERS)) && ld_mutex_plausible(L, s, addr - L->mutex_lock))
		return LOCK_MUTEX;
	if (L->rw_size != 0 && ((val & ~(uint32_t)LD_RW_FUTEX_USED) <= 1 || (val & L->rw_rwaiting))) {
		if (ld_rw_plausible(L, s, addr - L->rw_writers_futex) ||
		    ld_rw_plausible(L, s, addr - L->rw_wrphase_futex) ||
		    ((val & L->rw_rwaiting) && ld_rw_plausible(L, s, addr - L->rw_readers)))
			return LOCK_RWLOCK;
	}
	/* a semaphore waiter sleeps on a value of 0: the waiters bit alone where the value is shifted */
	if (val == (L->sem_value_shift ? 1u : 0u) && ld_sem_plausible(L, s, addr - L->sem_value))
		return LOCK_SEMAPHORE;
	if (val == 0 && (ld_cond_plausible(L, s, addr - L->cond_g_signals0, 0) ||
	    ld_cond_plausible(L, s, addr - L->cond_g_signals1, 1)))
		return LOCK_CONDVAR;
	if (ld_barrier_plausible(L, s, addr - L->barrier_round))
		return LOCK_BARRIER;
	return LOCK_FUTEX;
}

/* Whether a futex wait with no glibc lock function on its stack may still be a glibc lock guessed
 * from its words: only when the stack tells nothing (not unwound, no frame named, or a walk cut
 * short in libc's futex helpers, and the wait issued from libc). A named stack without one is someone else's futex (Rust's std locks, the Go
 * runtime, a JVM): calling it a glibc rwlock would be confidently wrong. */
static bool
ld_may_guess(const struct thread *t)
{
	static const char *const helpers[] = { "__futex", "futex_", "__GI___futex", "__lll_", "__GI___lll", "lll_" };
	const char *m;
	size_t i = 0;

	if (t->nframes == 0)
		return true;
	m = t->frames[0].module != NULL ? util_basename(t->frames[0].module) : "";
	if (strncmp(m, "libc.so", 7) != 0 && strncmp(m, "libc-", 5) != 0)
		return false;
	/* A walk cut inside libc's futex helpers (arm64: a leaf's caller is only in the link register,
	 * which a thread read without a stop does not give) names no lock API either. */
	if (t->unwind_error != NULL)
		for (; i < t->nframes && t->frames[i].function != NULL; i++) {
			size_t k = 0;

			while (k < sizeof helpers / sizeof helpers[0] &&
			    strncmp(t->frames[i].function, helpers[k], strlen(helpers[k])) != 0)
				k++;
			if (k == sizeof helpers / sizeof helpers[0])
				return false;
		}
	for (; i < t->nframes && i < 16; i++)
		if (t->frames[i].function != NULL)
			return false;
	return true;
}

/* The start of the object from the futex word's address: the word sits at different offsets. */
static uint64_t
ld_base(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *o, uint32_t val)
{
	uint64_t a = o->futex, c[3];
	size_t n = 0;

	switch (o->kind) {
	case LOCK_MUTEX:
		return a - L->mutex_lock;
	case LOCK_SEMAPHORE:
		return a - L->sem_value;
	case LOCK_RWLOCK:
		if (o->want != WAIT_RWLOCK_READ)
			c[n++] = a - L->rw_writers_futex;
		c[n++] = a - L->rw_wrphase_futex;
		if (o->want != WAIT_RWLOCK_WRITE)
			c[n++] = a - L->rw_readers;
		/* a writer waiting for readers sleeps on __wrphase_futex with just FUTEX_USED */
		if (o->want == WAIT_NONE && val == LD_RW_FUTEX_USED)
			return a - L->rw_wrphase_futex;
		for (size_t i = 0; i < n; i++)
			if (ld_on_stack(s->arch, t, c[i]) && ld_rw_plausible(L, s, c[i]))
				return c[i];
		for (size_t i = 0; i < n; i++)
			if (ld_rw_plausible(L, s, c[i]))
				return c[i];
		return c[0];
	case LOCK_CONDVAR:
		c[n++] = a - L->cond_g_signals0;
		c[n++] = a - L->cond_g_signals1;
		c[n++] = a - L->cond_g1_orig_size;	/* the condvar's internal lock */
		for (size_t i = 0; i < n; i++)
			if (ld_on_stack(s->arch, t, c[i]))
				return c[i];
		for (int g = 0; g < 2; g++)
			if (ld_cond_plausible(L, s, c[g], g))
				return c[g];
		return c[0];
	case LOCK_BARRIER:
		c[n++] = a - L->barrier_round;
		c[n++] = a - L->barrier_in;
		for (size_t i = 0; i < n; i++)
			if (ld_on_stack(s->arch, t, c[i]) && ld_barrier_plausible(L, s, c[i]))
				return c[i];
		for (size_t i = 0; i < n; i++)
			if (ld_barrier_plausible(L, s, c[i]))
				return c[i];
		return c[0];
	default:
		return a;
	}
}

int
lockdecode_thread(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *o)
{
	uint64_t addr, op;
	uint32_t val, word;
	bool internal = false;
	uint8_t img[128];
	size_t size;

	if (lockdecode_futex_call(s->arch, t, &addr, &op, &val) < 0)
		return -1;
	memset(o, 0, sizeof *o);
	o->kind = LOCK_FUTEX;
	o->want = WAIT_NONE;
	o->futex = o->base = addr;
	o->readers = o->count = o->queued = -1;
	if (!ld_frames_kind(t, &o->kind, &o->want, &internal)) {
		uint64_t cmd = op & FUTEX_CMD_MASK;

		if (cmd == FUTEX_LOCK_PI || cmd == LD_FUTEX_LOCK_PI2)
			o->kind = LOCK_MUTEX;
		else if (cmd == FUTEX_WAIT_REQUEUE_PI)
			o->kind = LOCK_CONDVAR;
		else
			o->kind = ld_guess_kind(ld_may_guess(t) && !lockdecode_is_musl(L) ? L : NULL, s, t, addr, val);
	}
	if (lockdecode_is_musl(L))
		return lockdecode_musl_thread(L, s, t, o, op, val, internal);
	if (o->kind == LOCK_JOIN) {
		/* the word is the joined thread's tid, cleared by the kernel when it exits */
		o->want = WAIT_JOIN;
		o->holders_known = true;
		o->holder = ld_read(s, addr, (uint8_t *)&word, sizeof word) ? (pid_t)word : (pid_t)val;
		return 0;
	}
	if (o->kind == LOCK_MUTEX && internal) {
		snprintf(o->variant, sizeof o->variant, "glibc-internal");
		ld_note(o, "a glibc internal lock (malloc, stdio, loader...): owner unknown");
		o->want = WAIT_MUTEX;
		return 0;
	}
	if (o->kind == LOCK_FUTEX) {
		o->want = WAIT_FUTEX;
		ld_note(o, "raw futex (%s, value %u): owner unknown",
		    syscalls_futex_op_name(op) ? syscalls_futex_op_name(op) : "?", val);
		return 0;
	}
	if (o->want == WAIT_NONE && o->kind != LOCK_RWLOCK)
		o->want = o->kind == LOCK_MUTEX ? WAIT_MUTEX : o->kind == LOCK_CONDVAR ? WAIT_CONDVAR :
		    o->kind == LOCK_SEMAPHORE ? WAIT_SEMAPHORE : WAIT_BARRIER;
	if (L == NULL) {
		uint64_t cmd = op & FUTEX_CMD_MASK;

		/* a PI futex word carries the owner's TID by kernel ABI, whatever the glibc */
		if (o->kind == LOCK_MUTEX && (cmd == FUTEX_LOCK_PI || cmd == LD_FUTEX_LOCK_PI2) &&
		    ld_read(s, addr, (uint8_t *)&word, sizeof word)) {
			snprintf(o->variant, sizeof o->variant, "pi");
			o->holders_known = true;
			o->holder = (pid_t)(word & FUTEX_TID_MASK);
			o->owner_died = (word & FUTEX_OWNER_DIED) != 0;
			return 0;
		}
		if (o->want == WAIT_NONE)
			o->want = WAIT_RWLOCK_WRITE;
		ld_note(o, "glibc version or layout unknown: owner unknown");
		return 0;
	}
	o->base = ld_base(L, s, t, o, val);
	size = lockdecode_size(L, o->kind);
	if (size == 0 || size > sizeof img || !ld_read(s, o->base, img, size)) {
		if (o->want == WAIT_NONE)
			o->want = WAIT_RWLOCK_WRITE;
		ld_note(o, size == 0 ? "layout unknown for this glibc: owner unknown" :
		    "lock memory unreadable: owner unknown");
		return 0;
	}
	return lockdecode_object(L, img, size, o);
}
