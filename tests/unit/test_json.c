/* test_json.c - unit tests for the JSON writer and the terminal sanitizer: hostile strings stay safe. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sanitize.h"

static char *
json_render(void (*fn)(struct jw *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	jw_init(&w, f, false);
	fn(&w);
	assert_int_equal(jw_done(&w), 0);
	fclose(f);
	return buf;
}

static void
json_doc_nested(struct jw *w)
{
	jw_object_begin(w);
	jw_kint(w, "a", -5);
	jw_key(w, "list");
	jw_array_begin(w);
	jw_uint(w, 1);
	jw_hex(w, 0xdeadbeef);
	jw_null(w);
	jw_array_begin(w);
	jw_array_end(w);
	jw_array_end(w);
	jw_kbool(w, "t", true);
	jw_kstring(w, "n", NULL);
	jw_kdouble(w, "d", 0.5);
	jw_object_end(w);
}

static void
test_json_structure(void **state)
{
	char *s = json_render(json_doc_nested);

	(void)state;
	assert_string_equal(s, "{\"a\":-5,\"list\":[1,\"0xdeadbeef\",null,[]],\"t\":true,\"n\":null,\"d\":0.5}");
	free(s);
}

/* The hand-written number formatting at its edges. */
static void
json_doc_intedges(struct jw *w)
{
	jw_array_begin(w);
	jw_int(w, INT64_MIN);
	jw_int(w, INT64_MAX);
	jw_int(w, 0);
	jw_uint(w, UINT64_MAX);
	jw_uint(w, 0);
	jw_hex(w, 0);
	jw_hex(w, UINT64_MAX);
	jw_array_end(w);
}

static void
test_json_intedges(void **state)
{
	char *s = json_render(json_doc_intedges);

	(void)state;
	assert_string_equal(s, "[-9223372036854775808,9223372036854775807,0,18446744073709551615,0,"
	    "\"0x0\",\"0xffffffffffffffff\"]");
	free(s);
}

static void
json_doc_hostile(struct jw *w)
{
	jw_object_begin(w);
	jw_kstring(w, "k\"ey", "q\"b\\s\n\t\x01\x1b[2J\x7f\xff\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80");
	jw_object_end(w);
}

static void
test_json_escaping(void **state)
{
	char *s = json_render(json_doc_hostile);

	(void)state;
	/* quotes, backslash, control bytes escaped; invalid UTF-8 and surrogates replaced; valid UTF-8 kept */
	assert_string_equal(s, "{\"k\\\"ey\":\"q\\\"b\\\\s\\n\\t\\u0001\\u001b[2J\\u007f\\ufffd\xc3\xa9\xe2\x82\xac"
	    "\xf0\x9f\x98\x80\\ufffd\\ufffd\\ufffd\"}");
	free(s);
}

static void
json_doc_c1(struct jw *w)
{
	jw_object_begin(w);
	jw_kstring(w, "\xc2\x9b" "k", "a\xc2\x80" "b\xc2\x9b" "31m\xc2\x9f\xc2\xa0\xc2");
	jw_object_end(w);
}

static void
test_json_c1_controls(void **state)
{
	char *s = json_render(json_doc_c1);

	(void)state;
	/* U+0080..U+009F (U+009B is the one-byte CSI) are escaped; U+00A0 is kept; a lone 0xc2 replaced */
	assert_string_equal(s, "{\"\\u009bk\":\"a\\u0080b\\u009b31m\\u009f\xc2\xa0\\ufffd\"}");
	free(s);
}

static void
json_doc_nan(struct jw *w)
{
	jw_array_begin(w);
	jw_double(w, 0.0 / 0.0);
	jw_double(w, 1e300 * 1e300);
	jw_double(w, 1795620000.123);
	jw_array_end(w);
}

static void
test_json_numbers(void **state)
{
	char *s = json_render(json_doc_nan);

	(void)state;
	assert_string_equal(s, "[null,null,1795620000.1229999]");
	free(s);
}

/* Every byte that needs a look, at every position of strings around the 8-byte word the scan
 * takes at once, and a string far longer than the writer's buffer: the output must be what a
 * byte-at-a-time escaper gives. */
static const char *const json_specials[] = {
	"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc2\x9b", "\xff", "\xc3\xa9", "~", " ",
};
static const char *const json_special_out[] = {
	"\\\"", "\\\\", "\\n", "\\u0001", "\\u001f", "\\u007f", "\\u009b", "\\ufffd", "\xc3\xa9", "~", " ",
};

static char *
json_render_string(const char *str)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;

	jw_init(&w, f, false);
	jw_string(&w, str);
	assert_int_equal(jw_done(&w), 0);
	fclose(f);
	return buf;
}

static void
test_json_word_scan(void **state)
{
	char in[64], want[128];

	(void)state;
	for (size_t k = 0; k < sizeof json_specials / sizeof *json_specials; k++) {
		for (size_t len = 0; len < 24; len++) {
			for (size_t pos = 0; pos <= len; pos++) {
				char *got;

				/* len plain bytes with the special byte inserted at pos */
				snprintf(in, sizeof in, "%.*s%s%.*s", (int)pos, "abcdefghijklmnopqrstuvwxyz",
				    json_specials[k], (int)(len - pos), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
				snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)pos, "abcdefghijklmnopqrstuvwxyz",
				    json_special_out[k], (int)(len - pos), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
				got = json_render_string(in);
				assert_string_equal(got, want);
				free(got);
			}
		}
	}
}

static void
test_json_long(void **state)
{
	size_t n = 3 * JW_BUFSZ + 17, at = 0;
	char *in = malloc(n + 1), *want = malloc(2 * n + 3), *got;

	(void)state;
	want[at++] = '"';
	for (size_t i = 0; i < n; i++) {
		in[i] = i % 1000 == 999 ? '"' : (char)('a' + i % 26);
		if (in[i] == '"')
			want[at++] = '\\';
		want[at++] = in[i];
	}
	in[n] = '\0';
	want[at++] = '"';
	want[at] = '\0';
	got = json_render_string(in);
	assert_int_equal(strlen(got), at);
	assert_string_equal(got, want);
	free(got);
	free(in);
	free(want);
}

static void
test_sanitize(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(sanitize_str("plain name", buf, sizeof buf), "plain name");
	assert_string_equal(sanitize_str("\x1b[2Jx", buf, sizeof buf), "\\x1b[2Jx");
	assert_string_equal(sanitize_str("a\xff" "b", buf, sizeof buf), "a\\xffb");
	/* U+009B, the one-byte CSI, must not pass */
	assert_string_equal(sanitize_str("\xc2\x9b" "1m", buf, sizeof buf), "\\xc2\\x9b1m");
	assert_string_equal(sanitize_str("caf\xc3\xa9", buf, sizeof buf), "caf\xc3\xa9");
	assert_string_equal(sanitize_str(NULL, buf, sizeof buf), "?");
	/* truncation never splits an escape and always terminates */
	assert_string_equal(sanitize_str("\x01\x02\x03", buf, 7), "\\x01");
	assert_string_equal(sanitize_str("abcdef", buf, 4), "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_json_intedges),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_c1_controls),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_word_scan),
		cmocka_unit_test(test_json_long),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
