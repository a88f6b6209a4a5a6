/* arch.h - everything holdup knows about the CPU, behind one interface that src/arch/<arch>/ implements. */
#ifndef HOLDUP_ARCH_H
#define HOLDUP_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Registers, syscall numbers, DWARF numbers and call encodings differ between CPUs, and so between
 * the processes holdup may look at: besides the architecture it is built for (the Makefile builds
 * src/arch/<arch>/), a port may read processes of a compatible one its kernel runs (i386 programs
 * under x86-64). Each is one struct arch_info; a snapshot names the one its process is
 * (snapshot.arch), and everything after the capture asks that one. The rest of holdup sees
 * registers only as struct arch_regs. Sizes here are maxima over the ports, so this header stays
 * the same for each of them (doc/design.md, "Porting to another architecture", lists what a port
 * fills in).
 */

#define ARCH_DWARF_MAX		40	/* DWARF-numbered registers a set can hold (x86-64 16, aarch64 32) */
#define ARCH_SYSCALL_NARGS	6	/* arguments a Linux syscall takes on every architecture */
#define ARCH_PERF_MAX		64	/* registers a perf sample can carry (sample_regs_user is 64 bits) */

/* One thread's registers, neutral: the named fields are what holdup reasons with; dwarf[] is the
 * whole general register set for the unwinder. */
struct arch_regs {
	uint64_t pc, sp, fp;		/* program counter, stack pointer, frame pointer */
	int64_t syscall_nr;		/* the syscall the thread is in (or restarts), -1 none or unknown */
	uint64_t args[ARCH_SYSCALL_NARGS];	/* its arguments, in order */
	uint64_t retval;		/* the syscall return value register */
	/* General registers by DWARF number, for libdwfl's initial frame. pc, sp and fp are copies
	 * that win over their dwarf[] slots (code may move them, the unwinder must see that). */
	uint64_t dwarf[ARCH_DWARF_MAX];
	uint64_t dwarf_valid;		/* bit n set: dwarf[n] holds a value */
};

/* The kind of wait a syscall is: the class column of the syscall table. */
enum arch_syscall_class {
	ARCH_SYSCALL_OTHER = 0,		/* not a blocking call we know */
	ARCH_SYSCALL_FUTEX_WAIT,	/* futex: lock analysis decides */
	ARCH_SYSCALL_SLEEP,		/* nanosleep & co */
	ARCH_SYSCALL_EVENT,		/* pause, sigwait, wait4, semop...: waiting for an event */
	ARCH_SYSCALL_IO_FD,		/* read/write/accept/recv... on the fd in arg 0 */
	ARCH_SYSCALL_IO_POLL,		/* poll/ppoll: pollfd array in arg 0, count in arg 1 */
	ARCH_SYSCALL_IO_SELECT,		/* select/pselect6: nfds, fd_sets */
	ARCH_SYSCALL_IO_EPOLL,		/* epoll_wait & co on the epoll fd in arg 0 */
};

/* One row of the syscall table; the row's index in arch_syscalls is its number. */
struct arch_syscall {
	const char *name;		/* NULL: no syscall has this number */
	enum arch_syscall_class cls;
};

#define ARCH_CALL_BYTES		8	/* code bytes before a return address call_decode looks at */
#define ARCH_PLT_BYTES		16	/* code bytes of a PLT entry plt_slot looks at */

/* What differs between CPUs: data, and the hooks that convert and decode. */
struct arch_info {
	const char *name;		/* as uname -m spells it: "x86_64", "i386"; keys the lock layouts */
	uint16_t elf_machine;		/* e_machine of its ELF files (little-endian is assumed) */
	uint8_t elf_class;		/* ELFCLASS64 or ELFCLASS32 */
	uint8_t ptr_size;		/* bytes in a pointer and in a stack slot: 8 or 4 */
	unsigned dwarf_nregs;		/* dwarf[0..n) is the initial register set libdwfl takes */
	unsigned dwarf_sp, dwarf_fp;	/* DWARF numbers of the stack and frame pointer */
	unsigned dwarf_ra;		/* the return address column of its CFI */
	uint64_t ptr_regs;		/* DWARF mask: argument and callee-saved registers, where a function
					 * keeps a pointer it was passed while it calls on (lock decoding) */
	uint64_t red_zone;		/* bytes below sp a leaf function may use without moving sp */
	uint64_t perf_regs_mask;	/* perf_event_attr.sample_regs_user: the registers a sample carries */
	unsigned perf_nregs;		/* how many that is (the bits set in perf_regs_mask) */
	/* Go's frame record: at a frame pointer fp, two words; these are the indices of the caller's
	 * frame pointer and of the return address among them. */
	unsigned go_fp_slot, go_ra_slot;
	bool go;			/* whether holdup reads the Go runtime of this arch's programs */
	bool prstatus_syscall;		/* NT_PRSTATUS holds the syscall number (arm64's does not) */
	/* The syscall table, indexed by syscall number (syscalls.h looks things up in it). */
	const struct arch_syscall *syscalls;
	size_t nsyscalls;

	/* Converts an NT_PRSTATUS register set as the kernel lays it out for a process of this arch
	 * (PTRACE_GETREGSET). Returns 0, or -1 if len is not that layout's size. */
	int (*regs_from_prstatus)(const void *buf, size_t len, struct arch_regs *out);
	/* Completes a stopped thread's set from what NT_PRSTATUS lacks (arm64's syscall number).
	 * NULL: nothing is missing. */
	void (*regs_after_ptrace)(pid_t tid, struct arch_regs *out);
	/* Reads one NT_PRSTATUS note of an ELF core file (the whole desc, struct elf_prstatus as the
	 * kernel and gdb's gcore write it): the thread's TID, the signal it had (pr_cursig) and its
	 * registers. Returns 0, or -1 if len is not that struct's size. NULL: no core of this arch is
	 * read. */
	int (*regs_from_elf_prstatus)(const void *desc, size_t len, pid_t *tid, int *cursig, struct arch_regs *out);
	/* Writes r as one NT_PRSTATUS desc (the inverse of the above) for thread tid with signal cursig
	 * into desc (cap bytes). Returns the desc's size, or 0 if cap is short. NULL: none is written. */
	size_t (*regs_to_elf_prstatus)(const struct arch_regs *r, pid_t tid, int cursig, void *desc, size_t cap);
	/* Converts a perf sample's registers (perf_nregs values, in the order of the bits of
	 * perf_regs_mask). A sample does not say whether it was in a syscall: syscall_nr is -1.
	 * NULL: threads of this arch are not sampled with perf (they are stopped instead). */
	void (*regs_from_perf)(const uint64_t *vals, struct arch_regs *out);
	/* Whether the ARCH_CALL_BYTES bytes of code before return address ra end in a call
	 * instruction. *target gets a direct call's destination, 0 for an indirect call (or when it is
	 * not a call). */
	bool (*call_decode)(const uint8_t code[ARCH_CALL_BYTES], uint64_t ra, uint64_t *target);
	/* Whether the code at addr is a PLT entry that jumps through a pointer in memory (the GOT):
	 * true with *slot the address of that pointer (probable holders name the function a call
	 * goes to). */
	bool (*plt_slot)(const uint8_t code[ARCH_PLT_BYTES], uint64_t addr, uint64_t *slot);
};

/* The arch holdup is built for. */
extern const struct arch_info *const arch_native;
/* The arch of a process or file with ELF class cls and machine machine: holdup's own, or one it
 * reads besides; NULL if none. */
const struct arch_info *arch_find(unsigned cls, unsigned machine);
/* The arch called name (struct arch_info.name), NULL if holdup reads none of that name. */
const struct arch_info *arch_by_name(const char *name);

struct err;				/* util.h */

/* Reads tid's registers (PTRACE_GETREGSET, NT_PRSTATUS) as arch a lays them out; tid must be in a
 * ptrace-stop. Returns 0, or -1 with errno kept from ptrace (EINVAL for a set of another layout)
 * and e saying why. */
int arch_regs_from_ptrace(const struct arch_info *a, pid_t tid, struct arch_regs *out, struct err *e);

/* A word of the target (a pointer, a stack slot) at p, ptr_size bytes, little-endian. */
uint64_t arch_word(const struct arch_info *a, const void *p);

#endif
