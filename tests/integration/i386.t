#!/bin/bash
# i386.t - 32-bit x86 programs under the 64-bit kernel: the lock facts of the 64-bit fixtures, read with i386's registers, syscalls and glibc layouts.
. tests/integration/lib.sh
N=65
plan $N
if [ ! -x "$FIXTURES/lock_abba-m32" ]; then
	for i in $(seq $N); do echo "ok $i # SKIP no gcc -m32 builds (gcc-multilib) on this machine"; done
	exit 0
fi

J=$TMPD/d.json
T=$TMPD/d.txt
# jtrue DESC EXPR...: every python expression over the JSON dump in $J is True (th(TID) the
# thread, w(TID) its wait, lk(SYMBOL) the lock, fn(TID) its frames' functions).
jtrue() {
	local d=$1; shift
	$PY - "$J" "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def th(t): return [x for x in j["threads"] if x["tid"] == int(t)][0]
def w(t): return th(t).get("wait") or {}
def lk(s): return [l for l in j["locks"] if l["symbol"] == s][0]
def fn(t): return [f.get("function") for f in th(t)["frames"]]
bad = 0
for e in sys.argv[2:]:
    try: v = eval(e)
    except Exception as x: v = "error %r" % x
    if v is not True: print("# %s: %r" % (e, v)); bad = 1
sys.exit(bad)
PY
	ok $? "$d"
}
rc_is() { ok $([ "$RC" = "$1" ] && echo 0 || echo 1) "$2 (rc $RC)"; }
dump() { "$HOLDUP" dump --json "$@" >"$J" 2>"$TMPD/err"; RC=$?; }

# --- ABBA: the registers, the i386 futex number (240), the 24-byte mutex, the unwind through the vDSO
start_fixture lock_abba-m32 || exit 1
t1=$(fact t1) t2=$(fact t2)
for run in 1 2; do
	dump $FPID
	rc_is 3 "abba run $run: exit status 3"
	jtrue "abba run $run: the dump says i386" "j['arch'] == 'i386'"
	jtrue "abba run $run: one cycle of t1 and t2" "[sorted(d['threads']) for d in j['deadlocks']] == [sorted([$t1, $t2])]"
	jtrue "abba run $run: holders of both mutexes" "lk('lock_a')['holders'] == [$t1]" "lk('lock_b')['holders'] == [$t2]"
	jtrue "abba run $run: t1 blocked on lock_b held by t2, in futex" \
		"(th($t1)['state'], w($t1)['kind'], w($t1)['symbol'], w($t1)['holders']) == ('blocked', 'mutex', 'lock_b', [$t2])" \
		"th($t1)['syscall']['name'] == 'futex'" "th($t1)['syscall']['nr'] == 240"
	jtrue "abba run $run: the stack from the vDSO to worker, with file and line" \
		"fn($t1)[0] == '__kernel_vsyscall'" "'pthread_mutex_lock' in fn($t1)" "'worker' in fn($t1)" \
		"any(f.get('function') == 'worker' and f.get('file', '').endswith('lock_abba.c') and f.get('line', 0) > 0 for f in th($t1)['frames'])"
	check "abba run $run: target unharmed" wait_unharmed $FPID
done
"$HOLDUP" dump $FPID >"$T" 2>&1
grep -q "^Process $FPID .* (i386 code, 32-bit)$" "$T"; ok $? "abba text: the header says i386"
grep -q "Found one deadlock" "$T"; ok $? "abba text: the deadlock section"
grep -qE '^    #0  0x[0-9a-f]{8} __kernel_vsyscall' "$T"; ok $? "abba text: 32-bit addresses, 8 digits"
# stop-all: every thread stopped, registers from PTRACE_GETREGSET in the 68-byte i386 layout
dump --stop-all $FPID
rc_is 3 "abba --stop-all: exit status 3"
jtrue "abba --stop-all: three threads stopped, the same holders" "j['threads_stopped'] == 3" \
	"lk('lock_a')['holders'] == [$t1]" "lk('lock_b')['holders'] == [$t2]" "len(j['deadlocks']) == 1"
check "abba --stop-all: target unharmed" wait_unharmed $FPID
# SIGSTOPped before holdup came: the same facts, and left stopped
kill -STOP $FPID
for i in $(seq 1 100); do grep -q '^State:.*T' /proc/$FPID/status && break; sleep 0.02; done
dump $FPID
rc_is 3 "abba sigstopped: exit status 3"
jtrue "abba sigstopped: the same holders and cycle" "j['target_was_stopped'] is True" \
	"lk('lock_a')['holders'] == [$t1]" "len(j['deadlocks']) == 1"
[ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$FPID/status)" = T ]; ok $? "abba sigstopped: still stopped"
check "abba sigstopped: untraced" wait_unharmed $FPID T
kill -CONT $FPID
# --save: a 32-bit snapshot is not written as a 64-bit core
"$HOLDUP" dump --save "$TMPD/x.core" $FPID >/dev/null 2>"$TMPD/err"; RC=$?
rc_is 1 "abba --save: refused"
grep -q "i386 process: its snapshot cannot be saved as a core" "$TMPD/err"; ok $? "abba --save: says why" || sed 's/^/# /' "$TMPD/err"
check "abba --save: target unharmed" wait_unharmed $FPID
# record: a session stops the threads (perf samples of a 32-bit task are not used)
"$HOLDUP" record -r 20 -d 1 -f json -o "$TMPD/r.jsonl" $FPID >/dev/null 2>"$TMPD/err"; RC=$?
rc_is 0 "record: exit status 0"
$PY - "$TMPD/r.jsonl" $t1 <<'PY'
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t1 = int(sys.argv[2])
ok = len(snaps) >= 5 and all(s["arch"] == "i386" for s in snaps) and all(
    any(t["tid"] == t1 and (t.get("wait") or {}).get("symbol") == "lock_b" for t in s["threads"]) for s in snaps)
if not ok: print("# %d snapshots; first: %s" % (len(snaps), json.dumps(snaps[0])[:300] if snaps else None))
sys.exit(0 if ok else 1)
PY
ok $? "record: every snapshot is i386 and has t1 waiting on lock_b"
check "record: target unharmed" wait_unharmed $FPID
stop_fixture $FPID

# --- a timed wait after a debugger: i386 resumes it as restart_syscall, number 0 there
start_fixture lock_abba-m32 timed || exit 1
t1=$(fact t1) t2=$(fact t2)
gdb -batch -nx -p $FPID -ex 'info threads' >/dev/null 2>&1
for i in $(seq 1 100); do grep -q '^0 ' /proc/$FPID/task/$t1/syscall && break; sleep 0.02; done
grep -q '^0 ' /proc/$FPID/task/$t1/syscall; ok $? "timed: after gdb, t1 is in restart_syscall (i386 number 0)"
dump $FPID
rc_is 3 "timed after gdb: exit status 3"
jtrue "timed after gdb: the restarted wait is still the mutex wait" "w($t1)['symbol'] == 'lock_b'" \
	"w($t1)['holders'] == [$t2]" "len(j['deadlocks']) == 1"
"$HOLDUP" dump $FPID >"$T" 2>&1
grep -q "^Thread $t1 .* blocked  restart_syscall(" "$T"; ok $? "timed after gdb: the text names restart_syscall"
check "timed after gdb: target unharmed" wait_unharmed $FPID
stop_fixture $FPID

# --- static glibc: the version from __nptl_version, the same facts
start_fixture lock_abba-m32-static || exit 1
dump $FPID
rc_is 3 "static: exit status 3"
jtrue "static: holders, cycle, version from the executable" "lk('lock_a')['holders'] == [$(fact t1)]" \
	"lk('lock_b')['holders'] == [$(fact t2)]" "len(j['deadlocks']) == 1" \
	"j['glibc']['version'] == '2.36' or j['glibc']['version'] is not None" "'__nptl_version' in j['glibc']['source']"
check "static: target unharmed" wait_unharmed $FPID
stop_fixture $FPID

# --- five philosophers
start_fixture lock_philo-m32 || exit 1
dump $FPID
rc_is 3 "philo: exit status 3"
p2=$(fact phil2) p3=$(fact phil3)
jtrue "philo: one cycle of five, phil2 waits on forks[3] held by phil3" "[len(d['threads']) for d in j['deadlocks']] == [5]" \
	"(w($p2)['symbol'], w($p2)['holders']) == ('forks[3]', [$p3])"
check "philo: target unharmed" wait_unharmed $FPID
stop_fixture $FPID

# --- rwlock: i386's 32-byte rwlock with byte-sized __flags and __shared
start_fixture lock_rwlock-m32 || exit 1
wr=$(fact writer); qw=$(fact queued_writers); qr=$(fact queued_readers)
for run in 1 2; do
	dump $FPID
	rc_is 0 "rwlock run $run: exit status 0"
	jtrue "rwlock run $run: held by 3 readers, prefer-writer-nonrecursive" \
		"(lk('table_lock')['kind'], lk('table_lock')['readers'], lk('table_lock')['holders_known'], lk('table_lock')['variant']) == ('rwlock', 3, False, 'prefer-writer-nonrecursive')"
	jtrue "rwlock run $run: the writer and the queued writers want to write" "(th($wr)['state'], w($wr)['kind']) == ('blocked', 'rwlock-write')" \
		"sorted(w(t)['kind'] for t in '$qw'.split()) == ['rwlock-write', 'rwlock-write']"
	jtrue "rwlock run $run: the queued readers want to read; six waiters" \
		"sorted(w(t)['kind'] for t in '$qr'.split()) == ['rwlock-read'] * 3" "len(lk('table_lock')['waiters']) == 6"
	check "rwlock run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID

# --- mutex kinds: recursive, PI, robust (owner died), held by an exited thread
start_fixture lock_mutexkinds-m32 || exit 1
dump $FPID
rc_is 0 "mutexkinds: exit status 0"
jtrue "mutexkinds: recursive mutex held twice" "(lk('rec_lock')['variant'], lk('rec_lock')['holders'], lk('rec_lock').get('count')) == ('recursive', [$(fact rec_holder)], 2)"
jtrue "mutexkinds: PI mutex holder" "(lk('pi_lock')['variant'], lk('pi_lock')['holders'], w($(fact pi_waiter))['kind']) == ('pi', [$(fact pi_holder)], 'mutex')"
jtrue "mutexkinds: robust mutex whose owner died" "(lk('robust_lock')['variant'], lk('robust_lock')['holders'], lk('robust_lock')['owner_died']) == ('robust', [$(fact robust_holder)], True)"
jtrue "mutexkinds: a mutex held by an exited thread" "lk('orphan_lock')['holders'] == [$(fact orphan_holder)]" "'not a thread' in lk('orphan_lock')['note']"
check "mutexkinds: target unharmed" wait_unharmed $FPID
stop_fixture $FPID

# --- events: condvar, i386's 16-byte semaphore (value << 1), the 20-byte barrier, join
start_fixture lock_events-m32 || exit 1
cw=$(fact cond_waiters)
dump $FPID
rc_is 0 "events: exit status 0"
jtrue "events: condvar waiters" "sorted((th(t)['state'], w(t)['kind'], w(t)['symbol']) for t in '$cw'.split()) == [('waiting', 'condvar', 'queue_cond')] * 3"
jtrue "events: semaphore, value 0" "(w($(fact sem_waiter))['kind'], w($(fact sem_waiter))['symbol'], lk('work_sem').get('count')) == ('semaphore', 'work_sem', 0)"
jtrue "events: barrier" "(w($(fact barrier_waiter))['kind'], w($(fact barrier_waiter))['symbol']) == ('barrier', 'start_barrier')"
jtrue "events: pthread_join names the joined thread" "(w($(fact joiner))['kind'], w($(fact joiner))['holders'], th($(fact joined))['state']) == ('join', [$(fact joined)], 'sleeping')"
check "events: target unharmed" wait_unharmed $FPID
stop_fixture $FPID

# --- no libc at all: i386's syscall table names the call (pause is 29 there; 29 is shmget on x86-64)
start_fixture i386_pause || exit 1
dump $FPID
jtrue "i386_pause: the one thread waits in pause, by i386's table" "j['arch'] == 'i386'" \
	"j['threads'][0]['syscall']['nr'] == 29" "j['threads'][0]['syscall']['name'] == 'pause'" \
	"j['threads'][0]['state'] == 'waiting'"
check "i386_pause: target unharmed" wait_unharmed $FPID
stop_fixture $FPID
