#!/bin/bash
# core.t - holdup dump CORE: a gcore'd deadlocked fixture reads like the live process; corrupt files are clear errors.
. tests/integration/lib.sh
plan 35

PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
LIVE=$TMPD/live.json
CJ=$TMPD/core.json
CT=$TMPD/core.txt

# agree LIVE CORE EXPR DESC: EXPR (python over d, a dump) gives the same value on both dumps, and not None
agree() {
	local out
	out=$($PY - "$1" "$2" "$3" <<'PYEOF'
import json, sys
def load(p): return json.load(open(p))
def fixture_frames(d):
	# each thread's innermost frames of the fixture's own code (its source under tests/fixtures/)
	r = {}
	for t in d["threads"]:
		r[t["tid"]] = [f["function"] for f in t["frames"] if (f.get("file") or "").startswith("tests/fixtures/")][:3]
	return r
def locks(d):
	return sorted((l["address"], l["kind"], l.get("symbol"), tuple(sorted(l.get("holders") or [])),
		tuple(sorted(d["threads"][i]["tid"] for i in l.get("waiters") or []) if l.get("waiters") and isinstance(l["waiters"][0], int) and l["waiters"][0] < len(d["threads"]) else tuple(sorted(l.get("waiters") or [])))) for l in d["locks"])
def cycles(d):
	return sorted(sorted(c["threads"]) for c in d["deadlocks"])
a, b = load(sys.argv[1]), load(sys.argv[2])
e = sys.argv[3]
x, y = eval(e, globals(), {"d": a}), eval(e, globals(), {"d": b})
if x == y and x not in (None, [], {}):
	print("same")
else:
	print("live %r core %r" % (x, y))
PYEOF
)
	[ "$out" = same ]; ok $? "$4"
	[ "$out" = same ] || diag "$out"
}

if ! command -v gcore >/dev/null 2>&1; then
	for i in $(seq 35); do echo "ok $i # SKIP gcore (gdb) is not installed"; done
	exit 0
fi

start_fixture lock_abba || exit 1
t1=$(fact t1) t2=$(fact t2)
"$HOLDUP" dump --json $FPID >"$LIVE" 2>"$TMPD/err"; RC=$?
ok $([ $RC = 3 ]; echo $?) "live dump of lock_abba exits 3"
timeout -s KILL 120 gcore -o "$TMPD/core" $FPID >"$TMPD/gcore.out" 2>&1
CORE=$TMPD/core.$FPID
check "gcore wrote a core" test -s "$CORE"
check "fixture unharmed after gcore (running, untraced)" wait_unharmed $FPID

timeout -s KILL 60 "$HOLDUP" dump --json "$CORE" >"$CJ" 2>"$TMPD/cerr"; RC=$?
ok $([ $RC = 3 ]; echo $?) "dump of the core exits 3 (deadlock)"
[ $RC = 3 ] || diag "$(cat "$TMPD/cerr")"
agree "$LIVE" "$CJ" "sorted(t['tid'] for t in d['threads'])" "core and live: same TIDs"
agree "$LIVE" "$CJ" "locks(d)" "core and live: same locks (addresses, kinds, names, holders, waiters)"
agree "$LIVE" "$CJ" "cycles(d)" "core and live: same deadlock cycle"
agree "$LIVE" "$CJ" "sorted([(tuple(c['threads']), tuple(c['locks'])) for c in d['deadlocks']])" "core and live: cycle in the same order with the same locks"
agree "$LIVE" "$CJ" "fixture_frames(d)" "core and live: each thread's innermost fixture functions"
agree "$LIVE" "$CJ" "[(t['tid'], t['wait']['kind'], t['wait']['symbol'], t['wait']['holders']) for t in d['threads'] if t['wait']]" "core and live: same waits"
# the third source of the same process: holdup's own saved file agrees with both
SJ=$TMPD/saved.json
"$HOLDUP" dump --json --save "$TMPD/saved.core" $FPID >/dev/null 2>&1
timeout -s KILL 60 "$HOLDUP" dump --json "$TMPD/saved.core" >"$SJ" 2>"$TMPD/serr"; RC=$?
ok $([ $RC = 3 ]; echo $?) "dump of the saved file (dump --save) exits 3 too"
for other in "$LIVE:live" "$CJ:gcore"; do
	agree "${other%%:*}" "$SJ" "(sorted(t['tid'] for t in d['threads']), locks(d), cycles(d), fixture_frames(d))" \
		"saved file and ${other##*:}: same TIDs, locks, holders, waiters, cycle and fixture frames"
done
agree "$LIVE" "$SJ" "[(t['tid'], t['state'], t['wait']['kind'] if t['wait'] else None) for t in d['threads']]" \
	"saved file and live: same thread states (the saved file keeps them; a gcore core cannot)"
check "core: every thread's state is unknown, with a reason" \
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["threads"] and all(t["state"]=="unknown" and t.get("state_reason") for t in d["threads"]) else 1)' "$CJ"
check "core: the snapshot says where it came from" \
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["source"]=="core file "+sys.argv[2] and d["capture_mode"]=="core" else 1)' "$CJ" "$CORE"
timeout -s KILL 60 "$HOLDUP" dump "$CORE" >"$CT" 2>&1
check "core text: deadlock section" grep -q "Found one deadlock" "$CT"
check "core text: states unknown and why" grep -q "thread states unknown: a core file does not record" "$CT"
check "fixture still unharmed" wait_unharmed $FPID

# --sysroot that holds nothing: no module file is found, the stacks say so, nothing crashes
mkdir -p "$TMPD/emptyroot"
timeout -s KILL 60 "$HOLDUP" dump --json --sysroot "$TMPD/emptyroot" "$CORE" >"$TMPD/sr.json" 2>&1; RC=$?
ok $([ $RC = 0 ] || [ $RC = 3 ]; echo $?) "--sysroot without the files: still reads the core (exit $RC)"

# --exe: a copy of the executable is used; another program (another build ID) is refused, never used to symbolize
cp "$FIXTURES/lock_abba" "$TMPD/abba-copy"
fnames() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(set(f["function"] for t in d["threads"] for f in t["frames"] if f["function"])))' "$1"; }
timeout -s KILL 60 "$HOLDUP" dump --json --exe "$TMPD/abba-copy" "$CORE" >"$TMPD/exe.json" 2>&1
check "--exe with a copy of the executable: its functions are named" grep -q "'worker'" <(fnames "$TMPD/exe.json")
timeout -s KILL 60 "$HOLDUP" dump --json --exe "$HOLDUP" "$CORE" >"$TMPD/badexe.json" 2>&1
ok $(fnames "$TMPD/badexe.json" | grep -q "'worker'\|'main'"; [ $? = 1 ]; echo $?) "--exe with another program: refused (build ID differs), no function of it named"
# a sysroot whose libc is another file: not used for libc's frames
mkdir -p "$TMPD/sr/usr/lib/x86_64-linux-gnu"
cp /bin/true "$TMPD/sr/usr/lib/x86_64-linux-gnu/libc.so.6"
timeout -s KILL 60 "$HOLDUP" dump --json --sysroot "$TMPD/sr" "$CORE" >"$TMPD/sr2.json" 2>&1
ok $(fnames "$TMPD/sr2.json" | grep -q "pthread_mutex_lock"; [ $? = 1 ]; echo $?) "--sysroot with a wrong libc.so.6: refused by build ID, libc frames unnamed"

# corrupt files: a clear message, exit 1, never a hang or crash
head -c 3000 "$CORE" >"$TMPD/trunc.core"
timeout -s KILL 20 "$HOLDUP" dump "$TMPD/trunc.core" >/dev/null 2>"$TMPD/e1"; RC=$?
ok $([ $RC = 1 ] && grep -q "truncated" "$TMPD/e1"; echo $?) "truncated core: exit 1, says truncated"
[ $RC = 1 ] || diag "rc $RC: $(cat "$TMPD/e1")"
timeout -s KILL 20 "$HOLDUP" dump "$FIXTURES/lock_abba" >/dev/null 2>"$TMPD/e2"; RC=$?
ok $([ $RC = 1 ] && grep -q "not a core file" "$TMPD/e2"; echo $?) "an executable: exit 1, not a core file"
echo "hello" >"$TMPD/text.core"
timeout -s KILL 20 "$HOLDUP" dump "$TMPD/text.core" >/dev/null 2>"$TMPD/e3"; RC=$?
ok $([ $RC = 1 ] && grep -q "not an ELF file" "$TMPD/e3"; echo $?) "a text file: exit 1, not an ELF file"
if [ -x "$FIXTURES/i386_pause" ]; then
	# a 32-bit ELF (an executable, but the class check comes first): refused as 32-bit
	timeout -s KILL 20 "$HOLDUP" dump "$FIXTURES/i386_pause" >/dev/null 2>"$TMPD/e4"; RC=$?
	ok $([ $RC = 1 ] && grep -q "32-bit" "$TMPD/e4"; echo $?) "a 32-bit ELF: exit 1, says 32-bit"
else
	echo "ok $((TAP_N + 1)) # SKIP no i386_pause fixture"; TAP_N=$((TAP_N + 1))
fi
timeout -s KILL 20 "$HOLDUP" record -d 1 "$CORE" >/dev/null 2>"$TMPD/e6"; RC=$?
ok $([ $RC = 2 ] && grep -q "only by holdup dump" "$TMPD/e6"; echo $?) "record on a core: usage error (exit 2) saying only dump reads cores"
timeout -s KILL 20 "$HOLDUP" dump "$TMPD/no-such-core" >/dev/null 2>"$TMPD/e5"; RC=$?
ok $([ $RC = 2 ] && grep -q "neither a process ID nor a file" "$TMPD/e5"; echo $?) "a missing file: usage error, exit 2"

# A kernel core: only where core_pattern writes a plain file into the process's directory (the
# test does not change core_pattern, a machine-wide setting others may rely on).
pat=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
case "$pat" in
core|core.%p|core.*)
	K=$TMPD/kcore; mkdir -p "$K"
	KF=$(cd "$FIXTURES" && pwd)/lock_abba
	(cd "$K" && ulimit -c unlimited && exec "$KF" >"$K/out" 2>&1) &
	kp=$!
	for i in $(seq 100); do grep -q '^ready' "$K/out" 2>/dev/null && break; sleep 0.1; done
	kt1=$(sed -n 's/^fact t1 //p' "$K/out"); kt2=$(sed -n 's/^fact t2 //p' "$K/out")
	kill -SEGV $kp; wait $kp 2>/dev/null
	kc=$(ls "$K"/core* 2>/dev/null | head -n 1)
	check "kernel core written (core_pattern '$pat', ulimit -c unlimited)" test -s "$kc"
	timeout -s KILL 60 "$HOLDUP" dump --json "$kc" >"$TMPD/k.json" 2>"$TMPD/kerr"; RC=$?
	ok $([ $RC = 3 ]; echo $?) "kernel core: exit 3 (deadlock)"
	[ $RC = 3 ] || diag "$(cat "$TMPD/kerr")"
	check "kernel core: the cycle is t1 and t2" \
		$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sorted(sorted(c["threads"]) for c in d["deadlocks"])==[sorted([int(sys.argv[2]),int(sys.argv[3])])] else 1)' "$TMPD/k.json" "$kt1" "$kt2"
	;;
*)
	for i in 1 2 3; do TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP core_pattern is '$pat': not a plain file in the process's directory, and the test does not change it"; done
	;;
esac

# A Go program's core: goroutines and their sync.Mutex from the core's memory, as live
GF=$GOFIXTURES; case "$GF" in /*|./*) ;; *) GF=./$GF;; esac
if [ -x "$GF/gomutex" ]; then
	start_fixture "$GF/gomutex" || exit 1
	"$HOLDUP" dump --json $FPID >"$TMPD/golive.json" 2>/dev/null
	timeout -s KILL 120 gcore -o "$TMPD/gocore" $FPID >/dev/null 2>&1
	timeout -s KILL 60 "$HOLDUP" dump --json "$TMPD/gocore.$FPID" >"$TMPD/gocore.json" 2>"$TMPD/goerr"
	agree "$TMPD/golive.json" "$TMPD/gocore.json" "sorted(g['id'] for g in d.get('goroutines') or [])" "Go core and live: same goroutines"
	agree "$TMPD/golive.json" "$TMPD/gocore.json" "sorted((l['address'], l['kind'], tuple(sorted(l.get('goroutine_waiters') or []))) for l in d['locks'] if l['kind'].startswith('go-'))" "Go core and live: same Go mutexes and waiting goroutines"
	check "Go fixture unharmed after gcore" wait_unharmed $FPID
else
	for i in 1 2 3; do TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP no Go fixtures built ($GF/gomutex)"; done
fi
