#!/bin/sh
# run-unit.sh - runs every cmocka unit test binary given and prints one closing summary line.
passed=0 failed=0 crashed=0
for t in "$@"; do
	echo "== $t"
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# a binary that died or failed without cmocka's summary still counts as a failure
	if [ $rc -ne 0 ] && [ -z "$f" ]; then crashed=$((crashed + 1)); failed=$((failed + 1)); echo "$t exited with $rc"; fi
done
echo "unit: $passed passed, $failed failed"
[ $failed -eq 0 ]
