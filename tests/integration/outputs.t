#!/bin/bash
# outputs.t - record --format speedscope and json-array, the .json/.jsonl naming rule, dump --format dot.
. tests/integration/lib.sh
plan 35

yes_no() { [ "$@" ] && echo 0 || echo 1; }

# --- speedscope: a timeline per thread; rec_hang's workers make progress, then deadlock after 1 s
start_fixture rec_hang deadlock 1 || exit 1
P=$FPID
W1=$(fact worker1_tid); W2=$(fact worker2_tid)
"$HOLDUP" record -r 20 -d 3 -o $TMPD/r.speedscope.json $P >/dev/null 2>$TMPD/err; rc=$?
ok $rc "record -o X.speedscope.json exits 0"
grep -q '(speedscope)' $TMPD/err; ok $? "X.speedscope.json means --format speedscope"
# the schema's required structure (speedscope's src/lib/file-format-spec.ts, file-format-schema.json)
$PY tests/integration/data/speedscope_check.py $TMPD/r.speedscope.json $P $W1 $W2 >$TMPD/check 2>&1
ok $? "speedscope file valid per the spec's schema, balanced per-thread events in time order"
[ $? -eq 0 ] || sed 's/^/# /' $TMPD/check
grep -q "^profiles per thread ok" $TMPD/check; ok $? "one evented profile per thread, named by TID and name"
grep -q "^functions ok" $TMPD/check; ok $? "the workers' timelines hold the fixture's functions (worker, ...) with file:line"
grep -q "^began waiting ok" $TMPD/check; ok $? "a worker's timeline shows it began waiting on a mutex after the start (the hang)"
wait_unharmed $P; ok $? "target unharmed after speedscope record"

# --- .json is one JSON document; .jsonl JSON Lines; --format json into .json is a usage error
"$HOLDUP" record -d 0.5 -o $TMPD/r.json $P >/dev/null 2>$TMPD/err; ok $? "record -o X.json exits 0"
grep -q '(json-array)' $TMPD/err; ok $? "X.json means json-array"
n=$(json_get $TMPD/r.json 'len([s for s in j if s["pid"] == '$P'])' 2>/dev/null)
ok $(yes_no "${n:-0}" -ge 2) "X.json is one JSON array of snapshots ($n)"
"$HOLDUP" record -d 0.5 -o $TMPD/r.jsonl $P >/dev/null 2>$TMPD/err; ok $? "record -o X.jsonl exits 0"
$PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' $TMPD/r.jsonl && [ "$(wc -l <$TMPD/r.jsonl)" -ge 2 ]
ok $? "X.jsonl is JSON Lines"
"$HOLDUP" record -d 0.5 --format json -o $TMPD/bad.json $P >/dev/null 2>$TMPD/err; rc=$?
ok $([ $rc -eq 2 ] && grep -q 'jsonl' $TMPD/err && [ ! -e $TMPD/bad.json ] && echo 0 || echo 1) \
    "--format json -o X.json: usage error naming .jsonl, no file written"
wait_unharmed $P; ok $? "target unharmed after json records"
stop_fixture $P

# --- dump --format dot: the demo's wait-for graph
start_fixture demo || exit 1
P=$FPID
"$HOLDUP" dump --format dot $P >$TMPD/g.dot 2>$TMPD/err; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "dump --format dot of the demo exits 3 (deadlock)"
dot -Tsvg $TMPD/g.dot >$TMPD/g.svg 2>$TMPD/doterr && grep -q '<svg' $TMPD/g.svg; ok $? "dot -Tsvg accepts it"
"$HOLDUP" dump --json $P >$TMPD/g.json 2>/dev/null
$PY tests/integration/data/dot_check.py $TMPD/g.dot $TMPD/g.json >$TMPD/check 2>&1
ok $? "dot: thread and lock node counts match the JSON, every waiter->lock->holder edge there"
[ $? -eq 0 ] || sed 's/^/# /' $TMPD/check
grep -q "^cycle ok" $TMPD/check; ok $? "dot: exactly the deadlock cycle's edges are red and bold"
grep -q 'join of thread' $TMPD/g.dot; ok $? "dot: the join is a node of its own"
# --lock: threads waiting on or holding accounts_lock (the auditor holds it, two tellers wait)
"$HOLDUP" dump --no-color --lock accounts_lock $P >$TMPD/lk.txt 2>/dev/null
got=$(sed -n '/^Locks/q; s/^Thread \([0-9]*\) .*/\1/p' $TMPD/lk.txt | sort -n | tr '\n' ' ')
want=$(printf '%s\n' $(fact auditor) $(fact teller1) $(fact teller2) | sort -n | tr '\n' ' ')
ok $([ "$got" = "$want" ] && echo 0 || echo 1) "--lock NAME shows its holder and waiters only ($got)"
grep -q "^Taken: .* 6 threads" $TMPD/lk.txt && grep -q "^Shown:   3 of 6 threads (filter --lock accounts_lock)" $TMPD/lk.txt
ok $? "--lock: the header still counts every thread and says a filter is on"
addr=$(json_get $TMPD/g.json '[l["address"] for l in j["locks"] if l["symbol"] == "accounts_lock"][0]')
"$HOLDUP" dump --json --lock $addr $P >$TMPD/lk.json 2>/dev/null
ok $([ "$(json_get $TMPD/lk.json 'sorted(t["tid"] for t in j["threads"])')" = "$(json_get $TMPD/g.json 'sorted([l for l in j["locks"] if l["symbol"] == "accounts_lock"][0]["waiters"] + [l for l in j["locks"] if l["symbol"] == "accounts_lock"][0]["holders"])')" ] && echo 0 || echo 1) "--lock ADDR in JSON: the same threads"
[ "$(json_get $TMPD/lk.json '(j["threads_total"], j["filter"])')" = "(6, '--lock $addr')" ]; ok $? "JSON: threads_total and filter"
"$HOLDUP" dump --format pprof $P >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "dump --format pprof: usage error"
wait_unharmed $P; ok $? "demo unharmed after dot dump"
stop_fixture $P
# target strings escaped for DOT: tests/unit/test_output_dot.c

# --- many threads: folded by default in text, --no-group lists each, JSON per thread unless --group
start_fixture many 60 || exit 1
P=$FPID
"$HOLDUP" dump --no-color $P >$TMPD/m.txt 2>/dev/null
grep -q "^Taken: .* 62 threads" $TMPD/m.txt; ok $? "many: the header counts all 62 threads"
grep -q "^Grouped: 62 threads in [0-9]* entries" $TMPD/m.txt; ok $? "many: text folds threads by default above 32"
n=$(grep -c "^Thread " $TMPD/m.txt)
grep -q "^60 threads with this state, wait and stack: [0-9 ]*$" $TMPD/m.txt && [ "$n" -le 4 ]
ok $? "many: the 60 parked threads are one entry listing them ($n entries)"
[ "$(grep -c '^Thread ' <("$HOLDUP" dump --no-color --no-group $P 2>/dev/null))" = 62 ]; ok $? "many: --no-group lists all 62"
"$HOLDUP" dump --json $P >$TMPD/m.json 2>/dev/null
[ "$(json_get $TMPD/m.json '(len(j["threads"]), "thread_groups" in j)')" = "(62, False)" ]; ok $? "many: JSON stays per thread without --group"
"$HOLDUP" dump --json --group $P >$TMPD/mg.json 2>/dev/null
[ "$(json_get $TMPD/mg.json 'sorted(len(g) for g in j["thread_groups"])[-1], sum(len(g) for g in j["thread_groups"])')" = "(60, 62)" ]
ok $? "many: JSON --group has thread_groups covering every thread, the 60 together"
"$HOLDUP" dump --no-color --state running,runnable $P >$TMPD/ms.txt 2>/dev/null
[ "$(grep -c '^Thread ' $TMPD/ms.txt)" = 1 ] && grep -q "^Shown:   1 of 62 threads (filter --state running,runnable)" $TMPD/ms.txt
ok $? "many: --state running,runnable shows the spinner only, and says so"
"$HOLDUP" dump --tid $P $P >$TMPD/mt.txt 2>/dev/null; [ "$(grep -c '^Thread ' $TMPD/mt.txt)" = 1 ]; ok $? "many: --tid shows that thread"
"$HOLDUP" dump --state bogus $P >/dev/null 2>$TMPD/err; ok $([ $? = 2 ] && grep -q "no state" $TMPD/err && echo 0 || echo 1) "--state bogus: usage error"
wait_unharmed $P; ok $? "many unharmed after grouped dumps"
stop_fixture $P

