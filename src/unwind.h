/* unwind.h - stacks from a snapshot's copies with libdwfl, symbolized, cached per module across snapshots. */
#ifndef HOLDUP_UNWIND_H
#define HOLDUP_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"
#include "util.h"

/* One per target; keeps the Dwfl (modules, CFI, line tables) and a pc -> frame cache alive across snapshots. */
struct unwinder;
struct targetfile_root;

/* pid 0: no live process; files are opened under holdup's own "/". */
struct unwinder *unwind_new(pid_t pid);
/* Where the files of a target with no live process (a core file) are. */
struct unwind_files {
	const char *sysroot;	/* the directory standing for the target's "/"; NULL: holdup's "/" */
	const char *exe;	/* the file to use for the snapshot's executable (s->exe) instead of the
				 * path the target names; NULL: none */
};
/* An unwinder for a snapshot with no live process behind it: files are opened inside f->sysroot.
 * Returns NULL with e set if the sysroot or exe cannot be used. */
struct unwinder *unwind_new_files(const struct unwind_files *f, struct err *e);
void unwind_free(struct unwinder *u);
/* With a debuginfod server configured (DEBUGINFOD_URLS): reports s's modules and opens their
 * files and debug files now, fetching what is not here, so the analysis finds them after the
 * sandbox (which allows no sockets). This parses the modules' ELF headers with the caller's
 * privileges. Without a server: nothing. Returns 0, or -1 with e set. */
int unwind_prefetch(struct unwinder *u, const struct snapshot *s, struct err *e);
/* What was found about the target's libc, kept with the modules (forgotten when the maps change):
 * finding the glibc version may read the whole libc or static executable, once per target. */
struct unwind_libc {
	bool looked;
	const char *name;	/* as lockdecode_libc gives it */
	int version;		/* as lockdecode_libc returns it */
	const char *source;	/* static string, as it returns it */
};
/* The cache of u, NULL if u is. */
struct unwind_libc *unwind_libc(struct unwinder *u);
/* The target's root, through which every file it names is opened (targetfile.h); NULL if u is. */
const struct targetfile_root *unwind_root(const struct unwinder *u);
/* Fills frames (and unwind_error) of every thread of s that has registers or a syscall sp/pc.
 * Never touches ptrace: memory comes from snapshot_read(). */
int unwind_snapshot(struct unwinder *u, struct snapshot *s, struct err *e);
/* Symbolizes one pc (activation = true for an innermost/interrupted frame, false for a return
 * address, which is looked up at pc-1) and appends its frames to *frames (*n counts them):
 * the inlined calls first, then the containing function. Uses the per-pc cache. */
void unwind_symbolize(struct unwinder *u, const struct snapshot *s, uint64_t pc, bool activation,
    struct frame **frames, size_t *n, size_t *cap);
/* Names a data or code address: symbol covering addr (owned string in *name, offset in *off).
 * Returns 0 if found, -1 if no symbol covers it. For lock names like "accounts_lock" or "forks+80". */
int unwind_addr_symbol(struct unwinder *u, uint64_t addr, char **name, uint64_t *off, uint64_t *size);
/* Whether a local variable whose type name starts with one of prefixes[0..n) is in scope at pc (a
 * C++ lock_guard<...> in the frame's function or a block around pc): the index of the first prefix
 * found, -1 if none (or no DWARF). activation as for unwind_symbolize. */
int unwind_scope_var_type(struct unwinder *u, uint64_t pc, bool activation, const char *const *prefixes, size_t n);
/* The DWARF type name of the parameter named param of the innermost inlined call or function at
 * pc whose param's type name contains want (NULL: any) ("&std::sync::poison::mutex::Mutex<u64>"
 * for a Rust lock call's self), NULL if none. Owned. */
char *unwind_param_type(struct unwinder *u, uint64_t pc, bool activation, const char *param, const char *want);
/* Where in a global the data address addr lies, by the DWARF type of the global: "[1].mu" for the
 * member mu of element 1 of an array of structs, "[0]" for element 0 of an array of locks, "" for
 * the global itself, "+N" where the types say no more; NULL without a global or its DWARF. Bounded
 * (depth, DIEs searched) and cached per address until the maps change. Returns an owned string. */
char *unwind_data_path(struct unwinder *u, uint64_t addr);

#endif
