#!/bin/bash
# completion.t - the bash, zsh and fish completions offer every subcommand and every long option of each, as the option tables in the source define them, and they parse.
. tests/integration/lib.sh
plan 12

# each subcommand's long options, from its option table (the tables options_parse reads) and the
# ones every command takes (options.c: --pid, --help)
opts_of() {
	local f
	case $1 in dump) f=src/cmd_dump.c;; top) f=ui/cmd_top.c;; record) f=src/cmd_record.c;; watch) f=src/cmd_watch.c;; esac
	{ grep -oE '^\s*\{ "[a-z-]+", ' "$f" | grep -oE '[a-z-]+'; echo pid; echo help; } | sort -u
}
[ "$(opts_of dump | wc -l)" -gt 15 ] && opts_of watch | grep -qx save && opts_of top | grep -qx interval
ok $? "the option tables are read from the source ($(opts_of dump | wc -l) dump options)"

# mentions FILE CMD: every option of CMD appears as --OPT in the file (as "-l OPT" for fish)
mentions() {
	local file=$1 cmd=$2 o missing=""
	for o in $(opts_of "$cmd"); do
		case $file in
		*.fish) grep -Eq -- "-l $o( |\$)" "$file" || missing="$missing --$o";;
		*) grep -Eq -- "--$o([^a-z-]|\$)" "$file" || missing="$missing --$o";;
		esac
	done
	[ -z "$missing" ] || diag "$file lacks for $cmd:$missing"
	[ -z "$missing" ]
}
for file in contrib/holdup.bash contrib/_holdup contrib/holdup.fish; do
	all=0
	for cmd in dump top record watch; do mentions "$file" "$cmd" || all=1; done
	for cmd in dump top record watch version; do grep -q "$cmd" "$file" || all=1; done
	ok $all "$(basename "$file"): every subcommand and every long option of each"
done

bash -n contrib/holdup.bash; ok $? "bash completion parses"
if command -v zsh >/dev/null; then zsh -n contrib/_holdup; ok $? "zsh completion parses"; else ok 0 "# SKIP zsh missing"; fi
if command -v fish >/dev/null; then fish -n contrib/holdup.fish; ok $? "fish completion parses"; else ok 0 "# SKIP fish missing"; fi

# they work: the shells themselves complete a prefix
got=$(bash -c 'source contrib/holdup.bash; COMP_WORDS=(holdup dump --max-f); COMP_CWORD=2; _holdup; echo "${COMPREPLY[*]}"')
[ "$got" = "--max-frames" ]; ok $? "bash completes 'holdup dump --max-f' to --max-frames (got '$got')"
got=$(bash -c 'source contrib/holdup.bash; COMP_WORDS=(holdup wat); COMP_CWORD=1; _holdup; echo "${COMPREPLY[*]}"')
[ "$got" = "watch" ]; ok $? "bash completes the subcommand 'wat' (got '$got')"
if command -v fish >/dev/null; then
	got=$(HOME=$TMPD fish --no-config -c "source contrib/holdup.fish; complete -C 'holdup watch --max-di'" 2>&1 | cut -f1)
	[ "$got" = "--max-dir-bytes" ]; ok $? "fish completes 'holdup watch --max-di' (got '$got')"
	got=$(HOME=$TMPD fish --no-config -c "source contrib/holdup.fish; complete -C 'holdup dump --format '" 2>&1 | cut -f1 | tr '\n' ' ')
	[ "$got" = "dot json text " ]; ok $? "fish offers dump's formats (got '$got')"
else
	ok 0 "# SKIP fish missing"; ok 0 "# SKIP fish missing"
fi
if command -v zsh >/dev/null; then
	# the completion function loads in a zsh with compinit and names every command
	HOME=$TMPD zsh -f -c "fpath=($PWD/contrib \$fpath); autoload -U compinit; compinit -u -d $TMPD/zcd; autoload -U _holdup; print \${+functions[_holdup]}" >"$TMPD/z.out" 2>&1
	[ "$(tail -n 1 "$TMPD/z.out")" = 1 ]; ok $? "zsh loads _holdup from the contrib directory ($(tail -n 1 "$TMPD/z.out"))"
else
	ok 0 "# SKIP zsh missing"
fi
exit $((TAP_FAILED > 0))
