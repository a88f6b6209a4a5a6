/* test_sanitize.c - names from the target made safe for terminals and for the files other tools read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_clean),
		cmocka_unit_test(test_name_hostile),
	};

	return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
