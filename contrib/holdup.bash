# holdup.bash - bash completion for holdup: subcommands, their options, and PIDs with names.
_holdup()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	# launch mode: after "--" the words are the command's, completed as a command line
	local i
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = "--" ]; then
			if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
	done
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "dump top record watch version --help --version" -- "$cur"))
		return
	fi
	case $prev in
	-o|--output|--dir|--exe|--sysroot) COMPREPLY=($(compgen -f -- "$cur")); return;;
	--save) [ "$cmd" = dump ] && { COMPREPLY=($(compgen -f -- "$cur")); return; };;	# watch --save takes no value
	--format|-f)
		if [ "$cmd" = dump ]; then COMPREPLY=($(compgen -W "text json dot" -- "$cur"))
		else COMPREPLY=($(compgen -W "pprof folded json json-array speedscope" -- "$cur")); fi
		return;;
	--state) COMPREPLY=($(compgen -W "running runnable blocked waiting sleeping io disk stopped dead unknown" -- "${cur##*,}")); return;;
	--tid|--lock) return;;
	-i|--interval|-r|--rate|-d|--duration|--blocked-for|--stack-bytes|--stop-timeout|--rate-limit|--exec|--analysis-timeout|--max-dump-bytes|--max-dir-bytes|--max-output-bytes|--max-frames) return;;
	esac
	if [[ $cur == -* ]]; then
		case $cmd in
		dump) COMPREPLY=($(compgen -W "--json --format --output --stop-all --stack-bytes --stop-timeout --group --no-group --state --tid --lock --color --no-color --subprocesses --exe --sysroot --save --max-frames --max-output-bytes --no-sandbox --pid --help" -- "$cur"));;
		top) COMPREPLY=($(compgen -W "--interval --no-sampling --no-sandbox --pid --help" -- "$cur"));;
		record) COMPREPLY=($(compgen -W "--rate --duration --output --format --stop-all --no-sampling --subprocesses --no-sandbox --pid -- --help" -- "$cur"));;
		watch) COMPREPLY=($(compgen -W "--blocked-for --dir --exec --interval --rate-limit --analysis-timeout --max-dump-bytes --max-dir-bytes --save --subprocesses --no-sandbox --pid -- --help" -- "$cur"));;
		esac
		return
	fi
	COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur"))
}
complete -F _holdup holdup
