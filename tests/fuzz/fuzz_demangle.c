/* fuzz_demangle.c - fuzzes the Rust demangler (legacy and v0): bounded, and no control byte or ill-formed UTF-8 comes out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "fuzz.h"
#include "utf8check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	char *d = demangle_rust(s);

	if (d != NULL) {
		size_t n = strlen(d);
		const unsigned char *p = (const unsigned char *)d;

		FUZZ_CHECK(n <= DEMANGLE_OUT_MAX);
		for (size_t i = 0; i < n;) {
			uint32_t cp;
			int len = utf8check_seq(p + i, n - i, &cp);

			FUZZ_CHECK(len > 0);
			FUZZ_CHECK(!utf8check_is_control(cp));
			i += (size_t)len;
		}
		free(d);
	}
	/* the input mangled as v0 and as legacy too, so both parsers see every input */
	if (size > 0 && size < DEMANGLE_IN_MAX - 8) {
		char *v = malloc(size + 3);

		if (v == NULL)
			abort();
		memcpy(v, "_R", 2);
		memcpy(v + 2, s, size + 1);
		free(demangle_rust(v));
		memcpy(v, "_Z", 2);
		free(demangle_rust(v));
		free(v);
	}
	free(s);
	return 0;
}
