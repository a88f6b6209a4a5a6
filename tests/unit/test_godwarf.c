/* test_godwarf.c - the Go layout reader against the Go fixtures built by `make gofixtures`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "godwarf.h"

static const char *
fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("GOFIXTURES");

	snprintf(path, sizeof path, "%s/%s", dir ? dir : "build/gofixtures", name);
	return path;
}

static void
test_layout_go119(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie;
	const char *p = fixture("gorwqueue");

	(void)state;
	if (access(p, R_OK) != 0) {
		print_message("%s missing: run make gofixtures\n", p);
		skip();
	}
	assert_int_equal(godwarf_load(p, &l, &pie, &e), GODWARF_OK);
	assert_int_equal(pie, 0);
	assert_true(l.allgs_addr != 0);
	assert_true(l.allglen_addr != 0);
	assert_true(l.g_size > 200 && l.g_size < 4096);
	/* gobuf is {sp, pc, g, ctxt, ret, lr, bp} */
	assert_int_equal(l.g_sched_pc.off, l.g_sched_sp.off + 8);
	assert_true(l.g_sched_bp.off > l.g_sched_pc.off);
	assert_int_equal(l.g_stack_lo.off, 0);
	assert_int_equal(l.g_stack_hi.off, 8);
	assert_int_equal(l.g_goid.size, 8);
	assert_int_equal(l.g_atomicstatus.size, 4);
	assert_int_equal(l.g_waitreason.size, 1);
	assert_true(l.g_waitsince.off > 0);
	assert_true(l.g_gopc.off > 0);
	assert_true(l.m_procid.off > 0);
	assert_int_equal(l.m_procid.size, 8);
	assert_true(l.sudog_elem.off > 0);
	assert_true(l.semaroot_treap.off >= 0);
	/* sync.Mutex{state int32; sema uint32} and RWMutex{w Mutex; writerSem, readerSem uint32; ...} */
	assert_int_equal(l.mutex_size, 8);
	assert_int_equal(l.mutex_state.off, 0);
	assert_int_equal(l.mutex_sema.off, 4);
	assert_int_equal(l.rw_w.off, 0);
	assert_int_equal(l.rw_writersem.off, 8);
	assert_int_equal(l.rw_readersem.off, 12);
	assert_int_equal(l.rw_readercount.off, 16);
	assert_int_equal(l.rw_readerwait.off, 20);
	assert_int_equal(l.semtable_count, 251);
	assert_true(l.semtable_addr != 0 && l.semtable_stride >= l.semaroot_size);
	assert_true(l.nwaitreasons >= 20 && l.nwaitreasons < 256);
	assert_true(l.waitreasons_addr != 0);
	assert_true(l.buildversion_addr != 0);
	/* Mutex.Lock and RWMutex.RLock are inlined into their callers: their copies count too */
	for (int i = 0; i < GOFN_COUNT; i++)
		assert_true(l.funcs[i].n > 0);
	assert_true(godwarf_in_func(&l, GOFN_RW_LOCK, l.funcs[GOFN_RW_LOCK].r[0].lo));
	assert_false(godwarf_in_func(&l, GOFN_RW_RLOCK, l.funcs[GOFN_RW_LOCK].r[0].lo));
	godwarf_layout_done(&l);
}

/* goholders: type queue struct{items []int; mu sync.RWMutex}, type account struct{balance int; mu sync.Mutex} */
static void
test_lockmembers(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie;
	const struct godwarf_lockmember *m;
	const char *p = fixture("goholders");

	(void)state;
	if (access(p, R_OK) != 0) {
		print_message("%s missing: run make gofixtures\n", p);
		skip();
	}
	assert_int_equal(godwarf_load(p, &l, &pie, &e), GODWARF_OK);
	assert_int_equal(godwarf_lockmembers_of(&l, "main.queue", &m), 1);
	assert_string_equal(m->member, "mu");
	assert_int_equal(m->off, 24);
	assert_true(m->rw);
	assert_int_equal(godwarf_lockmembers_of(&l, "main.account", &m), 1);
	assert_string_equal(m->member, "mu");
	assert_int_equal(m->off, 8);
	assert_false(m->rw);
	/* the runtime's and sync's own structs are not listed; unknown types have none */
	assert_int_equal(godwarf_lockmembers_of(&l, "sync.RWMutex", &m), 0);
	assert_int_equal(godwarf_lockmembers_of(&l, "main.nosuch", &m), 0);
	for (size_t i = 1; i < l.nlockmembers; i++)
		assert_true(strcmp(l.lockmembers[i - 1].type, l.lockmembers[i].type) <= 0);
	godwarf_layout_done(&l);
}

static void
test_no_dwarf(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie;
	const char *p = fixture("gonodwarf");

	(void)state;
	if (access(p, R_OK) != 0)
		skip();
	assert_int_equal(godwarf_load(p, &l, &pie, &e), GODWARF_NO_DWARF);
	assert_non_null(strstr(e.msg, "DWARF"));
	godwarf_layout_done(&l);
}

/* tests/fixtures/hostile/gobigoff.c: runtime.g's sched at 0x7fffff00, sched.bp's summed offset past
 * INT32_MAX, a program mutex at 0x7ffffff0; -small claims g is 512 bytes. */
static void
test_offsets_near_int32_max(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie;
	char p[512];
	const char *dir = getenv("FIXTURES");

	(void)state;
	snprintf(p, sizeof p, "%s/gobigoff", dir ? dir : "build/fixtures");
	if (access(p, R_OK) != 0) {
		print_message("%s missing: run make fixtures\n", p);
		skip();
	}
	/* g is 0x80000048 bytes: refused, and the message says why */
	assert_int_equal(godwarf_load(p, &l, &pie, &e), GODWARF_ERROR);
	assert_non_null(strstr(e.msg, "runtime.g"));
	assert_non_null(strstr(e.msg, "implausible"));
	godwarf_layout_done(&l);

	strncat(p, "-small", sizeof p - strlen(p) - 1);
	assert_int_equal(godwarf_load(p, &l, &pie, &e), GODWARF_OK);
	assert_int_equal(l.g_size, 0x200);
	assert_int_equal(l.g_sched_sp.off, 0x7fffff10);
	assert_int_equal(l.g_sched_pc.off, 0x7fffff18);
	assert_int_equal(l.g_sched_bp.off, -1);	/* 0x7fffff00 + 0x140 is past INT32_MAX */
	assert_int_equal(l.nlockmembers, 1);
	assert_int_equal(l.lockmembers[0].off, 0x7ffffff0);
	assert_string_equal(l.lockmembers[0].member, "mu");
	godwarf_layout_done(&l);
}

static void
test_not_go(void **state)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie;

	(void)state;
	assert_int_equal(godwarf_load("/bin/sh", &l, &pie, &e), GODWARF_NOT_GO);
	assert_int_equal(godwarf_load("/nonexistent/holdup-test", &l, &pie, &e), GODWARF_ERROR);
	assert_int_equal(godwarf_load("/etc/passwd", &l, &pie, &e), GODWARF_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_go119),
		cmocka_unit_test(test_lockmembers),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_offsets_near_int32_max),
		cmocka_unit_test(test_not_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
