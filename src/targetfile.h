/* targetfile.h - the one way to open a file the target names: inside its root, regular files only, never blocking, checked against the mapping. */
#ifndef HOLDUP_TARGETFILE_H
#define HOLDUP_TARGETFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"
#include "util.h"

/* Files larger than this are refused unless the caller sets a bound of its own. */
#define TARGETFILE_MAX_SIZE	(4ULL << 30)

/* What the opened file must be. Zero fields are not checked. */
struct targetfile_want {
	uint64_t map_start, map_end;	/* a mapping of the file: /proc/PID/map_files is tried first */
	uint64_t dev;			/* the mapping's device (targetfile_dev_from_maps), 0 unchecked */
	uint64_t ino;			/* the mapping's inode, 0 unchecked */
	const unsigned char *build_id;	/* borrowed; accepted instead of dev/ino when they differ
					 * (overlayfs reports another inode than the mapping's); with
					 * no dev and ino (a core file's mapping) it must match */
	size_t build_id_len;
	uint64_t max_size;		/* 0: TARGETFILE_MAX_SIZE */
	bool nofollow;			/* the last component must not be a symlink (a file any process
					 * of the target's user writes, such as /tmp/perf-PID.map) */
	bool owner_check;		/* the file must be owned by owner or by root */
	uid_t owner;
};

/* How a file was found, for the reader of a dump ("map_files", "root", "host"). */
enum targetfile_how {
	TARGETFILE_MAP_FILES = 0,	/* /proc/PID/map_files/START-END: the mapped file itself */
	TARGETFILE_ROOT,		/* resolved inside /proc/PID/root with openat2(RESOLVE_IN_ROOT) */
	TARGETFILE_HOST,		/* a trusted host path (holdup's own debug directories) */
};

/* A directory that stands for the target's "/": /proc/PID/root of a live target, a sysroot for a
 * core. Opened once and shared by every open of the target's files. */
struct targetfile_root {
	pid_t pid;			/* 0 when there is no live process (no map_files) */
	int dirfd;			/* O_PATH descriptor of the root, -1 if it could not be opened */
	char *error;			/* owned; why the target's own root could not be opened (holdup's
					 * "/" stands in: mapped files are still checked by inode), or NULL */
};

/* Opens pid's root (/proc/PID/root). Never fails: a root that cannot be opened (the process is
 * gone) is recorded and holdup's own "/" stands in. */
void targetfile_root_init(struct targetfile_root *r, pid_t pid);
/* Opens dir as the root (a sysroot). Returns 0 or -1. */
int targetfile_root_init_dir(struct targetfile_root *r, const char *dir, struct err *e);
void targetfile_root_done(struct targetfile_root *r);

/* Opens path (absolute, as the target names it) read-only, never following it out of the root,
 * never blocking (FIFOs, devices, sockets and directories are refused), and checks it is the
 * file w describes. Returns a descriptor (O_CLOEXEC) or -1 with e saying why. *how, if not NULL,
 * says how it was found. */
int targetfile_open(const struct targetfile_root *r, const char *path, const struct targetfile_want *w,
    enum targetfile_how *how, struct err *e);
/* Opens the file s maps under path (the mapping at file offset 0, or the lowest one, gives the range
 * for map_files and the device and inode to check); a path s does not map (a debug file) is opened
 * inside the root unchecked. max_size 0 means TARGETFILE_MAX_SIZE. */
int targetfile_open_mapped(const struct targetfile_root *r, const struct snapshot *s, const char *path,
    uint64_t max_size, enum targetfile_how *how, struct err *e);
/* Opens the executable pid runs (/proc/PID/exe: the file itself, even if deleted or replaced),
 * a regular file. Returns a descriptor or -1. */
int targetfile_open_exe(pid_t pid, struct err *e);
/* Opens one of holdup's own files (a debug file under /usr/lib/debug): a regular file, without
 * blocking, whose directories and itself are owned by root (so a user cannot plant one). */
int targetfile_open_host(const char *path, uint64_t max_size, struct err *e);

/* Opens a file the user named on the command line (--exe): followed like any path of holdup's
 * own, but still only a regular file of bounded size, never blocking. */
int targetfile_open_host_user(const char *path, struct err *e);

/* The mapping of path in s that names its file (offset 0, or the lowest), NULL if s maps no such path. */
const struct mapping *targetfile_mapping_of(const struct snapshot *s, const char *path);
/* True when the ELF file fd carries build ID id. */
bool targetfile_has_build_id(int fd, const uint8_t *id, size_t len);

/* The device number in /proc/PID/maps' "MAJ:MIN" (hexadecimal), as a dev_t. */
uint64_t targetfile_dev_from_maps(unsigned major, unsigned minor);
/* Strips the " (deleted)" the kernel appends to a replaced or removed file's path: returns an
 * owned copy of path without it, and whether it was there. */
char *targetfile_undeleted(const char *path, bool *deleted);

#endif
