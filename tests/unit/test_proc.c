/* test_proc.c - unit tests for the /proc parsers and the snapshot's maps/memory lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/sysmacros.h>

#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc.h"
#include "snapshot.h"
#include "syscalls.h"

static void
test_stat_plain(void **state)
{
	struct proc_stat st;
	const char *text = "1234 (worker) S 1 1234 1234 0 -1 4194560 100 0 0 0 17 4 0 0 20 0 3 0 "
	    "1000 10000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

	(void)state;
	assert_int_equal(proc_parse_stat(text, &st), 0);
	assert_string_equal(st.comm, "worker");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.utime, 17);
	assert_int_equal(st.stime, 4);
	assert_int_equal(st.processor, 1);
	assert_int_equal(st.num_threads, 3);
	assert_int_equal(st.starttime, 1000);
	assert_int_equal(st.vsize, 10000000);
	assert_int_equal(st.flags & PROC_PF_KTHREAD, 0);
}

static void
test_stat_hostile_comm(void **state)
{
	struct proc_stat st;
	/* a comm with spaces and parentheses: the name ends at the last ')' */
	const char *text = "77 (a) b) (c) R 1 77 77 0 -1 2097216 0 0 0 0 5 6 0 0 20 0 1 0 "
	    "1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

	(void)state;
	assert_int_equal(proc_parse_stat(text, &st), 0);
	assert_string_equal(st.comm, "a) b) (c");
	assert_int_equal(st.state, 'R');
	assert_true(st.flags & PROC_PF_KTHREAD);
}

static void
test_stat_truncated(void **state)
{
	struct proc_stat st;

	(void)state;
	assert_int_equal(proc_parse_stat("12 (x) S 1 2 3", &st), -1);
	assert_int_equal(proc_parse_stat("garbage", &st), -1);
	assert_int_equal(proc_parse_stat("", &st), -1);
}

static void
test_syscall_lines(void **state)
{
	struct thread t;
	long futex = syscalls_number(arch_native, "futex");
	char line[160];

	(void)state;
	assert_true(futex >= 0);
	memset(&t, 0, sizeof t);
	assert_int_equal(proc_parse_syscall("running\n", &t), 0);
	assert_true(t.on_cpu);

	memset(&t, 0, sizeof t);
	assert_int_equal(proc_parse_syscall("-1 0x7ffd1000 0x401000\n", &t), 0);
	assert_false(t.on_cpu);
	assert_int_equal(t.syscall, -1);
	assert_int_equal(t.syscall_sp, 0x7ffd1000);
	assert_int_equal(t.syscall_pc, 0x401000);

	memset(&t, 0, sizeof t);
	snprintf(line, sizeof line, "%ld 0x5571b60fe140 0x80 0x2 0x0 0x0 0x0 0x7f3a7ad42d98 0x7f3a7b5ce12b\n", futex);
	assert_int_equal(proc_parse_syscall(line, &t), 0);
	assert_int_equal(t.syscall, futex);
	assert_int_equal(t.syscall_args[0], 0x5571b60fe140);
	assert_int_equal(t.syscall_args[1], 0x80);
	assert_int_equal(t.syscall_args[2], 2);
	assert_int_equal(t.syscall_sp, 0x7f3a7ad42d98);
	assert_int_equal(t.syscall_pc, 0x7f3a7b5ce12b);

	memset(&t, 0, sizeof t);
	snprintf(line, sizeof line, "%ld 0x1 0x2\n", futex);
	assert_int_equal(proc_parse_syscall(line, &t), -1);
	assert_int_equal(proc_parse_syscall("nonsense", &t), -1);
	assert_int_equal(proc_parse_syscall("-1 zz", &t), -1);
}

static void
test_schedstat_and_status(void **state)
{
	uint64_t a, b, c;
	char buf[32];
	const char *status = "Name:\tdemo\nState:\tS (sleeping)\nTracerPid:\t4321\nUid:\t1000\t1000\t1000\t1000\n";

	(void)state;
	assert_int_equal(proc_parse_schedstat("123 456 789\n", &a, &b, &c), 0);
	assert_int_equal(a, 123);
	assert_int_equal(b, 456);
	assert_int_equal(c, 789);
	assert_int_equal(proc_parse_schedstat("1 2", &a, &b, &c), -1);
	assert_int_equal(proc_status_field(status, "TracerPid", buf, sizeof buf), 0);
	assert_string_equal(buf, "4321");
	assert_int_equal(proc_status_field(status, "State", buf, sizeof buf), 0);
	assert_string_equal(buf, "S (sleeping)");
	assert_int_equal(proc_status_field(status, "Missing", buf, sizeof buf), -1);
	/* a key that is a prefix of another must not match it */
	assert_int_equal(proc_status_field(status, "Tracer", buf, sizeof buf), -1);
}

static void
test_exec_start(void **state)
{
	uint64_t ns;

	(void)state;
	assert_int_equal(proc_parse_exec_start("x (1, #threads: 1)\n---\nse.exec_start                                :       2226985.479725\n"
	    "se.vruntime : 1.0\n", &ns), 0);
	assert_int_equal(ns, 2226985479725ULL);
	assert_int_equal(proc_parse_exec_start("se.vruntime : 1.0\n", &ns), -1);
}

static void
test_maps_and_lookup(void **state)
{
	struct snapshot *s = snapshot_new(1);
	const char *maps =
	    "55d000000000-55d000001000 r--p 00000000 fe:01 123 /usr/bin/demo\n"
	    "55d000001000-55d000002000 r-xp 00001000 fe:01 123 /usr/bin/demo\n"
	    "55d000100000-55d000200000 rw-p 00000000 00:00 0 [heap]\n"
	    "7f0000000000-7f0000001000 r-xp 0002a000 08:01 77                         /opt/my app/lib x.so (deleted)\n"
	    "7f0000002000-7f0000003000 ---p 00000000 00:00 0\n"
	    "7f0000004000-zz r-xp 00000000 00:00 0 /bad\n"
	    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"
	    "7ffd00100000-7ffd00101000 r-xp 00000000 00:00 0 \n"
	    "this line is garbage\n"
	    "7fff00005000-7fff00006000";
	uint8_t data[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, out[8];

	(void)state;
	assert_int_equal(snapshot_parse_maps(s, maps), 0);
	assert_int_equal(s->nmaps, 7);
	assert_string_equal(snapshot_find_mapping(s, 0x7f0000000010)->path, "/opt/my app/lib x.so (deleted)");
	assert_int_equal(snapshot_find_mapping(s, 0x7f0000000010)->offset, 0x2a000);
	/* device and inode: what a file opened by its path is checked against */
	assert_int_equal(snapshot_find_mapping(s, 0x7f0000000010)->dev, makedev(8, 1));
	assert_int_equal(snapshot_find_mapping(s, 0x7f0000000010)->ino, 77);
	assert_int_equal(snapshot_find_mapping(s, 0x55d000001800)->dev, makedev(0xfe, 1));
	assert_int_equal(snapshot_find_mapping(s, 0x55d000001800)->ino, 123);
	assert_int_equal(snapshot_find_mapping(s, 0x55d000150000)->ino, 0);
	assert_string_equal(snapshot_find_mapping(s, 0x7f0000002010)->path, "");
	assert_string_equal(snapshot_find_mapping(s, 0x7f0000002010)->perms, "---p");
	assert_null(snapshot_find_mapping(s, 0x7f0000004010));
	assert_null(snapshot_find_mapping(s, 0x7fff00005010));
	assert_string_equal(snapshot_find_mapping(s, 0x55d000001800)->path, "/usr/bin/demo");
	assert_string_equal(snapshot_find_mapping(s, 0x55d000001800)->perms, "r-xp");
	assert_string_equal(snapshot_find_mapping(s, 0x55d000150000)->path, "[heap]");
	assert_string_equal(snapshot_find_mapping(s, 0x7ffd00000010)->path, "[stack]");
	assert_string_equal(snapshot_find_mapping(s, 0x7ffd00100010)->path, "");
	assert_null(snapshot_find_mapping(s, 0x1000));
	assert_null(snapshot_find_mapping(s, 0x55d000002000));

	/* the maps copied (as a sampled snapshot reuses them) are what parsing the text again gives,
	 * in memory of their own: they outlive the source, and what analysis filled in stays behind */
	{
		struct snapshot *c = snapshot_new(1), *r = snapshot_new(1);

		snprintf(s->maps[0].build_id_hex, sizeof s->maps[0].build_id_hex, "%s", "abcd");
		s->maps_text = xstrdup(maps);
		snapshot_copy_maps(c, s);
		free(s->maps_text);
		s->maps_text = NULL;
		snapshot_parse_maps(r, maps);
		snapshot_parse_maps(s, "00400000-00401000 r-xp 00000000 00:00 0 /elsewhere\n");	/* the source's memory is reused */
		assert_string_equal(c->maps_text, maps);
		assert_int_equal(c->nmaps, r->nmaps);
		for (size_t i = 0; i < r->nmaps; i++) {
			assert_int_equal(c->maps[i].start, r->maps[i].start);
			assert_int_equal(c->maps[i].end, r->maps[i].end);
			assert_int_equal(c->maps[i].offset, r->maps[i].offset);
			assert_int_equal(c->maps[i].dev, r->maps[i].dev);
			assert_int_equal(c->maps[i].ino, r->maps[i].ino);
			assert_string_equal(c->maps[i].perms, r->maps[i].perms);
			assert_string_equal(c->maps[i].path, r->maps[i].path);
			assert_string_equal(c->maps[i].build_id_hex, "");
		}
		assert_string_equal(snapshot_find_mapping(c, 0x7f0000000010)->path, "/opt/my app/lib x.so (deleted)");
		snapshot_free(r);
		snapshot_free(c);
		snapshot_parse_maps(s, maps);
	}

	/* memory reads: served from copies; past a copy's end without a fallback: -1 */
	snapshot_add_memcopy(s, 0x1000, data, sizeof data);
	assert_int_equal(snapshot_read(s, 0x1004, out, 8), 8);
	assert_memory_equal(out, data + 4, 8);
	assert_int_equal(snapshot_read(s, 0x100c, out, 8), -1);
	assert_int_equal(snapshot_read(s, 0xfff, out, 2), -1);
	assert_int_equal(snapshot_read(s, UINT64_MAX - 2, out, 8), -1);
	snapshot_free(s);
}

static void
test_threads_and_names(void **state)
{
	struct snapshot *s = snapshot_new(10);

	(void)state;
	for (int i = 0; i < 100; i++)
		snapshot_add_thread(s, 10 + i);
	assert_int_equal(s->nthreads, 100);
	assert_int_equal(snapshot_thread_index(s, 57), 47);
	assert_int_equal(snapshot_find_thread(s, 57)->tid, 57);
	assert_null(snapshot_find_thread(s, 9));
	assert_int_equal(s->threads[5].wait.lock, -1);
	assert_int_equal(s->threads[5].wait.root, -1);
	assert_string_equal(snapshot_state_name(STATE_RUNNABLE), "runnable");
	assert_string_equal(snapshot_state_name((enum thread_state)99), "unknown");
	assert_string_equal(snapshot_wait_kind_name(WAIT_RWLOCK_WRITE), "rwlock-write");
	snapshot_free(s);
}

static void
test_namespaces(void **state)
{
	struct snapshot *s = snapshot_new(100);
	pid_t inner = 0;
	char *c;

	(void)state;
	assert_int_equal(proc_parse_nspid("1234", &inner), 1);
	assert_int_equal(inner, 1234);
	assert_int_equal(proc_parse_nspid("1234\t56\t7\n", &inner), 3);
	assert_int_equal(inner, 7);
	assert_int_equal(proc_parse_nspid("12x", &inner), 0);
	assert_int_equal(proc_parse_nspid("-1", &inner), 0);
	assert_int_equal(proc_parse_nspid("99999999999999999999", &inner), 0);
	assert_int_equal(proc_parse_nspid("", &inner), 0);
	c = proc_parse_cgroup("0::/system.slice/docker-1f3e.scope\n");
	assert_string_equal(c, "/system.slice/docker-1f3e.scope");
	free(c);
	c = proc_parse_cgroup("12:cpu,cpuacct:/kubepods/pod1/\n0::/kubepods/pod1/ctr\n");
	assert_string_equal(c, "/kubepods/pod1/ctr");
	free(c);
	c = proc_parse_cgroup("3:memory:/lxc/web/\n");
	assert_string_equal(c, "/lxc/web");
	free(c);
	assert_null(proc_parse_cgroup("0::/\n"));
	assert_null(proc_parse_cgroup("garbage"));
	assert_null(proc_parse_cgroup(""));

	/* TIDs from the target's memory: as it numbers them inside its namespace */
	snapshot_add_thread(s, 100)->ns_tid = 1;
	snapshot_add_thread(s, 101)->ns_tid = 2;
	assert_int_equal(snapshot_tid_from_target(s, 101), 101);	/* no namespace yet: as is */
	assert_int_equal(snapshot_tid_from_target(s, 2), 0);
	s->pidns = true;
	assert_int_equal(snapshot_tid_from_target(s, 2), 101);
	assert_int_equal(snapshot_tid_from_target(s, 1), 100);
	assert_int_equal(snapshot_tid_from_target(s, 101), 0);	/* a host TID means nothing there */
	assert_int_equal(snapshot_tid_from_target(s, 0), 0);
	snapshot_free(s);
}

static int fdc_pipe[2];
static volatile pid_t fdc_tid;

static void *
fdc_blocker(void *arg)
{
	char c;

	(void)arg;
	fdc_tid = (pid_t)syscall(SYS_gettid);
	if (read(fdc_pipe[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* Kept fds re-read a live thread's files and notice when it has exited. */
static void
test_fdcache(void **state)
{
	struct proc_fdcache *fc = proc_fdcache_new(getpid(), false);
	struct snapshot *s = snapshot_new(getpid());
	struct thread *t;
	pthread_t th;

	(void)state;
	assert_int_equal(pipe(fdc_pipe), 0);
	assert_int_equal(pthread_create(&th, NULL, fdc_blocker, NULL), 0);
	for (int i = 0; i < 500; i++) {
		struct thread probe;

		memset(&probe, 0, sizeof probe);
		probe.tid = fdc_tid;
		if (fdc_tid != 0 && proc_read_thread(NULL, getpid(), &probe) == 0 &&
		    probe.syscall == syscalls_number(arch_native, "read")) {
			free(probe.name);
			free(probe.wchan);
			break;
		}
		free(probe.name);
		free(probe.wchan);
		usleep(2000);
	}
	t = snapshot_add_thread(s, fdc_tid);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(proc_read_thread(fc, getpid(), t), 0);
		assert_int_equal(t->syscall, syscalls_number(arch_native, "read"));
		assert_int_equal(t->syscall_args[0], (uint64_t)fdc_pipe[0]);
		assert_int_equal(t->proc_state, 'S');
		proc_fdcache_sweep(fc);
	}
	assert_int_equal(write(fdc_pipe[1], "x", 1), 1);
	pthread_join(th, NULL);
	/* pthread_join returns when the kernel clears the tid, a moment before the task is released */
	{
		char path[64];

		snprintf(path, sizeof path, "/proc/self/task/%d", (int)fdc_tid);
		for (int i = 0; i < 1000 && access(path, F_OK) == 0; i++)
			usleep(2000);
	}
	assert_int_equal(proc_read_thread(fc, getpid(), t), -1);
	proc_fdcache_sweep(fc);
	proc_fdcache_sweep(fc);
	close(fdc_pipe[0]);
	close(fdc_pipe[1]);
	snapshot_free(s);
	proc_fdcache_free(fc);
}

static int
fdc_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A one-snapshot cache keeps only the run-count file open; a session's keeps all three. Both
 * read the same facts, and both close what they kept. */
static void
test_fdcache_once(void **state)
{
	(void)state;
	for (int once = 0; once < 2; once++) {
		struct proc_fdcache *fc = proc_fdcache_new(getpid(), once);
		struct snapshot *s = snapshot_new(getpid());
		struct thread *t = snapshot_add_thread(s, getpid());
		int before = fdc_count_fds(), kept;
		uint64_t slices = 0;

		assert_int_equal(proc_read_thread(fc, getpid(), t), 0);
		assert_int_equal(t->proc_state, 'R');
		assert_non_null(t->name);
		/* the task directory, plus the kept files */
		kept = fdc_count_fds() - before;
		assert_int_equal(kept, once ? 1 + 1 : 1 + 3);
		assert_int_equal(proc_read_progress(fc, getpid(), getpid(), &slices, NULL, 0), 0);
		assert_true(slices >= t->sched_slices);
		assert_int_equal(fdc_count_fds() - before, kept);
		proc_fdcache_free(fc);
		assert_int_equal(fdc_count_fds(), before);
		snapshot_free(s);
	}
}

static volatile int lazy_stop;
static volatile pid_t lazy_tid;

static void *
lazy_spinner(void *arg)
{
	(void)arg;
	lazy_tid = (pid_t)syscall(SYS_gettid);
	while (!lazy_stop)
		;
	return NULL;
}

/* A running thread's stat is left to the sched read (one stat read, not two), which fills all of
 * it; a thread that vanished before it reads as gone. */
static void
test_lazy_stat(void **state)
{
	struct proc_fdcache *fc = proc_fdcache_new(getpid(), false);
	struct snapshot *s = snapshot_new(getpid());
	struct thread *t;
	struct thread gone;
	uint64_t start = 1;
	pthread_t th;

	(void)state;
	/* a thread that never enters the kernel: its syscall line says "running" (a thread reading
	 * its own would see itself in read) */
	assert_int_equal(pthread_create(&th, NULL, lazy_spinner, NULL), 0);
	while (lazy_tid == 0)
		usleep(1000);
	t = snapshot_add_thread(s, lazy_tid);
	assert_int_equal(proc_read_thread_lazy(fc, getpid(), t, true), 1);
	assert_true(t->task_running);
	assert_int_equal(t->proc_state, '\0');
	assert_null(t->name);
	assert_int_equal(proc_read_sched(fc, getpid(), t, true, &start), 0);
	assert_int_equal(t->proc_state, 'R');
	assert_non_null(t->name);
	assert_true(start > 0);
	assert_true(t->cpu >= 0);
	/* without defer, or for the cpu alone, the same facts as before */
	assert_int_equal(proc_read_thread_lazy(fc, getpid(), t, false), 0);
	assert_int_equal(t->proc_state, 'R');
	t->cpu = -1;
	assert_int_equal(proc_read_sched(fc, getpid(), t, false, &start), 0);
	assert_true(t->cpu >= 0 && start > 0);
	memset(&gone, 0, sizeof gone);
	gone.tid = 0x3ffffff0;	/* above pid_max's ceiling: no such task */
	assert_int_equal(proc_read_sched(fc, getpid(), &gone, true, &start), -2);
	assert_int_equal(start, 0);
	assert_int_equal(proc_read_sched(fc, getpid(), &gone, false, &start), -1);
	assert_null(gone.name);
	lazy_stop = 1;
	pthread_join(th, NULL);
	snapshot_free(s);
	proc_fdcache_free(fc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_plain),
		cmocka_unit_test(test_stat_hostile_comm),
		cmocka_unit_test(test_stat_truncated),
		cmocka_unit_test(test_syscall_lines),
		cmocka_unit_test(test_schedstat_and_status),
		cmocka_unit_test(test_exec_start),
		cmocka_unit_test(test_maps_and_lookup),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_threads_and_names),
		cmocka_unit_test(test_fdcache),
		cmocka_unit_test(test_fdcache_once),
		cmocka_unit_test(test_lazy_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
