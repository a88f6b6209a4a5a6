/* test_output_go.c - the Go parts of the text and JSON dumps, written from a hand-made Go view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "output.h"
#include "output_json_go.h"
#include "output_text_go.h"
#include "snapshot.h"
#include "util.h"

static void
set_frame(struct frame *f, uint64_t pc, const char *function, const char *file, int line, uint64_t offset)
{
	f->pc = pc;
	f->function = function ? xstrdup(function) : NULL;
	f->file = file ? xstrdup(file) : NULL;
	f->line = line;
	f->offset = offset;
}

/* Goroutine 1 running on thread 100 with a cut stack; 2 and 3 blocked on main.mu with one stack. */
static struct snapshot *
make_go_snapshot(void)
{
	struct snapshot *s = snapshot_new(4242);
	struct goinfo *gi = xcalloc(1, sizeof *gi);

	s->go = gi;
	gi->version = xstrdup("go1.22.1");
	gi->notes = xcalloc(1, sizeof *gi->notes);
	gi->notes[0] = xstrdup("a note\x1b[31m");
	gi->nnotes = 1;
	gi->ndead = 2;
	gi->nallgs = 5;
	gi->ngs = 3;
	gi->gs = xcalloc(gi->ngs, sizeof *gi->gs);
	for (size_t i = 0; i < gi->ngs; i++) {
		struct goroutine *g = &gi->gs[i];

		g->id = i + 1;
		g->lock = -1;
		g->wait_seconds = -1;
		if (i == 0) {
			g->status = 2;
			g->state = STATE_RUNNING;
			g->tid = 100;
			g->nframes = 1;
			g->frames = xcalloc(1, sizeof *g->frames);
			set_frame(&g->frames[0], 0x401014, "main.main", "main.go", 10, 0x14);
			g->unwind_error = xstrdup("stack unreadable");
			continue;
		}
		g->status = 4;
		g->state = STATE_BLOCKED;
		g->wait_reason = xstrdup("semacquire");
		g->wait_seconds = 120;
		g->role = GOWAIT_MUTEX;
		g->sema = 0xc000010008;
		g->lock_addr = 0xc000010000;
		g->lock = 1;
		g->parent_id = 1;
		set_frame(&g->created_by, 0x401030, "main.main", "main.go", 20, 0x30);
		g->nframes = 2;
		g->frames = xcalloc(2, sizeof *g->frames);
		set_frame(&g->frames[0], 0x402005, "sync.(*Mutex).Lock", "mutex.go", 81, 0x5);
		g->frames[0].inlined = true;
		set_frame(&g->frames[1], 0x403000, NULL, NULL, 0, 0);
	}
	s->nlocks = 2;
	s->locks = xcalloc(s->nlocks, sizeof *s->locks);
	s->locks[0].kind = LOCK_MUTEX;		/* not a Go lock: not listed under Go locks */
	s->locks[0].address = 0x1000;
	s->locks[1].kind = LOCK_GO_MUTEX;
	s->locks[1].address = 0xc000010000;
	s->locks[1].symbol = xstrdup("main.mu");
	s->locks[1].note = xstrdup("2 waiters");
	s->locks[1].ngo_waiters = 2;
	s->locks[1].go_waiters = xcalloc(2, sizeof *s->locks[1].go_waiters);
	s->locks[1].go_waiters[0] = 2;
	s->locks[1].go_waiters[1] = 3;
	return s;
}

static char *
text_of(const struct snapshot *s, const struct output_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	output_text_go_print(f, s, o);
	fclose(f);
	return buf;
}

static const char go_head[] =
    "\nGo runtime go1.22.1: 3 goroutines (2 dead or idle not shown)\n"
    "note: a note\\x1b[31m\n"
    "\n";
static const char go_one[] =
    "goroutine 1 [running, thread 100]:\n"
    "main.main(...)\n\tmain.go:10 +0x14\n"
    "... (stack unreadable)\n"
    "\n";
static const char go_stack[] =
    "sync.(*Mutex).Lock(...)\n\tmutex.go:81\n"
    "0x403000(...)\n\t? pc=0x403000\n"
    "created by main.main\n\tmain.go:20 +0x30\n"
    "\n";
static const char go_locks[] =
    "Go locks:\n"
    "  Mutex main.mu (0xc000010000): 2 waiters\n"
    "    waiting goroutines: 2 3\n";

static void
test_text(void **state)
{
	struct snapshot *s = make_go_snapshot();
	struct output_opts o = { .group = false };
	char *want, *got;

	(void)state;
	want = xasprintf("%s%sgoroutine 2 [semacquire, 2 minutes]:\n%sgoroutine 3 [semacquire, 2 minutes]:\n%s%s",
	    go_head, go_one, go_stack, go_stack, go_locks);
	got = text_of(s, &o);
	assert_string_equal(got, want);
	free(got);
	got = text_of(s, NULL);		/* no options: not grouped */
	assert_string_equal(got, want);
	free(got);
	free(want);
	snapshot_free(s);
}

static void
test_text_grouped(void **state)
{
	struct snapshot *s = make_go_snapshot();
	struct output_opts o = { .group = true };
	char *want, *got;

	(void)state;
	/* the biggest group first */
	want = xasprintf("%s2 goroutines [semacquire, 2 minutes]:\ngoroutine ids: 2 3\n%s%s%s",
	    go_head, go_stack, go_one, go_locks);
	got = text_of(s, &o);
	assert_string_equal(got, want);
	free(got);
	free(want);
	snapshot_free(s);
}

static void
test_text_error_and_none(void **state)
{
	struct snapshot *s = snapshot_new(1);
	char *got;

	(void)state;
	got = text_of(s, NULL);		/* not a Go program: nothing */
	assert_string_equal(got, "");
	free(got);
	s->go = xcalloc(1, sizeof *s->go);
	s->go->error = xstrdup("no DWARF");
	got = text_of(s, NULL);
	assert_string_equal(got, "\nGo runtime: no DWARF\n");
	free(got);
	snapshot_free(s);
}

static void
test_json(void **state)
{
	struct snapshot *s = make_go_snapshot();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw w;
	const char *blocked =
	    "\"state\":\"blocked\",\"status\":\"waiting\",\"wait_reason\":\"semacquire\",\"wait_seconds\":120,"
	    "\"wait\":{\"kind\":\"go-mutex\",\"address\":\"0xc000010000\",\"semaphore\":\"0xc000010008\","
	    "\"symbol\":\"main.mu\"},\"thread\":null,"
	    "\"created_by\":{\"pc\":\"0x401030\",\"function\":\"main.main\",\"file\":\"main.go\",\"line\":20,"
	    "\"goroutine\":1},"
	    "\"frames\":[{\"pc\":\"0x402005\",\"function\":\"sync.(*Mutex).Lock\",\"offset\":5,\"module\":null,"
	    "\"file\":\"mutex.go\",\"line\":81,\"inline\":true},"
	    "{\"pc\":\"0x403000\",\"function\":null,\"offset\":0,\"module\":null,\"file\":null,\"line\":0,"
	    "\"inline\":false}],\"unwind_error\":null}";
	char *want;

	(void)state;
	assert_non_null(f);
	jw_init(&w, f, false);
	jw_object_begin(&w);
	output_json_go_print(&w, s);
	jw_object_end(&w);
	assert_int_equal(jw_done(&w), 0);
	fclose(f);
	want = xasprintf("{\"go\":{\"version\":\"go1.22.1\",\"error\":null,\"goroutine_count\":3,\"allgs\":5,"
	    "\"dead\":2,\"unreadable\":0,\"truncated\":false,\"notes\":[\"a note\\u001b[31m\"]},"
	    "\"goroutines\":["
	    "{\"id\":1,\"state\":\"running\",\"status\":\"running\",\"wait_reason\":null,\"wait_seconds\":null,"
	    "\"wait\":null,\"thread\":100,\"created_by\":null,"
	    "\"frames\":[{\"pc\":\"0x401014\",\"function\":\"main.main\",\"offset\":20,\"module\":null,"
	    "\"file\":\"main.go\",\"line\":10,\"inline\":false}],\"unwind_error\":\"stack unreadable\"},"
	    "{\"id\":2,%s,{\"id\":3,%s]}", blocked, blocked);
	assert_string_equal(buf, want);
	free(want);
	free(buf);
	snapshot_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_grouped),
		cmocka_unit_test(test_text_error_and_none),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
