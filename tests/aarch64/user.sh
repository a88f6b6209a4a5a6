#!/bin/sh
# user.sh - runs the aarch64 unit tests under qemu-user (qemu-aarch64-static) and says, as TAP, which passed; cases that need a real arm64 kernel are skipped by name.
# Usage: user.sh QEMU UNIT-BINARY...
# qemu-user emulates the program, not the kernel: ptrace, perf, seccomp and /proc/PID (the host's
# qemu process) are not the guest's. The binaries and cases below need those and are skipped,
# each with its reason; every other case must pass.
qemu=$1; shift
skip_bin() {
	case $1 in
	test_capture|test_unwind|test_sandbox) echo "ptrace, perf or seccomp of an emulated child";;
	test_proc|test_targetfile|test_perfmap) echo "reads /proc/PID of the emulated process";;
	test_core) echo "its core builder writes x86-64 NT_PRSTATUS notes";;
	test_goruntime) echo "its Go fixtures are this host's (x86-64) builds";;
	*) return 1;;
	esac
}
skip_case() {	# BINARY CASE: a reason to skip, or fail
	case "$1:$2" in
	test_lockdecode:test_version_at_chunk_end) echo "opens /proc/PID/root of the emulated process";;
	*) return 1;;
	esac
}
n=0 bad=0
echo "1..$#"
for t in "$@"; do
	b=$(basename "$t")
	n=$((n + 1))
	if why=$(skip_bin "$b"); then echo "ok $n - $b # SKIP $why"; continue; fi
	out=$("$qemu" "$t" 2>&1); rc=$?
	failed=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \(test_[a-z0-9_]*\)$/\1/p' | sort -u)
	passed=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	unexpected="" skipped=""
	for c in $failed; do
		if why=$(skip_case "$b" "$c"); then skipped="$skipped $c ($why)"; else unexpected="$unexpected $c"; fi
	done
	if [ -z "$passed" ] || { [ $rc -ne 0 ] && [ -z "$failed" ]; }; then
		echo "not ok $n - $b: exited with $rc without cmocka's summary"; bad=$((bad + 1))
		printf '%s\n' "$out" | tail -n 5 | sed 's/^/# /'
	elif [ -n "$unexpected" ]; then
		echo "not ok $n - $b: failed:$unexpected"; bad=$((bad + 1))
		printf '%s\n' "$out" | grep -E '^\[ +(ERROR|LINE) +\]' | head -n 6 | sed 's/^/# /'
	else
		echo "ok $n - $b: $passed passed${skipped:+; skipped under emulation:$skipped}"
	fi
done
exit $((bad > 0))
