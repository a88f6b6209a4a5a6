/* godwarf.c - reads Go runtime layouts from DWARF so no offset is hard-coded and new Go versions keep working. */
#include "godwarf.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Top-level DIEs we look for, found in one pass over every compile unit. */
enum {
	GT_G = 0, GT_M, GT_SUDOG, GT_SEMAROOT, GT_MUTEX, GT_RWMUTEX, GT_COUNT
};
static const char *const godwarf_types[GT_COUNT] = {
	"runtime.g", "runtime.m", "runtime.sudog", "runtime.semaRoot", "sync.Mutex", "sync.RWMutex",
};
enum {
	GV_ALLGS = 0, GV_ALLGLEN, GV_WAITREASONS, GV_SEMTABLE, GV_BUILDVERSION, GV_COUNT
};
static const char *const godwarf_vars[GV_COUNT] = {
	"runtime.allgs", "runtime.allglen", "runtime.waitReasonStrings", "runtime.semtable",
	"runtime.buildVersion",
};
static const char *const godwarf_fns[GOFN_COUNT] = {
	"sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "sync.(*RWMutex).Lock", "sync.(*RWMutex).RLock",
	"sync.(*Mutex).Unlock", "sync.(*RWMutex).Unlock", "sync.(*RWMutex).RUnlock",
};

struct godwarf_scan {
	Dwarf_Die types[GT_COUNT];
	bool have_type[GT_COUNT];
	Dwarf_Die vars[GV_COUNT];
	bool have_var[GV_COUNT];
};

static bool
godwarf_is_go(Elf *elf, bool *has_dwarf)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	bool go = false;

	*has_dwarf = false;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) == NULL)
			continue;
		if ((name = elf_strptr(elf, shstrndx, sh.sh_name)) == NULL)
			continue;
		if (strcmp(name, ".go.buildinfo") == 0 || strcmp(name, ".gopclntab") == 0 ||
		    strcmp(name, ".note.go.buildid") == 0)
			go = true;
		if (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0)
			*has_dwarf = true;
	}
	return go;
}

/* Follows typedefs (Go names every type) down to the structure or array itself. */
static bool
godwarf_type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;
	Dwarf_Die t;

	if (dwarf_attr_integrate(die, DW_AT_type, &at) == NULL || dwarf_formref_die(&at, &t) == NULL)
		return false;
	if (dwarf_peel_type(&t, out) != 0)
		return false;
	return true;
}

static int32_t
godwarf_size_of(Dwarf_Die *die)
{
	Dwarf_Word sz;

	if (dwarf_aggregate_size(die, &sz) != 0 || sz > INT32_MAX)
		return -1;
	return (int32_t)sz;
}

/* Finds a member by name; off/size of the member, its type (peeled) in *type if not NULL. */
static bool
godwarf_member(Dwarf_Die *st, const char *name, struct godwarf_field *f, Dwarf_Die *type)
{
	Dwarf_Die c, t;
	Dwarf_Attribute at;
	Dwarf_Word off;

	if (dwarf_child(st, &c) != 0)
		return false;
	do {
		const char *n;

		if (dwarf_tag(&c) != DW_TAG_member || (n = dwarf_diename(&c)) == NULL || strcmp(n, name) != 0)
			continue;
		if (dwarf_attr(&c, DW_AT_data_member_location, &at) == NULL || dwarf_formudata(&at, &off) != 0 ||
		    off > INT32_MAX)
			return false;
		if (!godwarf_type_of(&c, &t))
			return false;
		f->off = (int32_t)off;
		f->size = godwarf_size_of(&t);
		if (type != NULL)
			*type = t;
		return true;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* A dotted member path such as "sched.sp" or "stack.lo"; off is -1 when any part is missing. */
static struct godwarf_field
godwarf_path(const struct godwarf_scan *sc, int type, const char *path)
{
	struct godwarf_field f = { -1, -1 }, part;
	Dwarf_Die cur, next;
	char buf[64];
	char *p, *dot;
	int32_t base = 0;

	if (!sc->have_type[type] || strlen(path) >= sizeof buf)
		return f;
	cur = sc->types[type];
	memcpy(buf, path, strlen(path) + 1);
	for (p = buf; p != NULL; p = dot) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot++ = '\0';
		if (!godwarf_member(&cur, p, &part, &next))
			return f;
		/* a hostile DWARF may put members near INT32_MAX: the sum must not overflow */
		if (part.off > INT32_MAX - base)
			return f;
		base += part.off;
		cur = next;
	}
	f.off = base;
	f.size = part.size;
	return f;
}

static uint64_t
godwarf_var_addr(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	Dwarf_Block b;
	Dwarf_Op *expr;
	size_t n;
	uint64_t a = 0;

	if (dwarf_attr(die, DW_AT_location, &at) == NULL)
		return 0;
	/* Go writes DW_FORM_block1 in DWARF 4 units, which dwarf_getlocation refuses: decode by hand */
	if (dwarf_formblock(&at, &b) == 0) {
		if (b.length != 9 || b.data[0] != DW_OP_addr)
			return 0;
		for (int i = 8; i >= 1; i--)
			a = a << 8 | b.data[i];
		return a;
	}
	if (dwarf_getlocation(&at, &expr, &n) != 0 || n != 1 || expr[0].atom != DW_OP_addr)
		return 0;
	return expr[0].number;
}

/* Element count and element type of an array variable's type. */
static bool
godwarf_array(Dwarf_Die *var, size_t *count, Dwarf_Die *elem)
{
	Dwarf_Die arr, c;
	Dwarf_Attribute at;
	Dwarf_Word n;

	if (!godwarf_type_of(var, &arr) || dwarf_tag(&arr) != DW_TAG_array_type)
		return false;
	if (!godwarf_type_of(&arr, elem))
		return false;
	if (dwarf_child(&arr, &c) != 0)
		return false;
	do {
		if (dwarf_tag(&c) != DW_TAG_subrange_type)
			continue;
		if (dwarf_attr(&c, DW_AT_count, &at) != NULL && dwarf_formudata(&at, &n) == 0) {
			*count = n;
			return true;
		}
		if (dwarf_attr(&c, DW_AT_upper_bound, &at) != NULL && dwarf_formudata(&at, &n) == 0) {
			*count = n + 1;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static void
godwarf_add_range(struct godwarf_func *f, uint64_t lo, uint64_t hi)
{
	if (hi <= lo || f->n >= 4096)
		return;
	xgrow(&f->r, &f->cap, f->n + 1, sizeof *f->r);
	f->r[f->n].lo = lo;
	f->r[f->n].hi = hi;
	f->n++;
}

/* Records a subprogram or inlined copy of one of godwarf_fns, then looks inside it for inlined copies. */
static void
godwarf_scan_fn(Dwarf_Die *d, struct godwarf_layout *l, int depth)
{
	const char *name = dwarf_diename(d);	/* follows abstract_origin for inlined copies */
	Dwarf_Die c;

	if (name != NULL && strncmp(name, "sync.", 5) == 0) {
		for (int i = 0; i < GOFN_COUNT; i++) {
			Dwarf_Addr base, lo, hi;
			ptrdiff_t o = 0;

			if (strcmp(name, godwarf_fns[i]) != 0)
				continue;
			while ((o = dwarf_ranges(d, o, &base, &lo, &hi)) > 0)
				godwarf_add_range(&l->funcs[i], lo, hi);
		}
	}
	if (depth > 16 || dwarf_child(d, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);

		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block)
			godwarf_scan_fn(&c, l, depth + 1);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* Records st's direct members that are a sync.Mutex or RWMutex (the program's own structs: the
 * runtime's and sync's are not objects users name). */
static void
godwarf_scan_locks(Dwarf_Die *st, const char *name, struct godwarf_layout *l)
{
	Dwarf_Die c, t;
	Dwarf_Attribute at;
	Dwarf_Word off;
	int n = 0;

	if (strncmp(name, "sync.", 5) == 0 || strncmp(name, "runtime.", 8) == 0 || dwarf_child(st, &c) != 0)
		return;
	do {
		const char *mn, *tn;
		struct godwarf_lockmember *m;

		if (++n > 1024 || l->nlockmembers >= GODWARF_MAX_LOCKMEMBERS)
			return;
		if (dwarf_tag(&c) != DW_TAG_member || (mn = dwarf_diename(&c)) == NULL || !godwarf_type_of(&c, &t) ||
		    dwarf_tag(&t) != DW_TAG_structure_type || (tn = dwarf_diename(&t)) == NULL)
			continue;
		if (strcmp(tn, "sync.Mutex") != 0 && strcmp(tn, "sync.RWMutex") != 0)
			continue;
		if (dwarf_attr(&c, DW_AT_data_member_location, &at) == NULL || dwarf_formudata(&at, &off) != 0 ||
		    off > INT32_MAX)
			continue;
		xgrow(&l->lockmembers, &l->lockmembers_cap, l->nlockmembers + 1, sizeof *l->lockmembers);
		m = &l->lockmembers[l->nlockmembers++];
		m->type = xstrdup(name);
		m->member = xstrdup(mn);
		m->off = (int32_t)off;
		m->rw = strcmp(tn, "sync.RWMutex") == 0;
	} while (dwarf_siblingof(&c, &c) == 0);
}

static int
godwarf_lockmember_cmp(const void *a, const void *b)
{
	const struct godwarf_lockmember *p = a, *q = b;
	int c = strcmp(p->type, q->type);

	return c != 0 ? c : (p->off > q->off) - (p->off < q->off);
}

size_t
godwarf_lockmembers_of(const struct godwarf_layout *l, const char *type, const struct godwarf_lockmember **out)
{
	size_t lo = 0, hi = l->nlockmembers, n = 0;

	/* the first entry of type, by bisection */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->lockmembers[mid].type, type) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = lo < l->nlockmembers ? &l->lockmembers[lo] : NULL;
	while (lo + n < l->nlockmembers && strcmp(l->lockmembers[lo + n].type, type) == 0)
		n++;
	return n;
}

static void
godwarf_scan_cu(Dwarf_Die *cu, struct godwarf_scan *sc, struct godwarf_layout *l)
{
	Dwarf_Die d;

	if (dwarf_child(cu, &d) != 0)
		return;
	do {
		int tag = dwarf_tag(&d);
		const char *name = dwarf_diename(&d);

		if (name == NULL)
			continue;
		if (tag == DW_TAG_structure_type) {
			godwarf_scan_locks(&d, name, l);
			for (int i = 0; i < GT_COUNT; i++)
				if (!sc->have_type[i] && strcmp(name, godwarf_types[i]) == 0) {
					sc->types[i] = d;
					sc->have_type[i] = true;
				}
		} else if (tag == DW_TAG_variable) {
			for (int i = 0; i < GV_COUNT; i++)
				if (!sc->have_var[i] && strcmp(name, godwarf_vars[i]) == 0) {
					sc->vars[i] = d;
					sc->have_var[i] = true;
				}
		} else if (tag == DW_TAG_subprogram) {
			godwarf_scan_fn(&d, l, 0);
		}
	} while (dwarf_siblingof(&d, &d) == 0);
}

static void
godwarf_fill(struct godwarf_scan *sc, struct godwarf_layout *l)
{
	Dwarf_Die elem;
	struct godwarf_field f;

	if (sc->have_type[GT_G])
		l->g_size = (size_t)godwarf_size_of(&sc->types[GT_G]);
	l->g_stack_lo = godwarf_path(sc, GT_G, "stack.lo");
	l->g_stack_hi = godwarf_path(sc, GT_G, "stack.hi");
	l->g_m = godwarf_path(sc, GT_G, "m");
	l->g_sched_sp = godwarf_path(sc, GT_G, "sched.sp");
	l->g_sched_pc = godwarf_path(sc, GT_G, "sched.pc");
	l->g_sched_bp = godwarf_path(sc, GT_G, "sched.bp");
	l->g_syscallsp = godwarf_path(sc, GT_G, "syscallsp");
	l->g_syscallpc = godwarf_path(sc, GT_G, "syscallpc");
	l->g_atomicstatus = godwarf_path(sc, GT_G, "atomicstatus");
	l->g_goid = godwarf_path(sc, GT_G, "goid");
	l->g_waitsince = godwarf_path(sc, GT_G, "waitsince");
	l->g_waitreason = godwarf_path(sc, GT_G, "waitreason");
	l->g_gopc = godwarf_path(sc, GT_G, "gopc");
	l->g_startpc = godwarf_path(sc, GT_G, "startpc");
	l->g_parent_goid = godwarf_path(sc, GT_G, "parentGoid");	/* Go 1.21+ */

	if (sc->have_type[GT_M])
		l->m_size = (size_t)godwarf_size_of(&sc->types[GT_M]);
	l->m_procid = godwarf_path(sc, GT_M, "procid");
	l->m_curg = godwarf_path(sc, GT_M, "curg");

	if (sc->have_type[GT_SUDOG])
		l->sudog_size = (size_t)godwarf_size_of(&sc->types[GT_SUDOG]);
	l->sudog_g = godwarf_path(sc, GT_SUDOG, "g");
	l->sudog_next = godwarf_path(sc, GT_SUDOG, "next");
	l->sudog_prev = godwarf_path(sc, GT_SUDOG, "prev");
	l->sudog_elem = godwarf_path(sc, GT_SUDOG, "elem");
	l->sudog_parent = godwarf_path(sc, GT_SUDOG, "parent");
	l->sudog_waitlink = godwarf_path(sc, GT_SUDOG, "waitlink");

	if (sc->have_type[GT_SEMAROOT])
		l->semaroot_size = (size_t)godwarf_size_of(&sc->types[GT_SEMAROOT]);
	l->semaroot_treap = godwarf_path(sc, GT_SEMAROOT, "treap");
	l->semaroot_nwait = godwarf_path(sc, GT_SEMAROOT, "nwait");

	if (sc->have_type[GT_MUTEX])
		l->mutex_size = (size_t)godwarf_size_of(&sc->types[GT_MUTEX]);
	l->mutex_state = godwarf_path(sc, GT_MUTEX, "state");
	l->mutex_sema = godwarf_path(sc, GT_MUTEX, "sema");
	if (sc->have_type[GT_RWMUTEX])
		l->rwmutex_size = (size_t)godwarf_size_of(&sc->types[GT_RWMUTEX]);
	l->rw_w = godwarf_path(sc, GT_RWMUTEX, "w");
	l->rw_writersem = godwarf_path(sc, GT_RWMUTEX, "writerSem");
	l->rw_readersem = godwarf_path(sc, GT_RWMUTEX, "readerSem");
	l->rw_readercount = godwarf_path(sc, GT_RWMUTEX, "readerCount");
	l->rw_readerwait = godwarf_path(sc, GT_RWMUTEX, "readerWait");

	if (sc->have_var[GV_ALLGS])
		l->allgs_addr = godwarf_var_addr(&sc->vars[GV_ALLGS]);
	if (sc->have_var[GV_ALLGLEN])
		l->allglen_addr = godwarf_var_addr(&sc->vars[GV_ALLGLEN]);
	if (sc->have_var[GV_BUILDVERSION])
		l->buildversion_addr = godwarf_var_addr(&sc->vars[GV_BUILDVERSION]);
	if (sc->have_var[GV_WAITREASONS] && godwarf_array(&sc->vars[GV_WAITREASONS], &l->nwaitreasons, &elem) &&
	    godwarf_size_of(&elem) == 16)
		l->waitreasons_addr = godwarf_var_addr(&sc->vars[GV_WAITREASONS]);
	if (sc->have_var[GV_SEMTABLE] && godwarf_array(&sc->vars[GV_SEMTABLE], &l->semtable_count, &elem)) {
		int32_t stride = godwarf_size_of(&elem);

		/* Go 1.19: [251]struct{root semaRoot; pad [...]byte}; older ones had the same shape unnamed */
		if (stride > 0 && godwarf_member(&elem, "root", &f, NULL)) {
			l->semtable_stride = (size_t)stride;
			l->semtable_root_off = f.off;
			l->semtable_addr = godwarf_var_addr(&sc->vars[GV_SEMTABLE]);
		}
	}
}

/* The members without which no goroutine can be read. */
static const char *
godwarf_missing(const struct godwarf_layout *l)
{
	if (l->allgs_addr == 0)
		return "runtime.allgs";
	if (l->g_size == 0 || l->g_size > 65536)
		return "runtime.g";
	if (l->g_goid.off < 0)
		return "runtime.g.goid";
	if (l->g_atomicstatus.off < 0)
		return "runtime.g.atomicstatus";
	if (l->g_sched_sp.off < 0 || l->g_sched_pc.off < 0)
		return "runtime.g.sched";
	if (l->g_stack_lo.off < 0 || l->g_stack_hi.off < 0)
		return "runtime.g.stack";
	return NULL;
}

void
godwarf_layout_done(struct godwarf_layout *l)
{
	for (int i = 0; i < GOFN_COUNT; i++) {
		free(l->funcs[i].r);
		l->funcs[i].r = NULL;
		l->funcs[i].n = l->funcs[i].cap = 0;
	}
	for (size_t i = 0; i < l->nlockmembers; i++) {
		free(l->lockmembers[i].type);
		free(l->lockmembers[i].member);
	}
	free(l->lockmembers);
	l->lockmembers = NULL;
	l->nlockmembers = l->lockmembers_cap = 0;
}

int
godwarf_in_func(const struct godwarf_layout *l, enum godwarf_fn fn, uint64_t pc)
{
	const struct godwarf_func *f = &l->funcs[fn];

	for (size_t i = 0; i < f->n; i++)
		if (pc >= f->r[i].lo && pc < f->r[i].hi)
			return 1;
	return 0;
}

uint64_t
godwarf_last_in(const struct godwarf_layout *l, enum godwarf_fn fn, uint64_t lo, uint64_t hi)
{
	const struct godwarf_func *f = &l->funcs[fn];
	uint64_t best = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->r[i].lo >= lo && f->r[i].lo < hi && f->r[i].lo > best)
			best = f->r[i].lo;
	return best;
}

/* The link-time address of file offset 0: Go's PIEs are linked at 0x400000, not 0. */
static uint64_t
godwarf_load_vaddr(Elf *elf, size_t phnum)
{
	uint64_t best = UINT64_MAX;

	if (elf_getphdrnum(elf, &phnum) != 0)
		return 0;
	for (size_t i = 0; i < phnum && i < 256; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD || ph.p_vaddr < ph.p_offset)
			continue;
		if (ph.p_vaddr - ph.p_offset < best)
			best = (ph.p_vaddr - ph.p_offset) & ~(uint64_t)0xfff;
	}
	return best == UINT64_MAX ? 0 : best;
}

enum godwarf_result
godwarf_load(const char *path, struct godwarf_layout *l, int *is_pie, struct err *e)
{
	int fd;

	memset(l, 0, sizeof *l);
	*is_pie = 0;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		return GODWARF_ERROR;
	}
	return godwarf_load_fd(fd, path, l, is_pie, e);
}

enum godwarf_result
godwarf_load_fd(int fd, const char *path, struct godwarf_layout *l, int *is_pie, struct err *e)
{
	enum godwarf_result r = GODWARF_ERROR;
	Elf *elf = NULL;
	Dwarf *dw = NULL;
	GElf_Ehdr eh;
	struct godwarf_scan *sc = NULL;
	Dwarf_Off off = 0, next;
	size_t hsize;
	bool has_dwarf;
	const char *missing;

	memset(l, 0, sizeof *l);
	*is_pie = 0;
	elf_version(EV_CURRENT);
	if ((elf = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL || elf_kind(elf) != ELF_K_ELF ||
	    gelf_getehdr(elf, &eh) == NULL) {
		err_set(e, "%s: not an ELF file", path);
		goto out;
	}
	*is_pie = eh.e_type == ET_DYN;
	l->load_vaddr = godwarf_load_vaddr(elf, eh.e_phnum);
	if (!godwarf_is_go(elf, &has_dwarf)) {
		err_set(e, "%s: not a Go program", path);
		r = GODWARF_NOT_GO;
		goto out;
	}
	if (!has_dwarf || (dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL)) == NULL) {
		err_set(e, "Go program without DWARF (built with -ldflags=-w?): goroutine analysis needs DWARF; "
		    "showing threads only");
		r = GODWARF_NO_DWARF;
		goto out;
	}
	sc = xcalloc(1, sizeof *sc);
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(dw, off + hsize, &cu) != NULL)
			godwarf_scan_cu(&cu, sc, l);
		off = next;
	}
	godwarf_fill(sc, l);
	if (l->nlockmembers > 1)
		qsort(l->lockmembers, l->nlockmembers, sizeof *l->lockmembers, godwarf_lockmember_cmp);
	if ((missing = godwarf_missing(l)) != NULL) {
		err_set(e, "%s: DWARF lacks %s, or gives it an implausible size or offset; cannot read goroutines",
		    path, missing);
		goto out;
	}
	r = GODWARF_OK;
out:
	free(sc);
	if (dw != NULL)
		dwarf_end(dw);
	if (elf != NULL)
		elf_end(elf);
	close(fd);
	return r;
}
