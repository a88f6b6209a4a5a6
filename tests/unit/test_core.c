/* test_core.c - the core file reader: small cores built in memory, valid and broken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "corebuild.h"
#include "snapshot.h"
#include "util.h"

#define STACK_TOP 0x7ff000000000ULL
#define EXE_AT 0x400000ULL

static uint8_t stackmem[8192];

/* Opens the core buf holds; returns capture_open_core's status, the snapshot in *out if it worked. */
static int
open_core(const uint8_t *buf, size_t len, struct snapshot **out, struct err *e)
{
	struct capture *c = NULL;
	int fd, rc;
	const char *path = cb_memfile(buf, len, &fd);

	*out = NULL;
	assert_non_null(path);
	rc = capture_open_core(path, NULL, &c, e);
	if (rc == 0) {
		assert_int_equal(capture_snapshot(c, out, e), 0);
		assert_false(capture_target_alive(c));
		capture_close(c);
	}
	close(fd);
	return rc;
}

/* Two threads, psinfo, one exe mapping, a stack segment. */
static uint8_t *
valid_core(size_t *len, int cls)
{
	struct cb b = { 0 };
	static const uint64_t ent[1][3] = { { EXE_AT, EXE_AT + 0x1000, 0 } };
	static const char *const paths[1] = { "/usr/bin/demo" };
	uint64_t auxv[4] = { AT_PHDR, EXE_AT + 64, AT_NULL, 0 };

	for (size_t i = 0; i < sizeof stackmem; i++)
		stackmem[i] = (uint8_t)i;
	cb_thread(&b, 101, EXE_AT + 0x10, STACK_TOP - 4096, 202);
	cb_thread(&b, 100, EXE_AT + 0x20, STACK_TOP - 2048, -1);
	cb_psinfo(&b, 100, "demo", "demo --flag");
	cb_files(&b, 1, 1, ent, paths);
	cb_note(&b, "CORE", NT_AUXV, auxv, sizeof auxv);
	cb_note(&b, "HOLDUP", 1, "facts", 5);	/* handed to corenote_apply, which may use it */
	cb_load(&b, STACK_TOP - sizeof stackmem, sizeof stackmem, stackmem, sizeof stackmem);
	return cb_finish(&b, cls, len);
}

static void
test_valid(void **state)
{
	size_t len;
	uint8_t *buf = valid_core(&len, ELFCLASS64), w[16];
	struct snapshot *s;
	struct err e = { "" };

	(void)state;
	assert_int_equal(open_core(buf, len, &s, &e), 0);
	assert_int_equal(s->pid, 100);
	assert_int_equal(s->nthreads, 2);
	assert_int_equal(s->threads[0].tid, 100);	/* sorted by TID */
	assert_int_equal(s->threads[1].tid, 101);
	assert_true(s->threads[1].regs_valid);
	assert_int_equal(s->threads[1].regs.sp, STACK_TOP - 4096);
	assert_int_equal(s->threads[1].syscall, 202);
	assert_int_equal(s->threads[0].syscall, -1);
	assert_int_equal(s->threads[0].proc_state, '\0');
	assert_non_null(s->threads[0].state_reason);
	assert_null(s->threads[0].name);
	assert_string_equal(s->cmdline, "demo --flag");
	assert_string_equal(s->exe, "/usr/bin/demo");
	assert_int_equal(s->capture_mode, CAPTURE_MODE_CORE);
	/* a corrupt holdup note ("facts") is said, not fatal */
	assert_non_null(s->capture_note);
	assert_non_null(strstr(s->capture_note, "holdup note not used"));
	assert_non_null(strstr(s->source, "core file "));
	/* the stack top copy starts at sp minus the red zone and stops where the core's memory ends */
	assert_non_null(s->threads[1].stack);
	assert_int_equal(s->threads[1].stack_addr, STACK_TOP - 4096 - arch_native->red_zone);
	assert_int_equal(s->threads[1].stack_len, 4096 + arch_native->red_zone);
	/* memory reads: inside the segment, across its end (short), outside (none) */
	assert_int_equal(snapshot_read(s, STACK_TOP - 16, w, 16), 16);
	assert_memory_equal(w, stackmem + sizeof stackmem - 16, 16);
	assert_int_equal(snapshot_read(s, STACK_TOP - 8, w, 16), 8);
	assert_int_equal(snapshot_read(s, 0x1000, w, 16), -1);
	/* the maps: the exe's file mapping and the anonymous stack segment */
	assert_int_equal(s->nmaps, 2);
	assert_string_equal(s->maps[0].path, "/usr/bin/demo");
	assert_int_equal(s->maps[0].ino, 0);
	assert_non_null(strstr(s->maps_text, "/usr/bin/demo"));
	snapshot_free(s);
	free(buf);
}

static void
expect_error(const uint8_t *buf, size_t len, const char *want)
{
	struct snapshot *s;
	struct err e = { "" };

	assert_int_equal(open_core(buf, len, &s, &e), -1);
	assert_null(s);
	if (strstr(e.msg, want) == NULL)
		fail_msg("error '%s' does not say '%s'", e.msg, want);
}

static void
test_truncated(void **state)
{
	size_t len;
	uint8_t *buf = valid_core(&len, ELFCLASS64);

	(void)state;
	expect_error(buf, 10, "too short");
	expect_error(buf, 40, "ELF header truncated");
	expect_error(buf, sizeof(Elf64_Ehdr) + 10, "program headers truncated");
	/* the notes cut in the middle */
	expect_error(buf, sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 300, "truncated");
	free(buf);
}

static void
test_not_core(void **state)
{
	size_t len;
	uint8_t *buf = valid_core(&len, ELFCLASS32);
	static const uint8_t text[] = "hello, this is not an ELF file at all, just text\n";

	(void)state;
	expect_error(buf, len, "32-bit");
	free(buf);
	buf = valid_core(&len, ELFCLASS64);
	((Elf64_Ehdr *)buf)->e_type = ET_EXEC;
	expect_error(buf, len, "not a core file");
	free(buf);
	expect_error(text, sizeof text, "not an ELF file");
}

static void
test_overlap_and_huge_loads(void **state)
{
	struct cb b = { 0 };
	size_t len;
	uint8_t *buf;
	struct snapshot *s;
	struct err e = { "" };
	uint8_t w[8];

	(void)state;
	cb_thread(&b, 7, 0x1000, STACK_TOP - 64, -1);
	cb_load(&b, STACK_TOP - 4096, 4096, stackmem, 4096);
	cb_load(&b, STACK_TOP - 2048, 4096, stackmem, 4096);
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "overlap");
	free(buf);

	/* a segment claiming more file bytes than the file has */
	memset(&b, 0, sizeof b);
	cb_thread(&b, 7, 0x1000, STACK_TOP - 64, -1);
	cb_load(&b, STACK_TOP - 4096, 4096, stackmem, 4096);
	buf = cb_finish(&b, ELFCLASS64, &len);
	((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))[1].p_filesz = 1ULL << 40;
	((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))[1].p_memsz = 1ULL << 40;
	expect_error(buf, len, "truncated");
	/* a huge memory size with few file bytes is fine: only the dumped bytes are read */
	((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))[1].p_filesz = 4096;
	((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))[1].p_memsz = 1ULL << 40;
	assert_int_equal(open_core(buf, len, &s, &e), 0);
	assert_int_equal(snapshot_read(s, STACK_TOP - 8, w, 8), 8);
	assert_int_equal(snapshot_read(s, STACK_TOP + 4096, w, 8), -1);	/* not dumped: unknown, not zeros */
	snapshot_free(s);
	free(buf);
}

static void
test_too_many_threads(void **state)
{
	struct cb b = { 0 };
	size_t len;
	uint8_t *buf;

	(void)state;
	for (int i = 1; i <= 16385; i++)
		cb_thread(&b, i, 0x1000, STACK_TOP - 64, -1);
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "more than 16384 threads");
	free(buf);
	memset(&b, 0, sizeof b);
	cb_thread(&b, 5, 0x1000, STACK_TOP - 64, -1);
	cb_thread(&b, 5, 0x1000, STACK_TOP - 64, -1);
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "there twice");
	free(buf);
}

static void
test_bad_nt_file(void **state)
{
	static const uint64_t ent[1][3] = { { EXE_AT, EXE_AT + 0x1000, 0 } };
	static const uint64_t backwards[1][3] = { { EXE_AT + 0x1000, EXE_AT, 0 } };
	static const char *const paths[1] = { "/bin/x" };
	struct cb b = { 0 };
	size_t len;
	uint8_t *buf;

	(void)state;
	cb_thread(&b, 5, 0x1000, STACK_TOP - 64, -1);
	cb_files(&b, 1000000, 1, ent, paths);	/* claims a million files */
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "NT_FILE");
	free(buf);
	memset(&b, 0, sizeof b);
	cb_thread(&b, 5, 0x1000, STACK_TOP - 64, -1);
	cb_files(&b, 40, 1, ent, paths);	/* 40 entries do not fit */
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "NT_FILE note truncated");
	free(buf);
	memset(&b, 0, sizeof b);
	cb_thread(&b, 5, 0x1000, STACK_TOP - 64, -1);
	cb_files(&b, 1, 1, backwards, paths);	/* end before start */
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "NT_FILE");
	free(buf);
}

static void
test_no_threads(void **state)
{
	struct cb b = { 0 };
	size_t len;
	uint8_t *buf;

	(void)state;
	cb_psinfo(&b, 9, "x", "x");
	buf = cb_finish(&b, ELFCLASS64, &len);
	expect_error(buf, len, "no NT_PRSTATUS");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_not_core),
		cmocka_unit_test(test_overlap_and_huge_loads),
		cmocka_unit_test(test_too_many_threads),
		cmocka_unit_test(test_bad_nt_file),
		cmocka_unit_test(test_no_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
