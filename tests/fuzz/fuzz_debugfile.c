/* fuzz_debugfile.c - fuzzes the debug-file inflater (debugfile_inflate_mem) with the input as an ELF image. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugfile.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact copy, so ASan sees reads past the image's end */
	unsigned char *img = malloc(size ? size : 1);
	struct err e = { "" };
	int fd = -1, r;

	if (img == NULL)
		abort();
	memcpy(img, data, size);
	r = debugfile_inflate_mem(img, size, NULL, 0, &fd, &e);
	FUZZ_CHECK(r >= -1 && r <= 1);
	if (r == 1) {
		FUZZ_CHECK(fd >= 0);
		close(fd);
	}
	/* the same with a build-id asked for: the note must be found and compared safely */
	if (size > 20) {
		fd = -1;
		r = debugfile_inflate_mem(img, size, img + size - 20, 20, &fd, &e);
		if (r == 1)
			close(fd);
	}
	free(img);
	return 0;
}
