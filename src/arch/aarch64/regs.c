/* regs.c - aarch64 registers into the neutral struct arch_regs: from a ptrace stop, a core and a perf sample. */
#include "arch.h"
#include "arch_aarch64.h"
#include "../arch_int.h"

#include <elf.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

/* DWARF numbers (the AArch64 DWARF ABI): x0-x30 are 0-30, sp 31; x30, the link register, is the
 * return address column. */
enum { A64_DW_FP = 29, A64_DW_LR = 30, A64_DW_SP = 31, A64_DW_NGREGS = 32 };

/* perf's arm64 registers (asm/perf_regs.h): x0-x28, x29, lr, sp, pc; a sample lists them in order. */
enum { A64_PR_LR = 30, A64_PR_SP = 31, A64_PR_PC = 32, A64_PR_N = 33 };

#define A64_SVC0	0xd4000001u	/* svc #0 */
#define A64_SYSNR	8		/* x8 holds the syscall number */

/* struct user_pt_regs (asm/ptrace.h), which PTRACE_GETREGSET's NT_PRSTATUS gives. */
struct a64_user_regs {
	uint64_t regs[31];
	uint64_t sp, pc, pstate;
};

static void
a64_named(struct arch_regs *r, uint64_t pc)
{
	r->pc = pc;
	r->sp = r->dwarf[A64_DW_SP];
	r->fp = r->dwarf[A64_DW_FP];
	r->retval = r->dwarf[0];
	/* the syscall convention: x0-x5, the number in x8 */
	for (int i = 0; i < ARCH_SYSCALL_NARGS; i++)
		r->args[i] = r->dwarf[i];
	r->dwarf_valid = (1ULL << A64_DW_NGREGS) - 1;
}

static int
a64_regs_from_prstatus(const void *buf, size_t len, struct arch_regs *out)
{
	struct a64_user_regs g;

	if (len != sizeof g)
		return -1;
	memcpy(&g, buf, sizeof g);
	memset(out, 0, sizeof *out);
	for (int i = 0; i < 31; i++)
		out->dwarf[i] = g.regs[i];
	out->dwarf[A64_DW_SP] = g.sp;
	a64_named(out, g.pc);
	/* the number is not in this set (NT_ARM_SYSTEM_CALL has it: a64_regs_after_ptrace) */
	out->syscall_nr = -1;
	return 0;
}

/*
 * The syscall number, from NT_ARM_SYSTEM_CALL. A thread stopped inside a blocking call has had it
 * interrupted: the kernel restored x0 and moved pc back to the svc to restart the call, and
 * forgot the number (-1) before the stop. The call it sleeps in is then the one the svc at pc
 * issues again: x8's. Reading the instruction is how it is told from a thread stopped anywhere else.
 */
static void
a64_regs_after_ptrace(pid_t tid, struct arch_regs *r)
{
	int nr = -1;
	struct iovec iov = { &nr, sizeof nr };
	uint32_t insn = 0;
	struct iovec local = { &insn, sizeof insn }, remote = { (void *)(uintptr_t)r->pc, sizeof insn };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &iov) == 0 && nr >= 0) {
		r->syscall_nr = nr;
		return;
	}
	if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof insn && insn == A64_SVC0)
		r->syscall_nr = (int64_t)r->dwarf[A64_SYSNR];
}

static int
a64_regs_from_elf_prstatus(const void *desc, size_t len, pid_t *tid, int *cursig, struct arch_regs *out)
{
	const void *g;
	size_t n;

	if (arch_prstatus_unwrap(desc, len, tid, cursig, &g, &n) < 0)
		return -1;
	return a64_regs_from_prstatus(g, n, out);
}

static size_t
a64_regs_to_elf_prstatus(const struct arch_regs *r, pid_t tid, int cursig, void *desc, size_t cap)
{
	struct a64_user_regs g;

	memset(&g, 0, sizeof g);
	for (int i = 0; i < 31; i++)
		g.regs[i] = r->dwarf[i];
	/* the neutral copies win, as they do for the unwinder */
	g.regs[A64_DW_FP] = r->fp;
	g.sp = r->sp;
	g.pc = r->pc;
	return arch_prstatus_wrap(tid, cursig, &g, sizeof g, desc, cap);
}

static void
a64_regs_from_perf(const uint64_t *v, struct arch_regs *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i <= A64_PR_LR; i++)
		out->dwarf[i] = v[i];
	out->dwarf[A64_DW_SP] = v[A64_PR_SP];
	a64_named(out, v[A64_PR_PC]);
	out->syscall_nr = -1;
}

const struct arch_info arch_aarch64 = {
	.name = "aarch64",
	.elf_machine = EM_AARCH64,
	.elf_class = ELFCLASS64,
	.ptr_size = 8,
	.dwarf_nregs = A64_DW_NGREGS,
	.dwarf_sp = A64_DW_SP,
	.dwarf_fp = A64_DW_FP,
	.dwarf_ra = A64_DW_LR,
	/* the argument registers x0-x7 and the callee-saved x19-x29 */
	.ptr_regs = 0xffULL | (0x7ffULL << 19),
	.red_zone = 0,			/* AAPCS64 has none */
	.perf_regs_mask = (1ULL << A64_PR_N) - 1,
	.perf_nregs = A64_PR_N,
	/* Go on arm64 keeps a frame record like amd64's: [fp] the caller's fp, [fp+8] the return address */
	.go_fp_slot = 0,
	.go_ra_slot = 1,
	.go = true,
	.prstatus_syscall = false,	/* NT_ARM_SYSTEM_CALL, which cores do not carry */
	.syscalls = arch_aarch64_syscalls,
	.nsyscalls = ARCH_AARCH64_NSYSCALLS,
	.regs_from_prstatus = a64_regs_from_prstatus,
	.regs_after_ptrace = a64_regs_after_ptrace,
	.regs_from_elf_prstatus = a64_regs_from_elf_prstatus,
	.regs_to_elf_prstatus = a64_regs_to_elf_prstatus,
	.regs_from_perf = a64_regs_from_perf,
	.call_decode = arch_aarch64_call_decode,
	.plt_slot = arch_aarch64_plt_slot,
};
