#!/bin/bash
# sampling.t - record and top read running threads from perf_event samples instead of stopping
# them: every spinner has a stack from its sample, nothing is stopped, and the target is unharmed.
. tests/integration/lib.sh
plan 20

start_fixture busy 6 || exit 1
P=$FPID
NSPIN=$(fact spinners)

# Is perf sampling allowed here at all? The unit test skips the same way; a machine that forbids
# it must show the fallback, not fail.
"$HOLDUP" record -r 50 -d 1.5 --format json -o $TMPD/s.jsonl $P 2>$TMPD/err; rc=$?
ok $rc "record -r 50 --format json exits 0"
wait_unharmed $P; ok $? "target unharmed after a sampled record"
mode=$($PY -c '
import json, sys
modes = {json.loads(l)["capture_mode"] for l in open(sys.argv[1]) if l.strip()}
print(",".join(sorted(modes)))' $TMPD/s.jsonl)
diag "capture modes seen: $mode"
if [ "$mode" != sampled ] && [ -e /proc/sys/kernel/perf_event_paranoid ] && [ "$(id -u)" = 0 ]; then
	diag "perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)"
fi

$PY - $TMPD/s.jsonl $P "$NSPIN" >$TMPD/check 2>&1 <<'PY'
import json, os, sys
path, pid, nspin = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
snaps = [json.loads(l) for l in open(path) if l.strip()]
later = snaps[1:]          # the first snapshot may stop threads that had no sample yet
res = {}
res["snapshots"] = len(snaps) >= 10
res["mode"] = all(s["capture_mode"] == "sampled" for s in snaps)
res["none_stopped"] = all(s["threads_stopped"] == 0 and s["pause_us"] == 0 for s in later)
spin = [t for s in later for t in s["threads"] if t["tid"] != pid]
res["spinners_sampled"] = len(spin) == nspin * len(later) and all(t["capture"] == "sampled" and not t["stopped"] for t in spin)
res["spinners_running"] = all(t["state"] in ("running", "runnable") for t in spin)
# running told from runnable: some spinner is seen on a CPU, and with more spinners than CPUs
# every snapshot has one waiting for a CPU
ncpu = os.cpu_count() or 1
res["on_cpu_split"] = any(t["state"] == "running" for t in spin) and (nspin <= ncpu or all(
    any(t["state"] == "runnable" for t in s["threads"] if t["tid"] != pid) for s in later))
res["spin_frame"] = all(any(f.get("function") == "spin" for f in t["frames"]) for t in spin)
res["reach_start_thread"] = sum(any(f.get("function") == "start_thread" for f in t["frames"]) for t in spin) >= 0.9 * len(spin)
main = [t for s in later for t in s["threads"] if t["tid"] == pid]
res["main_unstopped"] = all(t["capture"] == "unstopped" and t["state"] == "waiting" for t in main)
res["file_line"] = all(any(f.get("function") == "spin" and "busy.c" in (f.get("file") or "") for f in t["frames"]) for t in spin)
for k, v in res.items():
    print(k, "ok" if v else "FAIL")
PY
sed 's/^/# /' $TMPD/check
for k in snapshots mode none_stopped spinners_sampled spinners_running on_cpu_split spin_frame reach_start_thread main_unstopped file_line; do
	grep -q "^$k ok" $TMPD/check; ok $? "sampled record: $k"
done

# --no-sampling: the old way, running threads stopped for each snapshot
"$HOLDUP" record -r 20 -d 1 --no-sampling --format json -o $TMPD/n.jsonl $P 2>$TMPD/err
$PY -c '
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if snaps and all(s["capture_mode"].startswith("fast") and s["threads_stopped"] > 0 for s in snaps) else 1)' $TMPD/n.jsonl
ok $? "record --no-sampling stops the running threads (capture_mode fast)"
wait_unharmed $P; ok $? "target unharmed after --no-sampling"

# holdup killed mid-recording: the kernel drops its events with its fds; the target runs on
"$HOLDUP" record -r 100 -o $TMPD/k.folded $P 2>/dev/null & H=$!
sleep 1; kill -9 $H; wait $H 2>/dev/null
sleep 0.2
wait_unharmed $P; ok $? "target unharmed after holdup record was SIGKILLed"
u1=$(awk '{ print $14 }' /proc/$P/stat); sleep 0.5; u2=$(awk '{ print $14 }' /proc/$P/stat)
ok $([ "$u2" -gt "$u1" ] && echo 0 || echo 1) "its spinners still get CPU time ($u1 -> $u2 ticks)"
stop_fixture $P

# Threads that block and run in turn: what a sampled snapshot carries over from the previous one
# must not freeze them, nor show one waiting for a lock it holds.
start_fixture lock_progress || exit 1
P=$FPID
"$HOLDUP" record -r 100 -d 2 --format json -o $TMPD/p.jsonl $P 2>$TMPD/err; rc=$?
[ $rc -ne 0 ] && { diag "exit $rc:"; sed 's/^/#   /' $TMPD/err | head -60; }
ok $rc "record -r 100 on lock_progress exits 0"
wait_unharmed $P; ok $? "lock_progress unharmed"
$PY - $TMPD/p.jsonl $P >$TMPD/pcheck 2>&1 <<'PY'
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pid = int(sys.argv[2])
seen = {}
bad = []
for s in snaps:
    if s["deadlocks"]:
        bad.append("deadlock reported")
    for t in s["threads"]:
        if t["tid"] == pid:
            continue
        seen.setdefault(t["tid"], set()).add(t["state"])
        w = t["wait"]
        if w and t["tid"] in (w.get("holders") or []):
            bad.append(f"{t['tid']} waits for a lock it holds")
print("snapshots", len(snaps), "states", {k: sorted(v) for k, v in seen.items()})
print("varied", "ok" if len(seen) == 4 and all(len(v) >= 2 and "blocked" in v for v in seen.values()) else "FAIL")
print("consistent", "ok" if not bad and len(snaps) >= 50 else "FAIL " + "; ".join(bad[:3]))
PY
sed 's/^/# /' $TMPD/pcheck
grep -q "^varied ok" $TMPD/pcheck; ok $? "every worker is seen blocked and not blocked across sampled snapshots"
grep -q "^consistent ok" $TMPD/pcheck; ok $? "no sampled snapshot shows a deadlock or a thread waiting for its own lock"
stop_fixture $P
