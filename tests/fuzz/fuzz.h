/* fuzz.h - small helpers shared by the libFuzzer harnesses: NUL-terminated copies and input splitting. */
#ifndef HOLDUP_FUZZ_H
#define HOLDUP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'd, exactly sized NUL-terminated copy of data[0, n), so ASan sees any read past the end. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* The next piece of the input up to (not including) a NUL byte; advances *data and *size past it. */
static inline char *
fuzz_piece(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = *size > 0 ? memchr(*data, '\0', *size) : NULL;
	size_t n = nul != NULL ? (size_t)(nul - *data) : *size;
	char *s = fuzz_cstr(*data, n);

	*data += n < *size ? n + 1 : n;
	*size -= n < *size ? n + 1 : n;
	return s;
}

/* Takes len bytes (zero-filled past the end of the input) off the front of the input. */
static inline void
fuzz_take(const uint8_t **data, size_t *size, void *out, size_t len)
{
	size_t n = len < *size ? len : *size;

	memset(out, 0, len);
	if (n > 0)
		memcpy(out, *data, n);
	*data += n;
	*size -= n;
}

#define FUZZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#endif
