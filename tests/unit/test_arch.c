/* test_arch.c - the arch seam: syscall table and class column, register conversion, call decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <cmocka.h>

#include "arch.h"
#include "lockdecode.h"
#include "syscalls.h"

/* Names every Linux architecture has (the generic table dropped poll, select, pause...). */
static const char *const test_common[] = {
	"read", "write", "futex", "nanosleep", "clock_nanosleep", "ppoll", "pselect6", "epoll_pwait",
	"wait4", "accept4", "recvfrom", "getpid", "gettid", "exit_group",
};

static void
test_syscall_names(void **state)
{
	size_t named = 0;

	(void)state;
	for (size_t i = 0; i < sizeof test_common / sizeof test_common[0]; i++) {
		long nr = syscalls_number(test_common[i]);

		assert_true(nr >= 0);
		assert_string_equal(syscalls_name(nr), test_common[i]);
	}
	/* every row's name leads back to its own number: names are unique */
	for (size_t i = 0; i < arch_nsyscalls; i++) {
		if (arch_syscalls[i].name == NULL)
			continue;
		named++;
		assert_int_equal(syscalls_number(arch_syscalls[i].name), (long)i);
	}
	assert_true(named > 200);
	assert_int_equal(syscalls_number("no_such_call"), -1);
	assert_null(syscalls_name(-1));
	assert_null(syscalls_name(-2));
	assert_null(syscalls_name((long)arch_nsyscalls));
	assert_null(syscalls_name(1L << 40));
}

/* name's class, if this architecture has it (an absent one is not a failure). */
static void
check_class(const char *name, enum arch_syscall_class want, bool everywhere)
{
	long nr = syscalls_number(name);

	if (nr < 0) {
		assert_false(everywhere);
		return;
	}
	if (syscalls_classify(nr) != want)
		fail_msg("%s: class %d, want %d", name, (int)syscalls_classify(nr), (int)want);
}

static void
test_syscall_classes(void **state)
{
	(void)state;
	check_class("futex", ARCH_SYSCALL_FUTEX_WAIT, true);
	check_class("futex_waitv", ARCH_SYSCALL_FUTEX_WAIT, true);
	check_class("nanosleep", ARCH_SYSCALL_SLEEP, true);
	check_class("clock_nanosleep", ARCH_SYSCALL_SLEEP, true);
	check_class("read", ARCH_SYSCALL_IO_FD, true);
	check_class("write", ARCH_SYSCALL_IO_FD, true);
	check_class("accept4", ARCH_SYSCALL_IO_FD, true);
	check_class("recvmsg", ARCH_SYSCALL_IO_FD, true);
	check_class("fsync", ARCH_SYSCALL_IO_FD, true);
	check_class("flock", ARCH_SYSCALL_IO_FD, true);
	check_class("io_uring_enter", ARCH_SYSCALL_IO_FD, true);
	check_class("poll", ARCH_SYSCALL_IO_POLL, false);
	check_class("ppoll", ARCH_SYSCALL_IO_POLL, true);
	check_class("select", ARCH_SYSCALL_IO_SELECT, false);
	check_class("pselect6", ARCH_SYSCALL_IO_SELECT, true);
	check_class("epoll_wait", ARCH_SYSCALL_IO_EPOLL, false);
	check_class("epoll_pwait", ARCH_SYSCALL_IO_EPOLL, true);
	check_class("epoll_pwait2", ARCH_SYSCALL_IO_EPOLL, true);
	check_class("pause", ARCH_SYSCALL_EVENT, false);
	check_class("wait4", ARCH_SYSCALL_EVENT, true);
	check_class("waitid", ARCH_SYSCALL_EVENT, true);
	check_class("rt_sigtimedwait", ARCH_SYSCALL_EVENT, true);
	check_class("semtimedop", ARCH_SYSCALL_EVENT, true);
	check_class("sched_yield", ARCH_SYSCALL_EVENT, true);
	check_class("getpid", ARCH_SYSCALL_OTHER, true);
	check_class("mmap", ARCH_SYSCALL_OTHER, true);
	check_class("epoll_ctl", ARCH_SYSCALL_OTHER, true);
	assert_int_equal(syscalls_classify(-1), ARCH_SYSCALL_OTHER);
	assert_int_equal(syscalls_classify((long)arch_nsyscalls + 5), ARCH_SYSCALL_OTHER);
}

static void
test_info(void **state)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	Elf64_Ehdr eh;
	unsigned bits = 0;

	(void)state;
	/* holdup unwinds its own kind of ELF: the test binary is one */
	assert_non_null(f);
	assert_int_equal(fread(&eh, sizeof eh, 1, f), 1);
	fclose(f);
	assert_int_equal(eh.e_machine, arch.elf_machine);
	assert_non_null(arch.name);
	assert_true(arch.dwarf_nregs > 0 && arch.dwarf_nregs <= ARCH_DWARF_MAX);
	assert_true(arch.dwarf_sp < arch.dwarf_nregs && arch.dwarf_fp < arch.dwarf_nregs);
	assert_true(arch.dwarf_sp != arch.dwarf_fp);
	assert_true(arch.dwarf_ra < ARCH_DWARF_MAX);
	assert_true(arch.ptr_regs != 0 && (arch.ptr_regs >> arch.dwarf_nregs) == 0);
	for (int i = 0; i < 64; i++)
		bits += (arch.perf_regs_mask >> i) & 1;
	assert_int_equal(bits, arch.perf_nregs);
	assert_true(arch.perf_nregs <= ARCH_PERF_MAX);
	assert_true(arch.go_fp_slot < 2 && arch.go_ra_slot < 2 && arch.go_fp_slot != arch.go_ra_slot);
}

static void
test_lock_layouts_by_arch(void **state)
{
	(void)state;
	assert_non_null(lockdecode_layout_lookup("x86_64", 2036));
	assert_null(lockdecode_layout_lookup("aarch64", 2036));
	assert_null(lockdecode_layout_lookup("x86_64", 2017));
	assert_ptr_equal(lockdecode_layout_for(2036), lockdecode_layout_lookup(arch.name, 2036));
}

#if defined(__x86_64__)
/* A register set as PTRACE_GETREGSET (NT_PRSTATUS) returns it: 27 words, word i holding 0x100 + i. */
static void
test_x86_64_prstatus(void **state)
{
	uint64_t g[27];
	struct arch_regs r;

	(void)state;
	for (int i = 0; i < 27; i++)
		g[i] = 0x100 + (uint64_t)i;
	assert_int_equal(arch_regs_from_prstatus(g, sizeof g - 8, &r), -1);
	assert_int_equal(arch_regs_from_prstatus(g, sizeof g, &r), 0);
	/* the kernel's order: 15 general registers from the last one down, then the syscall
	 * number, the pc, cs, flags, sp ... */
	assert_int_equal(r.pc, 0x110);
	assert_int_equal(r.sp, 0x113);
	assert_int_equal(r.fp, 0x104);
	assert_int_equal(r.syscall_nr, 0x10f);
	assert_int_equal(r.retval, 0x10a);
	/* the syscall convention: arguments in words 14, 13, 12, 7, 9, 8 */
	assert_int_equal(r.args[0], 0x10e);
	assert_int_equal(r.args[1], 0x10d);
	assert_int_equal(r.args[2], 0x10c);
	assert_int_equal(r.args[3], 0x107);
	assert_int_equal(r.args[4], 0x109);
	assert_int_equal(r.args[5], 0x108);
	/* DWARF order for the unwinder: 16 registers, sp at 7, fp at 6 */
	assert_int_equal(r.dwarf_valid, 0xffff);
	assert_int_equal(r.dwarf[0], 0x10a);
	assert_int_equal(r.dwarf[1], 0x10c);
	assert_int_equal(r.dwarf[2], 0x10b);
	assert_int_equal(r.dwarf[3], 0x105);
	assert_int_equal(r.dwarf[4], 0x10d);
	assert_int_equal(r.dwarf[5], 0x10e);
	assert_int_equal(r.dwarf[arch.dwarf_fp], r.fp);
	assert_int_equal(r.dwarf[arch.dwarf_sp], r.sp);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.dwarf[8 + i], 0x109 - (uint64_t)i);	/* words 9 down to 6 */
		assert_int_equal(r.dwarf[12 + i], 0x103 - (uint64_t)i);	/* words 3 down to 0 */
	}
	/* outside a syscall the kernel keeps -1 as the number */
	g[15] = (uint64_t)-1;
	assert_int_equal(arch_regs_from_prstatus(g, sizeof g, &r), 0);
	assert_int_equal(r.syscall_nr, -1);
}

/* A perf sample's 20 registers, value i at position i. */
static void
test_x86_64_perf(void **state)
{
	uint64_t v[ARCH_PERF_MAX];
	struct arch_regs r;

	(void)state;
	for (int i = 0; i < ARCH_PERF_MAX; i++)
		v[i] = 0x1000 + (uint64_t)i;
	arch_regs_from_perf(v, &r);
	assert_int_equal(r.pc, 0x1008);
	assert_int_equal(r.sp, 0x1007);
	assert_int_equal(r.fp, 0x1006);
	assert_int_equal(r.retval, 0x1000);
	assert_int_equal(r.syscall_nr, -1);
	assert_int_equal(r.args[0], 0x1005);
	assert_int_equal(r.args[1], 0x1004);
	assert_int_equal(r.args[2], 0x1003);
	assert_int_equal(r.args[3], 0x100e);
	assert_int_equal(r.args[4], 0x100c);
	assert_int_equal(r.args[5], 0x100d);
	assert_int_equal(r.dwarf_valid, 0xffff);
	assert_int_equal(r.dwarf[1], 0x1003);
	assert_int_equal(r.dwarf[2], 0x1002);
	assert_int_equal(r.dwarf[3], 0x1001);
	assert_int_equal(r.dwarf[15], 0x1013);
}

/* The 8 bytes before ra = 0x5000 ending in the given encoding. */
static bool
call_at_end(const uint8_t *enc, size_t n, uint64_t *target)
{
	uint8_t b[ARCH_CALL_BYTES];

	memset(b, 0x90, sizeof b);	/* nop */
	if (n > 0)
		memcpy(b + sizeof b - n, enc, n);
	return arch_call_decode(b, 0x5000, target);
}

static void
test_x86_64_calls(void **state)
{
	static const uint8_t direct[] = { 0xe8, 0x00, 0x01, 0x00, 0x00 };		/* call .+0x100 */
	static const uint8_t back[] = { 0xe8, 0x00, 0xf0, 0xff, 0xff };		/* call .-0x1000 */
	static const uint8_t reg[] = { 0xff, 0xd0 };					/* call *(first register) */
	static const uint8_t rexreg[] = { 0x41, 0xff, 0xd3 };				/* call *(an extended register) */
	static const uint8_t disp8[] = { 0xff, 0x50, 0x08 };				/* call *8(reg) */
	static const uint8_t disp32[] = { 0xff, 0x90, 0x00, 0x01, 0x00, 0x00 };	/* call *0x100(reg) */
	static const uint8_t pcrel[] = { 0xff, 0x15, 0x10, 0x00, 0x00, 0x00 };	/* call *0x10(pc) */
	static const uint8_t notcall[] = { 0x48, 0x89, 0xc7 };				/* a move */
	uint64_t t;

	(void)state;
	assert_true(call_at_end(direct, sizeof direct, &t));
	assert_int_equal(t, 0x5100);
	assert_true(call_at_end(back, sizeof back, &t));
	assert_int_equal(t, 0x4000);
	assert_true(call_at_end(reg, sizeof reg, &t));
	assert_int_equal(t, 0);
	assert_true(call_at_end(rexreg, sizeof rexreg, &t));
	assert_int_equal(t, 0);
	assert_true(call_at_end(disp8, sizeof disp8, &t));
	assert_true(call_at_end(disp32, sizeof disp32, &t));
	assert_true(call_at_end(pcrel, sizeof pcrel, &t));
	assert_int_equal(t, 0);
	assert_false(call_at_end(notcall, sizeof notcall, &t));
	assert_int_equal(t, 0);
	assert_false(call_at_end(NULL, 0, &t));
}

/* PLT entries: the GOT slot they jump through (probable holders name what a call went to). */
static void
test_x86_64_plt(void **state)
{
	uint8_t plt[ARCH_PLT_BYTES] = { 0xff, 0x25, 0x9a, 0x2f, 0x00, 0x00, 0x68, 0x06 };	/* jmp *0x2f9a(%rip) */
	uint8_t sec[ARCH_PLT_BYTES] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xf2, 0xff, 0x25, 0x10, 0x00, 0x00, 0x00 };
	uint8_t other[ARCH_PLT_BYTES] = { 0x55, 0x48, 0x89, 0xe5 };	/* push rbp; mov rsp, rbp */
	uint64_t slot = 0;

	(void)state;
	assert_true(arch_plt_slot(plt, 0x1090, &slot));
	assert_int_equal(slot, 0x4030);		/* as objdump says: 0x1090 + 6 + 0x2f9a */
	assert_true(arch_plt_slot(sec, 0x2000, &slot));
	assert_int_equal(slot, 0x2000 + 11 + 0x10);	/* endbr64; bnd jmp *0x10(%rip) */
	assert_false(arch_plt_slot(other, 0x3000, &slot));
}
#endif

/* A saved core's NT_PRSTATUS reads back as the registers it was written from. */
static void
test_prstatus_roundtrip(void **state)
{
	struct arch_regs a, b;
	uint8_t desc[1024];
	pid_t tid = 0;
	int sig = 0;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof a);
	for (unsigned i = 0; i < arch.dwarf_nregs; i++)
		a.dwarf[i] = 0x1000 + i;
	a.pc = 0x401000;
	a.sp = a.dwarf[arch.dwarf_sp];
	a.fp = a.dwarf[arch.dwarf_fp];
	a.syscall_nr = 202;
	assert_int_equal(arch_regs_to_elf_prstatus(&a, 77, 19, desc, 8), 0);
	n = arch_regs_to_elf_prstatus(&a, 77, 19, desc, sizeof desc);
	assert_true(n > 0);
	assert_int_equal(arch_regs_from_elf_prstatus(desc, n, &tid, &sig, &b), 0);
	assert_int_equal(tid, 77);
	assert_int_equal(sig, 19);
	assert_int_equal(b.pc, a.pc);
	assert_int_equal(b.sp, a.sp);
	assert_int_equal(b.fp, a.fp);
	assert_int_equal(b.syscall_nr, 202);
	for (unsigned i = 0; i < arch.dwarf_nregs; i++)
		assert_int_equal(b.dwarf[i], a.dwarf[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_syscall_classes),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_prstatus_roundtrip),
		cmocka_unit_test(test_lock_layouts_by_arch),
#if defined(__x86_64__)
		cmocka_unit_test(test_x86_64_prstatus),
		cmocka_unit_test(test_x86_64_perf),
		cmocka_unit_test(test_x86_64_calls),
		cmocka_unit_test(test_x86_64_plt),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
