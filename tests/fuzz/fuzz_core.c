/* fuzz_core.c - fuzzes the core file reader (headers, notes, NT_FILE, PT_LOAD) and reads through what it built. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture.h"
#include "fuzz.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture *c = NULL;
	struct snapshot *s = NULL;
	struct err e = { "" };
	char path[64];
	int fd = memfd_create("core", MFD_CLOEXEC);
	uint8_t buf[64];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (capture_open_core(path, NULL, &c, &e) == 0) {
		FUZZ_CHECK(capture_snapshot(c, &s, &e) == 0);
		FUZZ_CHECK(s->nthreads > 0);
		for (size_t i = 0; i < s->nthreads; i++) {
			const struct thread *t = &s->threads[i];

			FUZZ_CHECK(t->stack_len == 0 || t->stack != NULL);
			snapshot_read(s, t->regs.sp, buf, sizeof buf);
		}
		for (size_t i = 0; i < s->nmaps; i++) {
			snapshot_read(s, s->maps[i].start, buf, sizeof buf);
			snapshot_read(s, s->maps[i].end - 8, buf, sizeof buf);
		}
		snapshot_free(s);
		capture_close(c);
	} else
		FUZZ_CHECK(e.msg[0] != '\0');
	close(fd);
	return 0;
}
