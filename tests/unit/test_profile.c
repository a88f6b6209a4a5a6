/* test_profile.c - aggregation of hand-made snapshots, the summary, and the folded and pprof writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "goruntime.h"
#include "lockgraph.h"
#include "output.h"
#include "profile.h"
#include "snapshot.h"
#include "util.h"

struct tframe {
	uint64_t pc;
	const char *function;	/* NULL: unsymbolized */
	const char *file;
	int line;
	bool inlined;
};

static void
set_frames(struct thread *t, const struct tframe *f, size_t n)
{
	t->frames = xcalloc(n, sizeof *t->frames);
	t->nframes = n;
	for (size_t i = 0; i < n; i++) {
		t->frames[i].pc = f[i].pc;
		t->frames[i].function = f[i].function ? xstrdup(f[i].function) : NULL;
		t->frames[i].file = f[i].file ? xstrdup(f[i].file) : NULL;
		t->frames[i].line = f[i].line;
		t->frames[i].inlined = f[i].inlined;
	}
}

/* Two threads blocked on accounts_lock (one through an inlined call), one running, one gone. */
static struct snapshot *
make_snapshot(int seq)
{
	static const struct tframe blocked[] = {
		{ 0x401010, "lock_wait", "bank.c", 10, true },
		{ 0x401010, "transfer", "bank.c", 20, false },
		{ 0x401100, "worker", "bank.c", 30, false },
		{ 0x7f0000001234, NULL, NULL, 0, false },
	};
	static const struct tframe running[] = {
		{ 0x401200, "spin", "bank.c", 40, false },
		{ 0x401100, "worker", "bank.c", 31, false },
	};
	struct snapshot *s = snapshot_new(4242);
	struct thread *t;

	s->exe = xstrdup("/usr/bin/bank");
	s->taken.tv_sec = 1000 + seq;
	snapshot_parse_maps(s, "00400000-00402000 r-xp 00000000 08:01 1 /usr/bin/bank\n"
	    "7f0000000000-7f0000010000 r-xp 00002000 08:01 2 /lib/libc.so.6\n");
	t = snapshot_add_thread(s, 11);
	t->name = xstrdup("teller\x1b");
	t->state = STATE_BLOCKED;
	t->wait.kind = WAIT_MUTEX;
	t->wait.address = 0x404040;
	t->wait.symbol = xstrdup("accounts_lock");
	set_frames(t, blocked, 4);
	t = snapshot_add_thread(s, 12);
	t->name = xstrdup("teller");
	t->state = STATE_BLOCKED;
	t->wait.kind = WAIT_MUTEX;
	t->wait.address = 0x404040;
	t->wait.symbol = xstrdup("accounts_lock");
	set_frames(t, blocked + 1, 3);
	t = snapshot_add_thread(s, 13);
	t->name = xstrdup("spinner");
	t->state = STATE_RUNNING;
	set_frames(t, running, 2);
	t = snapshot_add_thread(s, 14);
	t->status = CAPTURE_GONE;
	t = snapshot_add_thread(s, 15);
	t->name = xstrdup("waiter");
	t->state = STATE_WAITING;
	t->wait.kind = WAIT_FUTEX;
	t->wait.address = 0x5000;	/* no symbol: the address names it */
	return s;
}

static const struct profile_sample *
find_sample(const struct profile *p, pid_t tid)
{
	for (size_t i = 0; i < p->nsamples; i++)
		if (p->samples[i].tid == tid)
			return &p->samples[i];
	fail_msg("no sample for tid %d", (int)tid);
	return NULL;
}

static struct profile *
make_profile(int n)
{
	struct profile *p = profile_new();

	for (int i = 0; i < n; i++) {
		struct snapshot *s = make_snapshot(i);

		profile_add(p, s);
		snapshot_free(s);
	}
	return p;
}

static void
test_aggregate(void **state)
{
	struct profile *p = make_profile(3);
	const struct profile_sample *a, *b, *c, *w;
	const struct profile_location *loc;
	char label[128];

	(void)state;
	assert_int_equal(p->nsnapshots, 3);
	assert_int_equal(p->nthread_samples, 12);	/* 4 live threads x 3, the gone one skipped */
	assert_int_equal(p->nsamples, 4);
	assert_int_equal(p->first.tv_sec, 1000);
	assert_int_equal(p->last.tv_sec, 1002);
	a = find_sample(p, 11);
	b = find_sample(p, 12);
	c = find_sample(p, 13);
	w = find_sample(p, 15);
	assert_int_equal(a->count, 3);
	assert_int_equal(c->count, 3);
	assert_int_equal(a->state, STATE_BLOCKED);
	assert_string_equal(a->lock, "accounts_lock");
	assert_string_equal(w->lock, "0x5000");
	assert_null(c->lock);
	assert_string_equal(a->thread, "teller\x1b");	/* kept as is; writers sanitize */

	/* The inlined call and its container are one location, innermost line first. */
	assert_int_equal(a->nlocations, 3);
	loc = &p->locations[a->locations[0]];
	assert_int_equal(loc->pc, 0x401010);
	assert_int_equal(loc->nlines, 2);
	assert_string_equal(p->functions[loc->lines[0].function].name, "lock_wait");
	assert_int_equal(loc->lines[0].line, 10);
	assert_string_equal(p->functions[loc->lines[1].function].name, "transfer");
	assert_string_equal(p->mappings[loc->mapping].path, "/usr/bin/bank");
	/* Unsymbolized: named by module and file offset. */
	loc = &p->locations[a->locations[2]];
	assert_string_equal(p->functions[loc->lines[0].function].name, "libc.so.6+0x3234");
	/* Thread 12 has transfer without the inlined call: a different location, same function. */
	assert_int_equal(b->nlocations, 3);
	assert_int_not_equal(b->locations[0], a->locations[0]);
	assert_int_equal(p->locations[b->locations[0]].lines[0].function, p->locations[a->locations[0]].lines[1].function);
	assert_int_equal(b->locations[1], a->locations[1]);
	/* "worker" at two lines is one function. */
	assert_int_equal(p->locations[c->locations[1]].lines[0].function, p->locations[a->locations[1]].lines[0].function);
	/* ... but the same pc at two lines is two locations, whatever the pc shortcut remembers */
	assert_int_not_equal(c->locations[1], a->locations[1]);
	assert_int_equal(p->locations[c->locations[1]].lines[0].line, 31);
	assert_int_equal(p->locations[a->locations[1]].lines[0].line, 30);
	/* The executable's mapping comes first (pprof's main binary). */
	assert_string_equal(p->mappings[0].path, "/usr/bin/bank");
	assert_int_equal(p->nmappings, 2);

	profile_lock_label(a, label, sizeof label);
	assert_string_equal(label, "mutex accounts_lock");
	profile_lock_label(c, label, sizeof label);
	assert_string_equal(label, "");
	profile_free(p);
}

/* Repeated snapshots reuse their locations; a changed address space gets fresh ones. */
static void
test_pc_shortcut(void **state)
{
	struct profile *one = make_profile(1), *p = make_profile(4);
	struct snapshot *s = make_snapshot(9);
	const struct profile_sample *a;
	size_t nloc;

	(void)state;
	assert_int_equal(p->nlocations, one->nlocations);
	assert_int_equal(p->nfunctions, one->nfunctions);
	nloc = p->nlocations;
	/* libc moved: the unsymbolized frame lands in a new mapping at another file offset */
	snapshot_parse_maps(s, "00400000-00402000 r-xp 00000000 08:01 1 /usr/bin/bank\n"
	    "7f0000000000-7f0000010000 r-xp 00005000 08:01 2 /lib/libc.so.6\n");
	s->maps_text = xstrdup("00400000-00402000 r-xp 00000000 08:01 1 /usr/bin/bank\n"
	    "7f0000000000-7f0000010000 r-xp 00005000 08:01 2 /lib/libc.so.6\n");
	profile_add(p, s);
	snapshot_free(s);
	assert_int_equal(p->nlocations, nloc + 1);
	a = find_sample(p, 11);
	assert_non_null(a);
	assert_int_equal(a->count, 4);	/* the old sample: its stack now has another location */
	assert_string_equal(p->functions[p->locations[p->nlocations - 1].lines[0].function].name, "libc.so.6+0x6234");
	profile_free(one);
	profile_free(p);
}

/* A thread the capture marks unchanged counts in its previous sample, without its stack. */
static void
test_unchanged_reuse(void **state)
{
	struct profile *p = profile_new();
	struct snapshot *s = make_snapshot(0);
	const struct profile_sample *c;
	struct thread *t;
	size_t nsamples;

	(void)state;
	profile_add(p, s);
	snapshot_free(s);
	nsamples = p->nsamples;
	s = make_snapshot(1);
	t = snapshot_find_thread(s, 13);
	t->unchanged = true;
	snapshot_frames_free(t->frames, t->nframes);
	t->frames = NULL;	/* had the stack been read, this would be a new sample */
	t->nframes = 0;
	profile_add(p, s);
	snapshot_free(s);
	assert_int_equal(p->nsamples, nsamples);
	c = find_sample(p, 13);
	assert_int_equal(c->count, 2);
	assert_int_equal(c->nlocations, 2);
	/* unchanged, but in another state: counted afresh */
	s = make_snapshot(2);
	t = snapshot_find_thread(s, 13);
	t->unchanged = true;
	t->state = STATE_RUNNABLE;
	profile_add(p, s);
	snapshot_free(s);
	assert_int_equal(p->nsamples, nsamples + 1);
	assert_int_equal(p->nthread_samples, 12);
	profile_free(p);
}

static char *
capture_output(const char *format, int nsnap)
{
	const struct output_format *fmt = output_find(format);
	struct output_opts o = { .rate_hz = 10 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	void *st;

	assert_non_null(fmt);
	assert_non_null(f);
	st = fmt->begin(f, &o);
	for (int i = 0; i < nsnap; i++) {
		struct snapshot *s = make_snapshot(i);

		fmt->add(st, s);
		snapshot_free(s);
	}
	assert_int_equal(fmt->end(st), 0);
	fclose(f);
	return buf;
}

static void
test_summary(void **state)
{
	struct profile *p = make_profile(2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(profile_write_summary(p, f, 10, 5, 3), 0);
	fclose(f);
	assert_non_null(strstr(buf, "2 snapshots, 8 thread samples"));
	assert_non_null(strstr(buf, "blocked 50.0%"));
	assert_non_null(strstr(buf, "mutex accounts_lock"));
	assert_non_null(strstr(buf, "futex 0x5000"));
	assert_non_null(strstr(buf, "lock_wait < transfer < worker < libc.so.6+0x3234"));
	assert_non_null(strstr(buf, "transfer < worker < libc.so.6+0x3234"));
	/* accounts_lock (4 samples) before the futex (2) */
	assert_true(strstr(buf, "accounts_lock") < strstr(buf, "0x5000"));
	assert_null(strchr(buf, '\x1b'));
	free(buf);
	profile_free(p);
}

/* Names from the target never put a C0 or C1 control or invalid UTF-8 into folded output. */
static void
test_folded_hostile_names(void **state)
{
	const struct output_format *fmt = output_find("folded");
	struct output_opts o = { .rate_hz = 10 };
	struct snapshot *s = snapshot_new(10);
	struct thread *t = snapshot_add_thread(s, 11);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	void *st;

	(void)state;
	t->name = xstrdup("x");
	t->state = STATE_RUNNING;
	t->frames = xcalloc(1, sizeof *t->frames);
	t->nframes = 1;
	t->frames[0].pc = 0x401000;
	t->frames[0].function = xstrdup("ev\xc2\x9b" "2J;a\x1b\xff\xc3\xa9" "b");
	st = fmt->begin(f, &o);
	assert_int_equal(fmt->add(st, s), 0);
	assert_int_equal(fmt->end(st), 0);
	fclose(f);
	assert_non_null(strstr(buf, "running;ev_2J_a__\xc3\xa9" "b 1\n"));	/* C1, ';', ESC, a stray byte: '_'; é kept */
	assert_null(memchr(buf, 0x1b, len));
	assert_null(strstr(buf, "\xc2\x9b"));
	free(buf);
	snapshot_free(s);
}

static void
test_folded(void **state)
{
	char *out = capture_output("folded", 3);
	uint64_t total = 0;
	char *line, *save = NULL;

	(void)state;
	assert_non_null(strstr(out, "blocked;libc.so.6+0x3234;worker;transfer;lock_wait;[mutex accounts_lock] 3\n"));
	assert_non_null(strstr(out, "blocked;libc.so.6+0x3234;worker;transfer;[mutex accounts_lock] 3\n"));
	assert_non_null(strstr(out, "running;worker;spin 3\n"));
	assert_non_null(strstr(out, "waiting;[futex 0x5000] 3\n"));
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');

		assert_non_null(sp);
		total += strtoull(sp + 1, NULL, 10);
	}
	assert_int_equal(total, 12);
	free(out);
}

static void
test_pprof_gzip(void **state)
{
	const struct output_format *fmt = output_find("pprof");
	struct output_opts o = { .rate_hz = 10 };
	char *buf = NULL, *plain = xmalloc(1 << 20);
	size_t len = 0;
	uLongf plen;
	z_stream z;
	FILE *f = open_memstream(&buf, &len);
	void *st = fmt->begin(f, &o);
	struct snapshot *s = make_snapshot(0);

	(void)state;
	fmt->add(st, s);
	snapshot_free(s);
	assert_int_equal(fmt->end(st), 0);
	fclose(f);
	assert_true(len > 20);
	assert_int_equal((uint8_t)buf[0], 0x1f);	/* gzip magic */
	assert_int_equal((uint8_t)buf[1], 0x8b);
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 31), Z_OK);
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)plain;
	z.avail_out = 1 << 20;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	plen = z.total_out;
	inflateEnd(&z);
	/* first field: sample_type (1), length-delimited */
	assert_int_equal((uint8_t)plain[0], 0x0a);
	assert_true(memmem(plain, plen, "accounts_lock", 13) != NULL);
	assert_true(memmem(plain, plen, "lock_wait", 9) != NULL);
	assert_true(memmem(plain, plen, "nanoseconds", 11) != NULL);
	free(plain);
	free(buf);
}

/* The summary starts at the libc function the program called, not at libc's futex internals. */
static void
test_summary_skips_libc(void **state)
{
	static const struct tframe f[] = {
		{ 0x7f0000001000, "futex_wait", "futex-internal.h", 146, true },
		{ 0x7f0000001000, "__lll_lock_wait", "lowlevellock.c", 49, false },
		{ 0x7f0000002000, "lll_mutex_lock_optimized", "pthread_mutex_lock.c", 48, true },
		{ 0x7f0000002000, "__pthread_mutex_lock", "pthread_mutex_lock.c", 93, false },
		{ 0x401100, "worker", "bank.c", 30, false },
		{ 0x7f0000003000, "start_thread", "pthread_create.c", 442, false },
	};
	struct snapshot *s = snapshot_new(1);
	struct profile *p = profile_new();
	struct thread *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	snapshot_parse_maps(s, "00400000-00402000 r-xp 00000000 08:01 1 /usr/bin/bank\n"
	    "7f0000000000-7f0000010000 r-xp 00002000 08:01 2 /lib/x86_64-linux-gnu/libc.so.6\n");
	t = snapshot_add_thread(s, 2);
	t->state = STATE_BLOCKED;
	t->wait.kind = WAIT_MUTEX;
	t->wait.address = 0x404040;
	set_frames(t, f, 6);
	profile_add(p, s);
	out = open_memstream(&buf, &len);
	assert_int_equal(profile_write_summary(p, out, 0, 5, 3), 0);
	fclose(out);
	assert_non_null(strstr(buf, "  __pthread_mutex_lock < worker < start_thread\n"));
	assert_null(strstr(buf, "futex_wait"));
	free(buf);
	profile_free(p);
	snapshot_free(s);
}

/* A Go target: goroutines are counted next to the threads, with their lock and wait reason. */
static void
test_goroutines(void **state)
{
	static const struct tframe deposit[] = {
		{ 0x402000, "runtime.gopark", "proc.go", 381, false },
		{ 0x402100, "sync.(*Mutex).lockSlow", "mutex.go", 138, false },
		{ 0x402200, "main.deposit", "main.go", 27, false },
	};
	struct profile *p = profile_new();
	const struct profile_sample *g7 = NULL, *g8 = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (int n = 0; n < 2; n++) {
		struct snapshot *s = make_snapshot(n);
		struct thread tmp;

		s->locks = xcalloc(1, sizeof *s->locks);
		s->nlocks = 1;
		s->locks[0].address = 0x55b060;
		s->locks[0].kind = LOCK_GO_MUTEX;
		s->locks[0].symbol = xstrdup("main.accountsMu");
		s->go = xcalloc(1, sizeof *s->go);
		s->go->gs = xcalloc(2, sizeof *s->go->gs);
		s->go->ngs = 2;
		s->go->gs[0].id = 7;
		s->go->gs[0].state = STATE_BLOCKED;
		s->go->gs[0].role = GOWAIT_MUTEX;
		s->go->gs[0].lock_addr = 0x55b060;
		s->go->gs[0].lock = 0;
		s->go->gs[0].wait_reason = xstrdup("semacquire");
		memset(&tmp, 0, sizeof tmp);
		set_frames(&tmp, deposit, 3);
		s->go->gs[0].frames = tmp.frames;
		s->go->gs[0].nframes = tmp.nframes;
		s->go->gs[1].id = 8;
		s->go->gs[1].state = STATE_SLEEPING;
		s->go->gs[1].lock = -1;
		s->go->gs[1].wait_reason = xstrdup("sleep");
		profile_add(p, s);
		snapshot_free(s);
	}
	assert_int_equal(p->nthread_samples, 2 * (4 + 2));
	for (size_t i = 0; i < p->nsamples; i++) {
		if (p->samples[i].goid == 7)
			g7 = &p->samples[i];
		if (p->samples[i].goid == 8)
			g8 = &p->samples[i];
	}
	assert_non_null(g7);
	assert_non_null(g8);
	assert_int_equal(g7->count, 2);
	assert_int_equal(g7->tid, 0);
	assert_string_equal(g7->thread, "goroutine");
	assert_int_equal(g7->wait, WAIT_MUTEX);
	assert_string_equal(g7->lock, "main.accountsMu");
	assert_string_equal(g7->go_wait, "semacquire");
	assert_int_equal(g7->nlocations, 3);
	assert_null(g8->lock);
	assert_int_equal(g8->nlocations, 0);

	f = open_memstream(&buf, &len);
	assert_int_equal(profile_write_summary(p, f, 10, 5, 3), 0);
	fclose(f);
	assert_non_null(strstr(buf, "mutex main.accountsMu"));
	assert_non_null(strstr(buf, "runtime.gopark < sync.(*Mutex).lockSlow < main.deposit"));
	free(buf);
	profile_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_pc_shortcut),
		cmocka_unit_test(test_unchanged_reuse),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_folded_hostile_names),
		cmocka_unit_test(test_pprof_gzip),
		cmocka_unit_test(test_goroutines),
		cmocka_unit_test(test_summary_skips_libc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
