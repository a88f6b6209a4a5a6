/* fuzz_goruntime.c - fuzzes the Go runtime walker (goroutines, semaphore table, locks) over fake target memory made from the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "debugfile.h"
#include "fuzz.h"
#include "godwarf.h"
#include "goruntime.h"
#include "output_json_go.h"
#include "output_text_go.h"
#include "json.h"
#include "lockgraph.h"
#include "unwind.h"
#include "utf8check.h"
#include "util.h"

/*
 * The input: an 8-byte header (default-memory mode, flags, a seed), then records
 * { base selector (1 byte), offset (3 bytes, little-endian), length (1 byte), bytes } that overlay
 * the default memory at a base: the runtime's variables as the fixture's DWARF places them, or the
 * heap. Memory no record covers is deterministic: zeros, garbage, heap pointers or small numbers.
 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAP 0xc000000000ull
#define MAX_RECORDS 512
#define FAKE_MAX_READS 20000

enum { B_ALLGS, B_ALLGLEN, B_SEMTABLE, B_REASONS, B_VERSION, B_HEAP, B_STACKS, B_TEXT, B_COUNT };

struct record {
	uint64_t addr;
	size_t len;
	const uint8_t *bytes;
};

struct fake {
	uint8_t mode, flags;
	uint64_t seed;
	struct record rec[MAX_RECORDS];
	size_t nrec;
	uint64_t reads;
};

static char exe[512];
static struct godwarf_layout layout;
static uint64_t bases[B_COUNT];

/* The default word at an 8-aligned address. The memory functions are not coverage-instrumented:
 * the walker reads megabytes from a corrupt runtime, and feedback from them is noise. */
__attribute__((no_sanitize("coverage"))) static uint64_t
default_word(const struct fake *f, uint64_t a)
{
	uint64_t x = (a >> 3) * 6364136223846793005ull + f->seed;

	x ^= x >> 29;
	switch (f->mode & 3) {
	case 0: return 0;
	case 1: return x;
	case 2: return HEAP + (x & 0x3fff8);	/* pointers into the heap */
	default: return x & 0xff;		/* small numbers */
	}
}

__attribute__((no_sanitize("coverage"))) static ssize_t
fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;
	uint8_t *b = buf;

	/* a budget of reads keeps every input fast: holdup's own bounds (hundreds of thousands of
	 * reads of a corrupt runtime) cost most of a second each here, and test_goruntime covers them */
	if (++f->reads > FAKE_MAX_READS)
		return -1;
	/* low and kernel addresses are unmapped, as in a real process (unless the input says otherwise) */
	if (!(f->flags & 1) && (addr < 0x10000 || addr >= 0x800000000000ull || addr + len < addr))
		return -1;
	if ((f->mode & 3) == 0)
		memset(b, 0, len);
	else
		for (size_t i = 0; i < len;) {
			uint64_t a = addr + i, w = default_word(f, a & ~7ull);
			size_t skip = a & 7, n = 8 - skip < len - i ? 8 - skip : len - i;

			memcpy(b + i, (uint8_t *)&w + skip, n);
			i += n;
		}
	for (size_t r = 0; r < f->nrec; r++) {
		const struct record *rc = &f->rec[r];
		uint64_t lo = rc->addr > addr ? rc->addr : addr;
		uint64_t hi = rc->addr + rc->len < addr + len ? rc->addr + rc->len : addr + len;

		if (lo < hi)
			memcpy(b + (lo - addr), rc->bytes + (lo - rc->addr), hi - lo);
	}
	return (ssize_t)len;
}

static void
parse_input(struct fake *f, const uint8_t *data, size_t size)
{
	uint8_t hdr[8];

	memset(f, 0, sizeof *f);
	fuzz_take(&data, &size, hdr, sizeof hdr);
	f->mode = hdr[0];
	f->flags = hdr[1];
	memcpy(&f->seed, hdr, 8);
	while (size >= 5 && f->nrec < MAX_RECORDS) {
		struct record *r = &f->rec[f->nrec++];
		uint64_t off = data[1] | (uint64_t)data[2] << 8 | (uint64_t)data[3] << 16;

		r->addr = bases[data[0] % B_COUNT] + off;
		r->len = data[4] < size - 5 ? data[4] : size - 5;
		r->bytes = data + 5;
		data += 5 + r->len;
		size -= 5 + r->len;
	}
}

/* Writes a seed input with a plausible allgs of three goroutines (FUZZ_GORUNTIME_SEED=path). */
static void
write_seed(const char *path)
{
	FILE *f = fopen(path, "wb");
	uint8_t hdr[8] = { 0 };

	if (f == NULL)
		return;
#define REC(sel, off, ptr, n) do { uint32_t o_ = (off); uint8_t h_[5] = { (sel), (uint8_t)o_, (uint8_t)(o_ >> 8), \
	(uint8_t)(o_ >> 16), (uint8_t)(n) }; fwrite(h_, 1, 5, f); fwrite((ptr), 1, (n), f); } while (0)
#define REC64(sel, off, v) do { uint64_t v_ = (v); REC(sel, off, &v_, 8); } while (0)
	fwrite(hdr, 1, sizeof hdr, f);
	REC64(B_ALLGS, 0, HEAP);
	REC64(B_ALLGS, 8, 3);
	REC64(B_ALLGS, 16, 4);
	REC64(B_ALLGLEN, 0, 3);
	REC64(B_VERSION, 0, HEAP + 0x8000);
	REC64(B_VERSION, 8, 6);
	REC(B_HEAP, 0x8000, "go1.99", 6);
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t g = 0x1000 * (i + 1);

		REC64(B_HEAP, 8 * i, HEAP + g);
		if (layout.g_atomicstatus.off >= 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_atomicstatus.off, i == 0 ? 2 : 4);
		if (layout.g_goid.off >= 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_goid.off, i + 1);
		if (layout.g_stack_lo.off >= 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_stack_lo.off, HEAP + 0x100000 + 0x2000 * i);
		if (layout.g_stack_hi.off >= 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_stack_hi.off, HEAP + 0x102000 + 0x2000 * i);
		if (layout.g_sched_pc.off >= 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_sched_pc.off, 0x401000 + 0x10 * i);
		if (layout.g_sched_bp.off >= 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_sched_bp.off, HEAP + 0x101f00 + 0x2000 * i);
		if (layout.g_waitreason.off >= 0)
			REC(B_HEAP, g + (uint32_t)layout.g_waitreason.off, "\x05", 1);
		if (layout.g_m.off >= 0 && i == 0)
			REC64(B_HEAP, g + (uint32_t)layout.g_m.off, HEAP + 0x9000);
	}
	if (layout.m_procid.off >= 0)
		REC64(B_HEAP, 0x9000 + (uint32_t)layout.m_procid.off, 1000);
	/* a frame chain on the second goroutine's stack */
	REC64(B_STACKS, 0x3f00, HEAP + 0x103f80);
	REC64(B_STACKS, 0x3f08, 0x401234);
	fclose(f);
#undef REC
#undef REC64
}

static void
remove_copy(void)
{
	if (strncmp(exe, "/tmp/holdup-fuzz-gorwqueue.", 27) == 0)
		unlink(exe);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("GOFIXTURES");
	struct err e = { "" };
	int pie, fd, outfd;

	(void)argc;
	(void)argv;
	snprintf(exe, sizeof exe, "%s/gorwqueue", dir != NULL ? dir : "build/gofixtures");
	if (godwarf_load(exe, &layout, &pie, &e) != GODWARF_OK) {
		fprintf(stderr, "fuzz_goruntime: cannot load the Go fixture %s (%s); set GOFIXTURES or run make gofixtures\n",
		    exe, e.msg);
		exit(1);
	}
	/* the fixture's DWARF is zlib-compressed and read again for every input: inflate it once, into
	 * a real file (holdup opens a target's files by path inside its root, never a /proc/self/fd link) */
	if ((fd = open(exe, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (debugfile_inflate_fd(fd, NULL, 0, &outfd, &e) == 1) {
			static char copy[64];
			char buf[65536];
			ssize_t n;
			int cfd;

			snprintf(copy, sizeof copy, "/tmp/holdup-fuzz-gorwqueue.%d", (int)getpid());
			if ((cfd = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0) {
				while ((n = pread(outfd, buf, sizeof buf, lseek(cfd, 0, SEEK_CUR))) > 0)
					if (write(cfd, buf, (size_t)n) != n)
						break;
				close(cfd);
				snprintf(exe, sizeof exe, "%s", copy);
				atexit(remove_copy);
			}
			close(outfd);
		}
		close(fd);
	}
	if (exe[0] != '/') {
		char *abs = realpath(exe, NULL);

		if (abs != NULL)
			snprintf(exe, sizeof exe, "%s", abs);
		free(abs);
	}
	bases[B_ALLGS] = layout.allgs_addr;
	bases[B_ALLGLEN] = layout.allglen_addr;
	bases[B_SEMTABLE] = layout.semtable_addr;
	bases[B_REASONS] = layout.waitreasons_addr;
	bases[B_VERSION] = layout.buildversion_addr;
	bases[B_HEAP] = HEAP;
	bases[B_STACKS] = HEAP + 0x100000;
	bases[B_TEXT] = 0x400000;
	if (getenv("FUZZ_GORUNTIME_SEED") != NULL)
		write_seed(getenv("FUZZ_GORUNTIME_SEED"));
	return 0;
}

/* Well-formed UTF-8 with no control but newline and tab. */
static void
check_text(const char *t, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8check_seq((const unsigned char *)t + i, n - i, &cp);

		FUZZ_CHECK(len > 0);
		FUZZ_CHECK(!utf8check_is_control(cp) || cp == '\n' || cp == '\t');
		i += (size_t)len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake f;
	struct snapshot *s = snapshot_new(0);	/* pid 0: the layout comes from s->exe */
	struct unwinder *u = unwind_new(0);
	void *cache = NULL;
	struct thread *t;
	FILE *null, *text;
	char *out = NULL;
	size_t outlen = 0;
	struct jw w;

	parse_input(&f, data, size);
	s->exe = xstrdup(exe);
	s->read_fallback = fake_read;
	s->read_ctx = &f;
	s->taken.tv_sec = 1;
	if (f.flags & 2)
		snapshot_parse_maps(s, "00400000-00600000 r-xp 00000000 00:00 0\n"
		    "c000000000-c000400000 rw-p 00000000 00:00 0\n");
	/* threads an m.procid may name: one stopped with registers, one with frames */
	t = snapshot_add_thread(s, 1000);
	t->regs_valid = (f.flags & 4) != 0;
	t->regs.pc = 0x401000 + (f.seed >> 16 & 0xfff);
	t->regs.fp = HEAP + 0x100000 + (f.seed >> 32 & 0x3ff8);
	t->regs.sp = t->regs.fp - 16;
	t = snapshot_add_thread(s, 1001);
	if (f.flags & 8) {
		t->frames = xcalloc(2, sizeof *t->frames);
		t->nframes = 2;
		t->frames[0].pc = 0x401000;
		t->frames[0].function = xstrdup("sync.(*Mutex).lockSlow");
		t->frames[1].pc = 0x402000;
	}
	goruntime_analyze(s, u, &cache);
	FUZZ_CHECK(s->go != NULL);
	/* the layout always loads (it is the fixture's): an error here means no input is exercised */
	FUZZ_CHECK(s->go->error == NULL);
	FUZZ_CHECK(s->go->ngs <= GORUNTIME_MAX_GOROUTINES);
	for (size_t i = 0; i < s->go->ngs; i++)
		FUZZ_CHECK(s->go->gs[i].lock >= -1 && s->go->gs[i].lock < (int)s->nlocks);
	/* the outputs must cope with whatever was read; the text one holds no terminal controls
	 * (FUZZ_VERBOSE=1 shows both) */
	text = open_memstream(&out, &outlen);
	if (text == NULL)
		abort();
	output_text_go_print(text, s, NULL);
	fclose(text);
	check_text(out, outlen);
	null = fopen(getenv("FUZZ_VERBOSE") != NULL ? "/dev/stderr" : "/dev/null", "w");
	if (null == NULL)
		abort();
	fwrite(out, 1, outlen, null);
	free(out);
	jw_init(&w, null, f.flags & 16);
	jw_object_begin(&w);
	output_json_go_print(&w, s);
	jw_object_end(&w);
	jw_done(&w);
	fclose(null);
	snapshot_free(s);
	goruntime_cache_free(cache);
	unwind_free(u);
	return 0;
}
