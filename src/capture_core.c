/* capture_core.c - a capture source reading an ELF core file: threads, registers, mappings and memory of a process that is not there. */
#include "capture_int.h"
#include "corenote.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"

/* Bounds on what an untrusted core may make holdup read or allocate. */
#define CORE_MAX_PHDRS		65535		/* PN_XNUM (extended numbering) is refused */
#define CORE_MAX_NOTE_BYTES	(64u << 20)	/* all PT_NOTE segments together */
#define CORE_MAX_THREADS	16384
#define CORE_MAX_FILES		65536		/* NT_FILE entries */
#define CORE_MAX_AUXV_BYTES	4096		/* NT_AUXV bytes kept (saved again by dump --save) */
#define CORE_MAX_PATH		4096
#define CORE_MAX_AUXV		512
#define CORE_DEFAULT_STACK	(32 * 1024)	/* as the live capture copies from a stopped thread */

/* Names and types of the notes read here (NT_FILE and NT_SIGINFO are not in every elf.h). */
#define CORE_NT_FILE		0x46494c45
#define CORE_NOTE_HOLDUP	"HOLDUP"

/* One PT_LOAD segment: [vaddr, vaddr + filesz) is in the file at offset; the rest of memsz was not dumped. */
struct core_seg {
	uint64_t vaddr, memsz, filesz, offset;
	uint32_t flags;
};

/* The memory reader a core's snapshot owns (read_ctx): its own descriptor and segment table. */
struct core_mem {
	int fd;
	struct core_seg *segs;		/* owned, sorted by vaddr, not overlapping */
	size_t nsegs;
};

struct capture_core {
	char *path;			/* owned */
	struct capture_core_opts opts;
	int fd;
	uint64_t size;			/* of the file */
	struct timespec mtime;
	uint16_t phnum;
	uint64_t phoff;
	struct core_seg *segs;		/* owned, sorted */
	size_t nsegs;
	uint8_t *notes;			/* owned; every PT_NOTE segment's bytes, one after another */
	size_t notes_len;
	struct snapshot *ready;		/* owned; read at open, handed out by the first snapshot */
};

/* One NT_FILE entry. */
struct core_file {
	uint64_t start, end, offset;	/* offset in bytes */
	const char *path;		/* borrowed from the note */
};

static int
core_seg_cmp(const void *a, const void *b)
{
	const struct core_seg *x = a, *y = b;

	return (x->vaddr > y->vaddr) - (x->vaddr < y->vaddr);
}

/* The segment holding addr, or NULL: binary search over the sorted table. */
static const struct core_seg *
core_seg_find(const struct core_seg *segs, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < segs[mid].vaddr)
			hi = mid;
		else if (addr - segs[mid].vaddr >= segs[mid].memsz)
			lo = mid + 1;
		else
			return &segs[mid];
	}
	return NULL;
}

/* Reads target memory from the core: only what it holds (a segment's undumped tail is not zeros,
 * it is unknown, so the read stops there). Bytes read, or -1 if none. */
static ssize_t
core_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct core_mem *m = ctx;
	size_t done = 0;

	while (done < len) {
		uint64_t a = addr + done;
		const struct core_seg *sg = core_seg_find(m->segs, m->nsegs, a);
		uint64_t in, avail;
		size_t want;
		ssize_t r;

		if (sg == NULL || a < addr)
			break;
		in = a - sg->vaddr;
		if (in >= sg->filesz)
			break;
		avail = sg->filesz - in;
		want = len - done < avail ? len - done : (size_t)avail;
		r = pread(m->fd, (uint8_t *)buf + done, want, (off_t)(sg->offset + in));
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < want)
			break;
	}
	return done > 0 ? (ssize_t)done : -1;
}

static void
core_mem_free(void *ctx)
{
	struct core_mem *m = ctx;

	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m->segs);
	free(m);
}

/* Reads exactly len bytes at off of the core; a short file is "truncated". */
static int
core_pread(struct capture_core *k, void *buf, size_t len, uint64_t off, const char *what, struct err *e)
{
	ssize_t r;

	if (off > k->size || len > k->size - off)
		return err_set(e, "core: %s truncated at offset %" PRIu64 " (file is %" PRIu64 " bytes)", what, off,
		    k->size);
	r = pread(k->fd, buf, len, (off_t)off);
	if (r < 0)
		return err_set(e, "core: reading %s: %s", what, strerror(errno));
	if ((size_t)r != len)
		return err_set(e, "core: %s truncated at offset %" PRIu64, what, off + (uint64_t)r);
	return 0;
}

/* The ELF header: a 64-bit little-endian core of this machine, or a clear refusal. */
static int
core_check_header(struct capture_core *k, struct err *e)
{
	Elf64_Ehdr h;
	unsigned char id[EI_NIDENT];

	if (k->size < EI_NIDENT || core_pread(k, id, sizeof id, 0, "ELF header", e) < 0)
		return err_set(e, "%s: not an ELF file (too short)", k->path);
	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return err_set(e, "%s: not an ELF file, so not a core file", k->path);
	if (id[EI_CLASS] == ELFCLASS32)
		return err_set(e, "%s: a 32-bit ELF file: holdup %s reads only 64-bit %s core files (32-bit "
		    "processes only live)", k->path, arch_native->name, arch_native->name);
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return err_set(e, "%s: not a 64-bit little-endian ELF file", k->path);
	if (core_pread(k, &h, sizeof h, 0, "ELF header", e) < 0)
		return -1;
	if (h.e_type != ET_CORE)
		return err_set(e, "%s: an ELF file but not a core file (e_type %u; a program or library?)", k->path,
		    (unsigned)h.e_type);
	if (h.e_machine != arch_native->elf_machine)
		return err_set(e, "%s: a core file of another machine (ELF machine %u, holdup is %s)", k->path,
		    (unsigned)h.e_machine, arch_native->name);
	if (h.e_phentsize != sizeof(Elf64_Phdr))
		return err_set(e, "core: program header size %u, not %zu", (unsigned)h.e_phentsize, sizeof(Elf64_Phdr));
	if (h.e_phnum == 0 || h.e_phnum >= CORE_MAX_PHDRS)
		return err_set(e, "core: %u program headers (none, or extended numbering, which holdup does not read)",
		    (unsigned)h.e_phnum);
	k->phnum = h.e_phnum;
	k->phoff = h.e_phoff;
	return 0;
}

/* The program headers: PT_LOAD into the sorted segment table (overlaps refused), PT_NOTE bytes
 * gathered (bounded). */
static int
core_read_phdrs(struct capture_core *k, struct err *e)
{
	Elf64_Phdr *ph = xmalloc((size_t)k->phnum * sizeof *ph);
	size_t cap = 0;
	int rc = -1;

	if (core_pread(k, ph, (size_t)k->phnum * sizeof *ph, k->phoff, "program headers", e) < 0)
		goto out;
	for (size_t i = 0; i < k->phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			struct core_seg *sg;

			if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_memsz == 0 ||
			    ph[i].p_vaddr + ph[i].p_memsz < ph[i].p_vaddr) {
				if (ph[i].p_memsz == 0)
					continue;
				err_set(e, "core: PT_LOAD %zu at %#" PRIx64 " has file size %" PRIu64 " > memory size %"
				    PRIu64 " or wraps", i, (uint64_t)ph[i].p_vaddr, (uint64_t)ph[i].p_filesz,
				    (uint64_t)ph[i].p_memsz);
				goto out;
			}
			if (ph[i].p_offset > k->size || ph[i].p_filesz > k->size - ph[i].p_offset) {
				err_set(e, "core: PT_LOAD %zu at %#" PRIx64 " truncated at offset %" PRIu64 " (file is %"
				    PRIu64 " bytes)", i, (uint64_t)ph[i].p_vaddr, k->size, k->size);
				goto out;
			}
			xgrow(&k->segs, &cap, k->nsegs + 1, sizeof *k->segs);
			sg = &k->segs[k->nsegs++];
			sg->vaddr = ph[i].p_vaddr;
			sg->memsz = ph[i].p_memsz;
			sg->filesz = ph[i].p_filesz;
			sg->offset = ph[i].p_offset;
			sg->flags = ph[i].p_flags;
		} else if (ph[i].p_type == PT_NOTE && ph[i].p_filesz > 0) {
			if (ph[i].p_filesz > CORE_MAX_NOTE_BYTES - k->notes_len) {
				err_set(e, "core: notes larger than %u MiB", CORE_MAX_NOTE_BYTES >> 20);
				goto out;
			}
			k->notes = xrealloc(k->notes, k->notes_len + (size_t)ph[i].p_filesz);
			if (core_pread(k, k->notes + k->notes_len, (size_t)ph[i].p_filesz, ph[i].p_offset, "PT_NOTE", e) < 0)
				goto out;
			k->notes_len += (size_t)ph[i].p_filesz;
		}
	}
	util_sort(k->segs, k->nsegs, sizeof *k->segs, core_seg_cmp);
	for (size_t i = 1; i < k->nsegs; i++)
		if (k->segs[i].vaddr - k->segs[i - 1].vaddr < k->segs[i - 1].memsz) {
			err_set(e, "core: PT_LOAD segments at %#" PRIx64 " and %#" PRIx64 " overlap", k->segs[i - 1].vaddr,
			    k->segs[i].vaddr);
			goto out;
		}
	if (k->notes_len == 0) {
		err_set(e, "core: no notes (no PT_NOTE segment): no threads to show");
		goto out;
	}
	rc = 0;
out:
	free(ph);
	return rc;
}

/* What the notes say, borrowed from k->notes. */
struct core_notes {
	const uint8_t *prpsinfo;	/* NT_PRPSINFO desc */
	size_t prpsinfo_len;
	const uint8_t *file;		/* NT_FILE desc */
	size_t file_len;
	uint64_t file_at;		/* its offset among the notes, for messages */
	const uint8_t *auxv;
	size_t auxv_len;
	const uint8_t *holdup;		/* the "HOLDUP" note's desc */
	size_t holdup_len;
	size_t nthreads;
};

/* Walks the notes, calling each with its name, type and desc. The walk stops at the first
 * malformed note, with an error naming its offset. */
static int
core_walk_notes(struct capture_core *k, struct snapshot *s, struct core_notes *cn, struct err *e)
{
	size_t off = 0;

	while (off < k->notes_len) {
		Elf64_Nhdr nh;
		const char *name;
		const uint8_t *desc;
		size_t nlen, dlen;

		if (k->notes_len - off < sizeof nh)
			return err_set(e, "core: note header truncated at offset %zu", off);
		memcpy(&nh, k->notes + off, sizeof nh);
		nlen = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		dlen = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (nlen > k->notes_len - off - sizeof nh || dlen > k->notes_len - off - sizeof nh - nlen)
			return err_set(e, "core: note (type %#x) truncated at offset %zu", (unsigned)nh.n_type, off);
		name = (const char *)k->notes + off + sizeof nh;
		desc = k->notes + off + sizeof nh + nlen;
		if (nh.n_namesz == 5 && memcmp(name, "CORE", 5) == 0) {
			if (nh.n_type == NT_PRSTATUS) {
				struct thread *t;
				pid_t tid;
				int sig;
				struct arch_regs r;

				if (arch_native->regs_from_elf_prstatus(desc, nh.n_descsz, &tid, &sig, &r) < 0)
					return err_set(e, "core: NT_PRSTATUS note at offset %zu has %u bytes, not this "
					    "machine's size", off, (unsigned)nh.n_descsz);
				if (cn->nthreads++ >= CORE_MAX_THREADS)
					return err_set(e, "core: more than %d threads (NT_PRSTATUS notes)", CORE_MAX_THREADS);
				if (tid <= 0 || snapshot_find_thread(s, tid) != NULL)
					return err_set(e, "core: NT_PRSTATUS note at offset %zu: thread id %d is %s", off,
					    (int)tid, tid <= 0 ? "not valid" : "there twice");
				t = snapshot_add_thread(s, tid);
				t->regs = r;
				t->regs_valid = true;
				t->pending_signal = sig > 0 && sig < 128 ? sig : 0;
			} else if (nh.n_type == NT_PRPSINFO) {
				cn->prpsinfo = desc;
				cn->prpsinfo_len = nh.n_descsz;
			} else if (nh.n_type == CORE_NT_FILE) {
				cn->file = desc;
				cn->file_len = nh.n_descsz;
				cn->file_at = off;
			} else if (nh.n_type == NT_AUXV) {
				cn->auxv = desc;
				cn->auxv_len = nh.n_descsz;
			}
		} else if (nh.n_namesz == sizeof CORE_NOTE_HOLDUP && memcmp(name, CORE_NOTE_HOLDUP, sizeof CORE_NOTE_HOLDUP) == 0) {
			cn->holdup = desc;
			cn->holdup_len = nh.n_descsz;
		}
		off += sizeof nh + nlen + dlen;
	}
	if (cn->nthreads == 0)
		return err_set(e, "core: no NT_PRSTATUS note: no threads");
	return 0;
}

/* NT_FILE: count, page size, count (start, end, page offset) triples, then count NUL-terminated
 * paths. Every count and string is checked against the note's size. */
static int
core_parse_files(const struct core_notes *cn, struct core_file **out, size_t *nout, struct err *e)
{
	uint64_t count, page;
	const uint8_t *p = cn->file, *end;
	const char *str;
	struct core_file *f;

	*out = NULL;
	*nout = 0;
	if (cn->file == NULL)
		return 0;
	end = p + cn->file_len;
	if (cn->file_len < 16)
		return err_set(e, "core: NT_FILE note truncated at offset %" PRIu64, cn->file_at);
	memcpy(&count, p, 8);
	memcpy(&page, p + 8, 8);
	if (count > CORE_MAX_FILES)
		return err_set(e, "core: NT_FILE note at offset %" PRIu64 " claims %" PRIu64 " files (at most %d read)",
		    cn->file_at, count, CORE_MAX_FILES);
	if (page == 0 || page > (1u << 30) || (page & (page - 1)) != 0)
		return err_set(e, "core: NT_FILE note at offset %" PRIu64 ": page size %" PRIu64 " makes no sense",
		    cn->file_at, page);
	if ((cn->file_len - 16) / 24 < count)
		return err_set(e, "core: NT_FILE note truncated at offset %" PRIu64 " (%" PRIu64 " files do not fit)",
		    cn->file_at, count);
	f = xcalloc(count ? (size_t)count : 1, sizeof *f);
	str = (const char *)(p + 16 + count * 24);
	for (size_t i = 0; i < count; i++) {
		const uint8_t *q = p + 16 + i * 24;
		size_t room = (size_t)((const char *)end - str), n;

		memcpy(&f[i].start, q, 8);
		memcpy(&f[i].end, q + 8, 8);
		memcpy(&f[i].offset, q + 16, 8);
		n = strnlen(str, room);
		if (n == room || f[i].end <= f[i].start || f[i].offset > UINT64_MAX / page) {
			free(f);
			return err_set(e, "core: NT_FILE note truncated or corrupt at entry %zu (offset %" PRIu64 ")", i,
			    cn->file_at);
		}
		f[i].offset *= page;
		f[i].path = n < CORE_MAX_PATH ? str : "";
		str += n + 1;
	}
	*out = f;
	*nout = (size_t)count;
	return 0;
}

/* Appends one maps line for [start, end). */
static void
core_maps_line(char **text, size_t *len, size_t *cap, uint64_t start, uint64_t end, uint32_t flags,
    uint64_t offset, const char *path, size_t ino)
{
	char line[CORE_MAX_PATH + 128];
	int n;

	/* device and inode are unknown in a core; the made-up inode (one per file) only tells libdwfl
	 * which lines are file mappings and where one file ends */
	n = snprintf(line, sizeof line, "%" PRIx64 "-%" PRIx64 " %c%c%cp %08" PRIx64 " 00:00 %zu %s\n", start, end,
	    flags & PF_R ? 'r' : '-', flags & PF_W ? 'w' : '-', flags & PF_X ? 'x' : '-', offset,
	    path[0] == '/' ? ino : 0, path);
	if (n < 0 || (size_t)n >= sizeof line)
		return;
	xgrow(text, cap, *len + (size_t)n + 1, 1);
	memcpy(*text + *len, line, (size_t)n + 1);
	*len += (size_t)n;
}

/* The maps text of the core: NT_FILE's file mappings (permissions from the PT_LOAD at the same
 * address) and the PT_LOAD segments no file covers (heap, stacks, anonymous memory). */
static void
core_build_maps(struct capture_core *k, struct snapshot *s, const struct core_file *f, size_t nf)
{
	char *text = NULL;
	size_t len = 0, cap = 0, fi = 0, ino = 0;

	xgrow(&text, &cap, 1, 1);
	text[0] = '\0';
	/* both lists are sorted by address (NT_FILE is in address order); merged */
	for (size_t i = 0; i < k->nsegs || fi < nf;) {
		bool file = fi < nf && (i >= k->nsegs || f[fi].start <= k->segs[i].vaddr);

		if (file) {
			const struct core_seg *sg = core_seg_find(k->segs, k->nsegs, f[fi].start);

			if (fi == 0 || strcmp(f[fi].path, f[fi - 1].path) != 0)
				ino++;
			core_maps_line(&text, &len, &cap, f[fi].start, f[fi].end, sg ? sg->flags : PF_R, f[fi].offset,
			    f[fi].path, ino);
			/* the segments this file mapping covers are not listed again */
			while (i < k->nsegs && k->segs[i].vaddr < f[fi].end && k->segs[i].vaddr >= f[fi].start)
				i++;
			fi++;
		} else {
			core_maps_line(&text, &len, &cap, k->segs[i].vaddr, k->segs[i].vaddr + k->segs[i].memsz,
			    k->segs[i].flags, 0, "", 0);
			i++;
		}
	}
	s->maps_text = text;
	snapshot_parse_maps(s, text);
	/* the inode written for libdwfl is not known: the analysis must not check files against it */
	for (size_t i = 0; i < s->nmaps; i++)
		s->maps[i].ino = s->maps[i].dev = 0;
}

/* The GNU build ID in the note segment at [at, at + len) of target memory, or 0 bytes. */
static size_t
core_note_build_id(const struct snapshot *s, uint64_t at, uint64_t len, uint8_t *id)
{
	uint8_t buf[1024];
	size_t off = 0, n;
	ssize_t got;

	n = len < sizeof buf ? (size_t)len : sizeof buf;
	if ((got = snapshot_read(s, at, buf, n)) <= 0)
		return 0;
	n = (size_t)got;
	while (n - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		size_t nl, dl;

		memcpy(&nh, buf + off, sizeof nh);
		nl = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		dl = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (nl > n - off - sizeof nh || dl > n - off - sizeof nh - nl)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(buf + off + sizeof nh, "GNU", 4) == 0 &&
		    nh.n_descsz >= 2 && nh.n_descsz <= SNAPSHOT_BUILD_ID_MAX) {
			memcpy(id, buf + off + sizeof nh + nl, nh.n_descsz);
			return nh.n_descsz;
		}
		off += sizeof nh + nl + dl;
	}
	return 0;
}

/* The build ID of the ELF file mapped at m (its first page, which gcore and the kernel dump for
 * file mappings), found through the program headers in memory: 0 if the core does not hold them. */
static size_t
core_mapping_build_id(const struct snapshot *s, const struct mapping *m, uint8_t *id)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	uint64_t bias = m->start;
	size_t nph;

	if (snapshot_read(s, m->start, &eh, sizeof eh) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof ph[0] || eh.e_phoff > 1 << 20)
		return 0;
	nph = eh.e_phnum < 64 ? eh.e_phnum : 64;
	if (snapshot_read(s, m->start + eh.e_phoff, ph, nph * sizeof ph[0]) != (ssize_t)(nph * sizeof ph[0]))
		return 0;
	/* the load bias: the first PT_LOAD maps file offset 0 at the mapping's start */
	for (size_t i = 0; i < nph; i++)
		if (ph[i].p_type == PT_LOAD) {
			bias = m->start - (ph[i].p_vaddr & ~(uint64_t)4095);
			break;
		}
	for (size_t i = 0; i < nph; i++) {
		size_t n;

		if (ph[i].p_type == PT_NOTE && (n = core_note_build_id(s, bias + ph[i].p_vaddr, ph[i].p_memsz, id)) > 0)
			return n;
	}
	return 0;
}

/* Every file mapping at offset 0 gets the build ID of its ELF headers in the core; the other
 * mappings of the same file share it. */
static void
core_build_ids(struct snapshot *s)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		struct mapping *m = &s->maps[i];

		if (m->offset != 0 || m->path[0] != '/')
			continue;
		m->build_id_len = (uint8_t)core_mapping_build_id(s, m, m->build_id);
		for (size_t j = 0; m->build_id_len > 0 && j < s->nmaps; j++)
			if (j != i && strcmp(s->maps[j].path, m->path) == 0 && s->maps[j].build_id_len == 0) {
				memcpy(s->maps[j].build_id, m->build_id, m->build_id_len);
				s->maps[j].build_id_len = m->build_id_len;
			}
	}
}

/* NT_PRPSINFO (ELF64 Linux layout): pr_pid at 24, pr_fname[16] at 40, pr_psargs[80] at 56. */
static void
core_apply_prpsinfo(struct snapshot *s, const struct core_notes *cn)
{
	int32_t pid;

	if (cn->prpsinfo == NULL || cn->prpsinfo_len < 136)
		return;
	memcpy(&pid, cn->prpsinfo + 24, sizeof pid);
	if (pid > 0)
		s->pid = pid;
	s->cmdline = xstrndup((const char *)cn->prpsinfo + 56, strnlen((const char *)cn->prpsinfo + 56, 80));
	if (s->exe == NULL)
		s->exe = xstrndup((const char *)cn->prpsinfo + 40, strnlen((const char *)cn->prpsinfo + 40, 16));
}

/* The executable: the file mapping holding AT_PHDR (or AT_ENTRY) from NT_AUXV. */
static void
core_find_exe(struct snapshot *s, const struct core_notes *cn, const struct core_file *f, size_t nf)
{
	uint64_t phdr = 0, entry = 0;
	size_t n = cn->auxv_len / 16;

	if (n > CORE_MAX_AUXV)
		n = CORE_MAX_AUXV;
	for (size_t i = 0; cn->auxv != NULL && i < n; i++) {
		uint64_t a[2];

		memcpy(a, cn->auxv + i * 16, sizeof a);
		if (a[0] == AT_PHDR)
			phdr = a[1];
		else if (a[0] == AT_ENTRY)
			entry = a[1];
		else if (a[0] == AT_NULL)
			break;
	}
	for (int pass = 0; pass < 2; pass++) {
		uint64_t want = pass == 0 ? phdr : entry;

		for (size_t i = 0; want != 0 && i < nf; i++)
			if (want >= f[i].start && want < f[i].end && f[i].path[0] == '/') {
				s->exe = xstrdup(f[i].path);
				return;
			}
	}
}

/* Each thread's stack top, copied from the core as the live capture copies it from a stopped thread. */
static void
core_copy_stacks(struct capture_core *k, struct snapshot *s)
{
	size_t want = k->opts.stack_bytes ? k->opts.stack_bytes : CORE_DEFAULT_STACK;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];
		uint64_t from = t->regs.sp - s->arch->red_zone;
		uint8_t *buf;
		ssize_t got;

		if (t->regs.sp < s->arch->red_zone)
			continue;
		buf = xmalloc(want);
		got = snapshot_read(s, from, buf, want);
		if (got <= 0) {
			free(buf);
			continue;
		}
		t->stack = buf;
		t->stack_len = (size_t)got;
		t->stack_addr = from;
	}
}

static int
core_tid_cmp(const void *a, const void *b)
{
	const struct thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Reads the whole core into a new snapshot. */
static int
core_read(struct capture_core *k, struct snapshot **out, struct err *e)
{
	struct snapshot *s = snapshot_new(0);
	struct core_notes cn = { 0 };
	struct core_file *files = NULL;
	struct core_mem *m;
	size_t nfiles = 0;

	*out = NULL;
	if (core_walk_notes(k, s, &cn, e) < 0 || core_parse_files(&cn, &files, &nfiles, e) < 0)
		goto fail;
	m = xcalloc(1, sizeof *m);
	m->fd = dup(k->fd);
	m->segs = xmalloc((k->nsegs ? k->nsegs : 1) * sizeof *m->segs);
	if (k->nsegs > 0)
		memcpy(m->segs, k->segs, k->nsegs * sizeof *m->segs);
	m->nsegs = k->nsegs;
	s->read_fallback = core_mem_read;
	s->read_ctx = m;
	s->read_ctx_free = core_mem_free;
	if (m->fd < 0) {
		err_set(e, "core: dup: %s", strerror(errno));
		goto fail;
	}
	s->source = xasprintf("core file %s", k->path);
	s->capture_mode = CAPTURE_MODE_CORE;
	s->taken = k->mtime;
	core_build_maps(k, s, files, nfiles);
	core_build_ids(s);
	core_find_exe(s, &cn, files, nfiles);
	core_apply_prpsinfo(s, &cn);
	if (s->pid == 0)
		s->pid = s->threads[0].tid;
	util_sort(s->threads, s->nthreads, sizeof *s->threads, core_tid_cmp);
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread *t = &s->threads[i];

		t->status = CAPTURE_OK;
		/* the registers say which syscall the thread was in when the core was taken, if any */
		t->syscall = t->regs.syscall_nr >= 0 ? (long)t->regs.syscall_nr : -1;
		if (t->syscall >= 0) {
			memcpy(t->syscall_args, t->regs.args, sizeof t->syscall_args);
			t->syscall_sp = t->regs.sp;
			t->syscall_pc = t->regs.pc;
		}
		t->cpu = -1;
		t->state_reason = xstrdup("a core file does not record whether a thread ran, waited for a CPU or slept");
	}
	core_copy_stacks(k, s);
	if (cn.auxv != NULL && cn.auxv_len > 0 && cn.auxv_len <= CORE_MAX_AUXV_BYTES) {
		s->auxv = xmalloc(cn.auxv_len);
		memcpy(s->auxv, cn.auxv, cn.auxv_len);
		s->auxv_len = cn.auxv_len;
	}
	if (cn.holdup != NULL) {
		struct err ne = { "" };

		/* holdup's own /proc facts, after the standard notes: it may name threads and states */
		if (corenote_apply(s, cn.holdup, cn.holdup_len, &ne) < 0)
			s->capture_note = xasprintf("holdup note not used: %s", ne.msg);
		/* a thread the note gave a state letter has a known state */
		for (size_t i = 0; i < s->nthreads; i++) {
			struct thread *t = &s->threads[i];

			if (t->proc_state != '\0') {
				free(t->state_reason);
				t->state_reason = NULL;
			}
			/* where NT_PRSTATUS holds no syscall number (arm64), the capture's /proc line, read
			 * just before the stop, says which call the thread was in */
			if (!s->arch->prstatus_syscall && t->regs_valid && t->regs.syscall_nr < 0 && t->syscall >= 0)
				t->regs.syscall_nr = t->syscall;
		}
	}
	free(files);
	*out = s;
	return 0;
fail:
	free(files);
	snapshot_free(s);
	return -1;
}

static int
core_snapshot(struct capture *c, struct snapshot **out, struct err *e)
{
	uint64_t start = util_now_us();

	if (c->core->ready != NULL) {
		*out = c->core->ready;
		c->core->ready = NULL;
	} else if (core_read(c->core, out, e) < 0)
		return -1;
	(*out)->capture_us = util_now_us() - start;
	return 0;
}

static bool
core_alive(struct capture *c)
{
	(void)c;
	return false;	/* there is no process: a session on a core ends after its snapshot */
}

static void
core_free(struct capture_core *k)
{
	if (k == NULL)
		return;
	if (k->fd >= 0)
		close(k->fd);
	snapshot_free(k->ready);
	free(k->segs);
	free(k->notes);
	free(k->path);
	free(k);
}

static void
core_close(struct capture *c)
{
	core_free(c->core);
	free(c);
}

static const struct capture_ops capture_core_ops = {
	.snapshot = core_snapshot,
	.alive = core_alive,
	.close = core_close,
};

int
capture_open_core(const char *path, const struct capture_core_opts *opts, struct capture **out, struct err *e)
{
	struct capture_core *k = xcalloc(1, sizeof *k);
	struct capture *c;
	struct stat st;

	*out = NULL;
	k->path = xstrdup(path);
	if (opts != NULL)
		k->opts = *opts;
	/* O_NONBLOCK: a FIFO given as the core must not hang holdup; it is refused below */
	k->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (k->fd < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(k->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(e, "%s: not a regular file, so not a core file", path);
		goto fail;
	}
	k->size = (uint64_t)st.st_size;
	k->mtime = st.st_mtim;
	if (core_check_header(k, e) < 0 || core_read_phdrs(k, e) < 0 || core_read(k, &k->ready, e) < 0)
		goto fail;
	c = xcalloc(1, sizeof *c);
	c->ops = &capture_core_ops;
	c->core = k;
	c->pid = k->ready->pid;
	*out = c;
	return 0;
fail:
	core_free(k);
	return -1;
}
