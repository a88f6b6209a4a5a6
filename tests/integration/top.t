#!/bin/bash
# top.t - holdup top in a real terminal (tmux): threads, locks, deadlock banner, every key in the help,
# resize, q exits 0, quit/crash signals restore the terminal, and the target runs on untraced.
. tests/integration/lib.sh

if ! command -v tmux >/dev/null 2>&1; then echo "1..0 # SKIP tmux not installed"; exit 0; fi
HOLDUP_ABS=$(realpath "$HOLDUP")
TM="tmux -L holdup-test-$$"
trap '$TM kill-server 2>/dev/null; tap_cleanup' EXIT
# A session that lives for the whole script keeps the tmux server up: killing the last session
# makes the server exit, and a new-session racing that exit can fail (seen once in CI as an
# empty pane for the Go round).
$TM new-session -d -s keep "exec sleep 3600"
WORK=$TMPD/work
mkdir -p "$WORK"
# Debug info names sources relative to the repository; let holdup, running in $WORK, find them.
ln -s "$(pwd)/tests" "$WORK/tests"

screen() { $TM capture-pane -p -t top 2>/dev/null; }
# wait_screen EREGEX: polls the pane (up to ~10 s) until it matches; no timing is asserted.
wait_screen() {
	local i
	for i in $(seq 1 100); do screen | grep -Eq -- "$1" && return 0; sleep 0.1; done
	diag "screen never matched: $1"; screen | sed 's/^/#   | /'
	$TM has-session -t top 2>/dev/null || diag "(no tmux session 'top')"
	return 1
}
wait_gone() {
	local i
	for i in $(seq 1 100); do screen | grep -Eq -- "$1" || return 0; sleep 0.1; done
	diag "screen still matches: $1"; screen | sed 's/^/#   | /'
	return 1
}
keys() { $TM send-keys -t top "$@"; }
sample_no() { screen | sed -n 's/.*sample #\([0-9]*\).*/\1/p' | head -n 1; }
# start_top ROUND: runs holdup top in a fresh tmux session; its exit status lands in $WORK/rc.ROUND.
start_top() {
	$TM kill-session -t top 2>/dev/null
	rm -f "$WORK/rc.$1"
	$TM new-session -d -s top -x 120 -y 40 \
	    "cd '$WORK' && '$HOLDUP_ABS' top -i 0.5 $FPID; echo rc=\$? > '$WORK/rc.$1'; exec sleep 600" ||
	    diag "tmux new-session failed for round $1"
}
wait_rc() {
	local i
	for i in $(seq 1 100); do [ -s "$WORK/rc.$1" ] && { cat "$WORK/rc.$1"; return 0; }; sleep 0.1; done
	echo "rc=none"
}
holdup_pid() { pgrep -P "$($TM display -p -t top '#{pane_pid}')" -x holdup; }
alt_screen_off() { [ "$($TM display -p -t top '#{alternate_on}')" = 0 ]; }

start_fixture top_deadlock || { echo "1..0 # SKIP fixture did not start"; exit 0; }
T1=$(fact tid_one); T2=$(fact tid_two); TE=$(fact tid_evil)
# What lock analysis finds decides what top must show: dump exits 3 when it sees the deadlock.
"$HOLDUP" dump "$FPID" >"$TMPD/dump.txt" 2>&1
DUMP_RC=$?
wait_unharmed "$FPID" >/dev/null
diag "dump exit status $DUMP_RC (3: lock analysis sees the deadlock)"

for round in 1 2; do
	diag "round $round"
	start_top $round
	check "r$round: header names the target" wait_screen "holdup top +pid $FPID"
	if [ $round = 1 ]; then
		# top analyses confined (src/sandbox.c, session mode); its saves go through a broker
		hp=$(holdup_pid | head -n 1)
		st=$(sed -n 's/^\(Seccomp\|NoNewPrivs\):[[:space:]]*/\1=/p' /proc/${hp:-none}/status 2>/dev/null | tr '\n' ' ')
		[ "$st" = "NoNewPrivs=1 Seccomp=2 " ]; ok $? "r1: top runs confined ($st)"
	fi
	check "r$round: both deadlocked threads listed as blocked" \
	    wait_screen "^.? +$T1 +abba-one +blocked" && screen | grep -Eq "^.? +$T2 +abba-two +blocked"
	ok $? "r$round: second thread too"
	screen | grep -Fq 'ev\x1b[7mil'
	ok $? "r$round: a thread name with an escape sequence is shown escaped ($TE)"
	if [ "$DUMP_RC" = 3 ]; then
		check "r$round: deadlock banner with both TIDs" wait_screen "DEADLOCK.*$T1 abba-one -> $T2 abba-two -> $T1|DEADLOCK.*$T2 abba-two -> $T1 abba-one -> $T2"
		check "r$round: $T1 waits on top_lock_b held by $T2, D marker" wait_screen "^D +$T1 .*top_lock_b \(mutex\) +$T2 "
		check "r$round: $T2 waits on top_lock_a held by $T1, D marker" wait_screen "^D +$T2 .*top_lock_a \(mutex\) +$T1 "
	else
		wait_screen "sample #3"
		! screen | grep -q DEADLOCK
		ok $? "r$round: no deadlock banner when lock analysis finds none"
		ok 0 "r$round: (lock rows need lock analysis)"
		ok 0 "r$round: (lock rows need lock analysis)"
	fi

	# Tab: Threads -> Locks -> Wait chains -> Threads.
	keys Tab
	check "r$round: Tab shows the locks view" wait_screen "WAITERS +LOCK +KIND +HOLDER"
	if [ "$DUMP_RC" = 3 ]; then
		check "r$round: locks view: top_lock_a held by $T1, in the deadlock" wait_screen "top_lock_a +mutex +$T1 .*DEADLOCK"
		check "r$round: locks view: top_lock_b held by $T2, in the deadlock" wait_screen "top_lock_b +mutex +$T2 .*DEADLOCK"
	else
		ok 0 "r$round: (lock rows need lock analysis)"
		ok 0 "r$round: (lock rows need lock analysis)"
	fi
	keys Tab
	check "r$round: Tab again shows the wait-chain tree" wait_screen "holder -> waiters"
	if [ "$DUMP_RC" = 3 ]; then
		check "r$round: tree marks the cycle" wait_screen "CYCLE: deadlock"
	else
		ok 0 "r$round: (cycles need lock analysis)"
	fi
	keys Tab
	check "r$round: Tab cycles back to threads" wait_screen "TIDv +NAME +STATE"

	# Enter opens the selected thread's stack full screen, with source text; Escape goes back.
	keys / a b b a - o n e Enter
	wait_screen "filter: abba-one"
	keys Enter
	check "r$round: Enter opens the stack of the selected thread" wait_screen "Stack of $T1 abba-one .*Enter/Esc: back"
	check "r$round: stack shows frames with the source line" wait_screen "^ #[0-9]+ +top_one \(top_deadlock\.c:[0-9]+\)"
	check "r$round: ... and the source text under it" wait_screen "[0-9]+\| pthread_mutex_lock\(&top_lock_b\);"
	keys Escape
	check "r$round: Escape returns to the table" wait_screen "TIDv +NAME +STATE"
	keys / Escape
	wait_gone "filter: "

	# / filters by name, then by state; Escape clears.
	keys / a b b a Enter
	check "r$round: filter shows the matching threads" wait_screen "filter: abba"
	screen | grep -Eq "^.? +$T1 +abba-one" && ! screen | grep -Eq "^.? +$TE " && ! screen | grep -Eq "^.? +$FPID +top_deadlock"
	ok $? "r$round: filter 'abba' hides the other threads"
	keys / BSpace BSpace BSpace BSpace w a i t i n g Enter
	check "r$round: filter edited to a state" wait_screen "filter: waiting"
	screen | grep -Eq "^.? +$TE +ev" && screen | grep -Eq "^.? +$FPID +top_deadlock" && ! screen | grep -Eq "^.? +$T1 "
	ok $? "r$round: filter 'waiting' shows the waiting threads only"
	keys / BSpace BSpace BSpace BSpace BSpace BSpace BSpace n o - s u c h Enter
	check "r$round: a filter matching nothing says so" wait_screen "no thread matches the filter"
	keys / Escape
	check "r$round: Escape clears the filter" wait_gone "filter: "
	screen | grep -Eq "^.? +$TE " && screen | grep -Eq "^.? +$T1 "
	ok $? "r$round: all threads back"

	# h shows help; any key closes it.
	keys h
	check "r$round: h shows the help" wait_screen "holdup top - keys"
	keys x
	check "r$round: a key closes the help" wait_gone "holdup top - keys"

	# p pauses: the sample number stops; p again resumes.
	keys p
	check "r$round: p pauses" wait_screen "\[PAUSED\]"
	n1=$(sample_no); sleep 1.6; n2=$(sample_no)
	[ -n "$n1" ] && [ "$n1" = "$n2" ]
	ok $? "r$round: no samples while paused ($n1 = $n2)"
	keys p
	check "r$round: p resumes" wait_gone "\[PAUSED\]"
	check "r$round: sampling goes on after resume" wait_screen "sample #$((n2 + 1))|sample #$((n2 + 2))"

	# + and - change the interval.
	keys +
	check "r$round: + doubles the interval" wait_screen "every 1\.0s"
	keys - -
	check "r$round: - halves it" wait_screen "every 0\.2s"

	# < > change the sort column.
	keys '>'
	check "r$round: > sorts by the next column" wait_screen "sort: name"
	keys '<'
	check "r$round: < sorts by the previous one" wait_screen "sort: tid"

	# s writes a text dump of the snapshot and says where.
	keys s
	wait_screen "saved snapshot #[0-9]+ \([0-9]+ threads\) to /"
	f=$(screen | sed -n 's/.*saved snapshot #[0-9]* ([0-9]* threads) to \(\/[^ ]*\).*/\1/p' | head -n 1)
	[ -n "$f" ] && [ -f "$f" ] && grep -q "Thread $T1 " "$f" && grep -q "Thread $T2 " "$f"
	ok $? "r$round: s wrote $f with both TIDs"
	# S takes a snapshot now and saves it as a core, which holdup dump reads offline.
	keys S
	wait_screen "saved core of snapshot #[0-9]+ to /"
	f=$(screen | sed -n 's/.*saved core of snapshot #[0-9]* to \(\/[^ ]*\).*/\1/p' | head -n 1)
	[ -n "$f" ] && [ -f "$f" ] && "$HOLDUP" dump "$f" >"$WORK/core.$round.txt" 2>&1
	rc=$?
	[ "$rc" = 3 ] && grep -q "Thread $T1 " "$WORK/core.$round.txt" && grep -q "Thread $T2 " "$WORK/core.$round.txt"
	ok $? "r$round: S saved a core ($f) whose dump finds the deadlock of both TIDs (rc $rc)"

	# Resize: narrow, tiny, wide, back; the view stays inside the window.
	$TM resize-window -t top -x 70 -y 15
	wait_screen "holdup top +pid $FPID"
	w=$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	[ "$(screen | wc -l)" -le 15 ] && [ "$w" -le 70 ] && screen | grep -Eq "TIDv"
	ok $? "r$round: 70x15 keeps header and table inside the window (widest line $w)"
	$TM resize-window -t top -x 40 -y 3
	check "r$round: a tiny window says so" wait_screen "too small"
	$TM resize-window -t top -x 200 -y 50
	check "r$round: wide window redraws" wait_screen "holdup top +pid $FPID"
	screen | grep -Eq "^.? +$T1 +abba-one"
	ok $? "r$round: rows are back after growing"
	$TM resize-window -t top -x 120 -y 40

	# q quits with status 0, the terminal is restored, the target runs on untraced.
	keys q
	rc=$(wait_rc $round)
	[ "$rc" = rc=0 ]
	ok $? "r$round: q exits 0 ($rc)"
	check "r$round: terminal left the alternate screen" alt_screen_off
	check "r$round: target unharmed after q" wait_unharmed "$FPID"
done

# Quit and crash signals: the terminal is restored and the target is left running.
for sig in TERM INT HUP SEGV; do
	start_top "sig$sig"
	wait_screen "holdup top +pid $FPID"
	hp=$(holdup_pid)
	[ -n "$hp" ] && kill -"$sig" "$hp"
	ok $? "SIG$sig sent to holdup ($hp)"
	rc=$(wait_rc "sig$sig")
	# A crash must end in failure (139 plain; sanitizer builds report and exit 1); quit signals end cleanly.
	case $sig in
	SEGV) want="a failure"; [ "$rc" != rc=0 ] && [ "$rc" != rc=none ];;
	*) want=rc=0; [ "$rc" = rc=0 ];;
	esac
	ok $? "SIG$sig: holdup ended ($rc, want $want)"
	check "SIG$sig: terminal left the alternate screen" alt_screen_off
	check "SIG$sig: target unharmed" wait_unharmed "$FPID"
done

# The target exits while top watches: the last snapshot stays with a banner.
start_fixture top_deadlock
P2=$FPID
start_top gone
wait_screen "holdup top +pid $P2"
{ kill -9 "$P2"; wait "$P2"; } 2>/dev/null
check "target exit: banner, last snapshot kept" wait_screen "TARGET EXITED: process $P2 is gone"
screen | grep -Eq "abba-one"
ok $? "target exit: rows still on screen"
keys q
rc=$(wait_rc gone)
[ "$rc" = rc=0 ]
ok $? "target exit: q exits 0 ($rc)"

# NO_COLOR (no-color.org): no colour at all, attributes only; without it the deadlock banner is red.
if start_fixture top_deadlock; then
	for mode in color nocolor; do
		$TM kill-session -t top 2>/dev/null
		envs=""; [ $mode = nocolor ] && envs="NO_COLOR=1"
		$TM new-session -d -s top -x 120 -y 40 "cd '$WORK' && env $envs '$HOLDUP_ABS' top -i 0.5 $FPID; exec sleep 600"
		wait_screen "DEADLOCK" >/dev/null
		$TM capture-pane -e -p -t top >"$WORK/$mode.esc" 2>/dev/null
		keys q
	done
	colour=$'\e\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|38;5;[0-9]+|48;5;[0-9]+)(;[0-9;]*)?m'
	grep -q DEADLOCK "$WORK/color.esc" && grep -Eq "$colour" "$WORK/color.esc"
	ok $? "without NO_COLOR top shows the deadlock banner in colour"
	grep -q DEADLOCK "$WORK/nocolor.esc" && ! grep -Eq "$colour" "$WORK/nocolor.esc"
	ok $? "NO_COLOR=1: the same screen without any colour escape"
	check "NO_COLOR rounds: target unharmed" wait_unharmed "$FPID"
	stop_fixture "$FPID"
fi

# A Go target: the goroutine view joins the Tab cycle and lists the goroutines blocked on the mutex.
if [ -x "$GOFIXTURES/gomutex" ] && start_fixture "$(realpath "$GOFIXTURES/gomutex")"; then
	NW=$(fact waiters)
	if "$HOLDUP" dump "$FPID" 2>/dev/null | grep -q "main.accountsMu"; then
		start_top go
		wait_screen "holdup top +pid $FPID"
		check "go: the goroutine view is offered" wait_screen "Goroutines \([0-9]+\)"
		keys Tab Tab Tab
		check "go: Tab reaches the goroutine view" wait_screen "GOID +STATE +WAITING"
		check "go: $NW goroutines blocked on main.accountsMu" \
		    eval '[ "$(screen | grep -Ec "^ +[0-9]+ +blocked .*main\.accountsMu")" = "$NW" ]'
		keys Enter
		check "go: Enter shows the goroutine's stack" wait_screen "Goroutine [0-9]+ +blocked.*Enter/Esc: back"
		check "go: ... through Mutex.Lock" wait_screen "sync\.\(\*Mutex\)\.[lL]ock"
		keys Escape Tab
		check "go: Tab wraps to threads" wait_screen "TIDv +NAME +STATE"
		keys q
		rc=$(wait_rc go)
		[ "$rc" = rc=0 ]
		ok $? "go: q exits 0 ($rc)"
		check "go: target unharmed" wait_unharmed "$FPID"
	else
		diag "dump does not see main.accountsMu: skipping the goroutine view checks"
	fi
	stop_fixture "$FPID"
else
	diag "no gomutex fixture: skipping the goroutine view checks"
fi

plan "$TAP_N"
[ "$TAP_FAILED" = 0 ]
