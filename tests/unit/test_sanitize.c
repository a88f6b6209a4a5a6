/* test_sanitize.c - names from the target made safe for terminals and for the files other tools read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sanitize.h"
#include "util.h"

static void
test_name_clean(void **state)
{
	(void)state;
	/* clean names are used as they are: no copy */
	assert_null(sanitize_name("worker"));
	assert_null(sanitize_name("std::vector<int>::push_back"));
	assert_null(sanitize_name("caf\xc3\xa9"));
	assert_null(sanitize_name(""));
}

static void
test_name_hostile(void **state)
{
	char *s;

	(void)state;
	/* ESC, CSI as C1 (U+009B), DEL, a stray byte, a truncated sequence */
	s = sanitize_name("a\x1b[2Jb\xc2\x9b" "c\x7f" "d\xff" "e\xc3");
	assert_non_null(s);
	assert_string_equal(s, "a_[2Jb_c_d_e_");
	free(s);
	/* U+00A0 and above are kept: only U+0080..U+009F are controls */
	s = sanitize_name("\xc2\xa0x\n");
	assert_string_equal(s, "\xc2\xa0x_");
	free(s);
}

/* util_printable_prefix stops at the first byte that is not printable ASCII wherever it lies
 * in its 8-byte word, and sanitize_fputs (which skips escaping when there is none) still escapes
 * it. */
static void
test_printable_prefix(void **state)
{
	static const unsigned char bad[] = { 0x00 + 1, 0x1b, 0x1f, 0x7f, 0x80, 0x9b, 0xc2, 0xff };

	(void)state;
	for (size_t k = 0; k < sizeof bad; k++) {
		for (size_t len = 1; len < 30; len++) {
			for (size_t pos = 0; pos < len; pos++) {
				char in[32], want[64], *got = NULL;
				size_t glen = 0;
				FILE *f;

				memset(in, ' ' + (int)(pos % 90), len);
				in[pos] = (char)bad[k];
				in[len] = '\0';
				assert_int_equal(util_printable_prefix(in, len), pos);
				in[pos] = 'x';
				assert_int_equal(util_printable_prefix(in, len), len);
				in[pos] = (char)bad[k];
				f = open_memstream(&got, &glen);
				sanitize_fputs(in, f);
				fclose(f);
				sanitize_str(in, want, sizeof want);
				assert_string_equal(got, want);
				assert_non_null(strstr(got, "\\x"));
				free(got);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_clean),
		cmocka_unit_test(test_name_hostile),
		cmocka_unit_test(test_printable_prefix),
	};

	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
