/* unwind.c - stacks from a snapshot's copies with libdwfl; symbolized frames cached per pc across snapshots. */
#include "unwind.h"
#include "symserver.h"
#include "debugfile.h"
#include "demangle.h"
#include "perfmap.h"
#include "targetfile.h"

#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"

#define UNWIND_MAX_FRAMES	256
#define UNWIND_MAX_INLINE	32	/* inlined calls kept per pc; deeper nesting is cut */
#define UNWIND_NAME_MAX		4096	/* longer (untrusted) names are cut */
#define UNWIND_FP_TRIES		16	/* frame pointer guesses tried for a sp+pc-only thread */
#define UNWIND_FP_CACHE		1024	/* remembered frame pointer slot offsets (a power of two) */

/* One cached symbolization: the frames one (pc, activation) expands to, inlined calls first. */
struct unwind_pcent {
	uint64_t pc;
	bool activation;
	struct frame *frames;		/* owned */
	size_t n;
	signed char outermost;		/* -1 not yet known, else unwind_is_outermost's answer */
	struct unwind_pcent *next;
};

/* One address range of a compile unit, in the module's DWARF addresses (no bias). */
struct unwind_curange {
	Dwarf_Addr lo, hi;		/* [lo, hi) */
	size_t cu;			/* index into its table's cus */
};

/* A module's CU address ranges, for when libdw cannot map an address to its CU itself: libdw 0.188
 * looks CUs up only through .debug_aranges, which Go (and some assemblers) do not emit. */
struct unwind_cutab {
	Dwfl_Module *mod;		/* borrowed; the key, dropped when libdwfl removes the module */
	Dwarf_Die *cus;			/* owned array; the DIEs point into the module's Dwarf */
	size_t ncus;
	struct unwind_curange *ranges;	/* owned, sorted by lo */
	size_t nranges;
	struct unwind_cutab *next;
};

/* The walk of a thread read from a perf sample, kept for the next snapshot: one the capture marks
 * unchanged, or whose regs_id is the same, has the same registers and stack top, so it walks the
 * same way. */
struct unwind_prevwalk {
	pid_t tid;
	uint64_t regs_id;		/* the thread's, 0 if none */
	uint64_t start_pc, start_sp, start_fp;	/* the registers it started from */
	uint64_t *pc;			/* owned */
	uint64_t *sp;			/* owned; 0 where the walk had none */
	bool *activation;		/* owned */
	size_t n;
	char *stop;			/* owned, or NULL */
};

#define UNWIND_PATHS 64

struct unwinder {
	pid_t pid;
	Dwfl *dwfl;			/* NULL until the first snapshot (or address lookup) */
	const struct arch_info *arch;	/* borrowed (static): the process's, from its first snapshot */
	Elf *arch_elf;			/* a bare ELF header (arch_ehdr) for dwfl_attach_state's backend */
	unsigned char arch_ehdr[sizeof(Elf64_Ehdr)];
	bool attached;
	bool reported;			/* modules reported at least once */
	uint64_t reported_id;		/* the snapshot (id) whose maps were last reported or matched, 0 none */
	char *maps_text;		/* owned; the maps text last reported */
	struct snapshot *mapsnap;	/* owned; those maps parsed, for opening the modules' files */
	struct targetfile_root root;	/* the target's "/", where its files are opened */
	bool user_root;			/* root is the user's --sysroot: its debug files come first */
	struct unwind_libc libc;	/* its libc, as long as the maps stay the same */
	char *exe_name;			/* owned; the snapshot's exe as last reported, or NULL */
	char *exe_file;			/* owned; --exe: the file opened for it instead, or NULL */
	struct symserver *symserver;	/* owned; debuginfod, when DEBUGINFOD_URLS names servers */
	bool symserver_looked;

	/* The snapshot being unwound and the thread inside it, for the libdwfl callbacks. */
	const struct snapshot *cur;	/* borrowed, only during unwind_snapshot */
	size_t cur_index;
	size_t next_index;
	uint64_t guess_fp;		/* nonzero: the frame pointer to start a sp+pc-only thread with */
	uint64_t start_pc, start_sp;	/* nonzero: start the walk here (a return address found by
					 * unwind_scan_nocfi) instead of at the thread's registers */

	/* Frame pointer guesses that worked, by the hash of the first walk's pcs: the same code path
	 * has the same frame layout, so the winning slot sits at the same distance from sp. */
	struct unwind_fpent {
		uint64_t key;
		uint64_t off;
	} fpcache[UNWIND_FP_CACHE];

	struct unwind_pcent **buckets;	/* pc -> frames cache, cleared when the maps change */
	size_t nbuckets;
	size_t nentries;

	struct unwind_cutab *cutabs;	/* built lazily per module, kept while the module is */

	struct unwind_prevwalk *walks;	/* owned, by tid: the previous snapshot's sampled threads */
	size_t nwalks;
	struct unwind_prevwalk *next;	/* owned: this snapshot's, becoming walks at its end */
	size_t nnext, next_cap;
	struct unwind_pathent {		/* data paths found (unwind_data_path), by symbol start and offset */
		uint64_t addr;
		char *path;		/* owned; NULL: none found */
		bool used;
	} paths[UNWIND_PATHS];
	size_t npaths_next;		/* the slot the next one replaces */
	struct perfmap perfmap;		/* the target's /tmp/perf-PID.map, re-read when it changes */
};

static char *unwind_debuginfo_path;

/* Where separate debug files are found by build ID: holdup's own (root's) directory, then the
 * target's, inside its root. */
#define UNWIND_BUILD_ID_DIR	"/usr/lib/debug/.build-id"
#define UNWIND_DEBUG_DIR	"/usr/lib/debug"

/* Every module's userdata is its unwinder (set when modules are reported): the libdwfl callbacks
 * need its root and maps. */
static struct unwinder *
unwind_of(void **userdata)
{
	return userdata != NULL ? *userdata : NULL;
}

/* The debuginfod client, made on first use; NULL when none is configured. */
static struct symserver *
unwind_symserver(struct unwinder *u)
{
	if (u != NULL && !u->symserver_looked) {
		u->symserver = symserver_new();
		u->symserver_looked = true;
	}
	return u != NULL ? u->symserver : NULL;
}

/* The module's ELF file, opened through targetfile: inside the target's root (or the mapped file
 * itself through map_files), a regular file, the one that is mapped. libdwfl's own find_elf
 * opens the host's file of that name, which in a container is another file or none, and would
 * open a FIFO or device planted at a deleted file's name. The vDSO is read from memory. */
static int
unwind_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base, char **file_name,
    Elf **elfp)
{
	struct unwinder *u = unwind_of(userdata);
	struct err e;
	int fd;

	if (strncmp(modname, "[vdso: ", 7) == 0)
		return dwfl_linux_proc_find_elf(mod, userdata, modname, base, file_name, elfp);
	if (u == NULL || modname[0] != '/')
		return -1;
	if (u->exe_file != NULL && u->exe_name != NULL && strcmp(modname, u->exe_name) == 0) {
		/* the user's file for the executable, wherever it is (not inside the sysroot), but
		 * still the build the snapshot mapped when it knows which */
		const struct mapping *m = targetfile_mapping_of(u->mapsnap, modname);

		fd = targetfile_open_host_user(u->exe_file, &e);
		if (fd >= 0 && m != NULL && m->build_id_len > 0 &&
		    !targetfile_has_build_id(fd, m->build_id, m->build_id_len)) {
			close(fd);
			return -1;
		}
		if (fd >= 0)
			*file_name = xstrdup(u->exe_file);
		return fd;
	}
	fd = targetfile_open_mapped(&u->root, u->mapsnap, modname, 0, NULL, &e);
	if (fd >= 0) {
		*file_name = xstrdup(modname);
		return fd;
	}
	/* not there (or another build): by build ID inside the root, the .build-id link to the file */
	{
		const struct mapping *m = targetfile_mapping_of(u->mapsnap, modname);
		struct targetfile_want w = { 0 };
		char hex[2 * SNAPSHOT_BUILD_ID_MAX + 1], *p = hex, *path;

		if (m == NULL || m->build_id_len < 2)
			return -1;
		for (size_t i = 1; i < m->build_id_len; i++)
			p += sprintf(p, "%02x", m->build_id[i]);
		path = xasprintf("%s/%02x/%s", UNWIND_BUILD_ID_DIR, m->build_id[0], hex);
		w.build_id = m->build_id;
		w.build_id_len = m->build_id_len;
		fd = targetfile_open(&u->root, path, &w, NULL, &e);
		if (fd >= 0) {
			*file_name = path;
			return fd;
		}
		free(path);
		/* nowhere here (a core read on another machine): a configured debuginfod, by build ID */
		fd = symserver_fetch(unwind_symserver(u), SYMSERVER_EXECUTABLE, m->build_id, m->build_id_len, &e);
		if (fd >= 0 && !targetfile_has_build_id(fd, m->build_id, m->build_id_len)) {
			close(fd);
			fd = -1;
		}
		if (fd >= 0)
			*file_name = xasprintf("debuginfod:%02x%s", m->build_id[0], hex);
	}
	return fd;
}

/* A debug file candidate: opened (by the caller), checked against the module's build ID and, if its
 * DWARF is compressed, inflated into a memfd (libdw would inflate every section of it with zlib
 * when opening it, which was most of a dump's time for a libc with libc6-dbg). Takes fd.
 * Returns the descriptor to hand libdwfl, or -1. */
static int
unwind_debug_candidate(int fd, const unsigned char *id, int idlen)
{
	struct err e;
	int nfd = -1, rc;

	if (fd < 0)
		return -1;
	rc = debugfile_inflate_fd(fd, idlen > 0 ? id : NULL, idlen > 0 ? (size_t)idlen : 0, &nfd, &e);
	if (rc == DEBUGFILE_LEFT_32BIT) {
		/* a 32-bit program's: libdw inflates it itself; the build ID is checked here instead */
		if (idlen == 0 || targetfile_has_build_id(fd, id, (size_t)idlen))
			return fd;
		close(fd);
		return -1;
	}
	if (rc == 1) {
		close(fd);
		return nfd;
	}
	if (rc == 0)
		return fd;	/* nothing to inflate, and the build ID (if any) matched */
	close(fd);
	return -1;
}

/* The separate debug file of mod: by build ID in holdup's root-owned debug directory, then by build
 * ID and by .gnu_debuglink inside the target's root (beside the file, in .debug/, under
 * /usr/lib/debug). A debuglink name holding a "/" is refused: it could lead anywhere. Found here
 * rather than by dwfl_standard_find_debuginfo, which opens host paths the target names and keeps
 * its own handle on the original file. libdwfl calls this once per module and keeps the result
 * while the module stays reported, so an unwinder reused across snapshots does it once. */
static int
unwind_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
    const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct unwinder *u = unwind_of(userdata);
	const unsigned char *id = NULL;
	GElf_Addr idaddr;
	int idlen = dwfl_module_build_id(mod, &id, &idaddr);
	char *paths[4];
	size_t npaths = 0;
	struct err e;
	int fd = -1;

	(void)modname;
	(void)base;
	(void)debuglink_crc;
	if (idlen < 2 || idlen > 64)
		idlen = 0;
	if (idlen > 0) {
		char hex[2 * 64 + 1], *p = hex;

		for (int i = 1; i < idlen; i++)
			p += sprintf(p, "%02x", id[i]);
		paths[npaths] = xasprintf("%s/%02x/%s.debug", UNWIND_BUILD_ID_DIR, id[0], hex);
		/* the host's own first, unless the user named a sysroot: then its files are the ones
		 * meant (and a dump of a core reads the same on every machine) */
		if (u == NULL || !u->user_root)
			fd = unwind_debug_candidate(targetfile_open_host(paths[npaths], 0, &e), id, idlen);
		else if ((fd = unwind_debug_candidate(targetfile_open(&u->root, paths[npaths], NULL, NULL, &e), id, idlen)) < 0)
			fd = unwind_debug_candidate(targetfile_open_host(paths[npaths], 0, &e), id, idlen);
		if (fd >= 0) {
			*debuginfo_file_name = paths[npaths];
			return fd;
		}
		npaths++;	/* the same name inside the target's root: a container's own debug files */
	}
	if (debuglink_file != NULL && debuglink_file[0] != '\0' && strchr(debuglink_file, '/') == NULL &&
	    file_name != NULL && file_name[0] == '/') {
		bool deleted;
		char *clean = targetfile_undeleted(file_name, &deleted);
		char *dir = xstrndup(clean, (size_t)(util_basename(clean) - clean));

		paths[npaths++] = xasprintf("%s%s", dir, debuglink_file);
		paths[npaths++] = xasprintf("%s.debug/%s", dir, debuglink_file);
		paths[npaths++] = xasprintf("%s%s%s", UNWIND_DEBUG_DIR, dir, debuglink_file);
		free(dir);
		free(clean);
	}
	for (size_t i = 0; i < npaths; i++) {
		if (fd < 0 && u != NULL) {
			fd = unwind_debug_candidate(targetfile_open(&u->root, paths[i], NULL, NULL, &e), id, idlen);
			if (fd >= 0) {
				*debuginfo_file_name = paths[i];
				continue;
			}
		}
		free(paths[i]);
	}
	/* none here: a configured debuginfod, by build ID (fetched before the sandbox by unwind_prefetch,
	 * which denies sockets; remembered by the client) */
	if (fd < 0 && idlen > 0 &&
	    (fd = unwind_debug_candidate(symserver_fetch(unwind_symserver(u), SYMSERVER_DEBUGINFO, id, (size_t)idlen, &e),
	    id, idlen)) >= 0)
		*debuginfo_file_name = xstrdup("debuginfod cache");
	return fd;
}

static const Dwfl_Callbacks unwind_dwfl_callbacks = {
	.find_elf = unwind_find_elf,
	.find_debuginfo = unwind_find_debuginfo,
	.debuginfo_path = &unwind_debuginfo_path,
};

/* The first bytes of an ELF file of the process's arch (class and e_machine filled in from it):
 * enough for libebl to choose its backend, and owned by us, so it cannot vanish when a module is
 * dropped as libdwfl's default would. */
static const unsigned char unwind_arch_ehdr[sizeof(Elf64_Ehdr)] = {
	[EI_MAG0] = ELFMAG0, [EI_MAG1] = ELFMAG1, [EI_MAG2] = ELFMAG2, [EI_MAG3] = ELFMAG3,
	[EI_DATA] = ELFDATA2LSB, [EI_VERSION] = EV_CURRENT,
	[16] = ET_CORE, [20] = EV_CURRENT,
};

static bool
unwind_can_unwind(const struct thread *t)
{
	if (t->regs_valid)
		return true;
	/* a thread that would not stop is stuck in the kernel: its /proc sp and pc still hold */
	return (t->status == CAPTURE_UNSTOPPED || t->status == CAPTURE_NOSTOP) && t->syscall >= 0 &&
	    t->syscall_sp != 0 && t->syscall_pc != 0;
}

/* The thread argument libdwfl hands back is the unwinder; u->cur_index names the thread. */
static pid_t
unwind_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;

	(void)dwfl;
	if (u->cur == NULL)
		return 0;
	while (u->next_index < u->cur->nthreads) {
		size_t i = u->next_index++;

		if (unwind_can_unwind(&u->cur->threads[i])) {
			u->cur_index = i;
			*thread_argp = u;
			return u->cur->threads[i].tid;
		}
	}
	return 0;
}

static bool
unwind_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;
	int i;

	(void)dwfl;
	if (u->cur == NULL)
		return false;
	/* unwind_snapshot names the thread it asks for; the search is for other callers */
	if (u->cur_index < u->cur->nthreads && u->cur->threads[u->cur_index].tid == tid)
		i = (int)u->cur_index;
	else
		i = snapshot_thread_index(u->cur, tid);
	if (i < 0 || !unwind_can_unwind(&u->cur->threads[i]))
		return false;
	u->cur_index = (size_t)i;
	*thread_argp = u;
	return true;
}

static bool
unwind_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	const struct thread *t;
	uint8_t w[8];
	size_t psz;

	(void)dwfl;
	if (u->cur == NULL)
		return false;
	/* a word is the process's: libdwfl reads 4-byte stack slots of a 32-bit one through this too */
	psz = u->cur->arch->ptr_size;
	/* nearly every read is from the thread's own stack copy: try it before the general search */
	if (u->cur_index < u->cur->nthreads) {
		t = &u->cur->threads[u->cur_index];
		if (t->stack != NULL && addr >= t->stack_addr && addr - t->stack_addr <= t->stack_len &&
		    t->stack_len - (addr - t->stack_addr) >= psz) {
			*result = arch_word(u->cur->arch, t->stack + (addr - t->stack_addr));
			return true;
		}
	}
	if (snapshot_read(u->cur, addr, w, psz) != (ssize_t)psz)
		return false;
	*result = arch_word(u->cur->arch, w);
	return true;
}

/* Hands libdwfl a full register set: each run of valid DWARF registers in one call, sp and fp
 * from their named fields (which win over the dwarf[] copies), then the pc. */
static bool
unwind_set_regs(Dwfl_Thread *thread, const struct arch_info *a, const struct arch_regs *g)
{
	Dwarf_Word r[ARCH_DWARF_MAX];
	uint64_t valid = g->dwarf_valid;
	unsigned n = a->dwarf_nregs < ARCH_DWARF_MAX ? a->dwarf_nregs : ARCH_DWARF_MAX;

	for (unsigned i = 0; i < n; i++)
		r[i] = g->dwarf[i];
	r[a->dwarf_sp] = g->sp;
	r[a->dwarf_fp] = g->fp;
	for (unsigned i = 0; i < n && i < 64;) {
		unsigned j = i;

		if (!(valid >> i & 1)) {
			i++;
			continue;
		}
		while (j < n && j < 64 && (valid >> j & 1))
			j++;
		if (!dwfl_thread_state_registers(thread, (int)i, j - i, r + i))
			return false;
		i = j;
	}
	dwfl_thread_state_register_pc(thread, g->pc);
	return true;
}

static bool
unwind_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct unwinder *u = thread_arg;
	const struct thread *t = &u->cur->threads[u->cur_index];
	const struct arch_info *a = u->cur->arch;
	Dwarf_Word r[ARCH_DWARF_MAX];

	if (u->start_pc != 0) {
		/* past frames without CFI: only the stack pointer is sure (and the fp, when stopped,
		 * as such code leaves it as it found it or restores it) */
		r[0] = u->start_sp;
		if (!dwfl_thread_state_registers(thread, (int)a->dwarf_sp, 1, r))
			return false;
		r[0] = t->regs_valid ? t->regs.fp : 0;
		if (r[0] != 0 && !dwfl_thread_state_registers(thread, (int)a->dwarf_fp, 1, r))
			return false;
		dwfl_thread_state_register_pc(thread, u->start_pc);
		return true;
	}
	if (t->regs_valid)
		return unwind_set_regs(thread, a, &t->regs);
	/* Blocked in the kernel and not stopped: /proc/TID/syscall knows only sp and pc. */
	r[0] = t->syscall_sp;
	if (!dwfl_thread_state_registers(thread, (int)a->dwarf_sp, 1, r))
		return false;
	r[0] = u->guess_fp;
	if (r[0] != 0 && !dwfl_thread_state_registers(thread, (int)a->dwarf_fp, 1, r))
		return false;
	dwfl_thread_state_register_pc(thread, t->syscall_pc);
	return true;
}

static const Dwfl_Thread_Callbacks unwind_thread_callbacks = {
	.next_thread = unwind_next_thread,
	.get_thread = unwind_get_thread,
	.memory_read = unwind_memory_read,
	.set_initial_registers = unwind_set_initial_registers,
};

/* --- the pc cache --- */

static void
unwind_walks_free(struct unwind_prevwalk *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].pc);
		free(w[i].sp);
		free(w[i].activation);
		free(w[i].stop);
	}
	free(w);
}

static void
unwind_cache_clear(struct unwinder *u)
{
	for (size_t i = 0; i < u->nbuckets; i++) {
		struct unwind_pcent *p = u->buckets[i], *next;

		for (; p != NULL; p = next) {
			next = p->next;
			snapshot_frames_free(p->frames, p->n);
			free(p);
		}
		u->buckets[i] = NULL;
	}
	u->nentries = 0;
	memset(u->fpcache, 0, sizeof u->fpcache);
	unwind_walks_free(u->walks, u->nwalks);
	u->walks = NULL;
	u->nwalks = 0;
	for (size_t i = 0; i < UNWIND_PATHS; i++) {
		free(u->paths[i].path);
		u->paths[i].path = NULL;
		u->paths[i].used = false;
	}
}

static size_t
unwind_hash(uint64_t pc, bool activation, size_t nbuckets)
{
	uint64_t h = (pc ^ (activation ? 0x9e3779b97f4a7c15ULL : 0)) * 0xff51afd7ed558ccdULL;

	return (size_t)(h ^ (h >> 29)) & (nbuckets - 1);
}

static void
unwind_cache_grow(struct unwinder *u)
{
	size_t n = u->nbuckets ? u->nbuckets * 2 : 1024;
	struct unwind_pcent **b = xcalloc(n, sizeof *b);

	for (size_t i = 0; i < u->nbuckets; i++) {
		struct unwind_pcent *p = u->buckets[i], *next;

		for (; p != NULL; p = next) {
			size_t h = unwind_hash(p->pc, p->activation, n);

			next = p->next;
			p->next = b[h];
			b[h] = p;
		}
	}
	free(u->buckets);
	u->buckets = b;
	u->nbuckets = n;
}

static struct unwind_pcent *
unwind_cache_find(struct unwinder *u, uint64_t pc, bool activation)
{
	struct unwind_pcent *p;

	if (u->nbuckets == 0)
		return NULL;
	for (p = u->buckets[unwind_hash(pc, activation, u->nbuckets)]; p != NULL; p = p->next)
		if (p->pc == pc && p->activation == activation)
			return p;
	return NULL;
}

/* --- symbolization --- */

static char *
unwind_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return xstrndup(s, strnlen(s, UNWIND_NAME_MAX));
}

/* A function name for a frame: C++ and Rust names demangled, bounded like every name from the target. */
static char *
unwind_funcname(const char *s)
{
	char *d = demangle_name(s), *r;

	if (d == NULL)
		return unwind_strdup(s);
	r = unwind_strdup(d);
	free(d);
	return r;
}

/* An ELF symbol's name without its version ("__libc_start_main@@GLIBC_2.34" -> "__libc_start_main"). */
static char *
unwind_symname(const char *name)
{
	const char *at = strchr(name, '@');

	if (at != NULL && at > name) {
		char *base = xstrndup(name, (size_t)(at - name) < UNWIND_NAME_MAX ? (size_t)(at - name) : UNWIND_NAME_MAX);
		char *r = unwind_funcname(base);

		free(base);
		return r;
	}
	return unwind_funcname(name);
}

/* The name of a function-like DIE: the linkage name (so C++ names keep their scope), else DW_AT_name. */
static const char *
unwind_die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (name == NULL)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (name == NULL)
		name = dwarf_diename(die);
	return name;
}

/* The call site of an inlined subroutine: where, in its caller, the inlined call is. */
static void
unwind_call_site(Dwarf_Die *cudie, Dwarf_Die *inl, struct frame *f)
{
	Dwarf_Files *files;
	Dwarf_Attribute attr;
	Dwarf_Word val;
	size_t nfiles;

	if (cudie == NULL || dwarf_getsrcfiles(cudie, &files, &nfiles) != 0)
		return;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &val) != 0 || val >= nfiles)
		return;
	f->file = unwind_strdup(dwarf_filesrc(files, val, NULL, NULL));
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &val) == 0 && val <= INT32_MAX)
		f->line = (int)val;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_column, &attr), &val) == 0 && val <= INT32_MAX)
		f->column = (int)val;
}

/* --- CU ranges, for modules without .debug_aranges --- */

static void
unwind_cutab_free(struct unwind_cutab *t)
{
	free(t->cus);
	free(t->ranges);
	free(t);
}

static int
unwind_curange_cmp(const void *a, const void *b)
{
	const struct unwind_curange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Reads the ranges of every compile unit of dw (NULL: an empty table, which caches the absence). */
static struct unwind_cutab *
unwind_cutab_build(Dwfl_Module *mod, Dwarf *dw)
{
	struct unwind_cutab *t = xcalloc(1, sizeof *t);
	size_t cucap = 0, rcap = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Half version;
	uint8_t unit_type;
	Dwarf_Die cudie;

	t->mod = mod;
	while (dw != NULL && dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, NULL) == 0) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		size_t before = t->nranges;

		if (unit_type != DW_UT_compile)
			continue;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			xgrow(&t->ranges, &rcap, t->nranges + 1, sizeof *t->ranges);
			t->ranges[t->nranges++] = (struct unwind_curange){ lo, hi, t->ncus };
		}
		if (t->nranges == before)
			continue;
		xgrow(&t->cus, &cucap, t->ncus + 1, sizeof *t->cus);
		t->cus[t->ncus++] = cudie;
	}
	if (t->nranges > 1)
		util_sort(t->ranges, t->nranges, sizeof *t->ranges, unwind_curange_cmp);
	return t;
}

/* The CU DIE whose ranges cover addr (a DWARF address of mod), from mod's table, built on first use. */
static Dwarf_Die *
unwind_cutab_find(struct unwinder *u, Dwfl_Module *mod, Dwarf *dw, Dwarf_Addr addr)
{
	struct unwind_cutab *t;
	size_t lo = 0, hi;

	for (t = u->cutabs; t != NULL && t->mod != mod; t = t->next)
		;
	if (t == NULL) {
		t = unwind_cutab_build(mod, dw);
		t->next = u->cutabs;
		u->cutabs = t;
	}
	/* the last range starting at or below addr; a few before it in case ranges overlap */
	hi = t->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++)
		if (addr < t->ranges[i - 1].hi)
			return &t->cus[t->ranges[i - 1].cu];
	return NULL;
}

/* Appends to *chain the innermost chain of code scopes under parent that contain pc, outermost
 * first; true if one was found. Namespaces and modules are searched through but not recorded. */
static bool
unwind_scopes_find(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die **chain, size_t *n, size_t *cap, int depth)
{
	Dwarf_Die child;

	if (depth > 64 || dwarf_child(parent, &child) != 0)
		return false;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
		case DW_TAG_entry_point:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
		case DW_TAG_with_stmt:
			if (dwarf_haspc(&child, pc) <= 0)
				break;
			xgrow(chain, cap, *n + 1, sizeof **chain);
			(*chain)[(*n)++] = child;
			if (dwarf_haschildren(&child) > 0)
				unwind_scopes_find(&child, pc, chain, n, cap, depth + 1);
			return true;
		case DW_TAG_namespace:
		case DW_TAG_module:
			if (dwarf_haschildren(&child) > 0 && unwind_scopes_find(&child, pc, chain, n, cap, depth + 1))
				return true;
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* dwarf_getscopes for pc in cudie, innermost first, ending with the CU. libdw 0.188 looks for an inlined
 * call's abstract origin only in the same CU and finds nothing when it is in another (Go always does
 * that); this walk records the concrete scopes only, which is all unwind_resolve reads. */
static int
unwind_getscopes(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die **scopes)
{
	Dwarf_Die *chain = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	/* Go: skip libdw, which would fail on every inlined call (and leak what it had found) */
	if (dwarf_srclang(cudie) != DW_LANG_Go && (rc = dwarf_getscopes(cudie, pc, scopes)) > 0)
		return rc;
	if (!unwind_scopes_find(cudie, pc, &chain, &n, &cap, 0)) {
		free(chain);
		return rc;
	}
	xgrow(&chain, &cap, n + 1, sizeof *chain);
	chain[n++] = *cudie;
	for (size_t i = 0; i < (n - 1) / 2; i++) {
		Dwarf_Die t = chain[i];

		chain[i] = chain[n - 2 - i];
		chain[n - 2 - i] = t;
	}
	*scopes = chain;
	return (int)n;
}

/* dwfl_report_end's callback: a module is gone, and with it the DIEs of its table. */
static int
unwind_cutab_removed(Dwfl_Module *mod, void *userdata, const char *name, Dwarf_Addr start, void *arg)
{
	struct unwinder *u = arg;
	struct unwind_cutab **pp = &u->cutabs;

	(void)userdata;
	(void)name;
	(void)start;
	while (*pp != NULL) {
		if ((*pp)->mod == mod) {
			struct unwind_cutab *t = *pp;

			*pp = t->next;
			unwind_cutab_free(t);
		} else
			pp = &(*pp)->next;
	}
	return DWARF_CB_OK;
}

/* Builds the frames for one pc (without the cache): the innermost inlined call first,
 * each with the source position inside it, then the containing function. */
static void
unwind_resolve(struct unwinder *u, uint64_t pc, bool activation, struct frame **out, size_t *nout)
{
	Dwfl_Module *mod = NULL;
	uint64_t lookup = activation ? pc : pc - 1;
	const char *symname = NULL, *modname = NULL, *mainfile = NULL;
	GElf_Off symoff = 0;
	GElf_Sym sym;
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie = NULL, *scopes = NULL;
	Dwfl_Line *line;
	struct frame *fr;
	int nscopes = 0, nfr = 0, lineno = 0, col = 0;
	int inl[UNWIND_MAX_INLINE];
	uint64_t symstart = 0;
	bool havesym = false;
	const char *src = NULL;

	if (u->dwfl != NULL && pc != 0)
		mod = dwfl_addrmodule(u->dwfl, lookup);
	if (mod != NULL) {
		symname = dwfl_module_addrinfo(mod, lookup, &symoff, &sym, NULL, NULL, NULL);
		if (symname != NULL) {
			havesym = true;
			symstart = lookup - symoff;
		}
		modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
		cudie = dwfl_module_addrdie(mod, lookup, &bias);
		if (cudie != NULL)
			nscopes = unwind_getscopes(cudie, lookup - bias, &scopes);
		if ((line = dwfl_module_getsrc(mod, lookup)) != NULL)
			src = dwfl_lineinfo(line, NULL, &lineno, &col, NULL, NULL);
		/* no CU or no line: find the CU by its own ranges (libdw 0.188 needs .debug_aranges, Go has none) */
		if (cudie == NULL || src == NULL) {
			Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
			Dwarf_Die *cu = dw != NULL ? unwind_cutab_find(u, mod, dw, lookup - bias) : NULL;
			Dwarf_Line *dl;

			if (cu != NULL && cudie == NULL) {
				cudie = cu;
				nscopes = unwind_getscopes(cudie, lookup - bias, &scopes);
			}
			if (cu != NULL && src == NULL && (dl = dwarf_getsrc_die(cu, lookup - bias)) != NULL &&
			    (src = dwarf_linesrc(dl, NULL, NULL)) != NULL) {
				if (dwarf_lineno(dl, &lineno) != 0)
					lineno = 0;
				if (dwarf_linecol(dl, &col) != 0)
					col = 0;
			}
		}
	}

	fr = xcalloc(UNWIND_MAX_INLINE + 1, sizeof *fr);
	/* scopes run innermost to the CU; each inlined_subroutine is a call inside the next function-like scope */
	for (int i = 0; i < nscopes && nfr < UNWIND_MAX_INLINE; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point)
			break;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		fr[nfr].function = unwind_funcname(unwind_die_name(&scopes[i]));
		fr[nfr].inlined = true;
		inl[nfr++] = i;
	}
	/* the containing function: the ELF symbol names it (like eu-stack), else its DIE */
	if (havesym)
		fr[nfr].function = unwind_symname(symname);
	else {
		for (int i = 0; i < nscopes; i++) {
			int tag = dwarf_tag(&scopes[i]);

			if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point) {
				fr[nfr].function = unwind_funcname(unwind_die_name(&scopes[i]));
				break;
			}
		}
	}
	nfr++;

	/* the innermost frame is where pc is; each outer one is at the call site of the
	 * inlined subroutine just inside it */
	for (int k = 0; k < nfr; k++) {
		struct frame *f = &fr[k];

		f->pc = pc;
		f->offset = (havesym && pc >= symstart) ? pc - symstart : 0;
		/* "[vdso: PID]" is how libdwfl finds it; a reader wants the mapping's name */
		f->module = unwind_strdup(mainfile != NULL ? mainfile :
		    modname != NULL && strncmp(modname, "[vdso:", 6) == 0 ? "[vdso]" : modname);
		if (k > 0)
			unwind_call_site(cudie, &scopes[inl[k - 1]], f);
		else if (src != NULL) {
			f->file = unwind_strdup(src);
			f->line = lineno > 0 ? lineno : 0;
			f->column = col > 0 ? col : 0;
		}
	}
	free(scopes);
	*out = fr;
	*nout = (size_t)nfr;
}

static struct unwind_pcent *
unwind_lookup(struct unwinder *u, uint64_t pc, bool activation)
{
	struct unwind_pcent *p = unwind_cache_find(u, pc, activation);
	size_t h;

	if (p != NULL)
		return p;
	if (u->nentries >= u->nbuckets)
		unwind_cache_grow(u);
	p = xcalloc(1, sizeof *p);
	p->pc = pc;
	p->activation = activation;
	p->outermost = -1;
	unwind_resolve(u, pc, activation, &p->frames, &p->n);
	h = unwind_hash(pc, activation, u->nbuckets);
	p->next = u->buckets[h];
	u->buckets[h] = p;
	u->nentries++;
	return p;
}

static void
unwind_append(const struct unwind_pcent *p, struct frame **frames, size_t *n, size_t *cap)
{
	xgrow(frames, cap, *n + p->n, sizeof **frames);
	for (size_t i = 0; i < p->n; i++) {
		struct frame *d = &(*frames)[(*n)++];

		*d = p->frames[i];
		d->function = p->frames[i].function ? xstrdup(p->frames[i].function) : NULL;
		d->module = p->frames[i].module ? xstrdup(p->frames[i].module) : NULL;
		d->file = p->frames[i].file ? xstrdup(p->frames[i].file) : NULL;
	}
}

/* p's frames with the strings borrowed from the cache entry (snapshot_frames_pack gives the thread
 * its own copy when its walk is done), each given the stack pointer of the walk's frame (inlined
 * calls share it). */
static void
unwind_append_sp(const struct unwind_pcent *p, uint64_t sp, struct frame **frames, size_t *n, size_t *cap)
{
	xgrow(frames, cap, *n + p->n, sizeof **frames);
	for (size_t i = 0; i < p->n; i++) {
		struct frame *d = &(*frames)[(*n)++];

		*d = p->frames[i];
		d->sp = sp;
	}
}

/* --- modules --- */

static int
unwind_open(struct unwinder *u, struct err *e)
{
	if (u->dwfl != NULL)
		return 0;
	u->dwfl = dwfl_begin(&unwind_dwfl_callbacks);
	if (u->dwfl == NULL)
		return err_set(e, "dwfl_begin: %s", dwfl_errmsg(-1));
	return 0;
}

/* The maps report leaves out the vDSO (it knows no pid); libdwfl's find_elf reads a module named
 * "[vdso: PID]" from the target's memory, which names frames such as __vdso_clock_gettime. */
static void
unwind_report_vdso(struct unwinder *u, const struct snapshot *s)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		char name[64];

		if (strcmp(s->maps[i].path, "[vdso]") != 0)
			continue;
		snprintf(name, sizeof name, "[vdso: %d]", (int)u->pid);
		dwfl_report_module(u->dwfl, name, s->maps[i].start, s->maps[i].end);
		return;
	}
}

static int
unwind_set_userdata(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
	(void)mod;
	(void)name;
	(void)start;
	*userdata = arg;
	return DWARF_CB_OK;
}

/* Reports the target's modules from the snapshot's maps text, unless it is what we reported last. */
static int
unwind_report(struct unwinder *u, const struct snapshot *s, struct err *e)
{
	FILE *f;
	int rc;

	if (unwind_open(u, e) < 0)
		return -1;
	/* the same snapshot again (every frame a Go walk symbolizes): nothing to compare */
	if (u->reported && s != NULL && s->id == u->reported_id)
		return 0;
	if (u->reported && s != NULL && s->maps_text != NULL && u->maps_text != NULL &&
	    strcmp(s->maps_text, u->maps_text) == 0) {
		u->reported_id = s->id;
		return 0;
	}
	if (u->reported && (s == NULL || s->maps_text == NULL))
		return 0;	/* nothing newer to go by: keep what we have */
	unwind_cache_clear(u);
	memset(&u->libc, 0, sizeof u->libc);
	free(u->maps_text);
	u->maps_text = NULL;
	dwfl_report_begin(u->dwfl);
	if (s != NULL && s->maps_text != NULL && s->maps_text[0] != '\0') {
		f = fmemopen(s->maps_text, strlen(s->maps_text), "r");
		if (f == NULL) {
			dwfl_report_end(u->dwfl, unwind_cutab_removed, u);
			return err_set(e, "fmemopen: %s", strerror(errno));
		}
		rc = dwfl_linux_proc_maps_report(u->dwfl, f);
		fclose(f);
		u->maps_text = xstrdup(s->maps_text);
		unwind_report_vdso(u, s);
	} else
		rc = dwfl_linux_proc_report(u->dwfl, u->pid);
	dwfl_report_end(u->dwfl, unwind_cutab_removed, u);
	/* the files are opened later, lazily: keep the maps they are checked against */
	snapshot_free(u->mapsnap);
	u->mapsnap = snapshot_new(u->pid);
	free(u->exe_name);
	u->exe_name = s != NULL && s->exe != NULL ? xstrdup(s->exe) : NULL;
	if (u->maps_text != NULL)
		snapshot_parse_maps(u->mapsnap, u->maps_text);
	/* the snapshot's own device and inode numbers are what the files are checked against (a core
	 * file knows none: its maps text carries a placeholder inode for libdwfl, its maps zeros) */
	if (s != NULL && s->nmaps == u->mapsnap->nmaps)
		for (size_t i = 0; i < s->nmaps; i++) {
			u->mapsnap->maps[i].dev = s->maps[i].dev;
			u->mapsnap->maps[i].ino = s->maps[i].ino;
			memcpy(u->mapsnap->maps[i].build_id, s->maps[i].build_id, sizeof s->maps[i].build_id);
			u->mapsnap->maps[i].build_id_len = s->maps[i].build_id_len;
		}
	dwfl_getmodules(u->dwfl, unwind_set_userdata, u, 0);
	u->reported = true;
	u->reported_id = s != NULL && s->maps_text != NULL ? s->id : 0;
	if (rc != 0)
		return err_set(e, "reporting modules: %s", rc > 0 ? strerror(rc) : dwfl_errmsg(-1));
	return 0;
}

static int
unwind_attach(struct unwinder *u, struct err *e)
{
	if (u->attached)
		return 0;
	if (u->arch_elf == NULL) {
		memcpy(u->arch_ehdr, unwind_arch_ehdr, sizeof u->arch_ehdr);
		u->arch_ehdr[EI_CLASS] = u->arch->elf_class;
		u->arch_ehdr[18] = (unsigned char)(u->arch->elf_machine & 0xff);	/* e_machine, little-endian */
		u->arch_ehdr[19] = (unsigned char)(u->arch->elf_machine >> 8);
		/* e_ehsize, where each class keeps it */
		if (u->arch->elf_class == ELFCLASS32)
			u->arch_ehdr[40] = sizeof(Elf32_Ehdr);
		else
			u->arch_ehdr[52] = sizeof(Elf64_Ehdr);
		u->arch_elf = elf_memory((char *)u->arch_ehdr, sizeof u->arch_ehdr);
		if (u->arch_elf == NULL)
			return err_set(e, "elf_memory: %s", elf_errmsg(-1));
	}
	if (!dwfl_attach_state(u->dwfl, u->arch_elf, u->pid, &unwind_thread_callbacks, u))
		return err_set(e, "dwfl_attach_state: %s", dwfl_errmsg(-1));
	u->attached = true;
	return 0;
}

/* --- public --- */

static int
unwind_prefetch_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	(void)userdata;
	(void)name;
	(void)start;
	(void)arg;
	/* the module's file, then its debug file: each found here or asked of debuginfod now */
	if (dwfl_module_getelf(mod, &bias) != NULL)
		(void)dwfl_module_getdwarf(mod, &bias);
	return DWARF_CB_OK;
}

int
unwind_prefetch(struct unwinder *u, const struct snapshot *s, struct err *e)
{
	if (unwind_symserver(u) == NULL)
		return 0;
	if (unwind_report(u, s, e) < 0)
		return -1;
	dwfl_getmodules(u->dwfl, unwind_prefetch_module, u, 0);
	return 0;
}

struct unwinder *
unwind_new(pid_t pid)
{
	struct unwinder *u = xcalloc(1, sizeof *u);

	u->pid = pid;
	elf_version(EV_CURRENT);
	/* no live process (tests, files): the files are holdup's own, under "/" */
	if (pid > 0)
		targetfile_root_init(&u->root, pid);
	else if (targetfile_root_init_dir(&u->root, "/", NULL) != 0)
		u->root.dirfd = -1;
	return u;
}

struct unwinder *
unwind_new_files(const struct unwind_files *f, struct err *e)
{
	struct unwinder *u = xcalloc(1, sizeof *u);

	elf_version(EV_CURRENT);
	if (targetfile_root_init_dir(&u->root, f->sysroot != NULL ? f->sysroot : "/", e) != 0) {
		err_prefix(e, "--sysroot: ");
		free(u);
		return NULL;
	}
	u->user_root = f->sysroot != NULL;
	if (f->exe != NULL) {
		int fd = targetfile_open_host_user(f->exe, e);

		if (fd < 0) {
			err_prefix(e, "--exe: ");
			targetfile_root_done(&u->root);
			free(u);
			return NULL;
		}
		close(fd);
		u->exe_file = xstrdup(f->exe);
	}
	return u;
}

struct unwind_libc *
unwind_libc(struct unwinder *u)
{
	return u != NULL ? &u->libc : NULL;
}

const struct targetfile_root *
unwind_root(const struct unwinder *u)
{
	return u != NULL ? &u->root : NULL;
}

void
unwind_free(struct unwinder *u)
{
	if (u == NULL)
		return;
	unwind_cache_clear(u);
	unwind_walks_free(u->next, u->nnext);
	free(u->buckets);
	while (u->cutabs != NULL) {
		struct unwind_cutab *t = u->cutabs;

		u->cutabs = t->next;
		unwind_cutab_free(t);
	}
	if (u->dwfl != NULL)
		dwfl_end(u->dwfl);
	if (u->arch_elf != NULL)
		elf_end(u->arch_elf);
	free(u->maps_text);
	free(u->exe_name);
	free(u->exe_file);
	symserver_free(u->symserver);
	snapshot_free(u->mapsnap);
	targetfile_root_done(&u->root);
	perfmap_free(&u->perfmap);
	free(u);
}

/* What one thread's walk collects before symbolization. */
struct unwind_walk {
	const struct arch_info *arch;	/* borrowed (static): the process's */
	uint64_t pc[UNWIND_MAX_FRAMES];
	uint64_t sp[UNWIND_MAX_FRAMES];
	bool hassp[UNWIND_MAX_FRAMES];
	bool hasfp[UNWIND_MAX_FRAMES];
	bool activation[UNWIND_MAX_FRAMES];
	size_t n;
	int rc;			/* of dwfl_getthread_frames */
	char *stop;		/* owned; why the walk was cut, NULL if it was not */
};

static int
unwind_frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwind_walk *w = arg;
	Dwarf_Addr pc;
	Dwarf_Word sp = 0, bp = 0;
	bool act = false, hassp;

	if (!dwfl_frame_pc(state, &pc, &act)) {
		w->stop = xasprintf("no pc: %s", dwfl_errmsg(-1));
		return DWARF_CB_ABORT;
	}
	hassp = dwfl_frame_reg(state, w->arch->dwarf_sp, &sp) == 0;
	if (w->n >= UNWIND_MAX_FRAMES) {
		w->stop = xasprintf("stack deeper than %d frames", UNWIND_MAX_FRAMES);
		return DWARF_CB_ABORT;
	}
	/* a frame seen before (same pc and stack pointer) means garbage that leads in a circle */
	for (size_t i = 0; hassp && i < w->n; i++) {
		if (w->hassp[i] && w->pc[i] == pc && w->sp[i] == sp) {
			w->stop = xasprintf("unwind loop at %#" PRIx64, (uint64_t)pc);
			return DWARF_CB_ABORT;
		}
	}
	if (pc == 0 && w->n > 0)
		return DWARF_CB_ABORT;	/* a zero return address ends some hand-written outermost frames */
	w->pc[w->n] = pc;
	w->sp[w->n] = sp;
	w->hassp[w->n] = hassp;
	w->hasfp[w->n] = dwfl_frame_reg(state, w->arch->dwarf_fp, &bp) == 0;
	w->activation[w->n] = act;
	w->n++;
	return DWARF_CB_OK;
}

/* True if the CFI of the frame at pc says there is no caller (return address undefined), as for
 * _start and clone3. libdwfl ends a walk the same quiet way when it merely cannot compute the
 * caller, so this tells a complete stack from one cut short. */
static bool
unwind_cfi_outermost(struct unwinder *u, uint64_t pc, bool activation)
{
	uint64_t lookup = activation ? pc : pc - 1;
	Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, lookup);
	Dwarf_CFI *cfi;
	Dwarf_Frame *frame;
	Dwarf_Addr bias = 0;
	Dwarf_Op mem[3], *ops = NULL;
	size_t nops = 0;
	bool end = false;

	if (mod == NULL)
		return false;
	for (int pass = 0; pass < 2 && !end; pass++) {
		cfi = pass == 0 ? dwfl_module_eh_cfi(mod, &bias) : dwfl_module_dwarf_cfi(mod, &bias);
		if (cfi == NULL || dwarf_cfi_addrframe(cfi, lookup - bias, &frame) != 0)
			continue;
		/* no expression, ops left at mem: the return address column is undefined */
		if (dwarf_frame_register(frame, (int)u->arch->dwarf_ra, mem, &ops, &nops) == 0 && nops == 0 &&
		    ops == mem)
			end = true;
		free(frame);
	}
	return end;
}

static bool
unwind_is_outermost(struct unwinder *u, uint64_t pc, bool activation)
{
	struct unwind_pcent *p = unwind_lookup(u, pc, activation);

	if (p->outermost < 0)
		p->outermost = unwind_cfi_outermost(u, pc, activation);
	return p->outermost > 0;
}

/* Start of the function symbol covering addr, 0 if none (PLT stubs have none). */
static uint64_t
unwind_func_start(struct unwinder *u, uint64_t addr)
{
	Dwfl_Module *m = dwfl_addrmodule(u->dwfl, addr);
	GElf_Off off = 0;
	GElf_Sym sym;

	if (m == NULL || dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL) == NULL)
		return 0;
	return addr - off;
}

/* Where the frame that needs the frame pointer may keep its saved-fp/return-address pair: stack
 * slots at or above sp followed by a return address just after a call into a known module (the
 * arch decodes the call, arch_info.call_decode). A direct call
 * names its target: a pair whose call went to another function is left-over data from an earlier
 * call (stale frames fill the unused slots of live ones), so it is dropped; one whose call went to
 * the function of the frame being unwound (fstart) is certain, and *strong counts those, which come
 * first. The rest (indirect calls, calls through PLT stubs) follow, lowest first. */
static size_t
unwind_guess_fp(struct unwinder *u, const struct snapshot *s, uint64_t sp, uint64_t fstart, uint64_t *cand,
    size_t max, size_t *strong)
{
	enum { WINDOW = 8192 };
	uint8_t *win = xmalloc(WINDOW);
	uint64_t weak[UNWIND_FP_TRIES];
	ssize_t got;
	size_t n = 0, nweak = 0, psz = s->arch->ptr_size;

	*strong = 0;
	got = snapshot_read(s, sp, win, WINDOW);
	if (got < (ssize_t)(2 * psz) && (got = snapshot_read(s, sp, win, 1024)) < (ssize_t)(2 * psz))
		goto out;
	for (size_t i = 0; i + 1 < (size_t)got / psz && n < max; i++) {
		uint64_t a = sp + i * psz, ra = arch_word(s->arch, win + (i + 1) * psz);
		uint8_t code[ARCH_CALL_BYTES];
		uint64_t target = 0;
		bool have_code, is_call = false;

		/* the saved fp itself proves nothing: a caller built without frame pointers (libc's
		 * __libc_start_call_main) leaves any value there, so the return address decides */
		if (ra < 4096 || dwfl_addrmodule(u->dwfl, ra - 1) == NULL)
			continue;
		have_code = snapshot_read(s, ra - sizeof code, code, sizeof code) == (ssize_t)sizeof code;
		if (have_code)
			is_call = s->arch->call_decode(code, ra, &target);
		/* without code to check (no live target) the module check has to do */
		if (have_code && !is_call)
			continue;
		if (have_code && target != 0 && fstart != 0) {
			uint64_t tstart = unwind_func_start(u, target);

			if (target == fstart || tstart == fstart) {
				cand[n++] = a;
				continue;
			}
			if (tstart != 0)
				continue;	/* a call to some other function: stale */
		}
		if (nweak < UNWIND_FP_TRIES)
			weak[nweak++] = a;
	}
	*strong = n;
	for (size_t k = 0; k < nweak && n < max; k++)
		cand[n++] = weak[k];
out:
	free(win);
	return n;
}

/* Whether any CFI (.eh_frame or .debug_frame) covers the frame at pc. */
static bool
unwind_has_cfi(struct unwinder *u, uint64_t pc, bool activation)
{
	uint64_t lookup = activation ? pc : pc - 1;
	Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, lookup);
	Dwarf_Frame *frame;
	Dwarf_Addr bias = 0;

	for (int pass = 0; mod != NULL && pass < 2; pass++) {
		Dwarf_CFI *cfi = pass == 0 ? dwfl_module_eh_cfi(mod, &bias) : dwfl_module_dwarf_cfi(mod, &bias);

		if (cfi != NULL && dwarf_cfi_addrframe(cfi, lookup - bias, &frame) == 0) {
			free(frame);
			return true;
		}
	}
	return false;
}

/* The first slot at or above sp holding a return address just after a call instruction in a known
 * module, within a small frame's reach; 0 if none. Code built without CFI (musl's libc is, to be
 * small, and keeps no frame pointer) leaves nothing else to find its caller by. */
static uint64_t
unwind_ra_slot(struct unwinder *u, const struct snapshot *s, uint64_t sp)
{
	enum { REACH = 1024 };
	uint8_t win[REACH];
	ssize_t got = snapshot_read(s, sp, win, sizeof win);
	size_t psz = s->arch->ptr_size;

	for (size_t i = 0; got > 0 && i < (size_t)got / psz; i++) {
		uint8_t code[ARCH_CALL_BYTES];
		uint64_t ra = arch_word(s->arch, win + i * psz), target = 0;

		if (ra < 4096 || dwfl_addrmodule(u->dwfl, ra - 1) == NULL)
			continue;
		if (snapshot_read(s, ra - sizeof code, code, sizeof code) == (ssize_t)sizeof code &&
		    s->arch->call_decode(code, ra, &target))
			return sp + i * psz;
	}
	return 0;
}

static void unwind_walk(struct unwinder *u, pid_t tid, struct unwind_walk *w);

/* A walk cut at a frame no CFI covers continues from the return address the stack holds above it
 * (the first one after a call, as a leaf or a small frame keeps it), frame after frame. */
static void
unwind_scan_nocfi(struct unwinder *u, const struct snapshot *s, const struct thread *t, struct unwind_walk *w,
    struct unwind_walk *more)
{
	for (int step = 0; step < 32 && w->n > 0 && w->n < UNWIND_MAX_FRAMES; step++) {
		size_t last = w->n - 1, k;
		uint64_t slot;

		if ((w->stop == NULL && unwind_is_outermost(u, w->pc[last], w->activation[last])) || !w->hassp[last] ||
		    unwind_has_cfi(u, w->pc[last], w->activation[last]) ||
		    (slot = unwind_ra_slot(u, s, w->sp[last])) == 0)
			return;
		uint8_t word[8];

		if (snapshot_read(s, slot, word, s->arch->ptr_size) != (ssize_t)s->arch->ptr_size) {
			u->start_pc = 0;
			return;
		}
		u->start_pc = arch_word(s->arch, word);
		u->start_sp = slot + s->arch->ptr_size;
		more->stop = NULL;
		unwind_walk(u, t->tid, more);
		u->start_pc = u->start_sp = 0;
		if (more->n == 0) {
			free(more->stop);
			more->stop = NULL;
			return;
		}
		/* the first frame of the new walk is a return address, not where a thread stopped */
		more->activation[0] = false;
		for (k = 0; k < more->n && w->n < UNWIND_MAX_FRAMES; k++, w->n++) {
			w->pc[w->n] = more->pc[k];
			w->sp[w->n] = more->sp[k];
			w->hassp[w->n] = more->hassp[k];
			w->hasfp[w->n] = more->hasfp[k];
			w->activation[w->n] = more->activation[k];
		}
		free(w->stop);
		w->stop = more->stop;
		more->stop = NULL;
	}
}

static void
unwind_walk(struct unwinder *u, pid_t tid, struct unwind_walk *w)
{
	free(w->stop);
	w->stop = NULL;
	w->n = 0;
	w->arch = u->arch;
	w->rc = dwfl_getthread_frames(u->dwfl, tid, unwind_frame_cb, w);
	if (w->rc == -1 && w->stop == NULL) {
		const char *why = dwfl_errmsg(-1);

		w->stop = xstrdup(why ? why : "unwind failed");
	}
}

/* A key for the path a walk took: the hash of its pcs. Never 0, so 0 marks an empty cache slot. */
static uint64_t
unwind_walk_key(const struct unwind_walk *w)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < w->n; i++)
		h = (h ^ w->pc[i]) * 0x100000001b3ULL;
	return h | 1;
}

/* Walks t again starting with the frame pointer = bp; true if that walk extends w and ends where a
 * stack ends. */
static bool
unwind_try_fp(struct unwinder *u, const struct thread *t, const struct unwind_walk *w, struct unwind_walk *try,
    uint64_t bp)
{
	u->guess_fp = bp;
	unwind_walk(u, t->tid, try);
	u->guess_fp = 0;
	return try->stop == NULL && try->n > w->n && memcmp(try->pc, w->pc, w->n * sizeof w->pc[0]) == 0 &&
	    unwind_is_outermost(u, try->pc[try->n - 1], try->activation[try->n - 1]);
}

static int
unwind_prevwalk_cmp(const void *a, const void *b)
{
	const struct unwind_prevwalk *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Which threads' walks are kept: those read without stopping, which the capture may carry over. */
static bool
unwind_prevwalk_kept(const struct thread *t)
{
	return t->status == CAPTURE_SAMPLED || t->status == CAPTURE_UNSTOPPED;
}

/* What a walk started from: the registers, or for a thread blocked in the kernel its /proc sp and pc. */
static void
unwind_prevwalk_key(const struct thread *t, uint64_t *pc, uint64_t *sp, uint64_t *fp)
{
	*pc = t->regs_valid ? t->regs.pc : t->syscall_pc;
	*sp = t->regs_valid ? t->regs.sp : t->syscall_sp;
	*fp = t->regs_valid ? t->regs.fp : 0;
}

/* Records t's walk for the next snapshot; pc and activation are copied, stop too. */
static void
unwind_prevwalk_keep(struct unwinder *u, const struct thread *t, const uint64_t *pc, const uint64_t *sp,
    const bool *activation, size_t n, const char *stop)
{
	struct unwind_prevwalk *p;

	xgrow(&u->next, &u->next_cap, u->nnext + 1, sizeof *u->next);
	p = &u->next[u->nnext++];
	p->tid = t->tid;
	p->regs_id = t->regs_id;
	unwind_prevwalk_key(t, &p->start_pc, &p->start_sp, &p->start_fp);
	p->n = n;
	p->pc = xmalloc((n ? n : 1) * sizeof *p->pc);
	p->sp = xmalloc((n ? n : 1) * sizeof *p->sp);
	p->activation = xmalloc((n ? n : 1) * sizeof *p->activation);
	if (n > 0) {
		memcpy(p->pc, pc, n * sizeof *pc);
		memcpy(p->sp, sp, n * sizeof *sp);
		memcpy(p->activation, activation, n * sizeof *activation);
	}
	p->stop = stop != NULL ? xstrdup(stop) : NULL;
}

/* A thread that has not run since the previous snapshot, or that ran but whose registers and
 * stack are the same sample as then, takes that snapshot's walk. */
static bool
unwind_prevwalk_reuse(struct unwinder *u, struct thread *t)
{
	struct unwind_prevwalk key = { .tid = t->tid }, *p;
	uint64_t pc, sp, fp;
	size_t cap = 0;

	if ((!t->unchanged && t->regs_id == 0) || !unwind_prevwalk_kept(t) || u->nwalks == 0)
		return false;
	p = bsearch(&key, u->walks, u->nwalks, sizeof *u->walks, unwind_prevwalk_cmp);
	if (p == NULL || (!t->unchanged && p->regs_id != t->regs_id))
		return false;
	unwind_prevwalk_key(t, &pc, &sp, &fp);
	if (p->start_pc != pc || p->start_sp != sp || p->start_fp != fp)
		return false;
	for (size_t i = 0; i < p->n; i++)
		unwind_append_sp(unwind_lookup(u, p->pc[i], p->activation[i]), p->sp[i], &t->frames, &t->nframes,
		    &cap);
	t->unwind_error = p->stop != NULL ? xstrdup(p->stop) : NULL;
	/* the entry moves on to the next snapshot's list; this one is dropped at its end */
	xgrow(&u->next, &u->next_cap, u->nnext + 1, sizeof *u->next);
	u->next[u->nnext++] = *p;
	p->pc = NULL;
	p->sp = NULL;
	p->activation = NULL;
	p->stop = NULL;
	return true;
}

static void
unwind_thread(struct unwinder *u, struct snapshot *s, size_t idx, struct unwind_walk *w, struct unwind_walk *w2,
    struct unwind_walk *w3)
{
	struct thread *t = &s->threads[idx];
	size_t cap = 0, last;

	if (unwind_prevwalk_reuse(u, t))
		return;
	w->stop = NULL;
	w2->stop = NULL;
	w3->stop = NULL;
	u->cur_index = idx;
	u->guess_fp = 0;
	unwind_walk(u, t->tid, w);
	unwind_scan_nocfi(u, s, t, w, w2);
	if (w->stop == NULL && w->n > 0 && !unwind_is_outermost(u, w->pc[w->n - 1], w->activation[w->n - 1])) {
		last = w->n - 1;
		/* Only sp and pc: a frame-pointer function above callees that never saved the frame
		 * pointer needs the live one, which its callees left alone. Guess it from stack slots and
		 * keep the walk that extends the first and ends where a stack ends. Stale frames left
		 * in dead stack can form such a chain too, but it skips live frames, so the longest wins. */
		if (!t->regs_valid && !w->hasfp[last] && w->hassp[last]) {
			uint64_t cand[UNWIND_FP_TRIES], key = unwind_walk_key(w);
			struct unwind_fpent *ce = &u->fpcache[key & (UNWIND_FP_CACHE - 1)];
			struct unwind_walk *best = NULL;
			size_t nc, nstrong = 0;
			uint64_t fstart;

			/* a thread on the same path as one solved before: try the same slot first */
			if (ce->key == key && unwind_try_fp(u, t, w, w2, w->sp[last] + ce->off))
				best = w2;
			fstart = unwind_func_start(u, w->activation[last] ? w->pc[last] : w->pc[last] - 1);
			nc = best ? 0 : unwind_guess_fp(u, s, w->sp[last], fstart, cand, UNWIND_FP_TRIES, &nstrong);
			for (size_t k = 0; k < nc; k++) {
				struct unwind_walk *try = best == w2 ? w3 : w2;

				/* a certain pair that walks cleanly ends the search */
				if (best != NULL && k >= nstrong && nstrong > 0)
					break;
				if (unwind_try_fp(u, t, w, try, cand[k]) && (best == NULL || try->n > best->n)) {
					best = try;
					ce->key = key;
					ce->off = cand[k] - w->sp[last];
					if (k < nstrong)
						break;
				}
			}
			if (best != NULL) {
				struct unwind_walk tmp = *w;

				*w = *best;
				*best = tmp;
			}
		}
		if (w->stop == NULL && !unwind_is_outermost(u, w->pc[w->n - 1], w->activation[w->n - 1]))
			w->stop = xstrdup(t->regs_valid ? "caller unknown: CFI could not be followed further" :
			    "caller unknown: only sp and pc were known and the frame pointer could not be recovered");
	}
	if (w->stop != NULL && !t->regs_valid && strncmp(w->stop, "caller unknown", 14) != 0) {
		char *m = xasprintf("%s (only sp and pc known)", w->stop);

		free(w->stop);
		w->stop = m;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (!w->hassp[i])
			w->sp[i] = 0;
		unwind_append_sp(unwind_lookup(u, w->pc[i], w->activation[i]), w->sp[i], &t->frames, &t->nframes,
		    &cap);
	}
	if (unwind_prevwalk_kept(t))
		unwind_prevwalk_keep(u, t, w->pc, w->sp, w->activation, w->n, w->stop);
	t->unwind_error = w->stop;
	w->stop = NULL;
	free(w2->stop);
	w2->stop = NULL;
	free(w3->stop);
	w3->stop = NULL;
}

/* Each executable mapping's build ID, from the module libdwfl opened for it (by the unwinding
 * and symbolizing just done: the modules frames are in); pprof's mappings carry them, so Parca and
 * Pyroscope can symbolize by build ID. A module not opened yet is left without: opening every
 * library for it would cost more than the snapshot. */
static void
unwind_build_ids(struct unwinder *u, struct snapshot *s)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		struct mapping *m = &s->maps[i];
		Dwfl_Module *mod;
		const unsigned char *id = NULL;
		GElf_Addr idaddr;
		int len;
		char *p = m->build_id_hex;

		m->build_id_hex[0] = '\0';
		if (strchr(m->perms, 'x') == NULL || m->path[0] != '/' || (mod = dwfl_addrmodule(u->dwfl, m->start)) == NULL)
			continue;
		len = dwfl_module_build_id(mod, &id, &idaddr);
		if (len <= 0 || id == NULL)
			continue;
		if (len > 32)
			len = 32;
		for (int k = 0; k < len; k++)
			p += sprintf(p, "%02x", id[k]);
	}
}

/* Whether a frame's code is no module's: an unnamed pc in no module or in an anonymous executable
 * mapping (where JITs put their code). */
static bool
unwind_jit_candidate(const struct snapshot *s, const struct frame *f)
{
	const struct mapping *m;

	if (f->function != NULL || f->pc == 0)
		return false;
	if ((m = snapshot_find_mapping(s, f->pc)) == NULL)
		return f->module == NULL;
	return m->perms[2] == 'x' && (m->path[0] == '\0' || strncmp(m->path, "[anon", 5) == 0);
}

/* Names the frames of JIT code from the target's perf map (read once per snapshot, again only if
 * the file changed): module "[perf-map]", jit set. */
static void
unwind_jit_frames(struct unwinder *u, struct snapshot *s)
{
	bool looked = false, have = false;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		for (size_t k = 0; k < t->nframes; k++) {
			struct frame *f = &t->frames[k];
			const char *name;
			uint64_t off = 0, pc = k == 0 ? f->pc : f->pc - 1;

			if (!unwind_jit_candidate(s, f))
				continue;
			if (!looked) {
				char proc[32];
				struct stat st;

				looked = true;
				snprintf(proc, sizeof proc, "/proc/%d", (int)u->pid);
				/* the map is the target's: its owner is the target's user (or root) */
				if (u->pid > 0 && stat(proc, &st) == 0)
					have = perfmap_refresh(&u->perfmap, &u->root, s->pidns && s->ns_pid > 0 ? s->ns_pid :
					    u->pid, st.st_uid);
			}
			if (!have || (name = perfmap_lookup(&u->perfmap, pc, &off)) == NULL)
				continue;
			snapshot_frame_own(f);
			free(f->function);
			f->function = unwind_strdup(name);
			f->offset = k == 0 ? off : off + 1;
			free(f->module);
			f->module = xstrdup("[perf-map]");
			f->jit = true;
		}
	}
}

int
unwind_snapshot(struct unwinder *u, struct snapshot *s, struct err *e)
{
	struct unwind_walk *w;
	struct err re = { "" };
	int rc = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		snapshot_frames_free(t->frames, t->nframes);
		t->frames = NULL;
		t->nframes = 0;
		free(t->unwind_error);
		t->unwind_error = NULL;
	}
	if (u->arch == NULL)
		u->arch = s->arch;
	if (u->arch != s->arch)
		err_set(&re, "the process's code changed from %s to %s (an exec): not unwound", u->arch->name,
		    s->arch->name);
	if (u->arch != s->arch || unwind_report(u, s, &re) < 0 || unwind_attach(u, &re) < 0) {
		/* without modules there is nothing to unwind with; say so per thread and go on */
		for (size_t i = 0; i < s->nthreads; i++)
			s->threads[i].unwind_error = xstrdup(re.msg);
		(void)e;
		return 0;
	}
	w = xmalloc(3 * sizeof *w);
	u->cur = s;
	u->next_index = 0;
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		struct snapshot_budget *b = s->budget;

		if (!unwind_can_unwind(t)) {
			t->unwind_error = xstrdup(t->status == CAPTURE_UNSTOPPED && t->on_cpu ?
			    "running; no registers captured" : "no registers captured");
			continue;
		}
		if (b != NULL && b->frame_max != 0 && b->frames >= b->frame_max) {
			/* a target with a million deep stacks costs holdup no more than this */
			b->frame_hit = true;
			t->unwind_error = xasprintf("not unwound: the snapshot's frame budget (%" PRIu64 " frames) is spent",
			    b->frame_max);
			continue;
		}
		unwind_thread(u, s, i, &w[0], &w[1], &w[2]);
		snapshot_frames_pack(&t->frames, t->nframes);
		if (b != NULL)
			b->frames += t->nframes;
	}
	u->cur = NULL;
	free(w);
	/* this snapshot's walks are the ones the next one may reuse */
	unwind_walks_free(u->walks, u->nwalks);
	util_sort(u->next, u->nnext, sizeof *u->next, unwind_prevwalk_cmp);
	u->walks = u->next;
	u->nwalks = u->nnext;
	u->next = NULL;
	u->nnext = u->next_cap = 0;
	unwind_build_ids(u, s);
	unwind_jit_frames(u, s);
	return rc;
}

void
unwind_symbolize(struct unwinder *u, const struct snapshot *s, uint64_t pc, bool activation,
    struct frame **frames, size_t *n, size_t *cap)
{
	if (unwind_report(u, s, NULL) < 0 && u->dwfl == NULL)
		return;
	unwind_append(unwind_lookup(u, pc, activation), frames, n, cap);
}

/* The ELF symbol covering addr in mod, if its size covers it (a zero-sized symbol only at its start). */
static int
unwind_mod_symbol(Dwfl_Module *mod, uint64_t addr, char **name, uint64_t *off, uint64_t *size)
{
	GElf_Off o = 0;
	GElf_Sym sym;
	const char *nm;

	nm = dwfl_module_addrinfo(mod, addr, &o, &sym, NULL, NULL, NULL);
	if (nm == NULL || nm[0] == '\0')
		return -1;
	if (sym.st_size > 0 ? o >= sym.st_size : o != 0)
		return -1;
	*name = unwind_symname(nm);
	if (off != NULL)
		*off = o;
	if (size != NULL)
		*size = sym.st_size;
	return 0;
}

struct unwind_bss_arg {
	uint64_t addr;
	Dwfl_Module *found;
};

/* Finds the module whose loaded segments cover an address the maps do not tie to a file (.bss). */
static int
unwind_bss_cb(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
	struct unwind_bss_arg *a = arg;
	Dwarf_Addr bias;
	Elf *elf;
	size_t phnum;

	(void)userdata;
	(void)name;
	(void)start;
	elf = dwfl_module_getelf(mod, &bias);
	if (elf == NULL || elf_getphdrnum(elf, &phnum) != 0)
		return DWARF_CB_OK;
	for (size_t i = 0; i < phnum && i < 256; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD)
			continue;
		if (a->addr >= bias + ph.p_vaddr && a->addr - (bias + ph.p_vaddr) < ph.p_memsz) {
			a->found = mod;
			return DWARF_CB_ABORT;
		}
	}
	return DWARF_CB_OK;
}

int
unwind_addr_symbol(struct unwinder *u, uint64_t addr, char **name, uint64_t *off, uint64_t *size)
{
	struct unwind_bss_arg a = { addr, NULL };
	Dwfl_Module *mod;

	*name = NULL;
	if (!u->reported && unwind_report(u, NULL, NULL) < 0 && u->dwfl == NULL)
		return -1;
	if (u->dwfl == NULL || addr == 0)
		return -1;
	mod = dwfl_addrmodule(u->dwfl, addr);
	if (mod != NULL && unwind_mod_symbol(mod, addr, name, off, size) == 0)
		return 0;
	dwfl_getmodules(u->dwfl, unwind_bss_cb, &a, 0);
	if (a.found != NULL && a.found != mod)
		return unwind_mod_symbol(a.found, addr, name, off, size);
	return -1;
}

/* The name of the type of a variable DIE with typedefs and qualifiers stripped (bounded), or NULL. */
static const char *
unwind_var_typename(Dwarf_Die *var)
{
	Dwarf_Attribute at;
	Dwarf_Die t, *cur = var;

	for (int depth = 0; depth < 8; depth++) {
		int tag;

		if (dwarf_attr_integrate(cur, DW_AT_type, &at) == NULL || dwarf_formref_die(&at, &t) == NULL)
			return NULL;
		tag = dwarf_tag(&t);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type)
			return dwarf_diename(&t);
		cur = &t;
	}
	return NULL;
}

int
unwind_scope_var_type(struct unwinder *u, uint64_t pc, bool activation, const char *const *prefixes, size_t n)
{
	uint64_t lookup = activation ? pc : pc - 1;
	Dwfl_Module *mod;
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie, *scopes = NULL;
	int nscopes, found = -1;

	if (u == NULL || u->dwfl == NULL || pc == 0 || (mod = dwfl_addrmodule(u->dwfl, lookup)) == NULL)
		return -1;
	if ((cudie = dwfl_module_addrdie(mod, lookup, &bias)) == NULL)
		return -1;
	nscopes = unwind_getscopes(cudie, lookup - bias, &scopes);
	/* innermost scope first, up to the function (the CU's globals are not locals) */
	for (int i = 0; i < nscopes && found < 0; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Die child;
		size_t seen = 0;

		if (tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit)
			break;
		if (dwarf_child(&scopes[i], &child) == 0) {
			do {
				const char *tn;

				if (dwarf_tag(&child) != DW_TAG_variable || (tn = unwind_var_typename(&child)) == NULL)
					continue;
				for (size_t k = 0; k < n && found < 0; k++)
					if (strncmp(tn, prefixes[k], strlen(prefixes[k])) == 0)
						found = (int)k;
			} while (found < 0 && ++seen < 4096 && dwarf_siblingof(&child, &child) == 0);
		}
		if (tag == DW_TAG_subprogram)
			break;
	}
	free(scopes);
	return found;
}

char *
unwind_param_type(struct unwinder *u, uint64_t pc, bool activation, const char *param, const char *want)
{
	uint64_t lookup = activation ? pc : pc - 1;
	Dwfl_Module *mod;
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie, *scopes = NULL;
	char *found = NULL;
	int nscopes;

	if (u == NULL || u->dwfl == NULL || pc == 0 || (mod = dwfl_addrmodule(u->dwfl, lookup)) == NULL ||
	    (cudie = dwfl_module_addrdie(mod, lookup, &bias)) == NULL)
		return NULL;
	/* the concrete tree (libdw's dwarf_getscopes gives an inlined call's abstract definition
	 * instead of the function it was inlined into) */
	{
		size_t n = 0, cap = 0;

		if (!unwind_scopes_find(cudie, lookup - bias, &scopes, &n, &cap, 0)) {
			free(scopes);
			return NULL;
		}
		for (size_t i = 0; i < n / 2; i++) {
			Dwarf_Die t = scopes[i];

			scopes[i] = scopes[n - 1 - i];
			scopes[n - 1 - i] = t;
		}
		nscopes = (int)n;
	}
	/* function-like scopes from the innermost (an inlined call's parameters are its own) out to
	 * the function: the first whose param's type name holds want */
	for (int i = 0; i < nscopes && found == NULL; i++) {
		int tag = dwarf_tag(&scopes[i]);
		Dwarf_Die child, t;
		Dwarf_Attribute at;
		size_t seen = 0;

		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		if (dwarf_child(&scopes[i], &child) == 0) {
			do {
				const char *n = dwarf_diename(&child), *tn;

				if (dwarf_tag(&child) != DW_TAG_formal_parameter || n == NULL || strcmp(n, param) != 0)
					continue;
				if (dwarf_attr_integrate(&child, DW_AT_type, &at) != NULL && dwarf_formref_die(&at, &t) != NULL &&
				    (tn = dwarf_diename(&t)) != NULL && (want == NULL || strstr(tn, want) != NULL))
					found = unwind_strdup(tn);
				break;
			} while (++seen < 256 && dwarf_siblingof(&child, &child) == 0);
		}
	}
	free(scopes);
	return found;
}

/* ---- data paths: a lock inside a global's arrays and structs, by DWARF type ---- */

#define UNWIND_PATH_DEPTH 8
#define UNWIND_PATH_DIES 200000	/* top-level DIEs looked at per lookup */

/* Whether a type is a lock itself (its name says so): the walk names it and stops there. */
static bool
unwind_lockish(Dwarf_Die *t)
{
	static const char *const words[] = { "mutex", "Mutex", "rwlock", "RWMutex", "sem_t", "cond", "spinlock",
		"Lock", "lock_t" };
	const char *n = dwarf_diename(t);

	for (size_t i = 0; n != NULL && i < sizeof words / sizeof words[0]; i++)
		if (strstr(n, words[i]) != NULL)
			return true;
	return false;
}

/* The type of DIE d (following typedefs and qualifiers only as far as strip says) into *out. */
static bool
unwind_type_of(Dwarf_Die *d, Dwarf_Die *out)
{
	Dwarf_Attribute at;

	return dwarf_attr_integrate(d, DW_AT_type, &at) != NULL && dwarf_formref_die(&at, out) != NULL;
}

/* Strips typedefs and qualifiers, stopping early at a typedef that names a lock. */
static bool
unwind_strip(Dwarf_Die *t, bool *lock)
{
	*lock = false;
	for (int k = 0; k < 8; k++) {
		int tag = dwarf_tag(t);

		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type) {
			*lock = *lock || unwind_lockish(t);
			return true;
		}
		if (tag == DW_TAG_typedef && unwind_lockish(t))
			*lock = true;
		if (!unwind_type_of(t, t))
			return false;
	}
	return false;
}

/* The member of struct t holding offset rem: its DIE, location and type. */
static bool
unwind_member_at(Dwarf_Die *t, uint64_t rem, Dwarf_Die *m, uint64_t *loc, Dwarf_Die *mt)
{
	Dwarf_Die c;
	size_t k = 0;

	if (dwarf_child(t, &c) != 0)
		return false;
	do {
		Dwarf_Attribute at;
		Dwarf_Word l;
		Dwarf_Word sz;

		if (dwarf_tag(&c) != DW_TAG_member || dwarf_attr(&c, DW_AT_data_member_location, &at) == NULL ||
		    dwarf_formudata(&at, &l) != 0 || !unwind_type_of(&c, mt) || dwarf_aggregate_size(mt, &sz) != 0)
			continue;
		if (rem >= l && rem - l < (sz ? sz : 1)) {
			*m = c;
			*loc = l;
			return true;
		}
	} while (++k < 4096 && dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* Appends to buf the path from type t down to offset rem: "[1].mu". Bounded depth. */
static void
unwind_walk_type(Dwarf_Die *t, uint64_t rem, char *buf, size_t len)
{
	for (int depth = 0; depth < UNWIND_PATH_DEPTH; depth++) {
		size_t o = strlen(buf);
		bool lock;
		int tag;

		if (!unwind_strip(t, &lock) || (rem == 0 && lock))
			return;
		tag = dwarf_tag(t);
		if (tag == DW_TAG_array_type) {
			Dwarf_Die el;
			Dwarf_Word esz;

			if (!unwind_type_of(t, &el) || dwarf_aggregate_size(&el, &esz) != 0 || esz == 0)
				break;
			snprintf(buf + o, len - o, "[%" PRIu64 "]", rem / esz);
			rem %= esz;
			*t = el;
		} else if (tag == DW_TAG_structure_type || tag == DW_TAG_class_type) {
			Dwarf_Die m, mt;
			uint64_t loc;
			bool mlock;

			if (!unwind_member_at(t, rem, &m, &loc, &mt))
				break;
			/* at the start of a struct that is no lock, only a lock member is the lock */
			if (rem == 0) {
				Dwarf_Die probe = mt;

				if (!unwind_strip(&probe, &mlock) || !mlock)
					return;
			}
			snprintf(buf + o, len - o, ".%s", dwarf_diename(&m) ? dwarf_diename(&m) : "?");
			rem -= loc;
			*t = mt;
		} else {
			break;
		}
	}
	if (rem != 0) {
		size_t o = strlen(buf);

		snprintf(buf + o, len - o, "+%" PRIu64, rem);
	}
}

/* The DIE of the global variable at link-time address a in module mod, searched among the CUs'
 * top-level DIEs (bounded). */
static bool
unwind_global_die(Dwarf *dw, uint64_t a, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	size_t hsize, seen = 0;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0 && seen < UNWIND_PATH_DIES) {
		Dwarf_Die cu, c;

		if (dwarf_offdie(dw, off + hsize, &cu) != NULL && dwarf_child(&cu, &c) == 0) {
			do {
				Dwarf_Attribute at;
				Dwarf_Op *ops;
				size_t nops;

				if (dwarf_tag(&c) != DW_TAG_variable || dwarf_attr(&c, DW_AT_location, &at) == NULL ||
				    dwarf_getlocation(&at, &ops, &nops) != 0)
					continue;
				if (nops == 1 && ops[0].atom == DW_OP_addr && ops[0].number == a) {
					*out = c;
					return true;
				}
			} while (++seen < UNWIND_PATH_DIES && dwarf_siblingof(&c, &c) == 0);
		}
		off = next;
	}
	return false;
}

char *
unwind_data_path(struct unwinder *u, uint64_t addr)
{
	char *name = NULL, buf[256] = "";
	uint64_t off = 0, size = 0, start;
	Dwfl_Module *mod;
	Dwarf_Addr bias = 0;
	Dwarf *dw;
	Dwarf_Die var, t;
	struct unwind_pathent *pe;

	if (u == NULL || unwind_addr_symbol(u, addr, &name, &off, &size) != 0)
		return NULL;
	free(name);
	start = addr - off;
	for (size_t i = 0; i < UNWIND_PATHS; i++)
		if (u->paths[i].used && u->paths[i].addr == addr)
			return u->paths[i].path != NULL ? xstrdup(u->paths[i].path) : NULL;
	pe = &u->paths[u->npaths_next];
	u->npaths_next = (u->npaths_next + 1) % UNWIND_PATHS;
	free(pe->path);
	*pe = (struct unwind_pathent){ addr, NULL, true };
	/* .bss past the file's mapped pages belongs to no module in libdwfl's address map (a large
	 * sanitized .bss is the usual case): the module whose segments cover it, as addr_symbol did */
	if ((mod = dwfl_addrmodule(u->dwfl, start)) == NULL) {
		struct unwind_bss_arg a = { start, NULL };

		dwfl_getmodules(u->dwfl, unwind_bss_cb, &a, 0);
		mod = a.found;
	}
	if (mod == NULL || (dw = dwfl_module_getdwarf(mod, &bias)) == NULL)
		return NULL;
	if (!unwind_global_die(dw, start - bias, &var) || !unwind_type_of(&var, &t))
		return NULL;
	unwind_walk_type(&t, off, buf, sizeof buf);
	pe->path = xstrdup(buf);
	return xstrdup(buf);
}
