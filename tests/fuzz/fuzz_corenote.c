/* fuzz_corenote.c - fuzzes the HOLDUP core note decoder: untrusted note bytes applied to a two-thread snapshot. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corenote.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot *s = snapshot_new(100);
	struct err e = { "" };
	int r;

	snapshot_add_thread(s, 100);
	snapshot_add_thread(s, 101);
	r = corenote_apply(s, data, size, &e);
	FUZZ_CHECK(r == 0 || r == -1);
	FUZZ_CHECK(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	for (size_t i = 0; i < s->nthreads; i++) {
		FUZZ_CHECK(s->threads[i].name == NULL || strlen(s->threads[i].name) <= 4096);
		FUZZ_CHECK(s->threads[i].wchan == NULL || strlen(s->threads[i].wchan) <= 4096);
	}
	snapshot_free(s);
	return 0;
}
