/* fuzz_sanitize.c - fuzzes the terminal escaping of target strings: no control byte or ill-formed UTF-8 may come out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sanitize.h"
#include "utf8check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every code point well-formed and printable (no C0, DEL or C1). */
static void
check_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8check_seq(p + i, n - i, &cp);

		FUZZ_CHECK(len > 0);
		FUZZ_CHECK(!utf8check_is_control(cp));
		i += (size_t)len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[] = { 1, 2, 4, 5, 16, 64, 256, 1024 };
	char *s = fuzz_cstr(data, size);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		char *buf = malloc(lens[i]);	/* exact size: ASan sees writes past it */

		if (buf == NULL)
			abort();
		FUZZ_CHECK(sanitize_str(s, buf, lens[i]) == buf);
		FUZZ_CHECK(memchr(buf, '\0', lens[i]) != NULL);
		check_clean(buf, strlen(buf));
		free(buf);
	}
	f = open_memstream(&out, &outlen);
	if (f == NULL)
		abort();
	sanitize_fputs(s, f);
	sanitize_fputs(NULL, f);
	fclose(f);
	check_clean(out, outlen);
	/* nothing is dropped: every input byte comes out, as itself or as \xNN */
	FUZZ_CHECK(outlen >= strlen(s) + 1);
	free(out);
	free(s);
	return 0;
}
