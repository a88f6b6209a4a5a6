# holdup.fish - fish completion for holdup: subcommands, their options, PIDs, files and formats.
function __holdup_pids
    ps -eo pid=,comm= 2>/dev/null | string trim | string replace -r '\s+' '\t'
end

set -l cmds dump top record watch version
complete -c holdup -f
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -a dump -d 'print every thread, its locks and deadlocks'
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -a top -d 'live dashboard of threads, locks and wait chains'
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -a record -d 'sample over time into pprof, folded, speedscope or JSON'
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -a watch -d 'dump when a deadlock appears or a thread stays blocked'
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -a version -d 'print the version'
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -s V -l version -d 'print the version'
complete -c holdup -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'show the commands'

# every command: a PID, -p/--pid, --help
complete -c holdup -n "__fish_seen_subcommand_from $cmds" -a '(__holdup_pids)'
complete -c holdup -n "__fish_seen_subcommand_from $cmds" -s p -l pid -x -a '(__holdup_pids)' -d 'the target process'
complete -c holdup -n "__fish_seen_subcommand_from $cmds" -s h -l help -d 'show the options'

set -l d "__fish_seen_subcommand_from dump"
complete -c holdup -n $d -l json -d 'JSON instead of text'
complete -c holdup -n $d -l format -x -a 'text json dot' -d 'output format'
complete -c holdup -n $d -s o -l output -r -F -d 'write to FILE'
complete -c holdup -n $d -l stop-all -d 'stop every thread'
complete -c holdup -n $d -l stack-bytes -x -d 'bytes of each stack copied'
complete -c holdup -n $d -l stop-timeout -x -d 'give up on a thread after MS'
complete -c holdup -n $d -l group -d 'fold identical threads'
complete -c holdup -n $d -l no-group -d 'list every thread'
complete -c holdup -n $d -l state -x -a 'running runnable blocked waiting sleeping io disk stopped dead unknown' -d 'only threads in these states'
complete -c holdup -n $d -l tid -x -d 'only these threads'
complete -c holdup -n $d -l lock -x -d 'only threads on this lock'
complete -c holdup -n $d -l color -d 'colour in text'
complete -c holdup -n $d -l no-color -d 'no colour'
complete -c holdup -n $d -l subprocesses -d 'descendants too'
complete -c holdup -n $d -l exe -r -F -d "the core's executable"
complete -c holdup -n $d -l sysroot -x -a '(__fish_complete_directories)' -d "the core's files are under DIR"
complete -c holdup -n $d -l save -r -F -d 'also save the capture as an ELF core'
complete -c holdup -n $d -l max-frames -x -d 'frames of one snapshot, at most'
complete -c holdup -n $d -l max-output-bytes -x -d 'all the dump writes, at most'
complete -c holdup -n $d -l no-sandbox -d 'parse with full privileges'
complete -c holdup -n $d -F

set -l t "__fish_seen_subcommand_from top"
complete -c holdup -n $t -s i -l interval -x -d 'seconds between samples'
complete -c holdup -n $t -l no-sampling -d 'stop running threads for each sample'
complete -c holdup -n $t -l no-sandbox -d 'analyse with full privileges'

set -l r "__fish_seen_subcommand_from record"
complete -c holdup -n $r -s r -l rate -x -d 'snapshots per second'
complete -c holdup -n $r -s d -l duration -x -d 'how long'
complete -c holdup -n $r -s o -l output -r -F -d 'write to FILE'
complete -c holdup -n $r -s f -l format -x -a 'pprof folded json json-array speedscope' -d 'output format'
complete -c holdup -n $r -l stop-all -d 'stop every thread'
complete -c holdup -n $r -l no-sampling -d 'stop running threads for each sample'
complete -c holdup -n $r -l subprocesses -d 'descendants too'
complete -c holdup -n $r -l no-sandbox -d 'analyse with full privileges'

set -l w "__fish_seen_subcommand_from watch"
complete -c holdup -n $w -l blocked-for -x -d 'threshold for one block'
complete -c holdup -n $w -l dir -x -a '(__fish_complete_directories)' -d 'where dumps go'
complete -c holdup -n $w -l exec -x -d 'run CMD after each dump'
complete -c holdup -n $w -l save -d 'also save each dump as an ELF core'
complete -c holdup -n $w -s i -l interval -x -d 'seconds between snapshots'
complete -c holdup -n $w -l rate-limit -x -d 'at most one dump per trigger per SECS'
complete -c holdup -n $w -l analysis-timeout -x -d "a snapshot's analysis deadline"
complete -c holdup -n $w -l max-dump-bytes -x -d "one dump file's budget"
complete -c holdup -n $w -l max-dir-bytes -x -d "all dumps' budget"
complete -c holdup -n $w -l subprocesses -d 'descendants too'
complete -c holdup -n $w -l no-sandbox -d 'analyse with full privileges'
