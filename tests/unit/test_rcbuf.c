/* test_rcbuf.c - reference-counted buffers: shared until the last reference, rewritten only when unshared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rcbuf.h"

/* A writer keeps its buffer while it is the only holder and is big enough; once another holds it,
 * the writer gets a new one and the holder's bytes stay as they were. */
static void
test_own(void **state)
{
	struct rcbuf *w = NULL, *first, *held;

	(void)state;
	first = rcbuf_own(&w, 16);
	assert_non_null(first);
	assert_ptr_equal(first, w);
	assert_int_equal(w->refs, 1);
	assert_true(w->cap >= 16);
	memset(w->data, 'a', 16);
	assert_ptr_equal(rcbuf_own(&w, 8), first);	/* sole and big enough: the same */
	held = rcbuf_ref(w);
	assert_int_equal(first->refs, 2);
	assert_ptr_not_equal(rcbuf_own(&w, 16), held);	/* shared: a new one */
	assert_int_equal(held->refs, 1);		/* the writer let go of it */
	memset(w->data, 'b', 16);
	assert_int_equal(held->data[0], 'a');
	assert_int_equal(held->data[15], 'a');
	rcbuf_unref(held);
	first = w;
	assert_ptr_not_equal(rcbuf_own(&w, 4096), first);	/* too small: a new one */
	assert_true(w->cap >= 4096);
	rcbuf_unref(w);
	rcbuf_unref(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
