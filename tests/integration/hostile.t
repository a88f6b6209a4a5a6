#!/bin/bash
# hostile.t - output files a hostile user could aim holdup (often root) at: -o through another user's symlink, watch's dump names and modes.
. tests/integration/lib.sh
plan 8

start_fixture lock_abba || exit 1
P=$FPID

# --- -o through a symbolic link another user planted is refused, and what it points to is untouched
echo "precious" >"$TMPD/precious"
ln -s "$TMPD/precious" "$TMPD/planted"
chown -h nobody "$TMPD/planted" 2>/dev/null
"$HOLDUP" dump -o "$TMPD/planted" $P >"$TMPD/out" 2>&1; rc=$?
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "dump -o through another user's symlink: exit 1 (rc $rc)"
grep -q "symbolic link of uid .*not followed" "$TMPD/out"; ok $? "dump -o: says it does not follow the link"
[ "$(cat "$TMPD/precious")" = precious ]; ok $? "dump -o: the link's target is untouched"
timeout -s KILL 20 "$HOLDUP" record -d 1 -o "$TMPD/planted" $P >"$TMPD/out" 2>&1; rc=$?
ok $([ $rc -eq 1 ] && [ "$(cat "$TMPD/precious")" = precious ] && echo 0 || echo 1) "record -o through it: exit 1, target untouched (rc $rc)"
# a link of our own is followed, as users expect (-o /dev/stdout and the like)
ln -s "$TMPD/mine.txt" "$TMPD/mylink"
"$HOLDUP" dump -o "$TMPD/mylink" $P >/dev/null 2>&1
grep -q "^Process $P" "$TMPD/mine.txt"; ok $? "dump -o through our own link writes its target"

# --- watch: dumps are 0600 and their names carry a random part (a planted name cannot block them)
D=$TMPD/w; mkdir -p $D
timeout -s KILL 30 "$HOLDUP" watch -i 0.2 --blocked-for 0.5 --dir $D $P >"$TMPD/w.out" 2>&1 &
WP=$!
for i in $(seq 1 100); do ls $D/holdup-$P-*.txt >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.3; kill $WP 2>/dev/null; wait $WP 2>/dev/null
f=$(ls $D/holdup-$P-*.txt 2>/dev/null | head -n 1)
[ -n "$f" ] && [ "$(stat -c %a "$f")" = 600 ] && [ "$(stat -c %a "${f%.txt}.json")" = 600 ]
ok $? "watch: dumps are mode 0600 ($(basename "$f"))"
echo "$f" | grep -Eq "holdup-$P-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}\.txt$"; ok $? "watch: the name ends in a random part"
wait_unharmed $P; ok $? "target unharmed"
