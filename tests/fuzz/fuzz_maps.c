/* fuzz_maps.c - fuzzes the /proc/PID/maps parser and the address lookup over what it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lookup(const struct snapshot *s, uint64_t addr)
{
	const struct mapping *m = snapshot_find_mapping(s, addr);

	if (m == NULL)
		return;
	FUZZ_CHECK(m >= s->maps && m < s->maps + s->nmaps);
	FUZZ_CHECK(addr >= m->start && addr < m->end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot *s = snapshot_new(1);
	char *text = fuzz_cstr(data, size);

	snapshot_parse_maps(s, text);
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct mapping *m = &s->maps[i];

		FUZZ_CHECK(memchr(m->perms, '\0', sizeof m->perms) != NULL);
		FUZZ_CHECK(m->path != NULL && strlen(m->path) <= size);
		lookup(s, m->start);
		lookup(s, m->end - 1);
		lookup(s, m->end);
		lookup(s, m->start + (m->end - m->start) / 2);
	}
	/* addresses taken from the input's bytes too */
	for (size_t i = 0; i + 8 <= size && i < 64 * 8; i += 8) {
		uint64_t a;

		memcpy(&a, data + i, 8);
		lookup(s, a);
	}
	lookup(s, 0);
	lookup(s, UINT64_MAX);
	snapshot_free(s);
	free(text);
	return 0;
}
