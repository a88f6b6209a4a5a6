/* test_protobuf.c - the protobuf encoder against the wire examples of the protobuf docs and a decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "protobuf.h"

static void
expect_bytes(const struct protobuf *p, const uint8_t *want, size_t n)
{
	assert_int_equal(p->len, n);
	assert_memory_equal(p->buf, want, n);
}

static void
test_varint_field(void **state)
{
	struct protobuf p;
	static const uint8_t want[] = { 0x08, 0x96, 0x01 };

	(void)state;
	protobuf_init(&p);
	protobuf_uint64(&p, 1, 150);
	expect_bytes(&p, want, sizeof want);
	protobuf_done(&p);
}

static void
test_string_field(void **state)
{
	struct protobuf p;
	static const uint8_t want[] = { 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g', 0x32, 0x00 };

	(void)state;
	protobuf_init(&p);
	protobuf_string(&p, 2, "testing");
	protobuf_string(&p, 6, "");	/* pprof's string_table[0] */
	expect_bytes(&p, want, sizeof want);
	protobuf_done(&p);
}

static void
test_packed(void **state)
{
	struct protobuf p;
	static const uint64_t v[] = { 3, 270, 86942 };
	static const uint8_t want[] = { 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05 };

	(void)state;
	protobuf_init(&p);
	protobuf_packed_uint64(&p, 4, v, 3);
	protobuf_packed_uint64(&p, 5, v, 0);	/* empty: nothing at all */
	expect_bytes(&p, want, sizeof want);
	protobuf_done(&p);
}

static void
test_negative_and_sizes(void **state)
{
	struct protobuf p;
	static const uint8_t want[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };

	(void)state;
	protobuf_init(&p);
	protobuf_int64(&p, 1, -1);
	expect_bytes(&p, want, sizeof want);
	protobuf_done(&p);
	assert_int_equal(protobuf_varint_size(0), 1);
	assert_int_equal(protobuf_varint_size(127), 1);
	assert_int_equal(protobuf_varint_size(128), 2);
	assert_int_equal(protobuf_varint_size(16383), 2);
	assert_int_equal(protobuf_varint_size(16384), 3);
	assert_int_equal(protobuf_varint_size(UINT64_MAX), 10);
}

static void
test_nested(void **state)
{
	struct protobuf p, sub;
	static const uint8_t want[] = { 0x1a, 0x03, 0x08, 0x96, 0x01, 0x80, 0x01, 0x01 };

	(void)state;
	protobuf_init(&p);
	protobuf_init(&sub);
	protobuf_uint64(&sub, 1, 150);
	protobuf_message(&p, 3, &sub);
	protobuf_bool(&p, 16, true);	/* a two-byte tag */
	expect_bytes(&p, want, sizeof want);
	protobuf_reset(&sub);
	assert_int_equal(sub.len, 0);
	protobuf_done(&sub);
	protobuf_done(&p);
}

/* A minimal decoder, independent of the encoder's code. */
static uint64_t
decode_varint(const uint8_t *b, size_t len, size_t *pos)
{
	uint64_t v = 0;
	int shift = 0;

	while (*pos < len) {
		uint8_t c = b[(*pos)++];

		v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0)
			return v;
		shift += 7;
		assert_true(shift < 70);
	}
	fail_msg("truncated varint");
	return 0;
}

static void
test_roundtrip(void **state)
{
	struct protobuf p;
	uint64_t vals[200], packed[50];
	size_t pos = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (size_t i = 0; i < 200; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		vals[i] = x >> (i % 64);
	}
	for (size_t i = 0; i < 50; i++)
		packed[i] = vals[i * 4];
	protobuf_init(&p);
	for (size_t i = 0; i < 200; i++)
		protobuf_uint64(&p, (uint32_t)(i + 1), vals[i]);
	protobuf_packed_uint64(&p, 1000, packed, 50);
	for (size_t i = 0; i < 200; i++) {
		uint64_t tag = decode_varint(p.buf, p.len, &pos);

		assert_int_equal(tag, ((uint64_t)(i + 1) << 3) | 0);
		assert_true(decode_varint(p.buf, p.len, &pos) == vals[i]);
	}
	assert_int_equal(decode_varint(p.buf, p.len, &pos), (1000 << 3) | 2);
	{
		uint64_t len = decode_varint(p.buf, p.len, &pos);
		size_t end = pos + len;

		for (size_t i = 0; i < 50; i++)
			assert_true(decode_varint(p.buf, p.len, &pos) == packed[i]);
		assert_int_equal(pos, end);
	}
	assert_int_equal(pos, p.len);
	protobuf_done(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_field),
		cmocka_unit_test(test_string_field),
		cmocka_unit_test(test_packed),
		cmocka_unit_test(test_negative_and_sizes),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
