/* test_ui_keys.c - top's key table (ui/top.c), which drives both the key handling and the help screen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <curses.h>
#include <stdbool.h>
#include <string.h>

#include "top.h"

#define KEYS_MAX (sizeof top_bindings[0].keys / sizeof top_bindings[0].keys[0])

/* True if row i of the table binds key. */
static bool
binds(size_t i, int key)
{
	for (size_t k = 0; k < KEYS_MAX && top_bindings[i].keys[k] != 0; k++)
		if (top_bindings[i].keys[k] == key)
			return true;
	return false;
}

static void
test_every_row_has_help(void **state)
{
	(void)state;
	assert_true(top_nbindings > 0);
	for (size_t i = 0; i < top_nbindings; i++) {
		const struct top_binding *b = &top_bindings[i];

		assert_non_null(b->label);
		assert_non_null(b->help);
		assert_non_null(b->fn);
		assert_true(strlen(b->label) > 0 && strlen(b->label) < 17);	/* the help's key column */
		assert_true(strlen(b->help) > 0);
		assert_int_not_equal(b->keys[0], 0);
	}
}

static void
test_no_duplicate_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < top_nbindings; i++) {
		for (size_t k = 0; k < KEYS_MAX && top_bindings[i].keys[k] != 0; k++) {
			int key = top_bindings[i].keys[k];

			/* A resize is no key the user presses: top handles it before the table. */
			assert_int_not_equal(key, KEY_RESIZE);
			for (size_t l = k + 1; l < KEYS_MAX && top_bindings[i].keys[l] != 0; l++)
				if (top_bindings[i].keys[l] == key)
					fail_msg("key %d is listed twice in \"%s\"", key, top_bindings[i].label);
			for (size_t j = i + 1; j < top_nbindings; j++)
				if (binds(j, key))
					fail_msg("key %d is bound twice (\"%s\", \"%s\")", key, top_bindings[i].label,
					    top_bindings[j].label);
		}
	}
}

/* The keys the help has always named are all in the table. */
static void
test_known_keys(void **state)
{
	static const int keys[] = { 'q', 'h', '?', 'j', 'k', KEY_UP, KEY_DOWN, KEY_PPAGE, KEY_NPAGE, 'g', 'G', '\n',
	    27, '\t', KEY_BTAB, '<', '>', 'r', '/', 'p', '+', '-', 's', KEY_MOUSE };

	(void)state;
	for (size_t n = 0; n < sizeof keys / sizeof keys[0]; n++) {
		bool found = false;

		for (size_t i = 0; i < top_nbindings && !found; i++)
			found = binds(i, keys[n]);
		if (!found)
			fail_msg("key %d is not in the table", keys[n]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_has_help),
		cmocka_unit_test(test_no_duplicate_keys),
		cmocka_unit_test(test_known_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
