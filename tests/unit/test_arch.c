/* test_arch.c - the arch seam, for every port holdup reads: syscall tables, register conversion, call decoding. */
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

/* The ports this build reads, NULL after the last: its own, then i386 where it reads that too. */
static const struct arch_info *
port(size_t i)
{
	const struct arch_info *i386 = arch_by_name("i386");

	if (i == 0)
		return arch_native;
	return i == 1 && i386 != arch_native ? i386 : NULL;
}

static void
check_syscall_names(const struct arch_info *A)
{
	size_t named = 0;

	for (size_t i = 0; i < sizeof test_common / sizeof test_common[0]; i++) {
		long nr = syscalls_number(A, test_common[i]);

		assert_true(nr >= 0);
		assert_string_equal(syscalls_name(A, nr), test_common[i]);
	}
	/* every row's name leads back to its own number: names are unique */
	for (size_t i = 0; i < A->nsyscalls; i++) {
		if (A->syscalls[i].name == NULL)
			continue;
		named++;
		assert_int_equal(syscalls_number(A, A->syscalls[i].name), (long)i);
	}
	assert_true(named > 200);
	assert_int_equal(syscalls_number(A, "no_such_call"), -1);
	assert_null(syscalls_name(A, -1));
	assert_null(syscalls_name(A, -2));
	assert_null(syscalls_name(A, (long)A->nsyscalls));
	assert_null(syscalls_name(A, 1L << 40));
}

static void
test_syscall_names(void **state)
{
	(void)state;
	for (size_t k = 0; port(k) != NULL; k++)
		check_syscall_names(port(k));
}

/* name's class, if this architecture has it (an absent one is not a failure). */
static void
check_class(const struct arch_info *A, const char *name, enum arch_syscall_class want, bool everywhere)
{
	long nr = syscalls_number(A, name);

	if (nr < 0) {
		assert_false(everywhere);
		return;
	}
	if (syscalls_classify(A, nr) != want)
		fail_msg("%s: class %d, want %d", name, (int)syscalls_classify(A, nr), (int)want);
}

static void
check_syscall_classes(const struct arch_info *A)
{
	check_class(A, "futex", ARCH_SYSCALL_FUTEX_WAIT, true);
	check_class(A, "futex_waitv", ARCH_SYSCALL_FUTEX_WAIT, true);
	check_class(A, "nanosleep", ARCH_SYSCALL_SLEEP, true);
	check_class(A, "clock_nanosleep", ARCH_SYSCALL_SLEEP, true);
	check_class(A, "read", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "write", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "accept4", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "recvmsg", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "fsync", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "flock", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "io_uring_enter", ARCH_SYSCALL_IO_FD, true);
	check_class(A, "poll", ARCH_SYSCALL_IO_POLL, false);
	check_class(A, "ppoll", ARCH_SYSCALL_IO_POLL, true);
	/* i386's select is the old one-struct form: its select(2) is _newselect */
	if (strcmp(A->name, "i386") != 0)
		check_class(A, "select", ARCH_SYSCALL_IO_SELECT, false);
	check_class(A, "pselect6", ARCH_SYSCALL_IO_SELECT, true);
	check_class(A, "epoll_wait", ARCH_SYSCALL_IO_EPOLL, false);
	check_class(A, "epoll_pwait", ARCH_SYSCALL_IO_EPOLL, true);
	check_class(A, "epoll_pwait2", ARCH_SYSCALL_IO_EPOLL, true);
	check_class(A, "pause", ARCH_SYSCALL_EVENT, false);
	check_class(A, "wait4", ARCH_SYSCALL_EVENT, true);
	check_class(A, "waitid", ARCH_SYSCALL_EVENT, true);
	check_class(A, "rt_sigtimedwait", ARCH_SYSCALL_EVENT, true);
	check_class(A, "semtimedop", ARCH_SYSCALL_EVENT, false);	/* i386 has semtimedop_time64 only */
	check_class(A, "semtimedop_time64", ARCH_SYSCALL_EVENT, false);
	check_class(A, "sched_yield", ARCH_SYSCALL_EVENT, true);
	check_class(A, "getpid", ARCH_SYSCALL_OTHER, true);
	check_class(A, "mmap", ARCH_SYSCALL_OTHER, true);
	check_class(A, "epoll_ctl", ARCH_SYSCALL_OTHER, true);
	assert_int_equal(syscalls_classify(A, -1), ARCH_SYSCALL_OTHER);
	assert_int_equal(syscalls_classify(A, (long)A->nsyscalls + 5), ARCH_SYSCALL_OTHER);
}

static void
test_syscall_classes(void **state)
{
	(void)state;
	for (size_t k = 0; port(k) != NULL; k++)
		check_syscall_classes(port(k));
}

static void
check_info(const struct arch_info *A)
{
	unsigned bits = 0;

	assert_non_null(A->name);
	assert_ptr_equal(arch_by_name(A->name), A);
	assert_ptr_equal(arch_find(A->elf_class, A->elf_machine), A);
	assert_true(A->ptr_size == 4 || A->ptr_size == 8);
	assert_int_equal(A->elf_class, A->ptr_size == 8 ? ELFCLASS64 : ELFCLASS32);
	assert_non_null(A->syscalls);
	assert_non_null(A->regs_from_prstatus);
	assert_non_null(A->call_decode);
	assert_non_null(A->plt_slot);
	/* a port sampled by perf converts its samples */
	assert_true((A->perf_nregs == 0) == (A->regs_from_perf == NULL));
	assert_true(A->dwarf_nregs > 0 && A->dwarf_nregs <= ARCH_DWARF_MAX);
	assert_true(A->dwarf_sp < A->dwarf_nregs && A->dwarf_fp < A->dwarf_nregs);
	assert_true(A->dwarf_sp != A->dwarf_fp);
	assert_true(A->dwarf_ra < ARCH_DWARF_MAX);
	assert_true(A->ptr_regs != 0 && (A->ptr_regs >> A->dwarf_nregs) == 0);
	for (int i = 0; i < 64; i++)
		bits += (A->perf_regs_mask >> i) & 1;
	assert_int_equal(bits, A->perf_nregs);
	assert_true(A->perf_nregs <= ARCH_PERF_MAX);
	if (A->go)
		assert_true(A->go_fp_slot < 2 && A->go_ra_slot < 2 && A->go_fp_slot != A->go_ra_slot);
}

static void
test_info(void **state)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	Elf64_Ehdr eh;

	(void)state;
	/* holdup's own arch is that of the ELF it is: the test binary is one */
	assert_non_null(f);
	assert_int_equal(fread(&eh, sizeof eh, 1, f), 1);
	fclose(f);
	assert_int_equal(eh.e_machine, arch_native->elf_machine);
	assert_int_equal(eh.e_ident[EI_CLASS], arch_native->elf_class);
	assert_null(arch_find(ELFCLASS64, EM_NONE));
	assert_null(arch_by_name("vax"));
	for (size_t k = 0; port(k) != NULL; k++)
		check_info(port(k));
}

static void
test_lock_layouts_by_arch(void **state)
{
	(void)state;
	assert_non_null(lockdecode_layout_lookup("x86_64", 2036));
	assert_non_null(lockdecode_layout_lookup("aarch64", 2036));
	assert_int_equal(lockdecode_layout_lookup("aarch64", 2036)->mutex_size, 48);
	assert_null(lockdecode_layout_lookup("riscv64", 2036));
	assert_null(lockdecode_layout_lookup("x86_64", 2017));
	assert_ptr_equal(lockdecode_layout_for(2036), lockdecode_layout_lookup(arch_native->name, 2036));
	/* i386's own rows: its 24-byte mutex, never the x86-64 one */
	assert_non_null(lockdecode_layout_lookup("i386", 2036));
	assert_int_equal(lockdecode_layout_lookup("i386", 2036)->mutex_size, 24);
	assert_int_equal(lockdecode_layout_lookup("i386", 2024)->mutex_size, 24);
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
	assert_int_equal(arch_native->regs_from_prstatus(g, sizeof g - 8, &r), -1);
	assert_int_equal(arch_native->regs_from_prstatus(g, sizeof g, &r), 0);
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
	assert_int_equal(r.dwarf[arch_native->dwarf_fp], r.fp);
	assert_int_equal(r.dwarf[arch_native->dwarf_sp], r.sp);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r.dwarf[8 + i], 0x109 - (uint64_t)i);	/* words 9 down to 6 */
		assert_int_equal(r.dwarf[12 + i], 0x103 - (uint64_t)i);	/* words 3 down to 0 */
	}
	/* outside a syscall the kernel keeps -1 as the number */
	g[15] = (uint64_t)-1;
	assert_int_equal(arch_native->regs_from_prstatus(g, sizeof g, &r), 0);
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
	arch_native->regs_from_perf(v, &r);
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
call_at_end_in(const struct arch_info *A, const uint8_t *enc, size_t n, uint64_t *target)
{
	uint8_t b[ARCH_CALL_BYTES];

	memset(b, 0x90, sizeof b);	/* nop */
	if (n > 0)
		memcpy(b + sizeof b - n, enc, n);
	return A->call_decode(b, 0x5000, target);
}

static bool
call_at_end(const uint8_t *enc, size_t n, uint64_t *target)
{
	return call_at_end_in(arch_native, enc, n, target);
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
	assert_true(arch_native->plt_slot(plt, 0x1090, &slot));
	assert_int_equal(slot, 0x4030);		/* as objdump says: 0x1090 + 6 + 0x2f9a */
	assert_true(arch_native->plt_slot(sec, 0x2000, &slot));
	assert_int_equal(slot, 0x2000 + 11 + 0x10);	/* endbr64; bnd jmp *0x10(%rip) */
	assert_false(arch_native->plt_slot(other, 0x3000, &slot));
}
/* i386, read by the x86-64 port: a 32-bit process's register set is 17 words of 4 bytes
 * (ebx ecx edx esi edi ebp eax ds es fs gs orig_eax eip cs eflags esp ss), word i = 0x100 + i. */
static void
test_i386_prstatus(void **state)
{
	const struct arch_info *A = arch_by_name("i386");
	uint32_t g[17];
	struct arch_regs r;

	(void)state;
	assert_non_null(A);
	for (int i = 0; i < 17; i++)
		g[i] = 0x100 + (uint32_t)i;
	/* the 64-bit set, or any other size, is not this layout */
	assert_int_equal(A->regs_from_prstatus(g, sizeof g - 4, &r), -1);
	assert_int_equal(A->regs_from_prstatus(g, 216, &r), -1);
	assert_int_equal(A->regs_from_prstatus(g, sizeof g, &r), 0);
	assert_int_equal(r.pc, 0x10c);
	assert_int_equal(r.sp, 0x10f);
	assert_int_equal(r.fp, 0x105);
	assert_int_equal(r.retval, 0x106);
	assert_int_equal(r.syscall_nr, 0x10b);
	/* int 0x80's arguments: ebx ecx edx esi edi ebp */
	for (int i = 0; i < 6; i++)
		assert_int_equal(r.args[i], 0x100 + (uint64_t)i);
	/* DWARF order: eax ecx edx ebx esp ebp esi edi */
	assert_int_equal(r.dwarf_valid, 0xff);
	assert_int_equal(r.dwarf[0], 0x106);
	assert_int_equal(r.dwarf[1], 0x101);
	assert_int_equal(r.dwarf[2], 0x102);
	assert_int_equal(r.dwarf[3], 0x100);
	assert_int_equal(r.dwarf[A->dwarf_sp], 0x10f);
	assert_int_equal(r.dwarf[A->dwarf_fp], 0x105);
	assert_int_equal(r.dwarf[6], 0x103);
	assert_int_equal(r.dwarf[7], 0x104);
	assert_int_equal(A->dwarf_ra, 8);
	/* addresses are zero-extended, the syscall number sign-extended: -1 outside a syscall */
	g[12] = 0xf7f525e9;
	g[11] = 0xffffffff;
	assert_int_equal(A->regs_from_prstatus(g, sizeof g, &r), 0);
	assert_int_equal(r.pc, 0xf7f525e9);
	assert_int_equal(r.syscall_nr, -1);
	/* no core notes, no perf samples of this arch */
	assert_null(A->regs_to_elf_prstatus);
	assert_null(A->regs_from_perf);
	assert_int_equal(A->red_zone, 0);
}

static void
test_i386_syscalls(void **state)
{
	const struct arch_info *A = arch_by_name("i386");

	(void)state;
	assert_int_equal(syscalls_number(A, "futex"), 240);
	assert_int_equal(syscalls_number(A, "futex_time64"), 422);
	assert_int_equal(syscalls_number(A, "pause"), 29);
	assert_int_equal(syscalls_number(A, "restart_syscall"), 0);
	assert_string_equal(syscalls_name(A, 162), "nanosleep");
	assert_int_equal(syscalls_classify(A, 422), ARCH_SYSCALL_FUTEX_WAIT);
	assert_int_equal(syscalls_classify(A, 142), ARCH_SYSCALL_IO_SELECT);	/* _newselect */
	assert_int_equal(syscalls_classify(A, 82), ARCH_SYSCALL_OTHER);	/* the old select */
	assert_int_equal(syscalls_classify(A, 407), ARCH_SYSCALL_SLEEP);	/* clock_nanosleep_time64 */
	assert_true(syscalls_is_futex(A, 240) && syscalls_is_futex(A, 422));
	assert_false(syscalls_is_futex(A, 449));	/* futex_waitv takes other arguments */
	assert_false(syscalls_is_futex(A, 202));	/* x86-64's futex is i386's getegid32 */
	assert_true(syscalls_is_futex(arch_native, syscalls_number(arch_native, "futex")));
}

static void
test_i386_calls(void **state)
{
	const struct arch_info *A = arch_by_name("i386");
	static const uint8_t direct[] = { 0xe8, 0x00, 0x01, 0x00, 0x00 };		/* call .+0x100 */
	static const uint8_t wrap[] = { 0xe8, 0x00, 0x00, 0x00, 0x80 };			/* call .-2 GiB */
	static const uint8_t reg[] = { 0xff, 0xd6 };					/* call *%esi */
	static const uint8_t ind[] = { 0xff, 0x13 };					/* call *(%ebx) */
	static const uint8_t disp8[] = { 0xff, 0x53, 0x10 };				/* call *0x10(%ebx) */
	static const uint8_t gs[] = { 0x65, 0xff, 0x15, 0x10, 0x00, 0x00, 0x00 };	/* call *%gs:0x10 */
	static const uint8_t notcall[] = { 0x89, 0xc7 };				/* mov %eax, %edi */
	uint64_t t;

	(void)state;
	assert_true(call_at_end_in(A, direct, sizeof direct, &t));
	assert_int_equal(t, 0x5100);
	/* a target wraps inside 32 bits */
	assert_true(call_at_end_in(A, wrap, sizeof wrap, &t));
	assert_int_equal(t, (uint32_t)(0x5000u + 0x80000000u));
	assert_true(call_at_end_in(A, reg, sizeof reg, &t));
	assert_int_equal(t, 0);
	assert_true(call_at_end_in(A, ind, sizeof ind, &t));
	assert_true(call_at_end_in(A, disp8, sizeof disp8, &t));
	assert_true(call_at_end_in(A, gs, sizeof gs, &t));
	assert_false(call_at_end_in(A, notcall, sizeof notcall, &t));
	assert_false(call_at_end_in(A, NULL, 0, &t));
}

static void
test_i386_plt(void **state)
{
	const struct arch_info *A = arch_by_name("i386");
	uint8_t abs[ARCH_PLT_BYTES] = { 0xff, 0x25, 0x0c, 0xa0, 0x04, 0x08 };		/* jmp *0x804a00c */
	uint8_t cet[ARCH_PLT_BYTES] = { 0xf3, 0x0f, 0x1e, 0xfb, 0xff, 0x25, 0x10, 0xa0, 0x04, 0x08 };
	uint8_t pic[ARCH_PLT_BYTES] = { 0xff, 0xa3, 0x0c, 0x00, 0x00, 0x00 };		/* jmp *0xc(%ebx) */
	uint64_t slot = 0;

	(void)state;
	assert_true(A->plt_slot(abs, 0x8049030, &slot));
	assert_int_equal(slot, 0x804a00c);
	assert_true(A->plt_slot(cet, 0x8049040, &slot));
	assert_int_equal(slot, 0x804a010);
	/* relative to the GOT address the caller put in ebx, which the code does not tell */
	assert_false(A->plt_slot(pic, 0x1030, &slot));
}

/* A word of the target is as wide as its pointers. */
static void
test_words(void **state)
{
	const uint8_t b[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	(void)state;
	assert_int_equal(arch_word(arch_by_name("i386"), b), 0x44332211);
	assert_int_equal(arch_word(arch_by_name("x86_64"), b), 0x8877665544332211ULL);
}
#endif

#if defined(__aarch64__)
/* struct user_pt_regs: x0-x30, sp, pc, pstate; word i = 0x100 + i. */
static void
test_aarch64_prstatus(void **state)
{
	uint64_t g[34];
	struct arch_regs r;

	(void)state;
	for (int i = 0; i < 34; i++)
		g[i] = 0x100 + (uint64_t)i;
	assert_int_equal(arch_native->regs_from_prstatus(g, sizeof g - 8, &r), -1);
	assert_int_equal(arch_native->regs_from_prstatus(g, sizeof g, &r), 0);
	assert_int_equal(r.pc, 0x120);
	assert_int_equal(r.sp, 0x11f);
	assert_int_equal(r.fp, 0x11d);		/* x29 */
	assert_int_equal(r.retval, 0x100);	/* x0 */
	for (int i = 0; i < 6; i++)
		assert_int_equal(r.args[i], 0x100 + (uint64_t)i);
	/* the number is not in this set: NT_ARM_SYSTEM_CALL, after the stop */
	assert_int_equal(r.syscall_nr, -1);
	assert_int_equal(r.dwarf_valid, 0xffffffffULL);
	assert_int_equal(r.dwarf[30], 0x11e);	/* the link register */
	assert_int_equal(r.dwarf[arch_native->dwarf_sp], r.sp);
	assert_int_equal(arch_native->dwarf_ra, 30);
	assert_non_null(arch_native->regs_after_ptrace);
}

/* A perf sample: x0-x28, x29, lr, sp, pc. */
static void
test_aarch64_perf(void **state)
{
	uint64_t v[ARCH_PERF_MAX];
	struct arch_regs r;

	(void)state;
	for (int i = 0; i < ARCH_PERF_MAX; i++)
		v[i] = 0x1000 + (uint64_t)i;
	assert_int_equal(arch_native->perf_nregs, 33);
	arch_native->regs_from_perf(v, &r);
	assert_int_equal(r.pc, 0x1020);
	assert_int_equal(r.sp, 0x101f);
	assert_int_equal(r.fp, 0x101d);
	assert_int_equal(r.dwarf[30], 0x101e);
	assert_int_equal(r.syscall_nr, -1);
}

static bool
a64_call(uint32_t insn, uint64_t *target)
{
	uint8_t b[ARCH_CALL_BYTES];

	memset(b, 0, sizeof b);
	memcpy(b + sizeof b - 4, &insn, 4);	/* little-endian, as the host is */
	return arch_native->call_decode(b, 0x5000, target);
}

static void
test_aarch64_calls(void **state)
{
	uint64_t t;

	(void)state;
	assert_true(a64_call(0x94000040, &t));		/* bl .+0x100 */
	assert_int_equal(t, 0x4ffc + 0x100);
	assert_true(a64_call(0x97fffc00, &t));		/* bl .-0x1000 */
	assert_int_equal(t, 0x4ffc - 0x1000);
	assert_true(a64_call(0xd63f0220, &t));		/* blr x17 */
	assert_int_equal(t, 0);
	assert_true(a64_call(0xd73f0a30, &t));		/* blraa x17, x16 */
	assert_true(a64_call(0xd63f0a3f, &t));		/* blraaz x17 */
	assert_false(a64_call(0xd65f03c0, &t));		/* ret */
	assert_false(a64_call(0x14000040, &t));		/* b (not a call) */
	assert_false(a64_call(0xd61f0220, &t));		/* br x17 */
}

static void
test_aarch64_plt(void **state)
{
	/* as objdump shows a PLT entry at 0x5f0: adrp x16, 0x10000; ldr x17, [x16, #4032]; add; br x17 */
	const uint32_t plt[4] = { 0x90000090, 0xf947e211, 0x913f0210, 0xd61f0220 };
	const uint32_t bti[4] = { 0xd503245f, 0x90000090, 0xf947e211, 0xd61f0220 };
	const uint32_t other[4] = { 0xa9bf7bfd, 0x910003fd, 0, 0 };	/* stp x29, x30; mov x29, sp */
	uint8_t c[ARCH_PLT_BYTES];
	uint64_t slot = 0;

	(void)state;
	memcpy(c, plt, sizeof c);
	assert_true(arch_native->plt_slot(c, 0x5f0, &slot));
	assert_int_equal(slot, 0x10000 + 4032);
	memcpy(c, bti, sizeof c);
	assert_true(arch_native->plt_slot(c, 0x5ec, &slot));
	assert_int_equal(slot, 0x10000 + 4032);
	memcpy(c, other, sizeof c);
	assert_false(arch_native->plt_slot(c, 0x600, &slot));
}

static void
test_aarch64_syscalls(void **state)
{
	(void)state;
	assert_int_equal(syscalls_number(arch_native, "futex"), 98);
	assert_int_equal(syscalls_number(arch_native, "restart_syscall"), 128);
	assert_int_equal(syscalls_number(arch_native, "poll"), -1);	/* the generic table has ppoll only */
	assert_int_equal(syscalls_classify(arch_native, 73), ARCH_SYSCALL_IO_POLL);	/* ppoll */
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
	for (unsigned i = 0; i < arch_native->dwarf_nregs; i++)
		a.dwarf[i] = 0x1000 + i;
	a.pc = 0x401000;
	a.sp = a.dwarf[arch_native->dwarf_sp];
	a.fp = a.dwarf[arch_native->dwarf_fp];
	a.syscall_nr = 202;
	assert_int_equal(arch_native->regs_to_elf_prstatus(&a, 77, 19, desc, 8), 0);
	n = arch_native->regs_to_elf_prstatus(&a, 77, 19, desc, sizeof desc);
	assert_true(n > 0);
	assert_int_equal(arch_native->regs_from_elf_prstatus(desc, n, &tid, &sig, &b), 0);
	assert_int_equal(tid, 77);
	assert_int_equal(sig, 19);
	assert_int_equal(b.pc, a.pc);
	assert_int_equal(b.sp, a.sp);
	assert_int_equal(b.fp, a.fp);
	/* x86-64 keeps the number in the set (orig_rax); arm64 does not (NT_ARM_SYSTEM_CALL) */
	if (strcmp(arch_native->name, "aarch64") == 0)
		assert_int_equal(b.syscall_nr, -1);
	else
		assert_int_equal(b.syscall_nr, 202);
	for (unsigned i = 0; i < arch_native->dwarf_nregs; i++)
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
		cmocka_unit_test(test_i386_prstatus),
		cmocka_unit_test(test_i386_syscalls),
		cmocka_unit_test(test_i386_calls),
		cmocka_unit_test(test_i386_plt),
		cmocka_unit_test(test_words),
#endif
#if defined(__aarch64__)
		cmocka_unit_test(test_aarch64_prstatus),
		cmocka_unit_test(test_aarch64_perf),
		cmocka_unit_test(test_aarch64_calls),
		cmocka_unit_test(test_aarch64_plt),
		cmocka_unit_test(test_aarch64_syscalls),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
