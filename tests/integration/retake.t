#!/bin/bash
# retake.t - the targeted retake of a fast dump: many blocked threads plus wakers that run while holdup reads; the snapshot stays consistent.
. tests/integration/lib.sh
RUNS=6
TEXT_RUNS=3
plan $((RUNS * 9 + 1 + TEXT_RUNS + 1 + 3))

PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
N=300 W=10
start_fixture wakers $N $W 5 ${HOLD_US:-20} || exit 1
holder=$(fact holder)
J=$TMPD/retake.json
retook=0
for run in $(seq $RUNS); do
	"$HOLDUP" dump --json $FPID >"$J" 2>"$TMPD/err"; rc=$?
	ok $rc "run $run: dump exits 0 (no deadlock)"
	[ $rc = 0 ] || sed 's/^/#   /' "$TMPD/err"
	# one python per dump: each line "0|1 description"
	while read -r res desc; do
		ok "$res" "run $run: $desc"
	done < <($PY - "$J" $N $W $holder <<'PY'
import json, sys
n, w, holder = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
	j = json.load(open(sys.argv[1]))
except Exception as e:
	for d in ["rounds", "bound", "self", "lost", "all", "stopped", "deadlocks"]:
		print(1, "JSON unreadable (%s)" % e)
	sys.exit(0)
def say(c, d): print(0 if c else 1, d)
rd = j.get("capture_round_detail", [])
say(j.get("capture_rounds") == len(rd) and rd and rd[0]["kind"] in ("first",) and
    all(r["kind"] in ("first", "retake", "stop-all") for r in rd),
    "capture_rounds matches its detail, first round first (%s)" % [(r["kind"], r["stopped"], r["ran"]) for r in rd])
# 1 first + 4 targeted rounds + the stop-all last resort
say(len(rd) <= 6 and (j["capture_mode"] == "fast" or "retaken stop-all" in j["capture_mode"]),
    "at most 6 rounds (%d), mode %s" % (len(rd), j["capture_mode"]))
bad = [t["tid"] for t in j["threads"] if t.get("wait") and t["tid"] in (t["wait"].get("holders") or [])]
bad += [l["address"] for l in j["locks"] if set(l.get("holders") or []) & set(l.get("waiters") or [])]
say(not bad, "no thread waits on a lock it holds (%s)" % bad)
big = [t for t in j["threads"] if (t.get("wait") or {}).get("symbol") == "big_lock"]
bl = [l for l in j["locks"] if l.get("symbol") == "big_lock"]
say(len(big) == n and all(t["state"] == "blocked" and t["wait"]["holders"] == [holder] for t in big) and
    bl and len(bl[0]["waiters"]) == n and bl[0]["holders"] == [holder],
    "no lost waiter: %d of %d threads blocked on big_lock held by main, the lock lists %s waiters" %
    (len(big), n, len(bl[0]["waiters"]) if bl else "no"))
say(len(j["threads"]) == n + w + 4 and j["threads_exited"] == 0, "every thread shown (%d)" % len(j["threads"]))
if j["capture_mode"] == "fast":
	say(j["threads_stopped"] <= rd[0]["stopped"] + j["threads_retaken"] and j["threads_retaken"] <= w + 3,
	    "stopped only what ran: %d stopped, %d in the first round + %d retaken" %
	    (j["threads_stopped"], rd[0]["stopped"], j["threads_retaken"]))
else:
	say(j["threads_stopped"] == len(j["threads"]), "stop-all retake stopped every thread")
say(j["deadlocks"] == [], "no deadlock reported")
PY
)
	[ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("capture_rounds", 0))' "$J" 2>/dev/null)" -gt 1 ] 2>/dev/null &&
		retook=$((retook + 1))
	check "run $run: target unharmed" wait_unharmed $FPID
done
# The wakers run every 5 ms and reading 312 threads' /proc takes longer: some must have moved.
ok $([ $retook -gt 0 ]; echo $?) "the retake was exercised: $retook of $RUNS dumps took more than one round"

rounds_text=0
for run in $(seq $TEXT_RUNS); do
	"$HOLDUP" dump $FPID >"$TMPD/retake.txt" 2>"$TMPD/err"
	grep -q '^Rounds:  [0-9]* (stopped per round: [0-9]' "$TMPD/retake.txt" && rounds_text=$((rounds_text + 1))
	check "text run $run: target unharmed" wait_unharmed $FPID
done
ok $([ $rounds_text -gt 0 ]; echo $?) "the text header names the rounds ($rounds_text of $TEXT_RUNS dumps)"

"$HOLDUP" dump --json --stop-all $FPID >"$J" 2>"$TMPD/err"
ok $? "--stop-all dump exits 0"
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); d=j["capture_round_detail"]
sys.exit(0 if j["capture_rounds"] == 1 and d[0]["kind"] == "stop-all" and d[0]["stopped"] == len(j["threads"]) and j["threads_retaken"] == 0 else 1)' "$J"
ok $? "--stop-all is one stop-all round of every thread"
check "--stop-all: target unharmed" wait_unharmed $FPID
