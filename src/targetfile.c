/* targetfile.c - opens the files a target names (executable, libraries, debug files) without leaving its root, blocking, or reading the wrong file. */
#include "targetfile.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <elfutils/libdwelf.h>
#include <libelf.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char targetfile_deleted[] = " (deleted)";

void
targetfile_root_init(struct targetfile_root *r, pid_t pid)
{
	char path[64];

	r->pid = pid;
	r->error = NULL;
	snprintf(path, sizeof path, "/proc/%d/root", (int)pid);
	/* the magic link is followed once, here, by holdup itself: the result is the target's "/" */
	r->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd >= 0)
		return;
	/* gone, or not ours to read: holdup's own "/" is the best guess, and every mapped file opened
	 * there must still be the mapped inode */
	r->error = xasprintf("%s: %s", path, strerror(errno));
	r->dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int
targetfile_root_init_dir(struct targetfile_root *r, const char *dir, struct err *e)
{
	r->pid = 0;
	r->error = NULL;
	r->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd < 0)
		return err_set(e, "%s: %s", dir, strerror(errno));
	return 0;
}

void
targetfile_root_done(struct targetfile_root *r)
{
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
	free(r->error);
	r->error = NULL;
}

uint64_t
targetfile_dev_from_maps(unsigned major, unsigned minor)
{
	/* maps prints the kernel's major and minor; stat's st_dev encodes them the way makedev does */
	return (uint64_t)makedev(major, minor);
}

char *
targetfile_undeleted(const char *path, bool *deleted)
{
	size_t n = strlen(path), k = sizeof targetfile_deleted - 1;

	*deleted = n > k && strcmp(path + n - k, targetfile_deleted) == 0;
	return xstrndup(path, *deleted ? n - k : n);
}

/* Turns an O_PATH descriptor of a regular file into a readable one. The O_PATH open had no side
 * effects (a device's open() may have some); reopening through our own /proc/self/fd opens the very
 * inode the O_PATH descriptor holds. Closes opath. Returns a descriptor or -1 with e set. */
static int
targetfile_reopen(int opath, const char *what, uint64_t max_size, struct stat *st, struct err *e)
{
	char self[64];
	int fd;

	if (fstat(opath, st) != 0) {
		err_set(e, "%s: fstat: %s", what, strerror(errno));
		close(opath);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		err_set(e, "%s: not a regular file (%s), not opened", what,
		    S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? "a device" :
		    S_ISDIR(st->st_mode) ? "a directory" : S_ISSOCK(st->st_mode) ? "a socket" : "not a file");
		close(opath);
		return -1;
	}
	if ((uint64_t)st->st_size > (max_size ? max_size : TARGETFILE_MAX_SIZE)) {
		err_set(e, "%s: %lld bytes, more than holdup reads", what, (long long)st->st_size);
		close(opath);
		return -1;
	}
	snprintf(self, sizeof self, "/proc/self/fd/%d", opath);
	fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		err_set(e, "%s: %s", what, strerror(errno));
	close(opath);
	return fd;
}

/* True when the ELF file fd carries the build ID w asks for. */
static bool
targetfile_build_id_is(int fd, const struct targetfile_want *w)
{
	const void *id = NULL;
	ssize_t n = -1;
	Elf *elf;

	elf_version(EV_CURRENT);
	if ((elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL)
		return false;
	if (elf_kind(elf) == ELF_K_ELF)
		n = dwelf_elf_gnu_build_id(elf, &id);
	bool same = n > 0 && (size_t)n == w->build_id_len && memcmp(id, w->build_id, (size_t)n) == 0;
	elf_end(elf);
	return same;
}

/* The mapped file itself, through /proc/PID/map_files (root or CAP_CHECKPOINT_RESTORE only). */
static int
targetfile_open_map_files(const struct targetfile_root *r, const struct targetfile_want *w, struct err *e)
{
	char path[96];
	struct stat st;
	int o;

	snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)r->pid, (unsigned long long)w->map_start,
	    (unsigned long long)w->map_end);
	if ((o = open(path, O_PATH | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	return targetfile_reopen(o, path, w->max_size, &st, e);
}

static int
targetfile_open_in_root(const struct targetfile_root *r, const char *path, const struct targetfile_want *w,
    struct err *e)
{
	struct open_how oh = {
		.flags = O_PATH | O_CLOEXEC,
		/* absolute symlinks and ".." resolve inside the root; /proc/X/fd-style links are refused */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	long o;
	int fd;

	if (w != NULL && w->nofollow)
		oh.flags |= O_NOFOLLOW;	/* a symlink is opened itself (O_PATH), then refused as no regular file */
	if (r->dirfd < 0)
		return err_set(e, "%s: the target's root is not open (%s)", path, r->error ? r->error : "no root");
	if (path[0] != '/')
		return err_set(e, "%s: not an absolute path", path);
	o = syscall(SYS_openat2, r->dirfd, path, &oh, sizeof oh);
	if (o < 0 && errno == ENOSYS)
		return err_set(e, "%s: this kernel has no openat2 (Linux 5.6), so the file cannot be opened safely", path);
	if (o < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	if ((fd = targetfile_reopen((int)o, path, w ? w->max_size : 0, &st, e)) < 0)
		return -1;
	if (w != NULL && w->owner_check && st.st_uid != 0 && st.st_uid != w->owner) {
		close(fd);
		return err_set(e, "%s: owned by uid %u, neither the target's (%u) nor root's: not used", path,
		    (unsigned)st.st_uid, (unsigned)w->owner);
	}
	if (w != NULL && w->dev == 0 && w->ino == 0 && w->build_id_len > 0) {
		/* a core file's mapping: no inode to go by, the build ID the core holds decides */
		if (targetfile_build_id_is(fd, w))
			return fd;
		close(fd);
		return err_set(e, "%s: another build than the one mapped (its build ID differs): not used", path);
	}
	if (w == NULL || (w->dev == 0 && w->ino == 0))
		return fd;
	/* The inode decides: btrfs subvolumes and overlayfs give stat() another device than the one
	 * maps shows for the same file, but the inode number stays. */
	if (w->ino != 0 ? (uint64_t)st.st_ino == w->ino : (w->dev == 0 || (uint64_t)st.st_dev == w->dev))
		return fd;
	if (w->build_id_len > 0 && targetfile_build_id_is(fd, w))
		return fd;
	close(fd);
	return err_set(e, "%s: not the mapped file (device %llx inode %llu, mapped %llx inode %llu): replaced or "
	    "another file of that name", path, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (unsigned long long)w->dev, (unsigned long long)w->ino);
}

int
targetfile_open(const struct targetfile_root *r, const char *path, const struct targetfile_want *w,
    enum targetfile_how *how, struct err *e)
{
	struct err me = { "" };
	bool deleted;
	char *clean;
	int fd;

	if (w != NULL && w->map_start < w->map_end && r->pid > 0) {
		if ((fd = targetfile_open_map_files(r, w, &me)) >= 0) {
			if (how != NULL)
				*how = TARGETFILE_MAP_FILES;
			return fd;
		}
	}
	clean = targetfile_undeleted(path, &deleted);
	fd = targetfile_open_in_root(r, clean, w, e);
	free(clean);
	if (fd >= 0 && how != NULL)
		*how = TARGETFILE_ROOT;
	if (fd < 0 && me.msg[0] != '\0')
		err_prefix(e, "%s; ", me.msg);
	return fd;
}

const struct mapping *
targetfile_mapping_of(const struct snapshot *s, const char *path)
{
	const struct mapping *best = NULL;

	for (size_t i = 0; s != NULL && i < s->nmaps; i++) {
		const struct mapping *m = &s->maps[i];

		if (m->path == NULL || strcmp(m->path, path) != 0)
			continue;
		if (best == NULL || (m->offset == 0 && best->offset != 0))
			best = m;
	}
	return best;
}

bool
targetfile_has_build_id(int fd, const uint8_t *id, size_t len)
{
	struct targetfile_want w = { .build_id = id, .build_id_len = len };

	return targetfile_build_id_is(fd, &w);
}

int
targetfile_open_mapped(const struct targetfile_root *r, const struct snapshot *s, const char *path,
    uint64_t max_size, enum targetfile_how *how, struct err *e)
{
	struct targetfile_want w = { .max_size = max_size };
	const struct mapping *best = targetfile_mapping_of(s, path);

	if (best != NULL) {
		w.map_start = best->start;
		w.map_end = best->end;
		w.dev = best->dev;
		w.ino = best->ino;
		w.build_id = best->build_id_len > 0 ? best->build_id : NULL;
		w.build_id_len = best->build_id_len;
	}
	return targetfile_open(r, path, &w, how, e);
}

int
targetfile_open_exe(pid_t pid, struct err *e)
{
	char path[64];
	struct stat st;
	int o;

	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	if ((o = open(path, O_PATH | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	return targetfile_reopen(o, path, 0, &st, e);
}

/* True when st is root's and only root may write it. */
static bool
targetfile_root_owned(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

int
targetfile_open_host(const char *path, uint64_t max_size, struct err *e)
{
	char *real, *slash;
	struct stat st;
	int o, rc = -1;

	if ((o = open(path, O_PATH | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	if (fstat(o, &st) != 0 || !targetfile_root_owned(&st)) {
		close(o);
		return err_set(e, "%s: not owned by root or writable by others, not opened", path);
	}
	/* every directory up to "/" of where the path leads must be root's too, or a user could swap it */
	if ((real = realpath(path, NULL)) == NULL) {
		close(o);
		return err_set(e, "%s: %s", path, strerror(errno));
	}
	while ((slash = strrchr(real, '/')) != NULL) {
		struct stat ds;

		*slash = '\0';
		if (stat(real[0] ? real : "/", &ds) != 0 || !targetfile_root_owned(&ds)) {
			err_set(e, "%s: directory %s is not root's alone, not opened", path, real[0] ? real : "/");
			close(o);
			goto out;
		}
		if (real[0] == '\0')
			break;
	}
	rc = targetfile_reopen(o, path, max_size, &st, e);
out:
	free(real);
	return rc;
}

int
targetfile_open_host_user(const char *path, struct err *e)
{
	struct stat st;
	int o;

	if ((o = open(path, O_PATH | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	return targetfile_reopen(o, path, 0, &st, e);
}
