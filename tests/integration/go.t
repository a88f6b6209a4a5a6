#!/bin/bash
# go.t - Go programs: goroutines, wait reasons, sync.Mutex/RWMutex waits, a running goroutine, no DWARF; target unharmed.
. tests/integration/lib.sh
plan 81
# start_fixture takes absolute or ./ paths as they are
case "$GOFIXTURES" in /*|./*) ;; *) GOFIXTURES=./$GOFIXTURES;; esac

# jeval FILE EXPR...: one python run (python is slow to start on a loaded machine) printing each EXPR,
# with j the parsed JSON and n(COND) the number of goroutines g for which COND holds.
jeval() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
def n(cond):
	return sum(1 for g in j.get("goroutines", []) if eval(cond, {"g": g, "j": j}))
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

# --- the RWMutex queue: 4 readers hold RLock, 1 writer waits for them, 149 writers queue behind it
start_fixture "$GOFIXTURES/gorwqueue" || exit 1
P=$FPID
addr=$(fact lock_addr)
nr=$(fact readers)
nw=$(fact writers)
lk="[l for l in j['locks'] if l['kind'] == 'go-rwmutex' and l['address'] == '$addr']"
for round in 1 2 3; do
	"$HOLDUP" dump --json $P >$TMPD/rw.json 2>$TMPD/err; rc=$?
	is "$rc" 0 "rwqueue $round: dump --json exits 0"
	mapfile -t R < <(jeval $TMPD/rw.json "len($lk)" "$lk[0]['readers']" "len($lk[0]['goroutine_waiters'])" \
	    "n(\"(g['wait'] or {}).get('kind') == 'go-rwmutex-writer' and g['wait']['address'] == '$addr'\")" \
	    "n(\"(g['wait'] or {}).get('kind') == 'go-rwmutex-queued' and g['wait']['address'] == '$addr'\")")
	is "${R[0]}" 1 "rwqueue $round: the RWMutex at $addr is in locks as go-rwmutex"
	is "${R[1]}" "$nr" "rwqueue $round: $nr active readers"
	is "${R[2]}" "$nw" "rwqueue $round: $nw goroutines wait on it"
	is "${R[3]}" 1 "rwqueue $round: one writer waits for the readers"
	is "${R[4]}" $((nw - 1)) "rwqueue $round: the other writers are queued behind it"
	wait_unharmed $P; ok $? "rwqueue $round: target unharmed"
done
mapfile -t R < <(jeval $TMPD/rw.json "$lk[0]['symbol']" "$lk[0]['holders_known']" \
    "n(\"g['wait_reason'] == 'semacquire' and g['state'] == 'blocked'\")" \
    "n(\"g['wait_reason'] == 'semacquire' and isinstance(g['wait_seconds'], float) and g['wait_seconds'] > 0\")" \
    "n(\"g['wait_reason'] == 'sleep' and g['state'] == 'sleeping' and any(f['function'] == 'main.reader' for f in g['frames'])\")" \
    "n(\"g['created_by'] and g['created_by']['function'] == 'main.main' and g['wait_reason'] == 'semacquire'\")" \
    "j['go']['version'].startswith('go1.')")
is "${R[0]}" "$(fact lock)" "rwqueue: lock named by its symbol"
is "${R[1]}" False "rwqueue: holder not claimed"
is "${R[2]}" "$nw" "rwqueue: writers are blocked in semacquire"
is "${R[3]}" "$nw" "rwqueue: wait_seconds from the runtime's waitsince"
is "${R[4]}" "$nr" "rwqueue: the readers sleep in main.reader"
is "${R[5]}" "$nw" "rwqueue: created_by symbolized"
is "${R[6]}" True "rwqueue: Go version read"

"$HOLDUP" dump $P >$TMPD/rw.txt 2>$TMPD/err; rc=$?
is "$rc" 0 "rwqueue: text dump exits 0"
grep -q "RWMutex $(fact lock) ($addr): $nr readers active, 1 writer waiting for them.*, $((nw - 1)) goroutines queued behind the writer; Go mutexes do not record their holder" $TMPD/rw.txt
ok $? "rwqueue: text Go locks line says readers active, writer waiting, goroutines queued, no holder" ||
    grep -A1 '^Go locks' $TMPD/rw.txt | sed 's/^/# /'
grep -Eq '^goroutine [0-9]+ \[semacquire(, [0-9]+ minutes)?\]:$' $TMPD/rw.txt; ok $? "rwqueue: SIGQUIT-style goroutine header"
grep -A1 -E '^sync\.\(\*RWMutex\)\.Lock\(\.\.\.\)$' $TMPD/rw.txt | grep -Eq $'^\t.* \\+0x[0-9a-f]+$'
ok $? "rwqueue: function(...) followed by a tab-indented location +0xoff line"
grep -Eq '^created by main\.main$' $TMPD/rw.txt; ok $? "rwqueue: created by line"
"$HOLDUP" dump --group $P >$TMPD/rwg.txt 2>$TMPD/err
grep -Eq "^$((nw - 1)) goroutines \[semacquire" $TMPD/rwg.txt; ok $? "rwqueue: --group folds the queued writers"
grep -Eq "^$nr goroutines \[sleep" $TMPD/rwg.txt; ok $? "rwqueue: --group folds the readers"
wait_unharmed $P; ok $? "rwqueue: target unharmed after text dumps"
stop_fixture $P

# --- a sync.Mutex held by a sleeping goroutine, with waiters
start_fixture "$GOFIXTURES/gomutex" || exit 1
P=$FPID
addr=$(fact lock_addr)
nwait=$(fact waiters)
"$HOLDUP" dump --json $P >$TMPD/m.json 2>$TMPD/err; rc=$?
is "$rc" 0 "mutex: dump --json exits 0"
lk="[l for l in j['locks'] if l['kind'] == 'go-mutex' and l['address'] == '$addr']"
mapfile -t R < <(jeval $TMPD/m.json "len($lk)" "$lk[0]['symbol']" "len($lk[0]['goroutine_waiters'])" \
    "$lk[0]['note'].startswith('locked, $nwait waiters')" "$lk[0]['holders']" \
    "n(\"(g['wait'] or {}).get('kind') == 'go-mutex' and g['state'] == 'blocked'\")")
is "${R[0]}" 1 "mutex: in locks as go-mutex"
is "${R[1]}" "$(fact lock)" "mutex: named by its symbol"
is "${R[2]}" "$nwait" "mutex: $nwait goroutine waiters"
is "${R[3]}" True "mutex: locked with the waiter count from its state"
is "${R[4]}" "[]" "mutex: no invented holder"
is "${R[5]}" "$nwait" "mutex: waiters blocked on go-mutex"
# Go 1.19 writes no .debug_aranges: file:line comes from the CUs' own ranges
mapfile -t R < <(jeval $TMPD/m.json \
    "n(\"any((f.get('file') or '').endswith('gomutex/main.go') and (f.get('line') or 0) > 0 for f in g['frames'])\") > 0" \
    "n(\"any(f['function'].startswith('runtime.') and (f.get('file') or '').endswith('.go') and (f.get('line') or 0) > 0 for f in g['frames'])\") > 0")
is "${R[0]}" True "mutex: goroutine frames have the fixture's main.go:line"
is "${R[1]}" True "mutex: runtime frames have a .go file and line"
"$HOLDUP" dump $P >$TMPD/m.txt 2>&1
grep -q "Mutex $(fact lock) ($addr): locked, $nwait waiters; Go mutexes do not record their holder" $TMPD/m.txt
ok $? "mutex: text says locked, waiters, no holder" || grep -A1 '^Go locks' $TMPD/m.txt | sed 's/^/# /'
# the wait-for graph: a goroutine node per waiter, an edge to the mutex, whose holder is unknown
"$HOLDUP" dump --format dot $P >$TMPD/m.dot 2>/dev/null
dot -Tsvg $TMPD/m.dot >/dev/null 2>&1; ok $? "mutex: dot -Tsvg accepts the Go wait-for graph"
li=$(sed -n "s/^  \(l[0-9]*\) \[shape=ellipse label=\"go-mutex .*\\\\n$addr\".*/\1/p" $TMPD/m.dot)
n=$(grep -c "^  g[0-9]* -> $li \[label=\"waits\"\];" $TMPD/m.dot)
[ -n "$li" ] && [ "$n" = "$nwait" ] && grep -q "^  $li -> u[0-9]* \[style=dashed" $TMPD/m.dot
ok $? "mutex: dot has the $nwait goroutines waiting on it ($n) and an unknown holder"
wait_unharmed $P; ok $? "mutex: target unharmed"
stop_fixture $P

# --- channels and select
start_fixture "$GOFIXTURES/gochan" || exit 1
P=$FPID
"$HOLDUP" dump --json $P >$TMPD/c.json 2>$TMPD/err; rc=$?
is "$rc" 0 "chan: dump --json exits 0"
mapfile -t R < <(jeval $TMPD/c.json "n(\"g['wait_reason'] == 'chan receive'\")" "n(\"g['wait_reason'] == 'chan send'\")" \
    "n(\"g['wait_reason'] == 'select'\")" "n(\"g['wait_reason'] == 'select (no cases)' and g['id'] != 1\")" \
    "n(\"g['wait_reason'] in ('chan receive', 'chan send', 'select') and g['state'] == 'waiting' and g['thread'] is None\")")
is "${R[0]}" "$(fact chan_receive)" "chan: chan receive count"
is "${R[1]}" "$(fact chan_send)" "chan: chan send count"
is "${R[2]}" "$(fact select)" "chan: select count"
is "${R[3]}" "$(fact select_nocases)" "chan: empty select count"
is "${R[4]}" $(( $(fact chan_receive) + $(fact chan_send) + $(fact select) )) "chan: channel waiters are waiting, on no thread"
# idle runtime threads (Ms parked in futexsleep under stopm/mPark/findRunnable) read as the runtime's
# idle wait, not as a raw futex whose owner is unknown
IDLE="{'runtime.stopm', 'runtime.mPark', 'runtime.findRunnable', 'runtime.findrunnable'}"
idlet="[t for t in j['threads'] if t['frames'] and t['frames'][0]['function'] in ('runtime.futex', 'runtime.futexsleep') and IDLE & {f['function'] for f in t['frames'][:16]}]"
mapfile -t R < <(jeval $TMPD/c.json "len([t for t in j['threads'] if t['frames'] and $IDLE & {f['function'] for f in t['frames'][:16]}])" \
    "all(t['wait']['kind'] == 'syscall' and t['wait']['detail'].startswith(\"the Go runtime's idle wait\") for t in ${idlet//IDLE/$IDLE})" \
    "[l for l in j['locks'] if l['kind'] == 'futex' and 'raw futex' in (l['note'] or '') and set(l['waiters']) & {t['tid'] for t in ${idlet//IDLE/$IDLE}}]")
ok $([ "${R[0]:-0}" -ge 1 ] 2>/dev/null && echo 0 || echo 1) "chan: idle runtime threads present (${R[0]})"
is "${R[1]}" True "chan: each idle M reads as the Go runtime's idle wait"
is "${R[2]}" "[]" "chan: no idle M is listed as a raw futex waiter"
wait_unharmed $P; ok $? "chan: target unharmed"
stop_fixture $P

# --- a goroutine spinning on a CPU: running, with its thread. Async preemption is off so that
# sysmon cannot make it runnable for a moment right when a loaded machine takes the snapshot.
GODEBUG=asyncpreemptoff=1 start_fixture "$GOFIXTURES/gospin" || exit 1
P=$FPID
goid=$(fact spin_goid)
tid=$(fact spin_tid)
for round in 1 2 3; do
	"$HOLDUP" dump --json $P >$TMPD/s.json 2>$TMPD/err; rc=$?
	is "$rc" 0 "spin $round: dump --json exits 0"
	mapfile -t R < <(jeval $TMPD/s.json "[(g['state'], g['status'], g['thread']) for g in j['goroutines'] if g['id'] == $goid]" \
	    "n(\"g['id'] == $goid and any(f['function'] == 'main.spin' for f in g['frames'])\")")
	is "${R[0]}" "[('running', 'running', $tid)]" "spin $round: goroutine $goid is running on thread $tid"
	is "${R[1]}" 1 "spin $round: its stack shows main.spin"
	wait_unharmed $P; ok $? "spin $round: target unharmed"
done
stop_fixture $P

# --- 10,000 parked goroutines (the time is reported, not asserted)
start_fixture "$GOFIXTURES/gomany" || exit 1
P=$FPID
t0=$(date +%s%N)
"$HOLDUP" dump --json $P >$TMPD/many.json 2>$TMPD/err; rc=$?
t1=$(date +%s%N)
diag "dump --json of $(fact parked) parked goroutines took $(( (t1 - t0) / 1000000 )) ms"
is "$rc" 0 "many: dump --json exits 0"
mapfile -t R < <(jeval $TMPD/many.json "n(\"g['wait_reason'] == 'chan receive'\")" "j['go']['truncated'] or j['go']['unreadable'] > 0")
is "${R[0]}" "$(fact parked)" "many: all $(fact parked) goroutines read"
is "${R[1]}" False "many: nothing truncated or unreadable"
wait_unharmed $P; ok $? "many: target unharmed"
stop_fixture $P

# --- no DWARF: say so, still show threads
start_fixture "$GOFIXTURES/gonodwarf" || exit 1
P=$FPID
"$HOLDUP" dump $P >$TMPD/nd.txt 2>&1; rc=$?
is "$rc" 0 "nodwarf: dump exits 0"
grep -q 'goroutine analysis needs DWARF' $TMPD/nd.txt; ok $? "nodwarf: says Go analysis needs DWARF"
grep -q "^Thread $P " $TMPD/nd.txt; ok $? "nodwarf: still shows the threads"
"$HOLDUP" dump --json $P >$TMPD/nd.json 2>&1
is "$(jeval $TMPD/nd.json "'DWARF' in j['go']['error'] and len(j['threads']) > 0 and j['goroutines'] == []")" True \
    "nodwarf: JSON has the error, threads, no goroutines"
wait_unharmed $P; ok $? "nodwarf: target unharmed"
stop_fixture $P

# --- not a Go program: no Go section
start_fixture demo && {
	"$HOLDUP" dump --json $FPID >$TMPD/c.json 2>&1
	is "$(jeval $TMPD/c.json "'go' in j or 'goroutines' in j")" False "C program: no Go section"
	stop_fixture $FPID
} || ok 1 "C program: demo fixture starts"
