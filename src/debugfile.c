/* debugfile.c - rewrites a separate debug file with compressed sections into an inflated memfd copy for libdwfl. */
#include "debugfile.h"

#include <elf.h>
#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUGFILE_MAX_IN	(1ULL << 31)	/* larger files are left to libdw */
#define DEBUGFILE_MAX_OUT	(4ULL << 30)	/* inflated bytes one file may claim */
#define DEBUGFILE_MAX_RATIO	1032		/* deflate cannot expand more than this */
#define DEBUGFILE_MAX_ALIGN	4096
#define DEBUGFILE_PARALLEL_MIN	(1u << 20)	/* inflated bytes worth a second thread */

/* libdw reads every DWARF section it knows when it opens a file, inflating the compressed ones;
 * holdup never reads these, so they become SHT_NOBITS, which libdw skips. */
static const char *const debugfile_unread[] = {
	".debug_loclists", ".debug_loc", ".debug_macro", ".debug_macinfo",
};

/* One compressed section: its zlib stream in the input, its place in the output. */
struct debugfile_job {
	const unsigned char *src;
	size_t srclen;
	unsigned char *dst;
	size_t dstlen;
};

struct debugfile_work {
	struct debugfile_job *jobs;	/* biggest first */
	size_t njobs;
	size_t next;			/* the next job to take, taken atomically */
	size_t done;			/* jobs inflated without error, counted atomically */
};

static void *
debugfile_worker(void *arg)
{
	struct debugfile_work *w = arg;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t i;

	/* without a decompressor this thread takes no job; the other one does them all */
	if (d == NULL)
		return NULL;
	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->njobs) {
		struct debugfile_job *j = &w->jobs[i];

		/* no actual-size pointer: the stream must inflate to exactly the size the header claims */
		if (libdeflate_zlib_decompress(d, j->src, j->srclen, j->dst, j->dstlen, NULL) == LIBDEFLATE_SUCCESS)
			__atomic_fetch_add(&w->done, 1, __ATOMIC_RELAXED);
	}
	libdeflate_free_decompressor(d);
	return NULL;
}

static int
debugfile_job_cmp(const void *a, const void *b)
{
	const struct debugfile_job *x = a, *y = b;

	return x->dstlen < y->dstlen ? 1 : x->dstlen > y->dstlen ? -1 : 0;
}

/* Inflates every job, on two threads when there is enough to share; true if all succeeded. */
static bool
debugfile_run(struct debugfile_job *jobs, size_t njobs)
{
	struct debugfile_work w = { jobs, njobs, 0, 0 };
	uint64_t total = 0;
	pthread_t th;
	bool threaded = false;

	util_sort(jobs, njobs, sizeof *jobs, debugfile_job_cmp);
	for (size_t i = 0; i < njobs; i++)
		total += jobs[i].dstlen;
	if (njobs > 1 && total >= DEBUGFILE_PARALLEL_MIN)
		threaded = pthread_create(&th, NULL, debugfile_worker, &w) == 0;
	debugfile_worker(&w);
	if (threaded)
		pthread_join(th, NULL);
	/* short if a stream was corrupt or no decompressor could be allocated */
	return w.done == njobs;
}

static bool
debugfile_unread_name(const char *name)
{
	for (size_t i = 0; i < sizeof debugfile_unread / sizeof debugfile_unread[0]; i++)
		if (strcmp(name, debugfile_unread[i]) == 0)
			return true;
	return false;
}

static uint64_t
debugfile_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* True if the notes in note[0, len) hold a GNU build ID equal to id. */
static bool
debugfile_note_has_id(const unsigned char *note, uint64_t len, const unsigned char *id, size_t idlen)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name, desc;

		memcpy(&nh, note + off, sizeof nh);
		name = off + sizeof nh;
		desc = name + debugfile_align(nh.n_namesz, 4);
		if (desc > len || debugfile_align(nh.n_descsz, 4) > len - desc)
			return false;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(note + name, "GNU", 4) == 0)
			return nh.n_descsz == idlen && memcmp(note + desc, id, idlen) == 0;
		off = desc + debugfile_align(nh.n_descsz, 4);
	}
	return false;
}

/* The rewrite of one file: its headers, the sections to inflate and where they go. */
struct debugfile_plan {
	Elf64_Ehdr eh;
	Elf64_Shdr *sh;			/* owned; shnum entries, rewritten for the output */
	size_t shnum;
	struct debugfile_job *jobs;	/* owned; dst is an offset into the output until it is mapped */
	size_t njobs, ndropped;
	uint64_t end;			/* output bytes used by the sections */
	bool id_ok;			/* the build ID matched (or none was asked for) */
};

/* Checks the ELF and section headers of in and copies them into p. Returns 0 or -1. */
static int
debugfile_plan_headers(struct debugfile_plan *p, const unsigned char *in, size_t len, struct err *e)
{
	Elf64_Ehdr *eh = &p->eh;

	if (len < sizeof *eh || memcmp(in, ELFMAG, SELFMAG) != 0)
		return err_set(e, "not an ELF file");
	memcpy(eh, in, sizeof *eh);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return err_set(e, "not a 64-bit little-endian ELF file");
	if (len > DEBUGFILE_MAX_IN)
		return err_set(e, "file too large");
	/* 0 sections means the count is in section 0 (more than 65279); such files are left to libdw */
	p->shnum = eh->e_shnum;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || p->shnum == 0 || p->shnum >= SHN_LORESERVE)
		return err_set(e, "unsupported section header table (%u entries of %u bytes)",
		    (unsigned)eh->e_shnum, (unsigned)eh->e_shentsize);
	if (eh->e_shoff > len || p->shnum * sizeof *p->sh > len - eh->e_shoff)
		return err_set(e, "section header table outside the file");
	if (eh->e_shstrndx == SHN_UNDEF || eh->e_shstrndx >= p->shnum)
		return err_set(e, "no section name table");
	p->sh = xmalloc(p->shnum * sizeof *p->sh);
	memcpy(p->sh, in + eh->e_shoff, p->shnum * sizeof *p->sh);
	return 0;
}

/* Plans section s (index i, named name): dropped, kept, or inflated to p->end. Returns 0 or -1. */
static int
debugfile_plan_section(struct debugfile_plan *p, const unsigned char *in, size_t len, size_t i,
    const char *name, struct err *e)
{
	Elf64_Shdr *s = &p->sh[i];
	Elf64_Chdr ch;
	uint64_t align;

	if (debugfile_unread_name(name)) {
		p->ndropped += (s->sh_flags & SHF_COMPRESSED) != 0;
		s->sh_type = SHT_NOBITS;
		s->sh_flags &= ~(uint64_t)SHF_COMPRESSED;
		return 0;
	}
	if ((s->sh_flags & SHF_COMPRESSED) == 0)
		return 0;
	if (s->sh_size < sizeof ch)
		return err_set(e, "section %s: compressed but shorter than its header", name);
	memcpy(&ch, in + s->sh_offset, sizeof ch);
	if (ch.ch_type != ELFCOMPRESS_ZLIB)
		return 0;	/* another algorithm: left compressed, for libelf to handle or not */
	if (ch.ch_size > DEBUGFILE_MAX_OUT || ch.ch_size / DEBUGFILE_MAX_RATIO > s->sh_size)
		return err_set(e, "section %s: implausible inflated size %llu", name, (unsigned long long)ch.ch_size);
	align = ch.ch_addralign;
	if (align == 0 || (align & (align - 1)) != 0 || align > DEBUGFILE_MAX_ALIGN)
		align = 1;
	p->end = debugfile_align(p->end, align);
	if (p->end - len + ch.ch_size > DEBUGFILE_MAX_OUT)
		return err_set(e, "inflated sections too large");
	p->jobs[p->njobs++] = (struct debugfile_job){
		in + s->sh_offset + sizeof ch, s->sh_size - sizeof ch, (unsigned char *)(uintptr_t)p->end,
		ch.ch_size,
	};
	s->sh_flags &= ~(uint64_t)SHF_COMPRESSED;
	s->sh_offset = p->end;
	s->sh_size = ch.ch_size;
	s->sh_addralign = align;
	p->end += ch.ch_size;
	return 0;
}

/* Fills p from in: which sections are dropped, kept or inflated, and whether the build ID matches. */
static int
debugfile_plan(struct debugfile_plan *p, const unsigned char *in, size_t len, const unsigned char *build_id,
    size_t build_id_len, struct err *e)
{
	Elf64_Shdr str;
	const char *names;

	p->id_ok = build_id == NULL;
	if (debugfile_plan_headers(p, in, len, e) != 0)
		return -1;
	str = p->sh[p->eh.e_shstrndx];
	if (str.sh_type != SHT_STRTAB || (str.sh_flags & SHF_COMPRESSED) != 0 || str.sh_offset > len ||
	    str.sh_size > len - str.sh_offset || str.sh_size == 0)
		return err_set(e, "bad section name table");
	names = (const char *)in + str.sh_offset;
	p->jobs = xcalloc(p->shnum, sizeof *p->jobs);
	/* the inflated data goes after the original bytes, which stay where they are */
	p->end = debugfile_align(len, 8);
	for (size_t i = 1; i < p->shnum; i++) {
		Elf64_Shdr *s = &p->sh[i];
		const char *name = "";

		if (s->sh_type == SHT_NOBITS || s->sh_type == SHT_NULL)
			continue;
		if (s->sh_offset > len || s->sh_size > len - s->sh_offset)
			return err_set(e, "section %zu outside the file", i);
		if (s->sh_name < str.sh_size && memchr(names + s->sh_name, '\0', str.sh_size - s->sh_name) != NULL)
			name = names + s->sh_name;
		if (s->sh_type == SHT_NOTE && !p->id_ok && (s->sh_flags & SHF_COMPRESSED) == 0)
			p->id_ok = debugfile_note_has_id(in + s->sh_offset, s->sh_size, build_id, build_id_len);
		if (debugfile_plan_section(p, in, len, i, name, e) != 0)
			return -1;
	}
	if (!p->id_ok)
		return err_set(e, "build ID does not match");
	return 0;
}

/* Writes the planned file into a new memfd and inflates into it. Returns the fd or -1. */
static int
debugfile_write(struct debugfile_plan *p, const unsigned char *in, size_t len, struct err *e)
{
	Elf64_Ehdr eh = p->eh;
	uint64_t shoff = debugfile_align(p->end, 8);
	uint64_t outlen = shoff + p->shnum * sizeof *p->sh;
	unsigned char *out = MAP_FAILED;
	int fd, rc = -1;

	fd = memfd_create("holdup-debuginfo", MFD_CLOEXEC);
	if (fd < 0)
		return err_set(e, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)outlen) != 0) {
		err_set(e, "ftruncate: %s", strerror(errno));
		goto out;
	}
	out = mmap(NULL, outlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (out == MAP_FAILED) {
		err_set(e, "mmap: %s", strerror(errno));
		goto out;
	}
	/* only what is read gets copied: the headers and the sections kept as they are (the
	 * compressed bytes would be dead weight, and every page of a memfd costs a fault) */
	for (size_t i = 1; i < p->shnum; i++)
		if (p->sh[i].sh_type != SHT_NOBITS && p->sh[i].sh_type != SHT_NULL && p->sh[i].sh_offset < len)
			memcpy(out + p->sh[i].sh_offset, in + p->sh[i].sh_offset, p->sh[i].sh_size);
	if (eh.e_phnum > 0 && eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phoff <= len &&
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) <= len - eh.e_phoff)
		memcpy(out + eh.e_phoff, in + eh.e_phoff, (size_t)eh.e_phnum * sizeof(Elf64_Phdr));
	/* the new header last: a section claiming the bytes at 0 must not bring the old one back */
	eh.e_shoff = shoff;
	memcpy(out, &eh, sizeof eh);
	memcpy(out + shoff, p->sh, p->shnum * sizeof *p->sh);
	for (size_t k = 0; k < p->njobs; k++)
		p->jobs[k].dst = out + (uintptr_t)p->jobs[k].dst;
	if (!debugfile_run(p->jobs, p->njobs)) {
		err_set(e, "a compressed section did not inflate to its stated size");
		goto out;
	}
	rc = 0;
out:
	if (out != MAP_FAILED)
		munmap(out, outlen);
	if (rc != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
debugfile_inflate_mem(const unsigned char *in, size_t len, const unsigned char *build_id, size_t build_id_len,
    int *outfd, struct err *e)
{
	struct debugfile_plan p = { 0 };
	int rc = -1;

	*outfd = -1;
	if (debugfile_plan(&p, in, len, build_id, build_id_len, e) != 0)
		goto out;
	if (p.njobs == 0 && p.ndropped == 0) {
		rc = 0;
		goto out;
	}
	*outfd = debugfile_write(&p, in, len, e);
	rc = *outfd >= 0 ? 1 : -1;
out:
	free(p.jobs);
	free(p.sh);
	return rc;
}

int
debugfile_inflate_fd(int fd, const unsigned char *build_id, size_t build_id_len, int *outfd, struct err *e)
{
	struct stat st;
	void *map;
	size_t len;
	int rc;

	*outfd = -1;
	if (fstat(fd, &st) != 0)
		return err_set(e, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return 0;
	if ((uint64_t)st.st_size > DEBUGFILE_MAX_IN)
		return err_set(e, "file too large");
	len = (size_t)st.st_size;
	/* mapped, as libelf maps every module file anyway: reading it into memory cost more than the rest */
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return err_set(e, "mmap: %s", strerror(errno));
	if (memcmp(map, ELFMAG, SELFMAG) == 0 && ((const unsigned char *)map)[EI_CLASS] == ELFCLASS32) {
		munmap(map, len);
		return DEBUGFILE_LEFT_32BIT;
	}
	rc = debugfile_inflate_mem(map, len, build_id, build_id_len, outfd, e);
	munmap(map, len);
	return rc;
}
