/* fuzz_proc.c - fuzzes the /proc text parsers (stat, syscall, schedstat, sched's exec_start, status fields). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = { "Name", "State", "Tgid", "PPid", "TracerPid", "VmRSS", "Threads", "" };
	/* NUL-separated pieces: stat, syscall, schedstat, sched, status, a status key */
	char *stat = fuzz_piece(&data, &size);
	char *sys = fuzz_piece(&data, &size);
	char *schedstat = fuzz_piece(&data, &size);
	char *sched = fuzz_piece(&data, &size);
	char *status = fuzz_piece(&data, &size);
	char *key = fuzz_piece(&data, &size);
	struct proc_stat st;
	struct thread t;
	uint64_t a, b, c, ns;
	char buf[64];

	if (proc_parse_stat(stat, &st) == 0)
		FUZZ_CHECK(memchr(st.comm, '\0', sizeof st.comm) != NULL);
	memset(&t, 0, sizeof t);
	proc_parse_syscall(sys, &t);
	proc_parse_schedstat(schedstat, &a, &b, &c);
	proc_parse_exec_start(sched, &ns);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *k = keys[i][0] != '\0' ? keys[i] : key;

		for (size_t len = 1; len <= sizeof buf; len *= 8)
			if (proc_status_field(status, k, buf, len) == 0)
				FUZZ_CHECK(strlen(buf) < len);
	}
	free(stat);
	free(sys);
	free(schedstat);
	free(sched);
	free(status);
	free(key);
	return 0;
}
