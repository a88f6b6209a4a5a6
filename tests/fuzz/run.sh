#!/bin/sh
# run.sh - runs each libFuzzer harness for SECONDS over a scratch copy of its seed corpus; non-zero if any crashed.
# usage: run.sh SECONDS build-fuzz/fuzz_NAME...   (crash inputs and logs are kept in build-fuzz/)
secs=$1; shift
dir=$(dirname "$0")
pass=0; fail=0; failed=""; start=$(date +%s)
for bin in "$@"; do
	h=$(basename "$bin"); name=${h#fuzz_}
	out=$(dirname "$bin")/out; mkdir -p "$out"
	log=$out/$h.log
	work=$(mktemp -d "${TMPDIR:-/tmp}/holdup-fuzz-$name.XXXXXX")
	[ -d "$dir/corpus/$name" ] && cp "$dir/corpus/$name"/* "$work"/ 2>/dev/null
	# every seed input is run first (libFuzzer's INITED), then new inputs for the rest of the time
	"$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/$h-" "$work" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rm -rf "$work"
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "fuzz: $h ok (${runs:-?} runs in ${secs}s)"
	else
		fail=$((fail + 1)); failed="$failed $h"
		tail -n 40 "$log" >&2
		echo "fuzz: $h FAILED (exit $rc; log $log, crash input $out/$h-*)"
	fi
done
echo "fuzz: $pass passed, $fail failed${failed:+ ($failed )} in $(($(date +%s) - start)) s"
[ $fail -eq 0 ]
