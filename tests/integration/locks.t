#!/bin/bash
# locks.t - thread states, lock kinds, holders, names, deadlock cycles and exit status on the lock_* fixtures.
. tests/integration/lib.sh
RUNS=3
plan 146

J=$TMPD/dump.json
T=$TMPD/dump.txt
# dump PID: one JSON dump into $J (status in RC) and one text dump into $T.
dump() {
	"$HOLDUP" dump --json "$1" >"$J" 2>"$TMPD/err"; RC=$?
	"$HOLDUP" dump "$1" >"$T" 2>>"$TMPD/err"
}
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# jq_ EXPR: a python expression over j, with th(TID) the thread object, w(TID) its wait, lk(SYMBOL) a lock.
JQ_DEFS='
import json,sys
j=json.load(open(sys.argv[1]))
def th(t): return [x for x in j["threads"] if x["tid"]==int(t)][0]
def w(t): return th(t).get("wait") or {}
def lk(sym): return [l for l in j["locks"] if l["symbol"]==sym][0]
def ev(e):
	try: return str(eval(e))
	except Exception as x: return "error: %r" % x
'
jq_() { $PY -c "$JQ_DEFS"'
print(ev(sys.argv[2]))' "$J" "$1"; }
# is EXPR WANT DESC: queued, and checked together by flush (one python per dump, not per check).
: >"$TMPD/q"
is() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$TMPD/q"; }
flush() {
	local res desc got
	[ -s "$TMPD/q" ] || return 0
	while IFS=$'\t' read -r res desc got; do
		[ "$res" = 0 ] || diag "$desc: got '$got'"
		ok "$res" "$desc"
	done < <($PY -c "$JQ_DEFS"'
for line in open(sys.argv[2]):
	e, want, desc = line.rstrip("\n").split("\t")
	got = ev(e)
	print("%d\t%s\t%s" % (0 if got == want else 1, desc, got))' "$J" "$TMPD/q")
	: >"$TMPD/q"
}

# --- ABBA
start_fixture lock_abba || exit 1
t1=$(fact t1) t2=$(fact t2)
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 3 ]; echo $?) "abba run $run: exit status 3"
	is "sorted(sorted(d['threads']) for d in j['deadlocks'])" "[[$((t1 < t2 ? t1 : t2)), $((t1 < t2 ? t2 : t1))]]" "abba run $run: one cycle of t1 and t2"
	is "(th($t1)['state'], w($t1)['kind'], w($t1)['symbol'], w($t1)['holders'], w($t1)['in_deadlock'])" "('blocked', 'mutex', 'lock_b', [$t2], True)" "abba run $run: t1 blocked on lock_b held by t2"
	is "(th($t2)['state'], w($t2)['symbol'], w($t2)['holders'])" "('blocked', 'lock_a', [$t1])" "abba run $run: t2 blocked on lock_a held by t1"
	is "[d['locks'][d['threads'].index($t1)] for d in j['deadlocks']] == [lk('lock_b')['address']]" "True" "abba run $run: deadlock lists the lock t1 waits for"
	flush
	check "abba run $run: text has Locks and deadlock sections" grep -q "Found one deadlock" "$T"
	check "abba run $run: text Locks section names lock_a" grep -q "^Locks" "$T"
	flush
	check "abba run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID

# --- five philosophers
start_fixture lock_philo || exit 1
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 3 ]; echo $?) "philo run $run: exit status 3"
	is "[len(d['threads']) for d in j['deadlocks']]" "[5]" "philo run $run: one cycle of five"
	p2=$(fact phil2) p3=$(fact phil3)
	is "(w($p2)['symbol'], w($p2)['holders'])" "('forks[3]', [$p3])" "philo run $run: phil2 waits on forks[3] held by phil3"
	d=$(jq_ "j['deadlocks'][0]['threads']"); i=$(jq_ "j['deadlocks'][0]['threads'].index($p2)")
	is "j['deadlocks'][0]['threads'][($i + 1) % 5]" "$p3" "philo run $run: cycle order follows the wait edges"
	flush
	check "philo run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID

# --- bystander and chains
start_fixture lock_bystander || exit 1
b=$(fact bystander) s=$(fact sleeper) m=$(fact middle) tl=$(fact tail) t1=$(fact t1)
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 3 ]; echo $?) "bystander run $run: exit status 3"
	is "[len(d['threads']) for d in j['deadlocks']]" "[2]" "bystander run $run: the cycle has only the two ABBA threads"
	is "(th($b)['state'], w($b)['in_deadlock'], w($b)['holders'])" "('blocked', False, [$t1])" "bystander run $run: bystander blocked, not in the deadlock"
	is "(w($tl)['root'], w($m)['root'], th($s)['state'])" "($s, $s, 'sleeping')" "bystander run $run: chain tail -> middle -> sleeper has the sleeper as root"
	flush
	check "bystander run $run: target unharmed" wait_unharmed $FPID
done
# wording: behind a cycle the bystander waits on the cycle, not on one "likely culprit" of it
dump $FPID
section() { awk -v t="$1" '/^Thread /{on = ($2 == t)} on' "$T"; }
section $b | grep -qE "^  - waits on the deadlock of threads [0-9]+ and [0-9]+$"; ok $? "bystander text: waits on the deadlock of threads A and B"
section $b | grep -q "likely culprit"; ok $([ $? = 1 ]; echo $?) "bystander text: no cycle member named the likely culprit"
[ "$(jq_ "w($b).get('behind_deadlock')")" = 0 ]; ok $? "bystander json: behind_deadlock names the cycle"
stop_fixture $FPID

# --- rwlock
start_fixture lock_rwlock || exit 1
wr=$(fact writer); qw=$(fact queued_writers); qr=$(fact queued_readers)
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 0 ]; echo $?) "rwlock run $run: exit status 0"
	is "(lk('table_lock')['kind'], lk('table_lock')['readers'], lk('table_lock')['holders_known'], lk('table_lock')['variant'])" "('rwlock', 3, False, 'prefer-writer-nonrecursive')" "rwlock run $run: held by 3 readers"
	is "(th($wr)['state'], w($wr)['kind'])" "('blocked', 'rwlock-write')" "rwlock run $run: the writer is blocked wanting to write"
	is "sorted(w(t)['kind'] for t in '$qw'.split())" "['rwlock-write', 'rwlock-write']" "rwlock run $run: queued writers"
	is "sorted(w(t)['kind'] for t in '$qr'.split())" "['rwlock-read', 'rwlock-read', 'rwlock-read']" "rwlock run $run: queued readers"
	is "len(lk('table_lock')['waiters'])" "6" "rwlock run $run: six waiters"
	flush
	check "rwlock run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID

# --- mutex kinds
start_fixture lock_mutexkinds || exit 1
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 0 ]; echo $?) "mutexkinds run $run: exit status 0"
	is "(lk('rec_lock')['variant'], lk('rec_lock')['holders'], lk('rec_lock').get('count'))" "('recursive', [$(fact rec_holder)], 2)" "mutexkinds run $run: recursive mutex held twice"
	is "(lk('pi_lock')['variant'], lk('pi_lock')['holders'], w($(fact pi_waiter))['kind'])" "('pi', [$(fact pi_holder)], 'mutex')" "mutexkinds run $run: PI mutex holder"
	is "(lk('robust_lock')['variant'], lk('robust_lock')['holders'], lk('robust_lock')['owner_died'])" "('robust', [$(fact robust_holder)], True)" "mutexkinds run $run: robust mutex whose owner died"
	is "(lk('orphan_lock')['holders'], 'not a thread' in lk('orphan_lock')['note'], w($(fact orphan_waiter))['root'])" "([$(fact orphan_holder)], True, None)" "mutexkinds run $run: mutex held by an exited thread"
	is "w($(fact rec_waiter))['root']" "$(fact rec_holder)" "mutexkinds run $run: root of the recursive waiter is its holder"
	flush
	check "mutexkinds run $run: target unharmed" wait_unharmed $FPID
done
# wording: a holder that exited is said on the waiter's own line
dump $FPID
oh=$(fact orphan_holder)
section $(fact orphan_waiter) | grep -q "held by $oh ($oh is not a thread of this process: it exited holding the lock?)"
ok $? "orphan waiter text: its own line says the holder exited"
[ "$(jq_ "w($(fact orphan_waiter)).get('holders_exited')")" = "[$oh]" ]; ok $? "orphan waiter json: holders_exited"
stop_fixture $FPID

# --- events
start_fixture lock_events || exit 1
cw=$(fact cond_waiters)
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 0 ]; echo $?) "events run $run: exit status 0"
	is "sorted((th(t)['state'], w(t)['kind'], w(t)['symbol']) for t in '$cw'.split())" "[('waiting', 'condvar', 'queue_cond'), ('waiting', 'condvar', 'queue_cond'), ('waiting', 'condvar', 'queue_cond')]" "events run $run: condvar waiters"
	is "(w($(fact sem_waiter))['kind'], w($(fact sem_waiter))['symbol'], lk('work_sem').get('count'))" "('semaphore', 'work_sem', 0)" "events run $run: semaphore"
	is "(w($(fact barrier_waiter))['kind'], w($(fact barrier_waiter))['symbol'])" "('barrier', 'start_barrier')" "events run $run: barrier"
	is "(w($(fact joiner))['kind'], w($(fact joiner))['holders'], th($(fact joined))['state'])" "('join', [$(fact joined)], 'sleeping')" "events run $run: pthread_join names the joined thread"
	flush
	check "events run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID

# --- C++
start_fixture lock_cxx || exit 1
t1=$(fact t1) t2=$(fact t2)
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 3 ]; echo $?) "cxx run $run: exit status 3"
	is "(w($t1)['symbol'], w($t1)['holders'], w($t2)['holders'], len(j['deadlocks']))" "('heap', [$t2], [$t1], 1)" "cxx run $run: std::mutex members of heap objects deadlock"
	is "(w($(fact reader))['kind'], w($(fact reader))['symbol'], w($(fact reader))['holders'])" "('rwlock-read', 'config_lock', [$(fact writer)])" "cxx run $run: std::shared_mutex reader waits for the writer"
	is "(w($(fact cv_waiter))['kind'], w($(fact cv_waiter))['symbol'])" "('condvar', 'cv')" "cxx run $run: std::condition_variable"
	flush
	check "cxx run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID

# --- contended but progressing
start_fixture lock_progress || exit 1
for run in $(seq $RUNS); do
	dump $FPID
	ok $([ $RC = 0 ]; echo $?) "progress run $run: exit status 0"
	is "len(j['deadlocks'])" "0" "progress run $run: no deadlock"
	flush
	check "progress run $run: no deadlock section" bash -c "! grep -q 'Found one deadlock' '$T'"
	flush
	check "progress run $run: target unharmed" wait_unharmed $FPID
done
stop_fixture $FPID
