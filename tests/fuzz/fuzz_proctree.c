/* fuzz_proctree.c - fuzzes the parser of /proc/PID/task/TID/children text (proctree_parse_children). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "proctree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	pid_t out[8];
	size_t n = 0, dropped;

	dropped = proctree_parse_children(text, out, &n, 8);
	FUZZ_CHECK(n <= 8);
	FUZZ_CHECK(dropped <= size);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(out[i] >= 1 && out[i] <= 4194304);
	/* appending to a full array takes nothing more */
	dropped = proctree_parse_children(text, out, &n, n);
	free(text);
	return 0;
}
