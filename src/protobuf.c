/* protobuf.c - the protocol buffers wire format, encoding only (enough for pprof's profile.proto). */
#include "protobuf.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

enum {
	PROTOBUF_VARINT = 0,
	PROTOBUF_LEN = 2,
};

void
protobuf_init(struct protobuf *p)
{
	memset(p, 0, sizeof *p);
}

void
protobuf_done(struct protobuf *p)
{
	free(p->buf);
	memset(p, 0, sizeof *p);
}

void
protobuf_reset(struct protobuf *p)
{
	p->len = 0;
}

static void
protobuf_append(struct protobuf *p, const void *data, size_t len)
{
	if (len == 0)
		return;
	xgrow(&p->buf, &p->cap, p->len + len, 1);
	memcpy(p->buf + p->len, data, len);
	p->len += len;
}

size_t
protobuf_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

void
protobuf_varint(struct protobuf *p, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	protobuf_append(p, b, n);
}

void
protobuf_tag(struct protobuf *p, uint32_t field, int wiretype)
{
	protobuf_varint(p, ((uint64_t)field << 3) | (uint64_t)wiretype);
}

void
protobuf_uint64(struct protobuf *p, uint32_t field, uint64_t v)
{
	protobuf_tag(p, field, PROTOBUF_VARINT);
	protobuf_varint(p, v);
}

void
protobuf_int64(struct protobuf *p, uint32_t field, int64_t v)
{
	/* Negative int64 values take ten bytes on the wire; that is the format, not zigzag. */
	protobuf_uint64(p, field, (uint64_t)v);
}

void
protobuf_bool(struct protobuf *p, uint32_t field, bool v)
{
	protobuf_uint64(p, field, v ? 1 : 0);
}

void
protobuf_bytes(struct protobuf *p, uint32_t field, const void *data, size_t len)
{
	protobuf_tag(p, field, PROTOBUF_LEN);
	protobuf_varint(p, len);
	protobuf_append(p, data, len);
}

void
protobuf_string(struct protobuf *p, uint32_t field, const char *s)
{
	protobuf_bytes(p, field, s, s == NULL ? 0 : strlen(s));
}

void
protobuf_message(struct protobuf *p, uint32_t field, const struct protobuf *sub)
{
	protobuf_bytes(p, field, sub->buf, sub->len);
}

void
protobuf_packed_uint64(struct protobuf *p, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		len += protobuf_varint_size(v[i]);
	protobuf_tag(p, field, PROTOBUF_LEN);
	protobuf_varint(p, len);
	for (size_t i = 0; i < n; i++)
		protobuf_varint(p, v[i]);
}

void
protobuf_packed_int64(struct protobuf *p, uint32_t field, const int64_t *v, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		len += protobuf_varint_size((uint64_t)v[i]);
	protobuf_tag(p, field, PROTOBUF_LEN);
	protobuf_varint(p, len);
	for (size_t i = 0; i < n; i++)
		protobuf_varint(p, (uint64_t)v[i]);
}
