/* fuzz_rustlock.c - fuzzes the Rust lock recognizer: frame names from the target and the lock word it decodes. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "rustlock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame frames[16];
	struct lockdecode_info o;
	const char *what = NULL;
	uint32_t word;
	uint8_t op;
	size_t n = 0;
	int ex = -1;
	enum rustlock_op r;

	fuzz_take(&data, &size, &op, 1);
	fuzz_take(&data, &size, &word, sizeof word);
	memset(frames, 0, sizeof frames);
	/* the rest: NUL-separated function names, innermost first */
	while (size > 0 && n < sizeof frames / sizeof frames[0])
		frames[n++].function = fuzz_piece(&data, &size);
	r = rustlock_frames_op(frames, n, &what);
	FUZZ_CHECK(r >= RUSTLOCK_NONE && r <= RUSTLOCK_PARKING_LOT);
	FUZZ_CHECK(r != RUSTLOCK_PARKING_LOT || what != NULL);
	memset(&o, 0, sizeof o);
	rustlock_state((enum rustlock_op)(op % 6), word, &o, &ex);
	FUZZ_CHECK(ex >= 0);
	FUZZ_CHECK(memchr(o.note, '\0', sizeof o.note) != NULL);
	for (size_t i = 0; i < n; i++)
		free(frames[i].function);
	return 0;
}
