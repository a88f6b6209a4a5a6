#!/bin/bash
# run.sh - `make bench`: holdup vs eu-stack, gdb and the bare ptrace floor; writes the table to doc/performance.md.
#
# Environment (all optional):
#   BENCH_N="10 100 1000 5000 10000"  thread counts of the parked target (eu-stack and gdb run once
#                               at 10000: each takes many seconds)
#   BENCH_REPEAT=5              repetitions of every measurement (medians are reported)
#   BENCH_SLOW_REPEAT=          repetitions for gdb at N >= 1000 (default: BENCH_REPEAT), it takes seconds each
#   BENCH_OUT=doc/performance.md where the markdown goes
#   BENCH_MODE=mutex            how parked threads wait: mutex | cond | futex
#   BENCH_TIMEOUT=120           seconds before a tool run is killed (it then counts as failed)
#   BENCH_LIVE=1                0 skips the live-cost part (cpuload under top / record)
#   BENCH_PARTS="snap repeat live wakers go"  which parts run: one-shot snapshots per N, repeated snapshots,
#                               live cost, blocked threads plus wakers (the targeted retake), Go at scale
#   BENCH_GO=100000             goroutines of the Go part (build/gofixtures/gomany N)
#   BENCH_WAKERS="1000 10 5"    that last case: blocked threads, wakers, their period in ms
#   BENCH_LIVE_SECONDS=5        length of one throughput window
#   BENCH_RECORD_SECONDS=2      length of the repeated-snapshot recording (holdup record -r 10)
#   BENCH_KEEP=DIR              keep raw results in DIR instead of a temp dir
#   HOLDUP, BENCHBIN            the binary and the bench programs (defaults ./holdup, build/bench)
# The Makefile runs it with sh; the rest needs bash.
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 1
HOLDUP=${HOLDUP:-./holdup}
BENCHBIN=${BENCHBIN:-build/bench}
BENCH_N=${BENCH_N:-"10 100 1000 5000 10000"}
BENCH_REPEAT=${BENCH_REPEAT:-5}
BENCH_SLOW_REPEAT=${BENCH_SLOW_REPEAT:-$BENCH_REPEAT}
BENCH_OUT=${BENCH_OUT:-doc/performance.md}
BENCH_MODE=${BENCH_MODE:-mutex}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
BENCH_LIVE=${BENCH_LIVE:-1}
BENCH_LIVE_SECONDS=${BENCH_LIVE_SECONDS:-5}
BENCH_RECORD_SECONDS=${BENCH_RECORD_SECONDS:-2}
BENCH_PARTS=${BENCH_PARTS:-snap repeat live wakers go}
BENCH_GO=${BENCH_GO:-100000}
GOFIXTURES=${GOFIXTURES:-build/gofixtures}
BENCH_WAKERS=${BENCH_WAKERS:-1000 10 5}
part() { case " $BENCH_PARTS " in *" $1 "*) return 0;; esac; return 1; }

if [ -n "${BENCH_KEEP:-}" ]; then W=$BENCH_KEEP; mkdir -p "$W"; else W=$(mktemp -d /tmp/holdup-bench.XXXXXX); fi
RES=$W/results.tsv	# N tool rep wall_us maxrss_kb exit timedout hb_us offcpu_us self_us nstopped harm
WAK=$W/wakers.tsv	# tool rep wall_us exit hb_us offcpu_us self_us nstopped rounds retaken harm
LIVE=$W/live.tsv	# config rep units_per_s tool_cpu_share
GOR=$W/go.tsv	# goroutines tool rep wall_us maxrss_kb exit out_bytes goroutines_read
NOTES=$W/notes.txt
: >"$RES"; : >"$LIVE"; : >"$NOTES"; : >"$WAK"; : >"$GOR"
TPID=""
TOUT=""
TMUX_SESSION=holdup-bench-$$

note() { echo "$*" >>"$NOTES"; echo "bench: $*" >&2; }
say() { echo "bench: $*" >&2; }

cleanup() {
	tmux kill-session -t "$TMUX_SESSION" 2>/dev/null
	if [ -n "$TPID" ]; then kill -CONT "$TPID" 2>/dev/null; kill -9 "$TPID" 2>/dev/null; wait "$TPID" 2>/dev/null; fi
	[ -z "${BENCH_KEEP:-}" ] && rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for b in target floor cpuload runmeasure; do
	[ -x "$BENCHBIN/$b" ] || { echo "bench: $BENCHBIN/$b missing; run make bench" >&2; exit 1; }
done

# start_target [nice] PROGRAM ARGS...: runs a bench target, waits for its ready line, sets TPID/TOUT.
start_target() {
	local prog bin i nice=""
	[ "$1" = nice ] && { nice="nice -n 19"; shift; }
	prog=$1; shift
	case $prog in */*) bin=$prog;; *) bin=$BENCHBIN/$prog;; esac
	TOUT=$W/$(basename "$prog").$RANDOM.out
	$nice "$bin" "$@" >"$TOUT" 2>&1 &
	TPID=$!
	echo "$TPID" >>"$W/pids"	# lets the smoke test check that none is left behind
	for i in $(seq 1 1200); do
		grep -q '^ready' "$TOUT" 2>/dev/null && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.05
	done
	note "target $prog $* did not become ready: $(tr '\n' ' ' <"$TOUT")"
	stop_target
	return 1
}
stop_target() {
	[ -n "$TPID" ] || return 0
	kill -CONT "$TPID" 2>/dev/null; kill -9 "$TPID" 2>/dev/null; wait "$TPID" 2>/dev/null
	TPID=""
}

# signal_read PREFIX [SIGNAL]: sends SIGNAL (USR1) to the target and prints the new "PREFIX seq=..." line it answers with.
signal_read() {
	local want i line
	want=$(($(grep -c "^$1 " "$TOUT") + 1))
	kill -"${2:-USR1}" "$TPID" 2>/dev/null || return 1
	local end=$((SECONDS + 15))
	while [ "$SECONDS" -lt "$end" ]; do
		line=$(grep "^$1 seq=$want " "$TOUT")
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.01
	done
	return 1
}
field() { # field KEY LINE: the value of KEY=VALUE in LINE
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# harm_check: after a tool, the target must run untraced and unstopped; repairs and says so if not.
harm_check() {
	local i bad
	for i in $(seq 1 100); do
		[ -d /proc/$TPID ] || { echo dead; return; }
		# One awk over every thread's status (a sed per thread is slow at 5000 threads on a busy machine).
		bad=$(awk '/^State:/ { st = $2 } /^TracerPid:/ { if ($2 != 0 || st == "t" || st == "T") { print st "/" $2; exit } }' \
			/proc/$TPID/task/*/status 2>/dev/null)
		[ -z "$bad" ] && { echo ok; return; }
		sleep 0.05
	done
	kill -CONT "$TPID" 2>/dev/null	# gdb killed at its time limit leaves a SIGSTOP behind
	echo "left-$bad"
}

# tool_cmd TOOL PID: the command line of one tool, as words (gdb's has spaces, measure builds it).
tool_cmd() {
	case $1 in
	floor) echo "$BENCHBIN/floor $2";;
	holdup) echo "$HOLDUP dump --json $2";;
	holdup-text) echo "$HOLDUP dump $2";;
	holdup-stopall) echo "$HOLDUP dump --json --stop-all $2";;
	eu-stack) echo "eu-stack -i -s -p $2";;
	idle) echo "sleep 0.2";;
	esac
}

# measure N TOOL REP: one run of TOOL against the running target, one line into $RES.
measure() {
	local n=$1 tool=$2 rep=$3 out=$W/out.$1.$2.$3 rm=$W/rm.$1.$2.$3 l hb off self="" nst="" harm
	local -a cmd
	if [ "$tool" = gdb ]; then
		cmd=(gdb -nx -p "$TPID" -batch -ex "set pagination off" -ex "thread apply all bt")
	else
		read -r -a cmd <<<"$(tool_cmd "$tool" "$TPID")"
	fi
	signal_read gap USR1 >/dev/null	# the heartbeat spins from here, its maximum reset
	"$BENCHBIN/runmeasure" -t "$BENCH_TIMEOUT" "$rm" "${cmd[@]}" >"$out" 2>"$out.err"
	l=$(signal_read gap USR2) || l=""	# ... to here
	hb=$(field max_us "$l"); off=$(field offcpu_us "$l")
	harm=$(harm_check)
	[ "$harm" = ok ] || note "N=$n $tool rep $rep: target not clean afterwards ($harm)"
	[ "$harm" = dead ] && { stop_target; start_target target "$n" "$BENCH_MODE" || return 1; }
	case $tool in
	floor) self=$(field pause_us "$(grep '^floor ' "$out")"); nst=$(field stopped "$(grep '^floor ' "$out")");;
	holdup|holdup-stopall)
		self=$(python3 bench/report.py jsonkey "$out" pause_us 2>/dev/null)
		nst=$(python3 bench/report.py jsonkey "$out" threads_stopped 2>/dev/null);;
	esac
	l=$(cat "$rm" 2>/dev/null)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$rep" \
		"$(field wall_us "$l")" "$(field maxrss_kb "$l")" "$(field exit "$l")" "$(field timedout "$l")" \
		"${hb:-}" "${off:-}" "${self:-}" "${nst:-}" "$harm" >>"$RES"
	# Keep one output per tool and N for the symbolization count; drop the rest (5000-thread gdb output is big).
	if [ "$rep" = 1 ]; then mv "$out" "$W/keep.$n.$tool"; else rm -f "$out"; fi
	rm -f "$out.err" "$rm"
}

TOOLS="idle floor"
if [ -x "$HOLDUP" ]; then
	TOOLS="$TOOLS holdup holdup-stopall holdup-text"
else
	note "holdup binary $HOLDUP missing: holdup rows are n/a"
fi
command -v eu-stack >/dev/null && TOOLS="$TOOLS eu-stack" || note "eu-stack not installed: n/a"
command -v gdb >/dev/null && TOOLS="$TOOLS gdb" || note "gdb not installed: n/a"

cat /proc/loadavg >"$W/loadavg.start"
# the binary measured, as it was when the run began (a later rebuild must not change the report)
date -r "$HOLDUP" '+%Y-%m-%d %H:%M' >"$W/built" 2>/dev/null
part snap || BENCH_SNAP_N=""
for n in ${BENCH_SNAP_N-$BENCH_N}; do
	say "N=$n: starting target ($BENCH_MODE)"
	start_target target "$n" "$BENCH_MODE" || continue
	sleep 0.2
	for rep in $(seq 1 "$BENCH_REPEAT"); do
		# Tools interleave within a repetition so machine noise spreads over all of them.
		for tool in $TOOLS; do
			if [ "$tool" = gdb ] && [ "$n" -ge 1000 ] && [ "$rep" -gt "$BENCH_SLOW_REPEAT" ]; then continue; fi
			case $tool in gdb|eu-stack) [ "$n" -ge 10000 ] && [ "$rep" -gt 1 ] && continue;; esac
			[ -n "$TPID" ] || break
			say "N=$n rep $rep: $tool"
			measure "$n" "$tool" "$rep"
		done
	done
	stop_target
done

# Repeated snapshots: holdup record takes many snapshots of one target; its JSON says what each cost.
if [ -x "$HOLDUP" ] && part repeat; then
	for n in $BENCH_N; do
		[ "$n" -le 1000 ] || continue
		start_target target "$n" "$BENCH_MODE" || continue
		signal_read gap USR1 >/dev/null	# the heartbeat runs: the "N blocked + 1 running" case
		if "$BENCHBIN/runmeasure" -t "$BENCH_TIMEOUT" "$W/rm.rec.$n" \
			"$HOLDUP" record -r 10 -d "$BENCH_RECORD_SECONDS" --format json -o "$W/record.$n.jsonl" "$TPID" >"$W/record.$n.log" 2>&1; then
			:
		fi
		signal_read gap USR2 >/dev/null
		[ "$(harm_check)" = ok ] || note "N=$n record: target not clean afterwards"
		stop_target
	done
fi

# Blocked threads plus wakers: N blocked, WAKERS threads waking every WAKE_MS, the heartbeat spinning.
# holdup's fast dump must retake only the threads that ran; the floors say what stopping one
# thread, the heartbeat and the wakers, or every thread costs at the least.
measure_wakers() { # measure_wakers TOOL REP
	local tool=$1 rep=$2 out=$W/wout.$1.$2 rm=$W/wrm.$1.$2 l hb off self="" nst="" rounds="" retaken="" harm
	local -a cmd
	case $tool in
	holdup) cmd=("$HOLDUP" dump --json "$TPID");;
	holdup-stopall) cmd=("$HOLDUP" dump --json --stop-all "$TPID");;
	floor-one) cmd=("$BENCHBIN/floor" "$TPID" "$WHB");;
	floor-moved) cmd=("$BENCHBIN/floor" "$TPID" "$WHB" ${WWAKERS//,/ });;
	floor) cmd=("$BENCHBIN/floor" "$TPID");;
	esac
	signal_read gap USR1 >/dev/null
	"$BENCHBIN/runmeasure" -t "$BENCH_TIMEOUT" "$rm" "${cmd[@]}" >"$out" 2>"$out.err"
	l=$(signal_read gap USR2) || l=""
	hb=$(field max_us "$l"); off=$(field offcpu_us "$l")
	harm=$(harm_check)
	[ "$harm" = ok ] || note "wakers $tool rep $rep: target not clean afterwards ($harm)"
	case $tool in
	floor*) self=$(field pause_us "$(grep '^floor ' "$out")"); nst=$(field stopped "$(grep '^floor ' "$out")");;
	holdup*)
		self=$(python3 bench/report.py jsonkey "$out" pause_us 2>/dev/null)
		nst=$(python3 bench/report.py jsonkey "$out" threads_stopped 2>/dev/null)
		rounds=$(python3 bench/report.py jsonkey "$out" capture_rounds 2>/dev/null)
		retaken=$(python3 bench/report.py jsonkey "$out" threads_retaken 2>/dev/null);;
	esac
	l=$(cat "$rm" 2>/dev/null)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$rep" "$(field wall_us "$l")" "$(field exit "$l")" \
		"${hb:-}" "${off:-}" "${self:-}" "${nst:-}" "${rounds:-}" "${retaken:-}" "$harm" >>"$WAK"
	rm -f "$out" "$out.err" "$rm"
}
if [ -x "$HOLDUP" ] && part wakers; then
	read -r wn ww wms <<<"$BENCH_WAKERS"
	echo "$wn $ww $wms" >"$W/wakers.conf"
	say "wakers: $wn blocked + $ww wakers every $wms ms + the heartbeat"
	if start_target target "$wn" mutex 4 "$ww" "$wms"; then
		WHB=$(sed -n 's/^tids heartbeat=\([0-9]*\).*/\1/p' "$TOUT")
		WWAKERS=$(sed -n 's/^tids .*wakers=\([0-9,]*\).*/\1/p' "$TOUT")
		sleep 0.2
		for rep in $(seq 1 "$BENCH_REPEAT"); do
			for tool in holdup floor-one floor-moved holdup-stopall floor; do
				[ -n "$TPID" ] || break
				say "wakers rep $rep: $tool"
				measure_wakers "$tool" "$rep"
			done
		done
		stop_target
	fi
fi

# Live cost: a CPU-bound 100-thread target's throughput alone, under top at 10 Hz and record at 100 Hz.
live_window() { # live_window CONFIG REP [TOOLPID [HELPERPID]]: measure one throughput window with the tool (if any) already running
	local l c0="" c1="" h0="" h1="" t0 t1 share hshare
	[ -n "${3:-}" ] && c0=$(cpu_ticks "$3")
	[ -n "${4:-}" ] && h0=$(cpu_ticks "$4")
	t0=$(date +%s.%N)
	signal_read rate >/dev/null
	sleep "$BENCH_LIVE_SECONDS"
	if ! l=$(signal_read rate); then
		l=""
		note "live $1 rep $2: cpuload did not answer SIGUSR1 within 15 s; its main thread: $(awk '/^State:/ { print $2, $3 }' /proc/$TPID/status) in $(cat /proc/$TPID/wchan 2>/dev/null)"
	fi
	t1=$(date +%s.%N)
	[ -n "${3:-}" ] && c1=$(cpu_ticks "$3")
	[ -n "${4:-}" ] && h1=$(cpu_ticks "$4")
	# the tool's own CPU time in the window, as a share of the machine (all its CPUs); a helper's
	# (the tmux server drawing top's pane) apart
	share=$(cpu_share "$c0" "$c1" "$t0" "$t1")
	hshare=$(cpu_share "$h0" "$h1" "$t0" "$t1")
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(field units_per_s "$l")" "$share" "$hshare" >>"$LIVE"
}
cpu_share() { # cpu_share TICKS0 TICKS1 T0 T1: CPU time between, as a share of the machine in %
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v hz="$(getconf CLK_TCK)" -v n="$(nproc)" \
		'BEGIN { if (t1 > t0) printf "%.2f", 100 * (b - a) / hz / (t1 - t0) / n }'
}
# live_burner CONFIG REP HZ FROM: one window beside bench/burner at HZ burning, per wake, the CPU
# share holdup's FROM window of this rep used: that much CPU at that rate, and nothing else.
live_burner() {
	local share us bp
	share=$(awk -F '\t' -v k="$4" -v r="$2" '$1 == k && $2 == r { s = $4 } END { print s }' "$LIVE")
	[ -n "$share" ] && [ -x "$BENCHBIN/burner" ] || return 0
	us=$(awk -v s="$share" -v n="$(nproc)" -v hz="$3" 'BEGIN { printf "%d", s / 100 * n / hz * 1e6 }')
	"$BENCHBIN/burner" "$3" "$us" >"$W/burner.out" 2>&1 &
	bp=$!
	sleep 1
	live_window "$1" "$2" "$bp"
	kill "$bp" 2>/dev/null
	wait "$bp" 2>/dev/null
}
top_pid() { # top_pid: the holdup top in the tmux pane (not its forked broker, which is newer and idle)
	local pane
	pane=$(tmux display -p -t "$TMUX_SESSION" '#{pane_pid}' 2>/dev/null) || return 0
	if [ "$(cat "/proc/$pane/comm" 2>/dev/null)" = holdup ]; then echo "$pane"; else pgrep -o -x holdup -P "$pane"; fi
}
cpu_ticks() { # cpu_ticks PID: utime + stime of a process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}
# live_record CONFIG REP LOGBASE RECORD-ARGS...: one window under holdup record RECORD-ARGS. A long
# -d, ended by SIGINT after the window: record then writes its summary (LOGBASE.log) and exits.
live_record() {
	local config=$1 rep=$2 log=$3.log rp i
	shift 3
	"$HOLDUP" record -d 600 "$@" "$TPID" >"$log" 2>&1 &
	rp=$!
	sleep 1
	if kill -0 "$rp" 2>/dev/null; then live_window "$config" "$rep" "$rp"; else note "holdup record $* exited early: $(head -c 300 "$log")"; fi
	kill -INT "$rp" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$rp" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$rp" 2>/dev/null
	wait "$rp" 2>/dev/null
}
# cpuload runs at nice 19: 100 spinning threads at normal priority would starve everything else
# on a small shared machine (the driver's own sleeps stretched 7x in a trial); holdup's CPU time is
# still taken from it, which is the cost being measured.
if [ "$BENCH_LIVE" = 1 ] && part live && start_target nice cpuload 100; then
	sleep 1
	for rep in $(seq 1 "$BENCH_REPEAT"); do
		say "live rep $rep: unmonitored"
		live_window none "$rep"
		if [ -x "$HOLDUP" ]; then
			say "live rep $rep: top -i 0.1 (tmux)"
			if tmux new-session -d -s "$TMUX_SESSION" -x 200 -y 50 "$HOLDUP top -i 0.1 $TPID 2>$W/top.err" 2>/dev/null; then
				sleep 1
				if tmux has-session -t "$TMUX_SESSION" 2>/dev/null; then
					live_window top10 "$rep" "$(top_pid)" "$(tmux display -p -t "$TMUX_SESSION" '#{pid}' 2>/dev/null)"
				else
					note "holdup top exited early: $(head -c 300 "$W/top.err" 2>/dev/null)"
				fi
				tmux kill-session -t "$TMUX_SESSION" 2>/dev/null
				sleep 0.5
			else
				note "tmux could not start holdup top"
			fi
			say "live rep $rep: record -r 10 (what top does at 10 Hz, without a terminal)"
			live_record record10 "$rep" "$W/live-record10.$rep" -r 10 -o "$W/live-record10.$rep.pb.gz"
			say "live rep $rep: record -r 100"
			live_record record100 "$rep" "$W/live-record.$rep" -r 100 -o "$W/live-record.$rep.pb.gz"
			say "live rep $rep: record -r 100 --format json"
			# the same with every snapshot written out whole as JSON, for comparison
			live_record record100json "$rep" "$W/live-recordjson.$rep" -r 100 --format json \
				-o "$W/live-recordjson.$rep.jsonl"
			say "live rep $rep: burner at 10 Hz and at 100 Hz, with record's CPU share"
			live_burner burner10 "$rep" 10 record10
			live_burner burner100 "$rep" 100 record100
		fi
		[ "$(harm_check)" = ok ] || note "live rep $rep: cpuload not clean afterwards"
	done
	stop_target
fi

# Go at scale: BENCH_GO goroutines parked on a channel receive; a JSON dump (every goroutine) and the
# default text dump, which folds identical goroutines.
if [ -x "$HOLDUP" ] && part go; then
	if [ -x "$GOFIXTURES/gomany" ] && start_target "$GOFIXTURES/gomany" "$BENCH_GO"; then
		for rep in $(seq 1 "$BENCH_REPEAT"); do
			for tool in json text; do
				say "go rep $rep: $BENCH_GO goroutines, dump ($tool)"
				args=(dump); [ "$tool" = json ] && args+=(--json)
				"$BENCHBIN/runmeasure" -t "$BENCH_TIMEOUT" "$W/rm.go" "$HOLDUP" "${args[@]}" "$TPID" >"$W/go.out" 2>/dev/null
				l=$(cat "$W/rm.go" 2>/dev/null)
				ng=""
				[ "$tool" = json ] && ng=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["goroutines"]))' "$W/go.out" 2>/dev/null)
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BENCH_GO" "$tool" "$rep" "$(field wall_us "$l")" \
					"$(field maxrss_kb "$l")" "$(field exit "$l")" "$(stat -c %s "$W/go.out")" "$ng" >>"$GOR"
				[ "$(harm_check)" = ok ] || note "go rep $rep: gomany not clean afterwards"
			done
		done
		rm -f "$W/go.out" "$W/rm.go"
		stop_target
	else
		note "Go part: $GOFIXTURES/gomany missing or not ready: n/a"
	fi
fi

cat /proc/loadavg >"$W/loadavg.end"
mkdir -p "$(dirname "$BENCH_OUT")"
python3 bench/report.py report "$W" "$BENCH_OUT" "$BENCH_N" "$BENCH_REPEAT" "$BENCH_MODE" "$HOLDUP" || exit 1
say "wrote $BENCH_OUT"
