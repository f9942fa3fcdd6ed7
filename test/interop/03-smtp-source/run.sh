#!/usr/bin/env bash
# Postfix's smtp-source: 1,000 messages of 1 KB over 10 parallel sessions, all to alice. Every one must
# land in alice's Maildir exactly once.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

SMTP_SOURCE="${SMTP_SOURCE:-}"
if [ -z "$SMTP_SOURCE" ]; then
    for p in "$(command -v smtp-source 2>/dev/null || true)" /usr/sbin/smtp-source /usr/lib/postfix/smtp-source; do
        if [ -n "$p" ] && [ -x "$p" ]; then SMTP_SOURCE="$p" && break; fi
    done
fi
[ -n "$SMTP_SOURCE" ] || die "smtp-source (from the postfix package) is not installed"

SESSIONS=10
MESSAGES=1000
LENGTH=1024
ALICE=alice@example.test

# What one message of smtp-source looks like (its payload layout is its own business): one into a sink.
coproc CAPTURE { exec python3 "$(dirname "$0")/capture.py" reference.eml; }
capture_pid=$CAPTURE_PID # bash unsets CAPTURE_PID as soon as the coprocess ends, which may be before the wait
read -r -t 30 capture_port <&"${CAPTURE[0]}" || die "capture.py did not start"
timeout 30 "$SMTP_SOURCE" -m 1 -l "$LENGTH" -M client.example.org -S "smtp-source interop" \
    -f sender@example.org -t "$ALICE" "127.0.0.1:$capture_port" || die "smtp-source into the capture sink failed"
wait "$capture_pid" || die "capture.py failed"
[ -s reference.eml ] || die "capture.py got no message from smtp-source"
message_body reference.eml >reference.body
log "smtp-source's body: $(wc -l <reference.body) lines, $(wc -c <reference.body) bytes without CR"

# a flood from one address on purpose: the per-address rate limits (issue 16) would refuse most of it
TERN_EXTRA_TOML='[limits]
connections_per_ip_per_minute = 0
messages_per_ip_per_hour = 0
recipients_per_ip_per_hour = 0' tern_config
tern_user_add "$ALICE" alice-secret
tern_start

log "smtp-source -s $SESSIONS -m $MESSAGES -l $LENGTH to 127.0.0.1:$TERN_SMTP_PORT"
start=$SECONDS
rc=0
# -M: the HELO name (and the Message-Id's domain); -S: a subject line
timeout 120 "$SMTP_SOURCE" -s "$SESSIONS" -m "$MESSAGES" -l "$LENGTH" -M client.example.org -S "smtp-source interop" \
    -f sender@example.org -t "$ALICE" "127.0.0.1:$TERN_SMTP_PORT" >smtp-source.out 2>&1 || rc=$?
cat smtp-source.out
[ "$rc" -eq 0 ] || die "smtp-source exited $rc (124: still running after 120s; else it stops at the first reply it did not expect)"
log "smtp-source done in $((SECONDS - start))s"

maildir_wait "$ALICE" "$MESSAGES" 120
log "all $MESSAGES delivered $((SECONDS - start))s after the first was sent"

dir="$(maildir_dir "$ALICE")"
# Distinct: no message delivered twice. smtp-source's messages differ only in Date and Message-Id (which
# it does not promise to be unique), and Tern adds a Received header with its queue ID; so two identical
# files mean one message delivered twice.
files="$(cd "$dir" && find . -type f -exec md5sum {} + | awk '{ print $1 }' | sort -u | wc -l)"
[ "$files" -eq "$MESSAGES" ] || die "only $files distinct files among $MESSAGES messages: some were delivered twice"
# Whole: each has smtp-source's Subject and exactly the body smtp-source sent (CR aside).
python3 - "$dir" reference.body <<'PY' || die "some messages were not stored as smtp-source sent them"
import os, sys
d, ref = sys.argv[1], open(sys.argv[2], "rb").read()
bad = 0
for name in sorted(os.listdir(d)):
    raw = open(os.path.join(d, name), "rb").read().replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    problems = []
    if b"\nSubject: smtp-source interop\n" not in b"\n" + head + b"\n":
        problems.append("no 'Subject: smtp-source interop'")
    if body != ref:
        problems.append(f"body of {len(body)} bytes differs from the {len(ref)} bytes smtp-source sent")
    if problems:
        bad += 1
        if bad <= 5:
            print(f"{name}: {'; '.join(problems)}")
if bad:
    print(f"{bad} message(s) not stored whole")
    sys.exit(1)
PY
log "$MESSAGES distinct messages, each with smtp-source's whole body"

tern_stop
echo "03-smtp-source: all checks passed"
