/* outcap.c - an output budget for dumps: at most N bytes reach the file, the rest is counted, and the file says where it was cut. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outcap.h"
#include "util.h"

static ssize_t
outcap_write(void *c, const char *buf, size_t n)
{
	struct outcap *k = c;
	size_t take = k->written >= k->max ? 0 : (uint64_t)n < k->max - k->written ? n : (size_t)(k->max - k->written);

	if (take > 0 && fwrite(buf, 1, take, k->raw) != take) {
		k->failed = true;
		return -1;
	}
	k->written += take;
	k->total += n;
	return (ssize_t)n;
}

static int
outcap_close(void *c)
{
	struct outcap *k = c;

	return fflush(k->raw) == 0 ? 0 : -1;
}

FILE *
outcap_open(struct outcap *k, FILE *raw, uint64_t max)
{
	cookie_io_functions_t io = { .write = outcap_write, .close = outcap_close };
	FILE *f;

	memset(k, 0, sizeof *k);
	k->raw = raw;
	k->max = max;
	if ((f = fopencookie(k, "w", io)) == NULL)
		util_fatal("fopencookie: out of memory");
	return f;
}

bool
outcap_cut(const struct outcap *k)
{
	return k->total > k->written;
}

int
outcap_finish(struct outcap *k, bool json, pid_t pid, const char *what)
{
	struct stat sb;

	if (!outcap_cut(k))
		return 0;
	if (!json) {
		fprintf(k->raw, "\n\nTruncated: output budget %" PRIu64 " bytes reached: the dump was %" PRIu64 " bytes (%s)\n",
		    k->max, k->total, what);
		return fflush(k->raw) == 0 ? 0 : -1;
	}
	if (fflush(k->raw) != 0 || fstat(fileno(k->raw), &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    ftruncate(fileno(k->raw), 0) < 0 || fseeko(k->raw, 0, SEEK_SET) < 0)
		return -1;
	fprintf(k->raw, "{\"pid\":%d,\"truncated\":[\"output budget %" PRIu64 " bytes reached: the JSON dump was %" PRIu64
	    " bytes and is not written (%s)\"]}\n", (int)pid, k->max, k->total, what);
	return fflush(k->raw) == 0 ? 0 : -1;
}
