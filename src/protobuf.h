/* protobuf.h - a tiny protocol buffers encoder: varints, length-delimited fields, packed repeated fields. */
#ifndef HOLDUP_PROTOBUF_H
#define HOLDUP_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable output buffer; a nested message is encoded into its own buffer and then embedded. */
struct protobuf {
	uint8_t *buf;		/* owned */
	size_t len;
	size_t cap;
};

void protobuf_init(struct protobuf *p);
void protobuf_done(struct protobuf *p);
/* Empties the buffer but keeps its memory, for reuse as a scratch buffer. */
void protobuf_reset(struct protobuf *p);

/* Bytes a varint of v takes (1..10). */
size_t protobuf_varint_size(uint64_t v);
/* A bare varint, no tag. */
void protobuf_varint(struct protobuf *p, uint64_t v);
/* Field tag: (field << 3) | wire type. */
void protobuf_tag(struct protobuf *p, uint32_t field, int wiretype);

/* Scalar fields (wire type 0). int64 is written as its two's complement, as protoc does.
 * Zero values are written too: proto3 readers treat them as the default either way. */
void protobuf_uint64(struct protobuf *p, uint32_t field, uint64_t v);
void protobuf_int64(struct protobuf *p, uint32_t field, int64_t v);
void protobuf_bool(struct protobuf *p, uint32_t field, bool v);
/* Length-delimited fields (wire type 2). */
void protobuf_bytes(struct protobuf *p, uint32_t field, const void *data, size_t len);
void protobuf_string(struct protobuf *p, uint32_t field, const char *s);
void protobuf_message(struct protobuf *p, uint32_t field, const struct protobuf *sub);
/* Packed repeated scalars: one length-delimited field holding the varints; nothing when n is 0. */
void protobuf_packed_uint64(struct protobuf *p, uint32_t field, const uint64_t *v, size_t n);
void protobuf_packed_int64(struct protobuf *p, uint32_t field, const int64_t *v, size_t n);

#endif
