#!/usr/bin/env bash
# SIGTERM: the server finishes the transaction in progress, exits 0, and every message it acknowledged
# is delivered exactly once, across a restart on the same data_dir.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || die "python3 is not installed"

BURST=20
ALICE=alice@example.test

tern_config
tern_user_add "$ALICE" alice-secret
tern_start
first_port="$TERN_SMTP_PORT"

# 1. a few messages, each in its own session, delivered before anything else happens
python3 "$INTEROP_DIR/smtp_send.py" few 127.0.0.1 "$TERN_SMTP_PORT" 3 >>acked.txt
maildir_wait "$ALICE" 3

# 2. a burst in one session, then SIGTERM at once (some may still be in the queue), while another
#    session is in the middle of its DATA: it must still be answered 250 and the server exit 0
python3 "$INTEROP_DIR/smtp_send.py" burst 127.0.0.1 "$TERN_SMTP_PORT" "$BURST" >>acked.txt
python3 "$INTEROP_DIR/smtp_send.py" inflight 127.0.0.1 "$TERN_SMTP_PORT" "$TERN_PID" >>acked.txt &
inflight=$!
# smtp_send.py inflight sends SIGTERM itself after the first half of its DATA and finishes the DATA 1 s later
rc=0
wait "$inflight" || rc=$?
[ "$rc" -eq 0 ] || die "the transaction in progress at SIGTERM was not completed (smtp_send.py inflight exited $rc)"

# now the server must exit by itself, with status 0
deadline=$((SECONDS + TERN_STOP_TIMEOUT))
while pid_alive "$TERN_PID"; do
    [ "$SECONDS" -lt "$deadline" ] || die "tern still running ${TERN_STOP_TIMEOUT}s after SIGTERM"
    sleep 0.1
done
rc=0
wait "$TERN_PID" || rc=$?
TERN_PID=""
[ "$rc" -eq 0 ] || {
    tail -n 40 "$TERN_OUT"
    die "tern exited with status $rc after SIGTERM (expected 0)"
}
log "tern exited 0 after SIGTERM"

acked="$(grep -c . acked.txt)"
expected=$((3 + BURST + 1))
[ "$acked" -eq "$expected" ] || die "$acked messages acknowledged, expected $expected"
before="$(maildir_count "$ALICE")"
log "$acked acknowledged, $before in alice's Maildir while the server is down"
[ "$before" -le "$acked" ] || die "$before messages in the Maildir but only $acked acknowledged"

# 3. restart on the same data_dir: whatever was still queued gets delivered, nothing twice
tern_start
[ -n "$TERN_SMTP_PORT" ] || die "no port after restart"
maildir_wait "$ALICE" "$acked" 60
dir="$(maildir_dir "$ALICE")"
while read -r token; do
    n="$( (grep -rlF -- "$token" "$dir" || true) | wc -l)"
    [ "$n" -eq 1 ] || die "message $token is in the Maildir $n times, expected once"
done < <(awk '{ print $1 }' acked.txt)
log "all $acked acknowledged messages delivered exactly once"

# 4. the restarted server takes new mail
python3 "$INTEROP_DIR/smtp_send.py" few 127.0.0.1 "$TERN_SMTP_PORT" 1 >>acked.txt
maildir_wait "$ALICE" $((acked + 1))
log "restarted server (port $first_port, now $TERN_SMTP_PORT) accepts and delivers"

tern_stop
echo "04-sigterm: all checks passed"
