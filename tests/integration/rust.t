#!/bin/bash
# rust.t - Rust targets (rustc -g, std only): std::sync Mutex ABBA as a probable deadlock with demangled
# frames, RwLock readers as probable holders, a Condvar waiter; the targets unharmed.
. tests/integration/lib.sh
plan 30
case "$FIXTURES" in /*|./*) ;; *) FIXTURES=./$FIXTURES;; esac

jeval() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
def lock(addr):
	return [l for l in j["locks"] if int(l["address"], 16) == int(addr, 16)][0]
def thr(tid):
	return [t for t in j["threads"] if t["tid"] == int(tid)][0]
def who(l):
	return " ".join(sorted(str(p.get("thread", p.get("goroutine"))) for p in l["probable_holders"]))
def fns(tid):
	return [f.get("function") or "" for f in thr(tid)["frames"]]
for e in sys.argv[2:]:
	try:
		print(eval(e))
	except Exception as ex:
		print("error: %r" % ex)
' "$@"
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else diag "got '$1', want '$2'"; ok 1 "$3"; fi
}

# --- two threads, two static Mutex<u64>, opposite order
start_fixture rustabba || exit 1
P=$FPID
t1=$(fact t1); t2=$(fact t2); a=$(fact lock_a); b=$(fact lock_b)
"$HOLDUP" dump --json $P >$TMPD/abba.json 2>$TMPD/err; rc=$?
is "$rc" 3 "abba: dump exits 3 (a probable deadlock)"
mapfile -t R < <(jeval $TMPD/abba.json "[d['probable'] for d in j['deadlocks']]" \
    "' '.join(sorted(str(t) for t in j['deadlocks'][0]['threads']))" \
    "lock('$a')['kind'] + ' ' + lock('$b')['kind']" \
    "who(lock('$a')) + ' ' + who(lock('$b'))" \
    "lock('$a')['probable_holders'][0]['evidence'] + ' ' + lock('$a')['probable_holders'][0]['mode']" \
    "lock('$a')['probable_holders'][0]['frame']['function']" \
    "lock('$a')['symbol'] + ' ' + lock('$b')['symbol']" \
    "'rustabba::main::{{closure}}' in fns($t1) and 'rustabba::main::{{closure}}' in fns($t2)" \
    "any(f.endswith('futex::Mutex>::lock_contended') or f.endswith('futex::Mutex::lock_contended') for f in fns($t1))" \
    "thr($t1)['wait']['kind'] + ' ' + thr($t1)['state'] + ' ' + str(thr($t1)['wait']['in_deadlock'])" \
    "[f for f in fns($t1) if f.startswith('_ZN') or f.startswith('_R') or '17h' in f]" \
    "lock('$a')['expected_holders']")
is "${R[0]}" "[True]" "abba: one deadlock, probable"
is "${R[1]}" "$(printf '%s\n' $t1 $t2 | sort | tr '\n' ' ' | sed 's/ $//')" "abba: the cycle is the two worker threads"
is "${R[2]}" "rust-mutex rust-mutex" "abba: both locks are Rust mutexes, not raw futexes"
is "${R[3]}" "$t1 $t2" "abba: lock_a is probably held by t1 ($t1), lock_b by t2 ($t2), nobody else"
is "${R[4]}" "guard write" "abba: the evidence is a MutexGuard in scope, held for writing"
is "${R[5]}" "rustabba::main::{{closure}}" "abba: the guard's frame is the thread's closure"
is "${R[6]}" "rustabba::LOCK_A rustabba::LOCK_B" "abba: locks named by their statics"
is "${R[7]}" "True" "abba: frames demangled (legacy): rustabba::main::{{closure}}"
is "${R[8]}" "True" "abba: std's lock_contended frame demangled"
is "${R[9]}" "mutex blocked True" "abba: t1 is blocked on a mutex, in the deadlock"
is "${R[10]}" "[]" "abba: no mangled name left in t1's frames"
is "${R[11]}" "1" "abba: the state word says one holder"
"$HOLDUP" dump $P >$TMPD/abba.txt 2>$TMPD/err; rc=$?
is "$rc" 3 "abba: text dump exits 3"
grep -q "rust-mutex rustabba::LOCK_A" $TMPD/abba.txt; ok $? "abba: text names the kind and the static"
wait_unharmed $P; ok $? "abba: target unharmed"
stop_fixture $P

# --- the same built with v0 symbol names for its own code (std keeps the toolchain's mangling)
start_fixture rustabba-v0 || exit 1
P=$FPID
t1=$(fact t1); t2=$(fact t2); a=$(fact lock_a)
"$HOLDUP" dump --json $P >$TMPD/v0.json 2>$TMPD/err; rc=$?
is "$rc" 3 "v0: dump exits 3 (a probable deadlock)"
mapfile -t R < <(jeval $TMPD/v0.json "'rustabba::main::{closure#0}' in fns($t1) and 'rustabba::main::{closure#0}' in fns($t2)" \
    "[f for f in fns($t1) if f.startswith('_R') or f.startswith('_ZN')]" \
    "who(lock('$a')) + ' ' + lock('$a')['symbol']")
is "${R[0]}" "True" "v0: frames demangled: rustabba::main::{closure#0}"
is "${R[1]}" "[]" "v0: no mangled name left in t1's frames"
is "${R[2]}" "$t1 rustabba::LOCK_A" "v0: lock_a named by its static, probably held by t1"
stop_fixture $P

# --- an RwLock read held by two threads, a writer and a late reader queued, a Condvar waiter
start_fixture rustrwlock || exit 1
P=$FPID
r1=$(fact r1); r2=$(fact r2); w=$(fact writer); late=$(fact late); cv=$(fact cv); rw=$(fact rwlock); cva=$(fact condvar)
ah=$(fact arc_holder); aw=$(fact arc_waiter); am=$(fact arc_mutex)
"$HOLDUP" dump --json $P >$TMPD/rw.json 2>$TMPD/err; rc=$?
is "$rc" 0 "rwlock: dump exits 0 (no deadlock)"
mapfile -t R < <(jeval $TMPD/rw.json "lock('$rw')['kind'] + ' ' + str(lock('$rw')['readers'])" \
    "who(lock('$rw'))" \
    "set(p['mode'] for p in lock('$rw')['probable_holders'])" \
    "thr($w)['wait']['kind'] + ' ' + thr($late)['wait']['kind']" \
    "lock('$cva')['kind'] + ' ' + thr($cv)['wait']['kind'] + ' ' + str(thr($cv)['wait']['address'] == '$cva')" \
    "lock('$am')['kind'] + ' ' + str(lock('$am')['symbol'].startswith('heap Mutex<alloc::vec::Vec<u8')) + ' ' + lock('$am')['symbol'].replace(' ', '_')" \
    "who(lock('$am')) + ' ' + lock('$am')['probable_holders'][0]['evidence']" \
    "lock('$am')['waiters']")
is "${R[0]}" "rust-rwlock 2" "rwlock: a Rust RwLock with 2 readers"
is "${R[1]}" "$(printf '%s\n' $r1 $r2 | sort | tr '\n' ' ' | sed 's/ $//')" "rwlock: exactly the two reading threads are its probable holders"
is "${R[2]}" "{'read'}" "rwlock: they hold it for reading"
is "${R[3]}" "rwlock-write rwlock-read" "rwlock: the writer waits to write, the late reader to read"
is "${R[4]}" "rust-condvar condvar True" "rwlock: the Condvar waiter waits on a Rust condvar at its address"
is "${R[5]% *}" "rust-mutex True" "arc: a Mutex in an Arc is named by its type (heap Mutex<Vec<u8>>)"
is "${R[6]}" "$ah guard" "arc: its holder is the thread with the MutexGuard ($ah)"
is "${R[7]}" "[$aw]" "arc: the waiter waits on it"
wait_unharmed $P; ok $? "rwlock: target unharmed"
stop_fixture $P
