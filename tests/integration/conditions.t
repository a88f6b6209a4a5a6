#!/bin/bash
# conditions.t - the same lock facts under production conditions: a PID namespace of its own (a container), ...
. tests/integration/lib.sh
plan 67

J=$TMPD/d.json
# abba_facts FILE T1 T2 [NS1 NS2]: the JSON dump of lock_abba names both mutexes, their host-TID holders,
# one deadlock of the two threads, and (in a namespace) the threads' own TIDs there.
abba_facts() {
	$PY - "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t1, t2 = int(sys.argv[2]), int(sys.argv[3])
ns = [int(x) for x in sys.argv[4:6]]
bad = []
th = {t["tid"]: t for t in j["threads"]}
locks = {l["symbol"]: l for l in j["locks"]}
for sym, holder in (("lock_a", t1), ("lock_b", t2)):
    l = locks.get(sym)
    if l is None: bad.append("no lock " + sym); continue
    if l.get("holders") != [holder]: bad.append("%s holders %r, want [%d]" % (sym, l.get("holders"), holder))
if len(j.get("deadlocks", [])) != 1 or sorted(j["deadlocks"][0]["threads"]) != sorted([t1, t2]):
    bad.append("deadlocks %r" % j.get("deadlocks"))
if ns:
    if not j.get("pid_namespace"): bad.append("pid_namespace not set")
    for t, n in ((t1, ns[0]), (t2, ns[1])):
        if th.get(t, {}).get("ns_tid") != n: bad.append("thread %d ns_tid %r, want %d" % (t, th.get(t, {}).get("ns_tid"), n))
for b in bad: print("# " + b)
sys.exit(1 if bad else 0)
PY
}
# host_tid NS_TID: the host TID of the fixture's thread numbered NS_TID in its namespace.
host_tid() {
	local t
	for t in /proc/$P/task/*; do
		if [ "$(sed -n 's/^NSpid:.*[[:space:]]\([0-9]*\)$/\1/p' $t/status)" = "$1" ]; then basename $t; return; fi
	done
}

# has_frame FUNCTION: the JSON dump in $J has a thread with a frame of FUNCTION (symbols were found).
has_frame() { $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if any(f.get("function")==sys.argv[2] for t in j["threads"] for f in t["frames"]) else 1)' "$J" "$1"; }

# --- build conditions: plain, static glibc, stripped with a separate debug file
for v in lock_abba lock_abba-static lock_abba-stripped; do
	start_fixture $v || { for i in 1 2 3 4; do ok 1 "$v: fixture started"; done; continue; }
	"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
	ok $([ $rc -eq 3 ] && echo 0 || echo 1) "$v: dump exits 3 (rc $rc)"
	abba_facts "$J" "$(fact t1)" "$(fact t2)"; ok $? "$v: both holders and the cycle"
	has_frame main; ok $? "$v: frames symbolized (main)"
	wait_unharmed $FPID; ok $? "$v: target unharmed"
	stop_fixture $FPID
done

# the static binary's version came from its __nptl_version symbol, and the dump says so
start_fixture lock_abba-static
"$HOLDUP" dump --json $FPID >"$J" 2>/dev/null
# (its banner is not linked in: only the symbol can tell)
[ "$(json_get "$J" 'j["glibc"]["version"] + " " + j["glibc"]["source"]')" = "2.36 the static executable's __nptl_version symbol" ]
ok $? "static: the glibc version and where it came from ($(json_get "$J" 'j["glibc"]' 2>/dev/null))"
stop_fixture $FPID

# --- a stripped static binary: the glibc version cannot be found, and holdup says it cannot tell
start_fixture lock_abba-static-stripped
"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"
[ "$(json_get "$J" '(j["deadlocks_complete"], j["glibc"]["version"], len(j["deadlocks"]))')" = "(False, None, 0)" ]
ok $? "static stripped: JSON says the deadlock search is incomplete, no version"
"$HOLDUP" dump $FPID >"$TMPD/d.txt" 2>&1
grep -q "^Libc: .*cannot be read, so a deadlock cannot be seen" "$TMPD/d.txt"; ok $? "static stripped: text says it cannot tell"
wait_unharmed $FPID; ok $? "static stripped: target unharmed"
stop_fixture $FPID

# --- run conditions: SIGSTOPped before holdup came; after a debugger attached once to a timed
#     wait (the kernel resumes it as restart_syscall); both together
sigstop() { kill -STOP $FPID; for i in $(seq 1 100); do grep -q '^State:.*T' /proc/$FPID/status && return; sleep 0.02; done; }
debugger() {
	gdb -batch -nx -p $FPID -ex 'info threads' >/dev/null 2>&1
	for i in $(seq 1 100); do grep -q '^219 ' /proc/$FPID/task/$(fact t1)/syscall && return; sleep 0.02; done
	diag "thread $(fact t1) is not in restart_syscall: $(cat /proc/$FPID/task/$(fact t1)/syscall)"
}
for row in "sigstop:lock_abba" "debugger:lock_abba timed" "debugger+sigstop:lock_abba timed"; do
	cond=${row%%:*}; args=${row#*:}
	start_fixture $args || { for i in 1 2 3 4; do ok 1 "$cond: fixture started"; done; continue; }
	case $cond in *debugger*) debugger;; esac
	case $cond in *sigstop*) sigstop;; esac
	"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
	ok $([ $rc -eq 3 ] && echo 0 || echo 1) "$cond: dump exits 3 (rc $rc)"
	abba_facts "$J" "$(fact t1)" "$(fact t2)"; ok $? "$cond: both holders and the cycle"
	case $cond in
	*sigstop*)
		[ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/$FPID/status)" = T ]; ok $? "$cond: target still stopped"
		wait_unharmed $FPID T; ok $? "$cond: target untraced"
		kill -CONT $FPID;;
	*)
		wait_unharmed $FPID; ok $? "$cond: target unharmed"
		"$HOLDUP" dump $FPID >"$TMPD/d.txt" 2>&1
		grep -q "^Thread $(fact t1) .* blocked  restart_syscall(" "$TMPD/d.txt"; ok $? "$cond: text shows the restarted call as blocked";;
	esac
	stop_fixture $FPID
done
# the same after holdup's own stop-all: a timed wait it stopped is still read as that wait
start_fixture lock_abba timed
"$HOLDUP" dump --stop-all $FPID >/dev/null 2>&1
"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "after holdup --stop-all: dump exits 3 (rc $rc)"
wait_unharmed $FPID; ok $? "after holdup --stop-all: target unharmed"
stop_fixture $FPID

# --- its own PID namespace: glibc stores owner TIDs as the container numbers them
unshare --pid --fork --mount-proc "$FIXTURES/lock_abba" >"$TMPD/ns.out" 2>&1 &
U=$!; FIXTURE_PIDS="$FIXTURE_PIDS $U"
for i in $(seq 1 100); do grep -q '^ready' "$TMPD/ns.out" && break; sleep 0.05; done
FOUT=$TMPD/ns.out
P=$(pgrep -P $U | head -1); FIXTURE_PIDS="$FIXTURE_PIDS $P"
N1=$(fact t1); N2=$(fact t2); T1=$(host_tid $N1); T2=$(host_tid $N2)
[ -n "$T1" ] && [ -n "$T2" ] && [ "$T1" != "$N1" ]; ok $? "pidns: the fixture's TIDs differ inside (ns $N1 $N2, host $T1 $T2)"
"$HOLDUP" dump --json "$P" >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "pidns: dump exits 3 (rc $rc)"
abba_facts "$J" "$T1" "$T2" "$N1" "$N2"; ok $? "pidns: holders translated to host TIDs, the cycle found, ns TIDs shown"
"$HOLDUP" dump "$P" >"$TMPD/d.txt" 2>>"$TMPD/err"
grep -q "^Thread $T1 (ns $N1) " "$TMPD/d.txt"; ok $? "pidns: text shows both IDs"
grep -q "its own PID namespace (pid 1 there" "$TMPD/d.txt"; ok $? "pidns: text header names the namespace"
grep -q "held by $T2" "$TMPD/d.txt"; ok $? "pidns: text says held by the host TID"
wait_unharmed "$P"; ok $? "pidns: target unharmed"
stop_fixture "$U"

# --- a container in full: its own PID and mount namespaces, the binary visible only inside
mkdir -p "$TMPD/ctr"
unshare --pid --fork --mount-proc --mount --propagation private sh -c "mount -t tmpfs none '$TMPD/ctr' && cp '$FIXTURES/lock_abba' '$TMPD/ctr/app' && exec '$TMPD/ctr/app'" >"$TMPD/ctr.out" 2>&1 &
U=$!; FIXTURE_PIDS="$FIXTURE_PIDS $U"
for i in $(seq 1 100); do grep -q '^ready' "$TMPD/ctr.out" && break; sleep 0.05; done
FOUT=$TMPD/ctr.out
P=$(pgrep -P $U | head -1); FIXTURE_PIDS="$FIXTURE_PIDS $P"
N1=$(fact t1); N2=$(fact t2); T1=$(host_tid $N1); T2=$(host_tid $N2)
test ! -e "$TMPD/ctr/app"; ok $? "container: the binary is not visible from outside"
"$HOLDUP" dump --json "$P" >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "container: dump exits 3 (rc $rc)"
abba_facts "$J" "$T1" "$T2" "$N1" "$N2" && has_frame worker; ok $? "container: holders, cycle, ns TIDs and the binary's own symbols"
wait_unharmed "$P"; ok $? "container: target unharmed"
stop_fixture "$U"

# --- a Go PIE (-buildmode=pie): linked at 0x400000 and loaded elsewhere
case "$GOFIXTURES" in /*|./*) ;; *) GOFIXTURES=./$GOFIXTURES;; esac
start_fixture "$GOFIXTURES/gomutexpie" || exit 1
"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
ok $rc "go pie: dump exits 0 (rc $rc)"
$PY - "$J" "$(fact lock_addr)" "$(fact lock)" "$(fact waiters)" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
addr, sym, nw = sys.argv[2], sys.argv[3], int(sys.argv[4])
gs = j.get("goroutines") or []
lk = [l for l in j["locks"] if l["kind"] == "go-mutex" and l["address"] == addr]
bad = []
if len(gs) < nw + 1: bad.append("%d goroutines" % len(gs))
if len(lk) != 1: bad.append("go-mutex at %s: %r" % (addr, [(l["kind"], l["address"]) for l in j["locks"]]))
elif lk[0]["symbol"] != sym or len(lk[0].get("goroutine_waiters") or []) != nw: bad.append("lock %r" % lk[0])
for b in bad: print("# " + b)
sys.exit(1 if bad else 0)
PY
ok $? "go pie: goroutines read, the sync.Mutex named with its $(fact waiters) waiters"
"$HOLDUP" dump $FPID >"$TMPD/g.txt" 2>&1
grep -q "^goroutine 1 \\[" "$TMPD/g.txt"; ok $? "go pie: text lists the goroutines"
wait_unharmed $FPID; ok $? "go pie: target unharmed"
stop_fixture $FPID

# --- the main thread called pthread_exit: the process lives on in its other threads
start_fixture lock_mainexit
for i in $(seq 1 100); do grep -q '^State:.*Z' /proc/$FPID/status && break; sleep 0.02; done
"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "main thread exited: dump exits 3, the worker's self-deadlock (rc $rc)"
$PY - "$J" "$(fact t1)" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); t1 = int(sys.argv[2])
th = [t for t in j["threads"] if t["tid"] == t1][0]
bad = []
if not j["exe"]: bad.append("no exe")
if (th.get("wait") or {}).get("symbol") != "relock" or th["wait"].get("holders") != [t1]: bad.append("wait %r" % th.get("wait"))
if not any(f.get("function") == "worker" for f in th["frames"]): bad.append("frames %r" % [f.get("function") for f in th["frames"]])
for b in bad: print("# " + b)
sys.exit(1 if bad else 0)
PY
ok $? "main thread exited: the worker's stack, lock name and holder read through it"
"$HOLDUP" dump $FPID >"$TMPD/me.txt" 2>&1
grep -q "^Found one deadlock (1 thread, waiting on a lock it holds itself):" "$TMPD/me.txt"; ok $? "self-deadlock: said so, in the singular"
timeout -s KILL 20 "$HOLDUP" record -d 1 -o "$TMPD/me.folded" --format folded $FPID >"$TMPD/me.out" 2>&1; rc=$?
ok $rc "main thread exited: record runs (rc $rc)"
grep -q "the target exited" "$TMPD/me.out"; ok $([ $? -ne 0 ] && echo 0 || echo 1) "main thread exited: record does not call the process exited"
# (checked through the worker: the main thread is a zombie by design)
wait_unharmed $(fact t1); ok $? "main thread exited: target unharmed"
stop_fixture $FPID

# --- a vfork parent sleeps in 'D' until its child execs or exits: a wait, not disk I/O
start_fixture unstoppable 30
"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"
[ "$(json_get "$J" "[t['state'] + ':' + ((t.get('wait') or {}).get('detail') or '') for t in j['threads'] if t['tid'] == $(fact vforker)][0]")" = "waiting:vfork: waiting for its child to exec or exit" ]
ok $? "vfork parent: waiting for its child, not disk"
wait_unharmed $FPID; ok $? "vfork parent: target unharmed"
stop_fixture $FPID

# --- threads that exit while holdup looks are counted, never listed as "unknown" rows
start_fixture churn
bad=0
for i in $(seq 1 15); do
	"$HOLDUP" dump --json $FPID >"$J" 2>/dev/null
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(1 if "threads_exited" not in j or any(t["state"] == "unknown" or t.get("capture") == "gone" for t in j["threads"]) else 0)' "$J" || bad=$((bad + 1))
done
ok $bad "churn: 15 dumps list no exited thread as an unknown row ($bad bad)"
wait_unharmed $FPID; ok $? "churn: target unharmed"
stop_fixture $FPID

# --- a low descriptor limit (1024) against 1000 threads: the per-thread /proc files and perf
#     events share what is left after a reserve; nothing fails for want of one
start_fixture "$(realpath $BENCHBIN/target)" 1000 mutex
(ulimit -n 1024; timeout -s KILL 60 "$HOLDUP" record -d 2 -o "$TMPD/lf.jsonl" --format json $FPID) >"$TMPD/lf.out" 2>&1; rc=$?
ok $rc "fd limit 1024, 1000 threads: record exits 0 (rc $rc)"
grep -q "the target exited" "$TMPD/lf.out"; ok $([ $? -ne 0 ] && echo 0 || echo 1) "fd limit: record does not call the live target exited"
# (how many snapshots 2 s hold depends on the machine's load: a timing, not asserted here)
got=$($PY -c 'import json,sys; s=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(len(s), sum(1 for x in s if len(x["threads"]) >= 1000))' "$TMPD/lf.jsonl")
n=${got% *} full=${got#* }
[ "${n:-0}" -ge 2 ] && [ "$n" = "$full" ]; ok $? "fd limit: every snapshot has all 1000 threads ($full of $n)"
$PY -c 'import json,sys; s=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; sys.exit(0 if s and all("without a perf event" in (x["capture_note"] or "") for x in s) else 1)' "$TMPD/lf.jsonl"
ok $? "fd limit: each snapshot says which threads got no perf event"
wait_unharmed $FPID; ok $? "fd limit: target unharmed"
stop_fixture $FPID

# (32-bit programs are read with i386's registers, syscalls and layouts: i386.t runs this matrix for them)

# --- a target holdup may not trace (an unprivileged user against root's process): every command
#     says why and exits 1; none watches or records nothing forever or writes an empty answer with 0
start_fixture lock_abba
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 755 "$TMPD"
	H=$(realpath "$HOLDUP")
	asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	asnobody "$HOLDUP" dump $FPID >"$TMPD/u.out" 2>&1; rc=$?
	ok $([ $rc -eq 1 ] && echo 0 || echo 1) "unprivileged: dump exits 1 (rc $rc)"
	grep -q "permission denied" "$TMPD/u.out"; ok $? "unprivileged: dump says permission denied"
	mkdir -p "$TMPD/uw"; chmod 777 "$TMPD/uw"
	(cd "$TMPD" && asnobody timeout -s KILL 20 "$H" record -d 5 -o "$TMPD/uw/u.pprof" $FPID) >"$TMPD/u.out" 2>&1; rc=$?
	ok $([ $rc -eq 1 ] && echo 0 || echo 1) "unprivileged: record exits 1 at once (rc $rc)"
	grep -q "nothing could be captured" "$TMPD/u.out"; ok $? "unprivileged: record says nothing could be captured"
	mkdir -p "$TMPD/uw"; chmod 777 "$TMPD/uw"
	(cd "$TMPD" && asnobody timeout -s KILL 20 "$H" watch --blocked-for 1 --dir "$TMPD/uw" $FPID) >"$TMPD/u.out" 2>&1; rc=$?
	ok $([ $rc -eq 1 ] && echo 0 || echo 1) "unprivileged: watch exits 1 at once (rc $rc), not watching forever"
	grep -q "permission denied.*nothing can be watched" "$TMPD/u.out"; ok $? "unprivileged: watch says why"
else
	for i in 1 2 3 4 5 6; do ok 0 "# SKIP setpriv or user nobody missing"; done
fi
wait_unharmed $FPID; ok $? "unprivileged: target unharmed"
stop_fixture $FPID
