/* output_core.c - writes a snapshot as an ELF core (x86-64 ET_CORE): NT_PRSTATUS per thread, NT_PRPSINFO, NT_AUXV, NT_FILE, the HOLDUP note, PT_LOADs of the memory read. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>

#include "arch.h"
#include "corenote.h"
#include "output_core.h"

#define OUTCORE_NT_FILE 0x46494c45
#define OUTCORE_MAX_SEGS 65536
#define OUTCORE_MAX_HEADERS 512	/* module headers saved */

struct oc_buf {
	uint8_t *p;
	size_t len, cap;
};

static void
oc_put(struct oc_buf *b, const void *v, size_t n)
{
	xgrow(&b->p, &b->cap, b->len + n, 1);
	if (n > 0)
		memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void
oc_note(struct oc_buf *b, const char *name, uint32_t type, const void *desc, size_t len)
{
	Elf64_Nhdr h = { (Elf64_Word)(strlen(name) + 1), (Elf64_Word)len, type };
	static const uint8_t pad[4];

	oc_put(b, &h, sizeof h);
	oc_put(b, name, h.n_namesz);
	oc_put(b, pad, (4 - h.n_namesz % 4) % 4);
	oc_put(b, desc, len);
	oc_put(b, pad, (4 - len % 4) % 4);
}

/* NT_FILE: count, page size, (start, end, page offset) per file mapping, then the paths. */
static void
oc_files(struct oc_buf *notes, const struct snapshot *s)
{
	struct oc_buf d = { NULL, 0, 0 }, names = { NULL, 0, 0 };
	uint64_t n = 0, page = 4096;

	oc_put(&d, &n, 8);
	oc_put(&d, &page, 8);
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct mapping *m = &s->maps[i];
		uint64_t v[3] = { m->start, m->end, m->offset / page };

		if (m->path == NULL || m->path[0] != '/')
			continue;
		oc_put(&d, v, sizeof v);
		oc_put(&names, m->path, strlen(m->path) + 1);
		n++;
	}
	memcpy(d.p, &n, 8);
	oc_put(&d, names.p, names.len);
	oc_note(notes, "CORE", OUTCORE_NT_FILE, d.p, d.len);
	free(d.p);
	free(names.p);
}

static int
oc_write(int fd, const void *p, size_t n, struct err *e)
{
	const uint8_t *q = p;

	while (n > 0) {
		ssize_t w = write(fd, q, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, "writing the core: %s", w < 0 ? strerror(errno) : "short write");
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

struct oc_range {
	uint64_t addr;
	size_t len;
	const uint8_t *data;
};

static int
oc_range_cmp(const void *x, const void *y)
{
	const struct oc_range *a = x, *b = y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static void
oc_add(struct oc_range *r, size_t *n, size_t max, uint64_t addr, size_t len, const uint8_t *data)
{
	if (data != NULL && len > 0 && *n < max && addr + len > addr)
		r[(*n)++] = (struct oc_range){ addr, len, data };
}

/* The segments: each thread's stack copy, each memory copy and each recorded read, sorted and
 * merged where they overlap or touch (a core's PT_LOADs must not overlap). Merged data is malloc'd
 * into owned[]; returns the segment count. */
static size_t
oc_segments(const struct snapshot *s, Elf64_Phdr *ph, const uint8_t **data, uint8_t **owned, size_t max)
{
	struct oc_range *r = xmalloc((max + 1) * sizeof *r);
	size_t n = 0, k = 0;

	for (size_t i = 0; i < s->nthreads; i++)
		oc_add(r, &n, max, s->threads[i].stack_addr, s->threads[i].stack_len, s->threads[i].stack);
	for (size_t i = 0; i < s->nmem; i++)
		oc_add(r, &n, max, s->mem[i].addr, s->mem[i].len, s->mem[i].data);
	for (size_t i = 0; s->readlog != NULL && i < s->readlog->n; i++)
		oc_add(r, &n, max, s->readlog->reads[i].addr, s->readlog->reads[i].len, s->readlog->reads[i].data);
	qsort(r, n, sizeof *r, oc_range_cmp);
	for (size_t i = 0; i < n; ) {
		uint64_t lo = r[i].addr, hi = r[i].addr + r[i].len;
		size_t j = i + 1;

		while (j < n && r[j].addr <= hi) {
			if (r[j].addr + r[j].len > hi)
				hi = r[j].addr + r[j].len;
			j++;
		}
		owned[k] = NULL;
		if (j == i + 1) {
			data[k] = r[i].data;
		} else {
			owned[k] = xmalloc((size_t)(hi - lo));
			for (size_t m = i; m < j; m++)
				memcpy(owned[k] + (r[m].addr - lo), r[m].data, r[m].len);
			data[k] = owned[k];
		}
		ph[k] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_vaddr = lo,
		    .p_filesz = hi - lo, .p_memsz = hi - lo, .p_align = 1 };
		k++;
		i = j;
	}
	free(r);
	return k;
}

/* NT_AUXV: gdb relocates a PIE by AT_ENTRY and AT_PHDR and finds the libraries by the link map
 * behind them. All but AT_PAGESZ: given it, libdwfl (elfutils 0.188, eu-stack) reads each module's
 * image from the core's memory, where only its first page is saved, and its stacks end at the first
 * frame; without it, libdwfl opens the modules' files as it does for NT_FILE alone. */
static void
oc_auxv_note(struct oc_buf *notes, const struct snapshot *s)
{
	struct oc_buf d = { NULL, 0, 0 };

	for (size_t i = 0; s->auxv != NULL && i + 16 <= s->auxv_len; i += 16) {
		uint64_t a[2];

		memcpy(a, s->auxv + i, sizeof a);
		if (a[0] != AT_PAGESZ)
			oc_put(&d, a, sizeof a);
		if (a[0] == AT_NULL)
			break;
	}
	if (d.len > 0)
		oc_note(notes, "CORE", NT_AUXV, d.p, d.len);
	free(d.p);
}

/* NT_PRPSINFO: the process's pid, name and arguments; libdwfl's dwfl_core_file_attach (eu-stack)
 * takes the pid from it and refuses a core without one. */
static void
oc_psinfo(struct oc_buf *notes, const struct snapshot *s)
{
	prpsinfo_t ps;
	const struct thread *main_thread = snapshot_find_thread(s, s->pid);

	memset(&ps, 0, sizeof ps);
	ps.pr_pid = s->pid;
	ps.pr_sname = 'S';
	if (main_thread != NULL && main_thread->name != NULL)
		snprintf(ps.pr_fname, sizeof ps.pr_fname, "%s", main_thread->name);
	if (s->cmdline != NULL)
		snprintf(ps.pr_psargs, sizeof ps.pr_psargs, "%s", s->cmdline);
	oc_note(notes, "CORE", NT_PRPSINFO, &ps, sizeof ps);
}

int
output_core_write(const struct snapshot *s, int fd, struct err *e)
{
	struct oc_buf notes = { NULL, 0, 0 };
	size_t max = s->nthreads + s->nmem + (s->readlog != NULL ? s->readlog->n : 0), nseg;
	Elf64_Phdr *ph;
	const uint8_t **data;
	uint8_t **owned;
	uint8_t st[1024], *hn;
	size_t hl;

	/* a core holds one arch's register notes, and holdup writes 64-bit cores of its own only */
	if (s->arch->regs_to_elf_prstatus == NULL || s->arch != arch_native)
		return err_set(e, "%s process: its snapshot cannot be saved as a core (holdup writes %s cores "
		    "only)", s->arch->name, arch_native->name);
	uint64_t off;
	int rc = 0;

	if (max > OUTCORE_MAX_SEGS)
		max = OUTCORE_MAX_SEGS;
	ph = xmalloc((max + 1) * sizeof *ph);
	data = xmalloc((max + 1) * sizeof *data);
	owned = xcalloc(max + 1, sizeof *owned);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread *t = &s->threads[i];
		struct arch_regs r = t->regs;
		size_t n;

		/* a thread read without a stop has no registers: its /proc syscall line's sp and pc stand in */
		if (!t->regs_valid) {
			memset(&r, 0, sizeof r);
			r.pc = t->syscall_pc;
			r.sp = t->syscall_sp;
			r.syscall_nr = t->syscall;
			memcpy(r.args, t->syscall_args, sizeof r.args);
		}
		n = s->arch->regs_to_elf_prstatus(&r, t->tid, t->pending_signal, st, sizeof st);
		if (n > 0)
			oc_note(&notes, "CORE", NT_PRSTATUS, st, n);
	}
	oc_psinfo(&notes, s);
	oc_auxv_note(&notes, s);
	oc_files(&notes, s);
	corenote_encode(s, &hn, &hl);
	oc_note(&notes, "HOLDUP", 0x484c4450, hn, hl);
	free(hn);
	nseg = oc_segments(s, ph + 1, data + 1, owned + 1, max);
	off = sizeof(Elf64_Ehdr) + (nseg + 1) * sizeof(Elf64_Phdr);
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off, .p_filesz = notes.len, .p_align = 4 };
	off += notes.len;
	for (size_t i = 1; i <= nseg; i++) {
		ph[i].p_offset = off;
		off += ph[i].p_filesz;
	}
	Elf64_Ehdr h = { .e_type = ET_CORE, .e_machine = (Elf64_Half)s->arch->elf_machine, .e_version = EV_CURRENT,
	    .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = (Elf64_Half)(nseg + 1) };
	memcpy(h.e_ident, ELFMAG, SELFMAG);
	h.e_ident[EI_CLASS] = ELFCLASS64;
	h.e_ident[EI_DATA] = ELFDATA2LSB;
	h.e_ident[EI_VERSION] = EV_CURRENT;
	if (nseg + 1 >= PN_XNUM)
		rc = err_set(e, "too many memory segments for one core (%zu)", nseg);
	if (rc == 0)
		rc = oc_write(fd, &h, sizeof h, e);
	if (rc == 0)
		rc = oc_write(fd, ph, (nseg + 1) * sizeof *ph, e);
	if (rc == 0)
		rc = oc_write(fd, notes.p, notes.len, e);
	for (size_t i = 1; rc == 0 && i <= nseg; i++)
		rc = oc_write(fd, data[i], ph[i].p_filesz, e);
	free(notes.p);
	free(ph);
	for (size_t i = 1; i <= nseg; i++)
		free(owned[i]);
	free(owned);
	free(data);
	return rc;
}

/* An auxiliary vector entry of s, 0 if absent. */
static uint64_t
oc_auxv(const struct snapshot *s, uint64_t type)
{
	for (size_t i = 0; s->auxv != NULL && i + 16 <= s->auxv_len; i += 16) {
		uint64_t a[2];

		memcpy(a, s->auxv + i, sizeof a);
		if (a[0] == AT_NULL)
			break;
		if (a[0] == type)
			return a[1];
	}
	return 0;
}

/* A NUL-terminated string of the target at addr, read (and so recorded) in pieces up to its end. */
static void
oc_record_string(struct snapshot *s, uint64_t addr)
{
	char buf[256];

	for (int k = 0; k < 16 && addr != 0; k++, addr += sizeof buf) {
		ssize_t r = snapshot_read_recorded(s, addr, buf, sizeof buf);

		if (r <= 0 || memchr(buf, '\0', (size_t)r) != NULL)
			break;
	}
}

/* The dynamic linker's list of loaded objects (the executable's DT_DEBUG, r_debug, each link_map
 * and its name), as a kernel core holds it: gdb finds the shared libraries by it, and libdwfl,
 * given an auxiliary vector, walks it and stops the stacks at the first frame when it is missing.
 * 64-bit layouts (<link.h>): struct r_debug is r_version, r_map, ...; struct link_map is l_addr,
 * l_name, l_ld, l_next, l_prev. */
static void
oc_record_link_map(struct snapshot *s)
{
	uint64_t phdr = oc_auxv(s, AT_PHDR), phnum = oc_auxv(s, AT_PHNUM), bias = 0, dyn = 0, dynsz = 0;
	uint64_t rdebug = 0, lm;
	Elf64_Phdr ph[64];
	Elf64_Dyn d[256];
	ssize_t r;

	if (phdr == 0 || phnum == 0 || phnum > 64 || oc_auxv(s, AT_PHENT) != sizeof(Elf64_Phdr))
		return;
	if (snapshot_read_recorded(s, phdr, ph, phnum * sizeof ph[0]) != (ssize_t)(phnum * sizeof ph[0]))
		return;
	for (size_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = phdr - ph[i].p_vaddr;
	for (size_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn = bias + ph[i].p_vaddr;
			dynsz = ph[i].p_memsz < sizeof d ? ph[i].p_memsz : sizeof d;
		}
	if (dyn == 0 || (r = snapshot_read_recorded(s, dyn, d, dynsz)) <= 0)
		return;
	for (size_t i = 0; i < (size_t)r / sizeof d[0] && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_DEBUG)
			rdebug = d[i].d_un.d_ptr;
	uint64_t rd[5];

	if (rdebug == 0 || snapshot_read_recorded(s, rdebug, rd, sizeof rd) != (ssize_t)sizeof rd)
		return;
	lm = rd[1];
	for (int n = 0; n < 1024 && lm != 0; n++) {
		uint64_t l[5];
		uint8_t ld[512];

		if (snapshot_read_recorded(s, lm, l, sizeof l) != (ssize_t)sizeof l)
			break;
		oc_record_string(s, l[1]);
		if (l[2] != 0)
			(void)snapshot_read_recorded(s, l[2], ld, sizeof ld);	/* its dynamic section's start */
		lm = l[3];
	}
}

/* The first page of every file mapped from offset 0, so the saved core holds each module's ELF and
 * program headers as the kernel's cores do (libdwfl and gdb find modules and build IDs by them), then
 * the link map. */
static void
oc_record_headers(struct snapshot *s)
{
	uint8_t page[4096];
	size_t n = 0;

	/* past the analysis budget on purpose: a few pages, after the analysis is done */
	for (size_t i = 0; i < s->nmaps && n < OUTCORE_MAX_HEADERS; i++) {
		const struct mapping *m = &s->maps[i];

		if (m->offset != 0 || m->path == NULL || m->path[0] != '/' || m->perms[0] != 'r' || m->end <= m->start)
			continue;
		(void)snapshot_read_recorded(s, m->start, page, m->end - m->start < sizeof page ? m->end - m->start : sizeof page);
		n++;
	}
	oc_record_link_map(s);
}

int
output_core_create(const char *path, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	return fd;
}

int
output_core_save(struct snapshot *s, int fd, struct err *e)
{
	if (s->readlog == NULL)
		return err_set(e, "this snapshot did not record what its analysis read: not saved");
	oc_record_headers(s);
	return output_core_write(s, fd, e);
}
