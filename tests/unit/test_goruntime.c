/* test_goruntime.c - the goroutine reader must survive a corrupt runtime: random memory, absurd lengths, cycles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "godwarf.h"
#include "goruntime.h"
#include "lockgraph.h"
#include "output_text_go.h"
#include "unwind.h"

static const char *
fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("GOFIXTURES");

	char rel[512];

	/* absolute, as a target's maps name its files */
	snprintf(rel, sizeof rel, "%s/%s", dir ? dir : "build/gofixtures", name);
	if (realpath(rel, path) == NULL)
		snprintf(path, sizeof path, "%s", rel);
	return path;
}

/* Memory where every byte is a function of its address and a seed: garbage, but reproducible. */
struct fake {
	uint64_t seed;
	uint64_t allgs_addr;	/* if set, this slice header is served there */
	uint64_t allgs[3];
	uint64_t reads;
	bool zero;		/* memory reads as zeros instead of garbage */
	uint64_t word_addr[4], word[4];	/* these 8-byte words are served as given */
	uint64_t fill_lo, fill_hi, fill;	/* every 8-byte word in [fill_lo, fill_hi) reads as fill */
};

static ssize_t
fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;
	uint8_t *b = buf;

	f->reads++;
	for (size_t i = 0; i < len; i++) {
		uint64_t a = addr + i, x = (a >> 3) * 6364136223846793005ull + f->seed;

		x ^= x >> 29;
		b[i] = f->zero ? 0 : (uint8_t)(x >> ((a & 7) * 8));
		for (size_t w = 0; w < 4; w++)
			if (f->word_addr[w] != 0 && a >= f->word_addr[w] && a < f->word_addr[w] + 8)
				b[i] = (uint8_t)(f->word[w] >> ((a - f->word_addr[w]) * 8));
		if (f->allgs_addr != 0 && a >= f->allgs_addr && a < f->allgs_addr + sizeof f->allgs)
			b[i] = ((uint8_t *)f->allgs)[a - f->allgs_addr];
		if (a >= f->fill_lo && a < f->fill_hi)
			b[i] = (uint8_t)(f->fill >> ((a & 7) * 8));
	}
	return (ssize_t)len;
}

static void
run_corrupt(struct fake *f, bool with_maps)
{
	struct snapshot *s = snapshot_new(0);	/* pid 0: the layout comes from s->exe */
	struct unwinder *u = unwind_new(0);
	void *cache = NULL;

	s->exe = xstrdup(fixture("gorwqueue"));
	s->read_fallback = fake_read;
	s->read_ctx = f;
	s->taken.tv_sec = 1;
	if (with_maps)
		snapshot_parse_maps(s, "00400000-00600000 rw-p 00000000 00:00 0\n"
		    "c000000000-c000400000 rw-p 00000000 00:00 0\n");
	goruntime_analyze(s, u, &cache);
	assert_non_null(s->go);
	assert_null(s->go->error);
	assert_true(s->go->ngs <= GORUNTIME_MAX_GOROUTINES);
	/* output must cope with whatever was read */
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	output_text_go_print(null, s, NULL);
	fclose(null);
	for (size_t i = 0; i < s->nlocks; i++)
		assert_false(s->locks[i].holders_known);
	snapshot_free(s);
	goruntime_cache_free(cache);
	unwind_free(u);
}

static void
test_random_memory(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie;

	(void)state;
	if (access(fixture("gorwqueue"), R_OK) != 0)
		skip();
	assert_int_equal(godwarf_load(fixture("gorwqueue"), &l, &pie, &e), GODWARF_OK);
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct fake f = { .seed = seed };

		run_corrupt(&f, seed & 1);
		/* a plausible allgs slice pointing into garbage */
		memset(&f, 0, sizeof f);
		f.seed = seed * 77;
		f.allgs_addr = l.allgs_addr;
		f.allgs[0] = 0xc000010000;
		f.allgs[1] = 5000;
		f.allgs[2] = 8192;
		run_corrupt(&f, true);
		/* a slice that claims a huge length: capped, not allocated */
		f.allgs[1] = f.allgs[2] = 1ull << 40;
		f.reads = 0;
		run_corrupt(&f, true);
		assert_true(f.reads < 10 * 1000 * 1000);
	}
	godwarf_layout_done(&l);
}

/* A sudog whose waitlink leads back to itself: the walk must end (it looped, growing without bound). */
static void
test_semtable_waitlink_loop(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	struct fake f;
	int pie;

	(void)state;
	if (access(fixture("gorwqueue"), R_OK) != 0)
		skip();
	assert_int_equal(godwarf_load(fixture("gorwqueue"), &l, &pie, &e), GODWARF_OK);
	assert_true(l.semtable_addr != 0 && l.semaroot_treap.off >= 0 && l.sudog_waitlink.off >= 0);
	memset(&f, 0, sizeof f);
	f.zero = true;
	f.word_addr[0] = l.semtable_addr + (uint64_t)l.semtable_root_off + (uint64_t)l.semaroot_treap.off;
	f.word[0] = 0xc000010000;
	f.word_addr[1] = 0xc000010000 + (uint64_t)l.sudog_waitlink.off;
	f.word[1] = 0xc000010000;
	run_corrupt(&f, true);
	assert_true(f.reads < 10 * 1000 * 1000);
	godwarf_layout_done(&l);
}

/* allgs repeating one g pointer 50,000 times: one read of that g, one note, not 50,000 goroutines. */
static void
test_allgs_duplicates(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	struct snapshot *s = snapshot_new(0);
	struct unwinder *u = unwind_new(0);
	void *cache = NULL;
	struct fake f;
	bool noted = false;
	int pie;

	(void)state;
	if (access(fixture("gorwqueue"), R_OK) != 0)
		skip();
	assert_int_equal(godwarf_load(fixture("gorwqueue"), &l, &pie, &e), GODWARF_OK);
	memset(&f, 0, sizeof f);
	f.zero = true;
	f.allgs_addr = l.allgs_addr;
	f.allgs[0] = 0xc000100000;
	f.allgs[1] = f.allgs[2] = 50000;
	f.fill_lo = 0xc000100000;
	f.fill_hi = 0xc000100000 + 8 * 50000;
	f.fill = 0xc000010000;
	s->exe = xstrdup(fixture("gorwqueue"));
	s->read_fallback = fake_read;
	s->read_ctx = &f;
	snapshot_parse_maps(s, "00400000-00600000 rw-p 00000000 00:00 0\n"
	    "c000000000-c000400000 rw-p 00000000 00:00 0\n");
	goruntime_analyze(s, u, &cache);
	assert_non_null(s->go);
	assert_true(s->go->ngs + s->go->ndead + s->go->nunreadable <= 1);
	for (size_t i = 0; i < s->go->nnotes; i++)
		noted |= strstr(s->go->notes[i], "names 49999 gs more than once") != NULL;
	for (size_t i = 0; i < s->go->nnotes && !noted; i++)
		print_message("note: %s\n", s->go->notes[i]);
	assert_true(noted);
	assert_true(f.reads < 5000);	/* the allgs chunks and one g, not 50,000 of them */
	snapshot_free(s);
	goruntime_cache_free(cache);
	unwind_free(u);
	godwarf_layout_done(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_memory),
		cmocka_unit_test(test_semtable_waitlink_loop),
		cmocka_unit_test(test_allgs_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
