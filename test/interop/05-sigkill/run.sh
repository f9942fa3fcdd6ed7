#!/usr/bin/env bash
# A crash (SIGKILL) right after a burst of acknowledged messages: on restart with the same data_dir,
# every acknowledged message is delivered exactly once (the durability contract: fsync before the 250;
# a delivery repeated after the crash finds its earlier copy in the Maildir, as README.md and CrashTest
# promise). Each acknowledged message's token must be in exactly one file, and no other file may appear.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || die "python3 is not installed"

BURST=40
ALICE=alice@example.test

tern_config
tern_user_add "$ALICE" alice-secret
tern_start

# smtp_send.py sends SIGKILL the moment the last 250 arrives: that message is most likely still queued
python3 "$INTEROP_DIR/smtp_send.py" burst-kill 127.0.0.1 "$TERN_SMTP_PORT" "$BURST" "$TERN_PID" >acked.txt
wait "$TERN_PID" || true
TERN_PID=""
acked="$(grep -c . acked.txt)"
[ "$acked" -eq "$BURST" ] || die "$acked of $BURST messages acknowledged"
before="$(maildir_count "$ALICE")"
log "SIGKILL after $acked acknowledged messages; $before in the Maildir then"
[ "$before" -le "$acked" ] || die "$before messages in the Maildir but only $acked acknowledged"

tern_start
dir="$(maildir_dir "$ALICE")"
deadline=$((SECONDS + 60))
while :; do
    missing=0
    while read -r token; do
        grep -rqF -- "$token" "$dir" 2>/dev/null || missing=$((missing + 1))
    done < <(awk '{ print $1 }' acked.txt)
    [ "$missing" -eq 0 ] && break
    [ "$SECONDS" -lt "$deadline" ] || die "$missing of $acked acknowledged messages not delivered 60s after the restart"
    sleep 0.5
done
# count only once the queue is empty: a duplicate would have been delivered by then
deadline=$((SECONDS + 60))
until tern queue list --config "$TERN_CONFIG" 2>/dev/null | grep -q "The queue is empty."; do
    [ "$SECONDS" -lt "$deadline" ] || die "the queue is not empty 60s after the restart"
    sleep 0.5
done
duplicates=0
while read -r token; do
    copies="$(grep -rlF -- "$token" "$dir" 2>/dev/null | wc -l)"
    if [ "$copies" -ne 1 ]; then
        log "message $token is in $copies files"
        duplicates=$((duplicates + 1))
    fi
done < <(awk '{ print $1 }' acked.txt)
[ "$duplicates" -eq 0 ] || die "$duplicates of $acked acknowledged messages delivered more than once"
total="$(maildir_count "$ALICE")"
[ "$total" -eq "$acked" ] || die "$total messages in the Maildir for $acked acknowledged (exactly once expected)"
log "all $acked acknowledged messages delivered exactly once after the crash"

python3 "$INTEROP_DIR/smtp_send.py" few 127.0.0.1 "$TERN_SMTP_PORT" 1 >>acked.txt
maildir_wait "$ALICE" $((total + 1))
tern_stop
echo "05-sigkill: all checks passed"
