#!/bin/bash
# dump.t - holdup dump: output facts, errors and exit codes, and that the target is never harmed.
. tests/integration/lib.sh
plan 66

# --- usage and errors
"$HOLDUP" >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "no arguments: exit 2"
"$HOLDUP" dump >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "dump without PID: exit 2"
"$HOLDUP" dump notapid 2>$TMPD/err >/dev/null; ok $([ $? -eq 2 ] && echo 0 || echo 1) "non-numeric PID: exit 2"
"$HOLDUP" frobnicate 1 >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "unknown command: exit 2"
"$HOLDUP" dump --help | grep -q 'usage: holdup dump'; ok $? "dump --help prints usage"
# -p/--pid as well as the positional PID (py-spy's, eu-stack's and gdb's habit), not both
me=$$
"$HOLDUP" dump -p $me 2>/dev/null | grep -q "^Process $me "; ok $? "dump -p PID"
"$HOLDUP" dump --json --pid=$me 2>/dev/null | grep -q "^{\"pid\":$me,"; ok $? "dump --pid=PID"
# several PIDs (launch.t has more): each process once, in the order given, a header each
n=$("$HOLDUP" dump -p $$ $$ 2>/dev/null | grep -c "^Process $me "); ok $([ "$n" -eq 1 ] && echo 0 || echo 1) "dump -p PID PID: the process once ($n)"
"$HOLDUP" dump $$ $PPID 2>/dev/null | grep '^==== process' >$TMPD/hdr
ok $([ "$(cat $TMPD/hdr)" = "$(printf '==== process %d (1 of 2) ====\n==== process %d (2 of 2) ====' $$ $PPID)" ] && echo 0 || echo 1) "dump PID PID2: a header per process, in order"
# colour on a terminal, none with NO_COLOR (no-color.org); script(1) gives the dump a terminal
if command -v script >/dev/null; then
	n=$(script -qec "$HOLDUP dump $me" /dev/null | grep -c $'\e\[')
	ok $([ "$n" -gt 0 ] && echo 0 || echo 1) "text dump on a terminal is coloured ($n lines)"
	n=$(NO_COLOR=1 script -qec "$HOLDUP dump $me" /dev/null | grep -c $'\e\[')
	ok $([ "$n" -eq 0 ] && echo 0 || echo 1) "NO_COLOR: no escape sequence ($n lines)"
else
	ok 0 "# SKIP script missing"; ok 0 "# SKIP script missing"
fi

# a PID that does not exist: find a free one
nopid=$(( $(cat /proc/sys/kernel/pid_max) - 7 )); while [ -d /proc/$nopid ]; do nopid=$((nopid - 1)); done
"$HOLDUP" dump $nopid 2>$TMPD/err >/dev/null; rc=$?
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "no such process: exit 1"
grep -q 'no such process' $TMPD/err; ok $? "no such process: says so"

"$HOLDUP" dump 2 2>$TMPD/err >/dev/null; rc=$?
ok $([ $rc -eq 1 ] && grep -q 'kernel thread' $TMPD/err && echo 0 || echo 1) "kernel thread (pid 2): exit 1 and says so"

# a zombie: a child that exits and is not reaped
zdir=$TMPD/z; mkdir -p $zdir
perl -e 'if (my $p = fork) { open F, ">", $ARGV[0]; print F $p; close F; sleep 30 } else { exit 0 }' $zdir/pid &
zparent=$!; FIXTURE_PIDS="$FIXTURE_PIDS $zparent"
for i in $(seq 50); do [ -s $zdir/pid ] && break; sleep 0.05; done; sleep 0.2
"$HOLDUP" dump "$(cat $zdir/pid)" 2>$TMPD/err >/dev/null; rc=$?
ok $([ $rc -eq 1 ] && grep -q 'zombie' $TMPD/err && echo 0 || echo 1) "zombie: exit 1 and says so"

# --- the demo: text and JSON facts
start_fixture demo || exit 1
P=$FPID
"$HOLDUP" dump --no-color $P >$TMPD/out 2>$TMPD/err; rc=$?
ok $([ $rc -eq 0 ] || [ $rc -eq 3 ] && echo 0 || echo 1) "dump of demo succeeds (exit $rc)"
grep -q "^Process $P " $TMPD/out; ok $? "text header names the pid"
grep -q "^Pause: " $TMPD/out; ok $? "text header reports the pause"
grep -q "Thread $(fact auditor) \"auditor\"" $TMPD/out; ok $? "auditor thread listed with its name"
grep -q 'auditor+0x[0-9a-f]* (demo) tests/fixtures/demo.c:[0-9]' $TMPD/out; ok $? "auditor frame symbolized with file:line"
grep -q "^  - waiting for thread $(fact teller1) to exit (join)$" $TMPD/out; ok $? "the join wait reads: waiting for thread N to exit"
grep -q "stack of TID" $TMPD/out; ok $([ $? = 1 ]; echo $?) "no join named the stack of a TID"
wait_unharmed $P; ok $? "demo unharmed after text dump"

"$HOLDUP" dump --json -o $TMPD/demo.json $P 2>$TMPD/err; rc=$?
ok $([ $rc -eq 0 ] || [ $rc -eq 3 ] && echo 0 || echo 1) "dump --json -o FILE succeeds"
[ "$(json_get $TMPD/demo.json 'j["pid"]')" = "$P" ]; ok $? "json pid"
[ "$(json_get $TMPD/demo.json 'len(j["threads"])')" = 6 ]; ok $? "json has the 6 threads"
json_get $TMPD/demo.json 'isinstance(j["pause_us"], int)' | grep -q True; ok $? "json pause_us is a number"
[ "$(json_get $TMPD/demo.json '[t["name"] for t in j["threads"] if t["tid"]=='"$(fact teller1)"'][0]')" = teller ]; ok $? "json thread name"
json_get $TMPD/demo.json 'any(f["function"]=="teller" and f["file"].endswith("demo.c") and f["line"]>0 for t in j["threads"] for f in t["frames"])' | grep -q True
ok $? "json frame has function, file and line"
json_get $TMPD/demo.json 'all(set(f)>={"pc","function","offset","module","file","line","inline"} for t in j["threads"] for f in t["frames"])' | grep -q True
ok $? "json frames carry every documented field"
json_get $TMPD/demo.json 'all(len(t["frames"])>0 for t in j["threads"])' | grep -q True; ok $? "every thread has frames"
wait_unharmed $P; ok $? "demo unharmed after json dump"

"$HOLDUP" dump --stop-all --json -o $TMPD/all.json $P 2>/dev/null
[ "$(json_get $TMPD/all.json 'j["threads_stopped"]')" = 6 ]; ok $? "--stop-all stops all 6 threads"
json_get $TMPD/all.json 'all(t["frames"] and t["frames"][-1]["function"] in ("_start","__clone3","clone","__clone") for t in j["threads"])' | grep -q True
ok $? "--stop-all: every stack unwinds to _start or clone"
wait_unharmed $P; ok $? "demo unharmed after --stop-all"

# --- job control: a stopped target stays stopped, and the dump does not hang
kill -STOP $P; sleep 0.1
timeout 10 "$HOLDUP" dump --stop-all $P >$TMPD/out 2>&1; rc=$?
ok $([ $rc -ne 124 ] && echo 0 || echo 1) "dump of a SIGSTOPped target does not hang"
grep -q 'stopped by job control' $TMPD/out; ok $? "dump notes the job-control stop"
sleep 0.1
[ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$P/status)" = T ]; ok $? "target is still stopped (T) after the dump"
wait_unharmed $P T; ok $? "stopped target is not traced"
kill -CONT $P; wait_unharmed $P; ok $? "target resumes after SIGCONT"

# --- hostile thread names
start_fixture badnames || exit 1
"$HOLDUP" dump $FPID >$TMPD/bad.txt 2>&1
! LC_ALL=C grep -q $'\033' $TMPD/bad.txt; ok $? "no ESC byte reaches the terminal from thread names"
grep -q '\\x1b' $TMPD/bad.txt; ok $? "escape shown as \\x1b"
"$HOLDUP" dump --json $FPID >$TMPD/bad.json 2>&1
$PY -c 'import json,sys; json.load(open(sys.argv[1]))' $TMPD/bad.json; ok $? "JSON with hostile names is valid"
wait_unharmed $FPID; ok $? "badnames unharmed"

# --- threads born and dying during snapshots
start_fixture churn || exit 1
fails=0
for i in $(seq 8); do
	"$HOLDUP" dump --json $FPID >$TMPD/churn.json 2>$TMPD/err || { r=$?; fails=$((fails + 1)); diag "json dump $i: rc $r: $(head -c 300 $TMPD/err)"; }
	$PY -c 'import json,sys; json.load(open(sys.argv[1]))' $TMPD/churn.json 2>/dev/null || { fails=$((fails + 1)); diag "json dump $i does not parse"; }
	"$HOLDUP" dump --stop-all $FPID >/dev/null 2>$TMPD/err2 || { r=$?; fails=$((fails + 1)); diag "stop-all dump $i: rc $r: $(head -c 300 $TMPD/err2)"; }
done
ok $fails "8x2 dumps of a thread-churning target all succeed with valid JSON"
wait_unharmed $FPID; ok $? "churning target unharmed"

# --- permission denied as another user
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HOLDUP" dump $P >/dev/null 2>$TMPD/err; rc=$?
	ok $([ $rc -eq 1 ] && grep -q 'permission denied' $TMPD/err && echo 0 || echo 1) "not permitted: exit 1, says permission denied"
	grep -q 'not root' $TMPD/err; ok $? "not permitted: says why (not root)"
else
	ok 0 "# SKIP setpriv or root unavailable"; ok 0 "# SKIP setpriv or root unavailable"
fi

# --- already traced by another tracer
if command -v strace >/dev/null; then
	strace -p $P -o /dev/null 2>/dev/null &
	sp=$!; sleep 0.5
	"$HOLDUP" dump --stop-all $P >/dev/null 2>$TMPD/err; rc=$?
	ok $([ $rc -eq 1 ] && grep -q 'already traced by PID' $TMPD/err && echo 0 || echo 1) "already traced: exit 1 and names the tracer"
	kill $sp; wait $sp 2>/dev/null
	wait_unharmed $P; ok $? "target unharmed after the other tracer left"
else
	ok 0 "# SKIP no strace"; ok 0 "# SKIP no strace"
fi

# --- a bigger process: all threads symbolized
start_fixture many 300 || exit 1
"$HOLDUP" dump --json $FPID >$TMPD/many.json 2>$TMPD/err
[ "$(json_get $TMPD/many.json 'len(j["threads"])')" = "$(fact threads)" ]; ok $? "302-thread target: all threads listed"
json_get $TMPD/many.json 'all(any(f["function"] for f in t["frames"]) for t in j["threads"])' | grep -q True
ok $? "302-thread target: every thread has symbolized frames"
wait_unharmed $FPID; ok $? "302-thread target unharmed"

# --- running vs runnable: 8 spinning threads on this machine's CPUs
start_fixture busy 8 || exit 1
cpus=$(fact cpus)
bad=0
for i in 1 2 3; do
	"$HOLDUP" dump --json $FPID >$TMPD/busy.json 2>/dev/null
	r=$(json_get $TMPD/busy.json 'sum(t["state"]=="running" for t in j["threads"])')
	q=$(json_get $TMPD/busy.json 'sum(t["state"]=="runnable" for t in j["threads"])')
	diag "round $i: $r running, $q runnable on $cpus cpus"
	{ [ "$r" -le "$cpus" ] && [ $((r + q)) -eq 8 ]; } || bad=$((bad + 1))
	[ "$q" -ge $((8 - cpus)) ] || bad=$((bad + 1))
done
ok $bad "8 spinners: at most one running per cpu, the rest runnable (3 rounds)"
"$HOLDUP" dump $FPID | grep -q 'waiting for a cpu'; ok $? "text output says a runnable thread waits for a cpu"
wait_unharmed $FPID; ok $? "busy target unharmed"

# --- contended but progressing: never a deadlock, across many snapshots (threads wake between
# the /proc read and the stop all the time here)
start_fixture lock_progress || exit 1
false_dl=0
for i in $(seq 40); do
	"$HOLDUP" dump $FPID >/dev/null 2>&1
	[ $? -eq 3 ] && false_dl=$((false_dl + 1))
done
ok $false_dl "40 dumps of a busy, progressing lock: no false deadlock ($false_dl)"
wait_unharmed $FPID; ok $? "progressing target unharmed"

# --- stacks read without stopping agree with stacks read by stopping: for every blocked thread,
# the default mode's functions equal --stop-all's (the ground truth from full registers)
cmp_modes() { # FIXTURE ARGS...: diffs default vs --stop-all frames of threads the default did not stop
	start_fixture "$@" || return 1
	"$HOLDUP" dump --json $FPID >$TMPD/fast.json 2>/dev/null
	"$HOLDUP" dump --stop-all --json $FPID >$TMPD/all.json 2>/dev/null
	$PY - $TMPD/fast.json $TMPD/all.json <<'PY'
import json, sys
fast, full = (json.load(open(p)) for p in sys.argv[1:3])
ref = {t["tid"]: [f["function"] for f in t["frames"]] for t in full["threads"]}
bad = n = 0
for t in fast["threads"]:
    if t["capture"] != "unstopped":
        continue
    n += 1
    got = [f["function"] for f in t["frames"]]
    if got != ref.get(t["tid"]):
        bad += 1
        print("# tid %d: without stop %s" % (t["tid"], got))
        print("# tid %d: with stop    %s" % (t["tid"], ref.get(t["tid"])))
print("# %d unstopped threads compared, %d differ" % (n, bad))
sys.exit(1 if bad or n == 0 else 0)
PY
	local rc=$?
	stop_fixture $FPID
	return $rc
}
cmp_modes demo; ok $? "demo: stacks without stopping equal stacks with stopping"
cmp_modes busy 2; ok $? "busy: the main thread's stack without stopping equals the stopped one"
cmp_modes many 50; ok $? "many: 50 condvar waiters' stacks without stopping equal the stopped ones"
cmp_modes lock_rwlock; ok $? "rwlock readers and writers: stacks without stopping equal the stopped ones"
cmp_modes lock_cxx; ok $? "C++ std::mutex waiters: stacks without stopping equal the stopped ones"
cmp_modes unwind_chain; ok $? "mutex, condvar, rwlock, sem, read, sleep chains: stacks without stopping equal the stopped ones"

# --- C++ frames are demangled
start_fixture lock_cxx || exit 1
"$HOLDUP" dump --json $FPID >$TMPD/cxx.json 2>/dev/null
json_get $TMPD/cxx.json 'any(f["function"] and f["function"].startswith("transfer(Account*") for t in j["threads"] for f in t["frames"])' | grep -q True
ok $? "C++ function names are demangled (transfer(Account*, ...))"
json_get $TMPD/cxx.json 'not any(f["function"] and f["function"].startswith("_Z") for t in j["threads"] for f in t["frames"] if f["module"] and "lock_cxx" in f["module"])' | grep -q True
ok $? "no mangled names left in the program's own frames"
