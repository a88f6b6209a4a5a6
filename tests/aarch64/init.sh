#!/bin/busybox sh
# init.sh - the emulated arm64 guest of check-aarch64: starts each fixture, dumps it with holdup, prints everything between markers for system.t to check, and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo "=== guest $(uname -m) $(uname -r)"

# start NAME CMD...: runs a fixture, waits for its ready line; its output (facts) is printed
start() {
	name=$1; shift
	"$@" >/tmp/$name.out 2>&1 &
	FPID=$!
	i=0
	while [ $i -lt 600 ] && ! grep -q '^ready' /tmp/$name.out; do sleep 0.1; i=$((i + 1)); done
	echo "=== fixture $name $FPID"
	cat /tmp/$name.out
	echo "=== end"
}
# dump LABEL PID ARGS...: holdup's JSON dump, its status and stderr, then each thread's state and tracer
dump() {
	label=$1 pid=$2; shift 2
	/t/holdup dump --json "$@" $pid >/tmp/d.json 2>/tmp/d.err
	rc=$?
	echo "=== dump $label rc=$rc"
	cat /tmp/d.json
	echo
	echo "=== stderr"
	cat /tmp/d.err
	echo "=== status"
	for t in /proc/$pid/task/*; do
		echo "$(basename $t) $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' $t/status) $(sed -n 's/^TracerPid:[[:space:]]*//p' $t/status)"
	done
	echo "=== end"
}

# dumpfile LABEL FILE: a dump of a saved core (no process to look at afterwards)
dumpfile() {
	/t/holdup dump --json "$2" >/tmp/d.json 2>/tmp/d.err
	rc=$?
	echo "=== dump $1 rc=$rc"
	cat /tmp/d.json
	echo
	echo "=== stderr"
	cat /tmp/d.err
	echo "=== status"
	echo "=== end"
}

start abba /t/lock_abba
dump abba $FPID
dump abba-stop-all $FPID --stop-all
# saved as a core (arm64 NT_PRSTATUS notes) and read back
dump abba-save $FPID --save /tmp/abba.core
dumpfile abba-core /tmp/abba.core
# a session: perf samples of arm64 registers and stacks
/t/holdup record -r 20 -d 1 -f json -o /tmp/r.jsonl $FPID >/dev/null 2>/tmp/r.err
echo "=== record rc=$?"
cat /tmp/r.jsonl
echo "=== stderr"
cat /tmp/r.err
echo "=== end"
kill -STOP $FPID
sleep 0.2
dump abba-sigstopped $FPID
kill -CONT $FPID
kill -9 $FPID
start philo /t/lock_philo
dump philo $FPID
kill -9 $FPID
start rwlock /t/lock_rwlock
dump rwlock $FPID
kill -9 $FPID
start mutexkinds /t/lock_mutexkinds
dump mutexkinds $FPID
kill -9 $FPID
start events /t/lock_events
dump events $FPID
kill -9 $FPID
# running threads: a session samples their registers and stacks with perf instead of stopping
# them. Debian's kernel has kernel.perf_event_paranoid 3 (only CAP_SYS_ADMIN samples): a confined
# session cannot, and must say so; --no-sandbox keeps the capability.
echo "=== paranoid $(cat /proc/sys/kernel/perf_event_paranoid)"
start busy /t/busy 2
for mode in confined no-sandbox; do
	opt=; [ $mode = no-sandbox ] && opt=--no-sandbox
	/t/holdup record $opt -r 20 -d 1.5 -f json -o /tmp/b.jsonl $FPID >/dev/null 2>/tmp/b.err
	echo "=== record-busy-$mode rc=$?"
	cat /tmp/b.jsonl
	echo "=== stderr"
	cat /tmp/b.err
	echo "=== end"
done
dump busy-after $FPID
kill -9 $FPID
start gomutex /t/gomutex
dump gomutex $FPID
kill -9 $FPID
echo "=== done"
poweroff -f
