/* godwarf.h - Go runtime struct layouts, variable addresses and a few function ranges, read from a Go binary's DWARF. */
#ifndef HOLDUP_GODWARF_H
#define HOLDUP_GODWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Where one struct member lives; off is -1 when the binary's runtime has no such member. */
struct godwarf_field {
	int32_t off;
	int32_t size;
};

/* Functions whose presence in a goroutine's stack says which lock it waits for. */
enum godwarf_fn {
	GOFN_MUTEX_LOCK = 0,	/* sync.(*Mutex).Lock */
	GOFN_MUTEX_LOCKSLOW,	/* sync.(*Mutex).lockSlow */
	GOFN_RW_LOCK,		/* sync.(*RWMutex).Lock */
	GOFN_RW_RLOCK,		/* sync.(*RWMutex).RLock */
	GOFN_MUTEX_UNLOCK,	/* sync.(*Mutex).Unlock (probable holders: has the frame released it?) */
	GOFN_RW_UNLOCK,		/* sync.(*RWMutex).Unlock */
	GOFN_RW_RUNLOCK,	/* sync.(*RWMutex).RUnlock */
	GOFN_COUNT
};

struct godwarf_range {
	uint64_t lo, hi;	/* [lo, hi) */
};

/* The out-of-line body and every inlined copy of one function. */
struct godwarf_func {
	struct godwarf_range *r;	/* owned */
	size_t n, cap;
};

/* A sync.Mutex or RWMutex that is a direct member of a named struct: what names a lock inside a
 * heap object by its type ("(*main.queue).mu"). */
struct godwarf_lockmember {
	char *type;		/* owned; the struct's name, "main.queue" */
	char *member;		/* owned; "mu" (an embedded lock: "Mutex") */
	int32_t off;
	bool rw;		/* a sync.RWMutex, else a sync.Mutex */
};

/* At most this many lock members are kept: the table is target data. */
#define GODWARF_MAX_LOCKMEMBERS 4096

/* Everything is as the file says: add the load bias for PIE binaries. */
struct godwarf_layout {
	uint64_t load_vaddr;		/* p_vaddr - p_offset of the PT_LOAD at file offset 0 (page-aligned): a
					 * PIE's load bias is where that mapping starts minus this */
	size_t g_size;
	struct godwarf_field g_stack_lo, g_stack_hi, g_m, g_sched_sp, g_sched_pc, g_sched_bp;
	struct godwarf_field g_syscallsp, g_syscallpc, g_atomicstatus, g_goid, g_waitsince;
	struct godwarf_field g_waitreason, g_gopc, g_startpc, g_parent_goid;

	size_t m_size;
	struct godwarf_field m_procid, m_curg;

	size_t sudog_size;
	struct godwarf_field sudog_g, sudog_next, sudog_prev, sudog_elem, sudog_parent, sudog_waitlink;

	size_t semaroot_size;
	struct godwarf_field semaroot_treap, semaroot_nwait;
	uint64_t semtable_addr;		/* 0 if absent */
	size_t semtable_count, semtable_stride;
	int32_t semtable_root_off;

	size_t mutex_size;
	struct godwarf_field mutex_state, mutex_sema;
	size_t rwmutex_size;
	struct godwarf_field rw_w, rw_writersem, rw_readersem, rw_readercount, rw_readerwait;

	uint64_t allgs_addr;		/* runtime.allgs: a []*g slice header */
	uint64_t allglen_addr;		/* runtime.allglen, 0 if absent */
	uint64_t waitreasons_addr;	/* runtime.waitReasonStrings: [N]string, 0 if absent */
	size_t nwaitreasons;
	uint64_t buildversion_addr;	/* runtime.buildVersion: string, 0 if absent */

	struct godwarf_func funcs[GOFN_COUNT];
	struct godwarf_lockmember *lockmembers;	/* owned, sorted by type then offset */
	size_t nlockmembers, lockmembers_cap;
};

enum godwarf_result {
	GODWARF_OK = 0,
	GODWARF_NOT_GO,		/* a readable ELF file that is not a Go program */
	GODWARF_NO_DWARF,	/* a Go program without DWARF (-ldflags=-w) */
	GODWARF_ERROR,		/* unreadable, or DWARF lacking what we need: see e */
};

/* Reads the layout from the ELF file at path. On GODWARF_OK l is filled; otherwise e says why.
 * Call godwarf_layout_done(l) afterwards whatever the result. */
enum godwarf_result godwarf_load(const char *path, struct godwarf_layout *l, int *is_pie, struct err *e);
/* The same from an open descriptor (closed before it returns); path names it in messages. */
enum godwarf_result godwarf_load_fd(int fd, const char *path, struct godwarf_layout *l, int *is_pie,
    struct err *e);
void godwarf_layout_done(struct godwarf_layout *l);
/* True if pc lies in function fn (out of line or inlined). */
int godwarf_in_func(const struct godwarf_layout *l, enum godwarf_fn fn, uint64_t pc);
/* The highest start of a range of fn (its body or an inlined copy) in [lo, hi), 0 if none. */
/* The lock members of struct type (a Go type name, "main.queue"): the first in *out, how many
 * follow it in the table (0: none). */
size_t godwarf_lockmembers_of(const struct godwarf_layout *l, const char *type,
    const struct godwarf_lockmember **out);
uint64_t godwarf_last_in(const struct godwarf_layout *l, enum godwarf_fn fn, uint64_t lo, uint64_t hi);

#endif
