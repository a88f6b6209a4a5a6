/* fuzz_godwarf.c - fuzzes the Go layout reader (godwarf_load_fd) with the input as the Go executable: its ELF sections and DWARF come from the target. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "godwarf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct godwarf_layout l;
	struct err e = { "" };
	int pie, fd = memfd_create("fuzz-godwarf", MFD_CLOEXEC);
	enum godwarf_result r;

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	/* godwarf_load_fd takes the descriptor over */
	r = godwarf_load_fd(fd, "fuzz", &l, &pie, &e);
	if (r == GODWARF_OK) {
		/* what the runtime walker relies on: a bounded g with its members found */
		FUZZ_CHECK(l.g_size > 0 && l.g_size <= 65536);
		FUZZ_CHECK(l.g_goid.off >= 0 && l.g_sched_sp.off >= 0 && l.g_stack_lo.off >= 0);
		for (size_t i = 0; i < l.nlockmembers; i++)
			FUZZ_CHECK(l.lockmembers[i].off >= 0);
	} else {
		FUZZ_CHECK(e.msg[0] != '\0');
	}
	godwarf_layout_done(&l);
	return 0;
}
