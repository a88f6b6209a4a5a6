/* fuzz_glibcversion.c - fuzzes the search for the libc in the target's libc (or static executable) file: glibc's version string, musl's symbols. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "lockdecode.h"
#include "targetfile.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file the input becomes, read as the target's static executable (no libc mapping). */
static int
version_of_file(const char *path, const uint8_t *pad, size_t npad, const uint8_t *data, size_t size)
{
	static struct targetfile_root root = { .dirfd = -1 };
	struct snapshot *s = snapshot_new(getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), v;

	if (fd < 0 || write(fd, pad, npad) != (ssize_t)npad || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (root.dirfd < 0 && targetfile_root_init_dir(&root, "/", NULL) != 0)
		abort();
	s->exe = xstrdup(path);
	v = lockdecode_glibc_version(s, &root, NULL);
	/* the same file told glibc or musl (its ELF symbol table read) */
	{
		const char *name = "?", *how = NULL;
		int w = lockdecode_libc(s, &root, &name, &how);

		FUZZ_CHECK(name == NULL || strcmp(name, "glibc") == 0 || strcmp(name, "musl") == 0);
		FUZZ_CHECK(w == 0 || (w >= 1000 && w <= 9999));
		FUZZ_CHECK(name == NULL || how != NULL);
	}
	snapshot_free(s);
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static uint8_t pad[1 << 16];
	int v;

	if (path[0] == '\0') {
		snprintf(path, sizeof path, "/tmp/holdup-fuzz-glibc.%d", (int)getpid());
		memset(pad, 'x', sizeof pad);
	}
	v = version_of_file(path, pad, 0, data, size);
	FUZZ_CHECK(v == 0 || (v >= 1000 && v <= 9999));
	/* the same bytes at the end of the reader's first 64 KiB chunk, and just past it */
	if (size < sizeof pad)
		(void)version_of_file(path, pad, sizeof pad - size, data, size);
	(void)version_of_file(path, pad, sizeof pad - (size < 300 ? size : 300), data, size);
	unlink(path);
	return 0;
}
