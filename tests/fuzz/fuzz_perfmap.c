/* fuzz_perfmap.c - fuzzes the perf map parser (/tmp/perf-PID.map lines) and lookups into what it built. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "perfmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perfmap m = { 0 };
	char *s = fuzz_cstr(data, size);

	/* the text as it is (NULs included: the file is bytes, not a string) */
	perfmap_parse(&m, s, size);
	FUZZ_CHECK(m.n <= PERFMAP_MAX_ENTRIES);
	for (size_t i = 0; i < m.n; i++) {
		const struct perfmap_entry *e = &m.entries[i];
		uint64_t off = ~0ull;
		const char *name = perfmap_lookup(&m, e->start, &off);

		/* another (later, overlapping) line may name start; one that far back may be cut */
		if (name != NULL) {
			FUZZ_CHECK(off != ~0ull);
			FUZZ_CHECK(strlen(name) <= PERFMAP_MAX_NAME);
			for (const char *p = name; *p != '\0'; p++)
				FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		}
		perfmap_lookup(&m, e->start + e->size - 1, &off);
		perfmap_lookup(&m, e->start - 1, &off);
		if (i > 64)
			break;
	}
	perfmap_free(&m);
	free(s);
	return 0;
}
