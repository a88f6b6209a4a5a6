#!/bin/bash
# unwind.t - holdup dump's stacks of threads parked in glibc's blocking paths: frames, inline frames,
# file:line, for blocked threads left running (sp+pc only) and for stopped ones (--stop-all).
. tests/integration/lib.sh
plan 30

# sig TID: one word per frame, "function:inline:file-basename:line"
sig() {
	json_get "$OUT" "' '.join('%s:%s:%s:%s' % (f['function'], f['inline'], (f['file'] or '').rsplit('/', 1)[-1], f['line']) for t in j['threads'] if t['tid'] == $1 for f in t['frames'])"
}
uerr() { json_get "$OUT" "[t.get('unwind_error') for t in j['threads'] if t['tid'] == $1][0]"; }

for mode in default stop-all; do
	start_fixture unwind_chain || exit 1
	OUT=$TMPD/dump-$mode.json
	opt=""; [ $mode = stop-all ] && opt=--stop-all
	$HOLDUP dump --json $opt "$FPID" >"$OUT" 2>"$TMPD/err"
	ok $? "$mode: dump exits 0"
	check "$mode: target unharmed" wait_unharmed "$FPID"
	for role in mutex cond rwlock sem read sleep; do
		tid=$(fact ${role}_tid)
		s=$(sig "$tid")
		want="chain_${role}_inl:True:unwind_chain.c:$(fact ${role}_block_line) chain_${role}_wait:False:unwind_chain.c:$(fact ${role}_call_line) chain_thread:False:unwind_chain.c:"
		case " $s" in
		*" $want"*" start_thread:False:"*) ok 0 "$mode: $role thread: inline frame, caller at call line, up to start_thread";;
		*) ok 1 "$mode: $role thread: inline frame, caller at call line, up to start_thread"; diag "got: $s"; diag "want: $want";;
		esac
	done
	tid=$(fact main_tid)
	s=$(sig "$tid")
	case " $s" in
	*" main:False:unwind_chain.c:$(fact join_call_line) __libc_start_call_main:"*) ok 0 "$mode: main thread at the join line, up to __libc_start_call_main";;
	*) ok 1 "$mode: main thread at the join line, up to __libc_start_call_main"; diag "got: $s";;
	esac
	n=$(json_get "$OUT" "sum(1 for t in j['threads'] if t.get('unwind_error'))")
	ok $([ "$n" = 0 ]; echo $?) "$mode: no thread reports an unwind error ($n)"
	# innermost frames are in libc, named, with pc, offset and module filled in
	first=$(json_get "$OUT" "all(t['frames'] and t['frames'][0]['function'] and 'libc' in t['frames'][0]['module'] and int(str(t['frames'][0]['pc']), 0) > 0 for t in j['threads'])")
	ok $([ "$first" = True ]; echo $?) "$mode: every innermost frame is a named libc frame"
	ver=$(json_get "$OUT" "sum(1 for t in j['threads'] for f in t['frames'] if f['function'] and '@' in f['function'])")
	ok $([ "$ver" = 0 ]; echo $?) "$mode: symbol versions are stripped from names ($ver)"
	offs=$(json_get "$OUT" "all(f['offset'] > 0 for t in j['threads'] for f in t['frames'][1:] if f['function'] and not f['inline'])")
	ok $([ "$offs" = True ]; echo $?) "$mode: return addresses have offsets inside their function"
	# a text dump names the same frames with file:line
	$HOLDUP dump $opt "$FPID" >"$TMPD/text-$mode" 2>&1
	check "$mode: text dump shows chain_mutex_wait at unwind_chain.c:$(fact mutex_call_line)" \
		grep -q "chain_mutex_wait.*unwind_chain.c:$(fact mutex_call_line)" "$TMPD/text-$mode"
	check "$mode: target unharmed after text dump" wait_unharmed "$FPID"
	stop_fixture "$FPID"
done
exit $((TAP_FAILED > 0))
