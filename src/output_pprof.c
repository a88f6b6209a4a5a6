/* output_pprof.c - a gzipped profile.proto (github.com/google/pprof/proto/profile.proto) that go tool pprof reads. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "output.h"
#include "profile.h"
#include "protobuf.h"
#include "sanitize.h"
#include "util.h"

/* Field numbers of profile.proto. */
enum {
	PPROF_SAMPLE_TYPE = 1, PPROF_SAMPLE = 2, PPROF_MAPPING = 3, PPROF_LOCATION = 4, PPROF_FUNCTION = 5,
	PPROF_STRING_TABLE = 6, PPROF_TIME_NANOS = 9, PPROF_DURATION_NANOS = 10, PPROF_PERIOD_TYPE = 11,
	PPROF_PERIOD = 12, PPROF_COMMENT = 13, PPROF_DEFAULT_SAMPLE_TYPE = 14,
	VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	MAPPING_ID = 1, MAPPING_START = 2, MAPPING_LIMIT = 3, MAPPING_OFFSET = 4, MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6,
	MAPPING_HAS_FUNCTIONS = 7, MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9,
	MAPPING_HAS_INLINE_FRAMES = 10,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
};

struct output_pprof {
	FILE *f;		/* borrowed */
	struct profile *profile;
	int rate_hz;
	bool processes;		/* labels pid and process on every sample (record --subprocesses) */
};

/* The profile's string table: string -> index, in order of first use; index 0 is "". */
struct output_pprof_strings {
	char **strs;		/* owned */
	size_t n, cap;
	size_t *slots;		/* hash table of index + 1, 0 = empty */
	size_t nslots;
};

static uint64_t
output_pprof_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
output_pprof_slot_put(struct output_pprof_strings *t, size_t idx)
{
	size_t i = output_pprof_hash(t->strs[idx]) & (t->nslots - 1);

	while (t->slots[i] != 0)
		i = (i + 1) & (t->nslots - 1);
	t->slots[i] = idx + 1;
}

static int64_t
output_pprof_str(struct output_pprof_strings *t, const char *s)
{
	size_t i;
	char *clean;
	int64_t id;

	if (s == NULL)
		s = "";
	/* names come from the target: none carries a control into the tools that show profiles */
	if ((clean = sanitize_name(s)) != NULL) {
		id = output_pprof_str(t, clean);
		free(clean);
		return id;
	}
	if (t->nslots > 0) {
		for (i = output_pprof_hash(s) & (t->nslots - 1); t->slots[i] != 0; i = (i + 1) & (t->nslots - 1))
			if (strcmp(t->strs[t->slots[i] - 1], s) == 0)
				return (int64_t)(t->slots[i] - 1);
	}
	if ((t->n + 1) * 2 > t->nslots) {
		free(t->slots);
		t->nslots = t->nslots ? t->nslots * 2 : 256;
		t->slots = xcalloc(t->nslots, sizeof *t->slots);
		for (i = 0; i < t->n; i++)
			output_pprof_slot_put(t, i);
	}
	xgrow(&t->strs, &t->cap, t->n + 1, sizeof *t->strs);
	t->strs[t->n] = xstrdup(s);
	output_pprof_slot_put(t, t->n);
	return (int64_t)t->n++;
}

static void *
output_pprof_begin(FILE *f, const struct output_opts *o)
{
	struct output_pprof *st = xcalloc(1, sizeof *st);

	st->f = f;
	st->rate_hz = o != NULL ? o->rate_hz : 0;
	st->processes = o != NULL && o->processes;
	st->profile = profile_new();
	return st;
}

static int
output_pprof_add(void *state, const struct snapshot *s)
{
	struct output_pprof *st = state;

	profile_add(st->profile, s);
	return 0;
}

static int64_t
output_pprof_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void
output_pprof_value_type(struct protobuf *out, struct protobuf *tmp, uint32_t field, int64_t type, int64_t unit)
{
	protobuf_reset(tmp);
	protobuf_int64(tmp, VALUETYPE_TYPE, type);
	protobuf_int64(tmp, VALUETYPE_UNIT, unit);
	protobuf_message(out, field, tmp);
}

static void
output_pprof_label(struct protobuf *out, struct protobuf *tmp, int64_t key, int64_t str, bool numeric, int64_t num)
{
	protobuf_reset(tmp);
	protobuf_int64(tmp, LABEL_KEY, key);
	if (numeric)
		protobuf_int64(tmp, LABEL_NUM, num);
	else
		protobuf_int64(tmp, LABEL_STR, str);
	protobuf_message(out, SAMPLE_LABEL, tmp);
}

/* Nanoseconds one sample stands for: the rate if known, else the mean spacing of the snapshots. */
static int64_t
output_pprof_period(const struct output_pprof *st)
{
	const struct profile *p = st->profile;
	int64_t span;

	if (st->rate_hz > 0)
		return 1000000000 / st->rate_hz;
	span = output_pprof_ns(&p->last) - output_pprof_ns(&p->first);
	if (p->nsnapshots > 1 && span > 0)
		return span / (int64_t)(p->nsnapshots - 1);
	return 1000000000;
}

/* The mapping, location and function tables the samples refer to. */
static void
output_pprof_tables(const struct profile *p, struct protobuf *out, struct output_pprof_strings *t,
    struct protobuf *tmp, struct protobuf *sub)
{
	for (size_t i = 0; i < p->nmappings; i++) {
		const struct profile_mapping *m = &p->mappings[i];

		protobuf_reset(sub);
		protobuf_uint64(sub, MAPPING_ID, i + 1);
		protobuf_uint64(sub, MAPPING_START, m->start);
		protobuf_uint64(sub, MAPPING_LIMIT, m->end);
		protobuf_uint64(sub, MAPPING_OFFSET, m->offset);
		protobuf_int64(sub, MAPPING_FILENAME, output_pprof_str(t, m->path));
		if (m->build_id[0] != '\0')
			protobuf_int64(sub, MAPPING_BUILD_ID, output_pprof_str(t, m->build_id));
		/* Everything is symbolized already: pprof must not try to symbolize again. */
		protobuf_bool(sub, MAPPING_HAS_FUNCTIONS, true);
		protobuf_bool(sub, MAPPING_HAS_FILENAMES, true);
		protobuf_bool(sub, MAPPING_HAS_LINE_NUMBERS, true);
		protobuf_bool(sub, MAPPING_HAS_INLINE_FRAMES, true);
		protobuf_message(out, PPROF_MAPPING, sub);
	}

	for (size_t i = 0; i < p->nlocations; i++) {
		const struct profile_location *loc = &p->locations[i];

		protobuf_reset(sub);
		protobuf_uint64(sub, LOCATION_ID, i + 1);
		if (loc->mapping >= 0)
			protobuf_uint64(sub, LOCATION_MAPPING_ID, (uint64_t)loc->mapping + 1);
		protobuf_uint64(sub, LOCATION_ADDRESS, loc->pc);
		for (size_t j = 0; j < loc->nlines; j++) {
			protobuf_reset(tmp);
			protobuf_uint64(tmp, LINE_FUNCTION_ID, loc->lines[j].function + 1);
			protobuf_int64(tmp, LINE_LINE, loc->lines[j].line);
			protobuf_message(sub, LOCATION_LINE, tmp);
		}
		protobuf_message(out, PPROF_LOCATION, sub);
	}

	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct profile_function *fn = &p->functions[i];
		int64_t name = output_pprof_str(t, fn->name);

		protobuf_reset(sub);
		protobuf_uint64(sub, FUNCTION_ID, i + 1);
		protobuf_int64(sub, FUNCTION_NAME, name);
		protobuf_int64(sub, FUNCTION_SYSTEM_NAME, name);
		protobuf_int64(sub, FUNCTION_FILENAME, output_pprof_str(t, fn->file));
		protobuf_message(out, PPROF_FUNCTION, sub);
	}
}

static void
output_pprof_encode(struct output_pprof *st, struct protobuf *out)
{
	const struct profile *p = st->profile;
	struct output_pprof_strings t = { 0 };
	struct protobuf tmp, sub;
	int64_t period = output_pprof_period(st);
	int64_t k_state, k_wait, k_lock, k_thread, k_tid, k_goid, k_gowait, k_holds, k_pid = 0, k_process = 0;
	uint64_t *ids = NULL;
	size_t ids_cap = 0;
	char *comment;

	protobuf_init(&tmp);
	protobuf_init(&sub);
	output_pprof_str(&t, "");
	output_pprof_value_type(out, &tmp, PPROF_SAMPLE_TYPE, output_pprof_str(&t, "samples"), output_pprof_str(&t, "count"));
	output_pprof_value_type(out, &tmp, PPROF_SAMPLE_TYPE, output_pprof_str(&t, "wall"), output_pprof_str(&t, "nanoseconds"));
	k_state = output_pprof_str(&t, "state");
	k_wait = output_pprof_str(&t, "wait");
	k_lock = output_pprof_str(&t, "lock");
	k_thread = output_pprof_str(&t, "thread");
	k_tid = output_pprof_str(&t, "tid");
	k_goid = output_pprof_str(&t, "goroutine");
	k_gowait = output_pprof_str(&t, "go_wait");
	k_holds = output_pprof_str(&t, "holds");
	if (st->processes) {
		k_pid = output_pprof_str(&t, "pid");
		k_process = output_pprof_str(&t, "process");
	}

	for (size_t i = 0; i < p->nsamples; i++) {
		const struct profile_sample *ps = &p->samples[i];
		int64_t values[2] = { (int64_t)ps->count, (int64_t)ps->count * period };
		char label[512];

		protobuf_reset(&sub);
		xgrow(&ids, &ids_cap, ps->nlocations + 1, sizeof *ids);
		for (size_t j = 0; j < ps->nlocations; j++)
			ids[j] = ps->locations[j] + 1;
		protobuf_packed_uint64(&sub, SAMPLE_LOCATION_ID, ids, ps->nlocations);
		protobuf_packed_int64(&sub, SAMPLE_VALUE, values, 2);
		output_pprof_label(&sub, &tmp, k_state, output_pprof_str(&t, snapshot_state_name(ps->state)), false, 0);
		if (ps->wait != WAIT_NONE)
			output_pprof_label(&sub, &tmp, k_wait, output_pprof_str(&t, snapshot_wait_kind_name(ps->wait)), false, 0);
		if (ps->lock != NULL) {
			/* "mutex accounts_lock": the kind and the name in one value, so -tagfocus=lock=NAME finds it. */
			profile_lock_label(ps, label, sizeof label);
			output_pprof_label(&sub, &tmp, k_lock, output_pprof_str(&t, label), false, 0);
		}
		if (ps->holds != NULL)
			output_pprof_label(&sub, &tmp, k_holds, output_pprof_str(&t, ps->holds), false, 0);
		output_pprof_label(&sub, &tmp, k_thread, output_pprof_str(&t, ps->thread), false, 0);
		if (ps->goid != 0) {
			output_pprof_label(&sub, &tmp, k_goid, 0, true, (int64_t)ps->goid);
			if (ps->go_wait != NULL)
				output_pprof_label(&sub, &tmp, k_gowait, output_pprof_str(&t, ps->go_wait), false, 0);
		} else {
			output_pprof_label(&sub, &tmp, k_tid, 0, true, ps->tid);
		}
		if (st->processes) {
			output_pprof_label(&sub, &tmp, k_pid, 0, true, ps->pid);
			output_pprof_label(&sub, &tmp, k_process, output_pprof_str(&t, ps->process), false, 0);
		}
		protobuf_message(out, PPROF_SAMPLE, &sub);
	}

	output_pprof_tables(p, out, &t, &tmp, &sub);

	protobuf_int64(out, PPROF_TIME_NANOS, output_pprof_ns(&p->first));
	protobuf_int64(out, PPROF_DURATION_NANOS,
	    p->nsnapshots ? output_pprof_ns(&p->last) - output_pprof_ns(&p->first) + period : 0);
	output_pprof_value_type(out, &tmp, PPROF_PERIOD_TYPE, output_pprof_str(&t, "wall"), output_pprof_str(&t, "nanoseconds"));
	protobuf_int64(out, PPROF_PERIOD, period);
	comment = xasprintf("holdup record of pid %d (%s): every thread, every state", (int)p->pid,
	    p->exe != NULL ? p->exe : "?");
	protobuf_int64(out, PPROF_COMMENT, output_pprof_str(&t, comment));
	protobuf_int64(out, PPROF_DEFAULT_SAMPLE_TYPE, output_pprof_str(&t, "wall"));

	/* The string table comes last: only now is every string known. */
	for (size_t i = 0; i < t.n; i++)
		protobuf_string(out, PPROF_STRING_TABLE, t.strs[i]);

	free(comment);
	free(ids);
	for (size_t i = 0; i < t.n; i++)
		free(t.strs[i]);
	free(t.strs);
	free(t.slots);
	protobuf_done(&sub);
	protobuf_done(&tmp);
}

/* gzip (windowBits 31) straight into the output file. */
static int
output_pprof_gzip(FILE *f, const uint8_t *data, size_t len)
{
	z_stream z;
	uint8_t out[65536];
	int zrc;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;	/* profiles stay far below 4 GiB */
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		zrc = deflate(&z, Z_FINISH);
		if (zrc == Z_STREAM_ERROR)
			break;
		if (fwrite(out, 1, sizeof out - z.avail_out, f) != sizeof out - z.avail_out) {
			zrc = Z_ERRNO;
			break;
		}
	} while (zrc != Z_STREAM_END);
	deflateEnd(&z);
	return zrc == Z_STREAM_END ? 0 : -1;
}

static int
output_pprof_end(void *state)
{
	struct output_pprof *st = state;
	struct protobuf out;
	int rc;

	protobuf_init(&out);
	output_pprof_encode(st, &out);
	rc = output_pprof_gzip(st->f, out.buf, out.len);
	if (fflush(st->f) != 0 || ferror(st->f))
		rc = -1;
	protobuf_done(&out);
	profile_free(st->profile);
	free(st);
	return rc;
}

const struct output_format output_pprof_format = {
	"pprof", output_pprof_begin, output_pprof_add, output_pprof_end,
};
