/* output_folded.c - folded stacks ("state;outer;...;inner count") for flamegraph.pl, speedscope and Pyroscope. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "profile.h"
#include "util.h"

struct output_folded {
	FILE *f;		/* borrowed */
	struct profile *profile;
	bool processes;		/* a "PID COMM" root frame on every line (record --subprocesses) */
};

struct output_folded_line {
	char *text;		/* owned */
	uint64_t count;
};

static void *
output_folded_begin(FILE *f, const struct output_opts *o)
{
	struct output_folded *st = xcalloc(1, sizeof *st);

	st->f = f;
	st->processes = o != NULL && o->processes;
	st->profile = profile_new();
	return st;
}

static int
output_folded_add(void *state, const struct snapshot *s)
{
	struct output_folded *st = state;

	profile_add(st->profile, s);
	return 0;
}

/* Appends one frame; ';' separates frames and newlines end lines, so neither may appear in a name. */
static void
output_folded_frame(FILE *m, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	fputc(';', m);
	while (*p != '\0') {
		int n = util_utf8_len(p);

		/* a name from the target: no C0 or C1 control, no invalid UTF-8 reaches a terminal or a
		 * flame-graph tool (C1 is U+0080-U+009F, which UTF-8 writes as C2 80 to C2 9F) */
		if (n == 0 || (n == 1 && (*p == ';' || *p < 0x20 || *p == 0x7f)) ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			fputc('_', m);
			p += n == 0 ? 1 : n;
			continue;
		}
		fwrite(p, 1, (size_t)n, m);
		p += n;
	}
}

static char *
output_folded_text(const struct profile *p, const struct profile_sample *ps, bool processes)
{
	char *buf = NULL, label[512];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		util_fatal("open_memstream: out of memory");
	if (processes) {
		char root[96];

		/* the process as the root: one flame graph of a process tree, split by process */
		snprintf(root, sizeof root, "%d %s", (int)ps->pid, ps->process);
		output_folded_frame(m, root);
		fputc(';', m);
	}
	fputs(snapshot_state_name(ps->state), m);
	/* Outermost first; within a location the containing function before its inlined calls. */
	for (size_t i = ps->nlocations; i-- > 0;) {
		const struct profile_location *loc = &p->locations[ps->locations[i]];

		for (size_t j = loc->nlines; j-- > 0;)
			output_folded_frame(m, p->functions[loc->lines[j].function].name);
	}
	/* The lock as the leaf, so a flame graph shows what each path waited on. */
	if (ps->lock != NULL) {
		char leaf[sizeof label + 2];

		profile_lock_label(ps, label, sizeof label);
		snprintf(leaf, sizeof leaf, "[%s]", label);
		output_folded_frame(m, leaf);
	}
	if (fclose(m) != 0)
		util_fatal("open_memstream: out of memory");
	if (processes)
		memmove(buf, buf + 1, len);	/* the frame writer's leading ';' is not wanted at the root */
	return buf;
}

static int
output_folded_cmp(const void *a, const void *b)
{
	return strcmp(((const struct output_folded_line *)a)->text, ((const struct output_folded_line *)b)->text);
}

static int
output_folded_end(void *state)
{
	struct output_folded *st = state;
	struct profile *p = st->profile;
	struct output_folded_line *lines = xcalloc(p->nsamples ? p->nsamples : 1, sizeof *lines);
	size_t n = p->nsamples;
	int rc;

	/* Samples differ by thread too; identical folded lines are merged. */
	for (size_t i = 0; i < n; i++) {
		lines[i].text = output_folded_text(p, &p->samples[i], st->processes);
		lines[i].count = p->samples[i].count;
	}
	util_sort(lines, n, sizeof *lines, output_folded_cmp);
	for (size_t i = 0; i < n;) {
		uint64_t count = 0;
		size_t j;

		for (j = i; j < n && strcmp(lines[j].text, lines[i].text) == 0; j++)
			count += lines[j].count;
		fprintf(st->f, "%s %" PRIu64 "\n", lines[i].text, count);
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	rc = fflush(st->f) != 0 || ferror(st->f) ? -1 : 0;
	profile_free(p);
	free(st);
	return rc;
}

const struct output_format output_folded_format = {
	"folded", output_folded_begin, output_folded_add, output_folded_end,
};
