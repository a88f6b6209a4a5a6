#!/bin/bash
# musl.t - musl binaries (static and dynamic): libc told from the binary, mutex, rwlock, condvar and semaphore waits decoded, the deadlocks found.
. tests/integration/lib.sh

if ! command -v musl-gcc >/dev/null 2>&1; then
	echo "1..0 # SKIP musl-gcc not installed (contrib/install-deps.sh installs musl-tools)"
	exit 0
fi
plan 22

J=$TMPD/m.json
# musl_facts FILE SOURCE-WORD: the dump of lock_musl, checked against the fixture's facts (as
# name=value arguments): libc musl, each lock's kind, address and holders, both cycles.
musl_facts() {
	local f=$1 src=$2; shift 2
	$PY - "$f" "$src" "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
src = sys.argv[2]
fa = dict(a.split("=", 1) for a in sys.argv[3:])
tid = lambda k: int(fa[k])
addr = lambda k: int(fa[k], 16)
bad = []
libc = j.get("libc") or {}
if libc.get("name") != "musl" or src not in (libc.get("source") or ""):
    bad.append("libc %r" % libc)
if "glibc" in j:
    bad.append("a glibc object for a musl target: %r" % j["glibc"])
if j.get("deadlocks_complete") is not False:
    bad.append("deadlocks_complete %r: musl's normal mutexes record no owner" % j.get("deadlocks_complete"))
locks = {int(l["address"], 16): l for l in j["locks"]}
def lock(k, kind):
    l = locks.get(addr(k))
    if l is None:
        bad.append("no lock at %s (%s)" % (fa[k], k)); return {}
    if l.get("kind") != kind: bad.append("%s kind %r, want %s" % (k, l.get("kind"), kind))
    if l.get("symbol") != k: bad.append("%s symbol %r" % (k, l.get("symbol")))
    return l
for k, h, w in (("ec_a", "ec1", "ec2"), ("ec_b", "ec2", "ec1")):
    l = lock(k, "mutex")
    if l.get("holders") != [tid(h)]: bad.append("%s holders %r, want [%d]" % (k, l.get("holders"), tid(h)))
    if l.get("variant") != "errorcheck": bad.append("%s variant %r" % (k, l.get("variant")))
    if l.get("waiters") != [tid(w)]: bad.append("%s waiters %r" % (k, l.get("waiters")))
for k, h in (("nm_a", "nm1"), ("nm_b", "nm2")):
    l = lock(k, "mutex")
    # a normal musl mutex records no owner: never an exact holder, the probable one from the stack
    if l.get("holders"): bad.append("%s exact holders %r: musl records none" % (k, l.get("holders")))
    ph = [p.get("thread") for p in l.get("probable_holders", [])]
    if ph[:1] != [tid(h)]: bad.append("%s probable holders %r, want %d first" % (k, ph, tid(h)))
l = lock("table_rw", "rwlock")
if l.get("waiters") != [tid("reader")]: bad.append("table_rw waiters %r" % l.get("waiters"))
l = lock("ready_cv", "condvar")
if l.get("waiters") != [tid("condwaiter")]: bad.append("ready_cv waiters %r" % l.get("waiters"))
l = lock("slots", "semaphore")
if l.get("waiters") != [tid("semwaiter")] or l.get("count") != 0: bad.append("slots %r" % l)
th = {t["tid"]: t for t in j["threads"]}
wants = (("reader", "rwlock-read", "table_rw"), ("condwaiter", "condvar", "ready_cv"),
         ("semwaiter", "semaphore", "slots"), ("ec1", "mutex", "ec_b"))
for t, kind, k in wants:
    w = th.get(tid(t), {}).get("wait") or {}
    if w.get("kind") != kind or int(w.get("address") or "0", 16) != addr(k):
        bad.append("thread %s waits %r, want %s at %s" % (t, w, kind, fa[k]))
exact = [d for d in j["deadlocks"] if not d.get("probable")]
prob = [d for d in j["deadlocks"] if d.get("probable")]
if len(exact) != 1 or sorted(exact[0]["threads"]) != sorted([tid("ec1"), tid("ec2")]):
    bad.append("exact deadlocks %r" % exact)
if len(prob) != 1 or sorted(prob[0]["threads"]) != sorted([tid("nm1"), tid("nm2")]):
    bad.append("probable deadlocks %r" % prob)
for b in bad: print("# " + b)
sys.exit(1 if bad else 0)
PY
}
facts() {
	local k
	for k in ec1 ec2 nm1 nm2 writer reader condwaiter semwaiter ec_a ec_b nm_a nm_b table_rw ready_cv slots; do
		echo "$k=$(fact $k)"
	done
}

for row in "lock_musl-musl:static executable's musl symbols" "lock_musl-musldyn:musl loader"; do
	v=${row%%:*} src=${row#*:}
	if ! start_fixture $v; then for i in 1 2 3 4 5 6; do ok 1 "$v: fixture started"; done; continue; fi
	"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
	ok $([ $rc -eq 3 ] && echo 0 || echo 1) "$v: dump exits 3 (rc $rc)"
	musl_facts "$J" "$src" $(facts); ok $? "$v: libc musl, every lock's kind, address, holders; both cycles"
	wait_unharmed $FPID; ok $? "$v: target unharmed after the fast dump"
	# stopped: registers instead of /proc's sp and pc, the same facts
	"$HOLDUP" dump --json --stop-all $FPID >"$J" 2>"$TMPD/err"; rc=$?
	ok $([ $rc -eq 3 ] && echo 0 || echo 1) "$v: --stop-all dump exits 3 (rc $rc)"
	musl_facts "$J" "$src" $(facts); ok $? "$v: --stop-all: the same facts"
	wait_unharmed $FPID; ok $? "$v: target unharmed after --stop-all"
	stop_fixture $FPID
done

# the text says musl, and what its locks cannot tell
start_fixture lock_musl-musl
"$HOLDUP" dump $FPID >"$TMPD/d.txt" 2>&1; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "text dump exits 3 (rc $rc)"
grep -q "^Libc:    musl, version unknown .*record no owner" "$TMPD/d.txt"; ok $? "text: Libc line says musl and what it records not"
grep -q "normal (default) musl mutex records no owner" "$TMPD/d.txt"; ok $? "text: a normal mutex's note says why its owner is unknown"
grep -q "held by $(fact ec2)" "$TMPD/d.txt"; ok $? "text: the errorcheck mutex's exact holder"
grep -q "__pthread_mutex_timedlock" "$TMPD/d.txt"; ok $? "text: frames through musl's libc (no CFI there) reach its lock function"
grep -q "abba+.*lock_musl.c:" "$TMPD/d.txt"; ok $? "text: ... and the fixture's frame with its line"
wait_unharmed $FPID; ok $? "text: target unharmed"
stop_fixture $FPID

# the same source built against glibc: libc glibc, exact owners of the normal mutexes too
start_fixture lock_musl
"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "glibc build: exits 3 (rc $rc)"
[ "$(json_get "$J" '(j["libc"]["name"], j["glibc"]["version"] is not None, len([d for d in j["deadlocks"] if not d.get("probable")]))')" = "('glibc', True, 2)" ]
ok $? "glibc build: libc glibc, two exact deadlocks ($(json_get "$J" '[(d["threads"], d.get("probable")) for d in j["deadlocks"]]' 2>/dev/null))"
wait_unharmed $FPID; ok $? "glibc build: target unharmed"
stop_fixture $FPID
