#!/usr/bin/env bash
# swaks against Tern's port 25 listener: local delivery with a Received header, unknown user (550 5.1.1),
# no open relay (554 5.7.1), "postmaster" without a domain through the alias, PIPELINING, a bare LF in
# DATA refused with nothing delivered; then, with trusted_networks, the remote recipient accepted.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"

tern_config
tern_user_add alice@example.test alice-secret
tern_start

n=0 # messages expected in alice's Maildir
ALICE=alice@example.test

# swaks_run NAME ARGS... -> runs swaks against Tern, transcript in NAME.out; sets SWAKS_RC.
swaks_run() {
    local name="$1"
    shift
    SWAKS_RC=0
    swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo client.example.org --timeout 30 "$@" \
        >"$name.out" 2>&1 || SWAKS_RC=$?
    sed "s/^/    [$name] /" "$name.out"
}

# expect_line NAME REGEX WHAT
expect_line() {
    grep -Eq -- "$2" "$1.out" || die "$1: $3 (no line matching /$2/ in the transcript above)"
}

queued='^<- +250 2\.0\.0 Ok: queued as [^ ]+'

# --- 1. to an existing user: 250, delivered with the body and a Received header -----------------------
token="swaks-body-$RANDOM$RANDOM"
swaks_run deliver --from bob@example.org --to "$ALICE" \
    --header "Subject: interop 01 deliver" --body "Hello Alice, $token"
[ "$SWAKS_RC" -eq 0 ] || die "deliver: swaks exited $SWAKS_RC, expected 0"
expect_line deliver "$queued" "no '250 2.0.0 Ok: queued as ID' after DATA"
n=$((n + 1))
maildir_wait "$ALICE" "$n"
f="$(maildir_find "$ALICE" "$token")"
message_body "$f" | grep -xF "Hello Alice, $token" >/dev/null || die "deliver: body line missing from $f"
message_headers "$f" | grep '^Subject: interop 01 deliver$' >/dev/null || die "deliver: Subject header missing from $f"
received="$(message_headers "$f" | awk 'tolower($0) ~ /^received: / { print; exit }')"
[ -n "$received" ] || die "deliver: no Received: header in $f"
printf '%s\n' "$received" | grep -iE '[[:space:]]by tern\.test([[:space:];]|$)' >/dev/null ||
    die "deliver: the first Received: header does not say 'by tern.test': $received"
log "deliver: ok ($f)"

# --- 2. to an unknown local user: 550 5.1.1 at RCPT ------------------------------------------------------
swaks_run unknown --from bob@example.org --to nobody@example.test --body "not for anyone"
expect_line unknown '^<\*\* +550 5\.1\.1 ' "RCPT to an unknown user not refused with 550 5.1.1"
[ "$SWAKS_RC" -eq 24 ] || die "unknown: swaks exited $SWAKS_RC, expected 24 (no RCPT accepted)"
log "unknown user: ok"

# --- 3. to a remote domain from an untrusted client: 554 5.7.1, no open relay ---------------------------
swaks_run relay --from bob@example.org --to someone@remote.example --body "relay attempt"
expect_line relay '^<\*\* +554 5\.7\.1 ' "RCPT to a remote domain from an untrusted client not refused with 554 5.7.1"
[ "$SWAKS_RC" -eq 24 ] || die "relay: swaks exited $SWAKS_RC, expected 24 (no RCPT accepted)"
[ ! -e "$TERN_DATA/mail/remote.example" ] || die "relay: a Maildir was made for remote.example"
log "no open relay: ok"

# --- 4. to "postmaster" without a domain: accepted, delivered to alice through the alias ----------------
token="swaks-postmaster-$RANDOM$RANDOM"
swaks_run postmaster --from bob@example.org --to postmaster --header "Subject: to postmaster" --body "$token"
expect_line postmaster '^ -> RCPT TO:<postmaster>' "swaks did not send RCPT TO:<postmaster>"
[ "$SWAKS_RC" -eq 0 ] || die "postmaster: swaks exited $SWAKS_RC, expected 0"
expect_line postmaster "$queued" "no '250 2.0.0 Ok: queued as ID' after DATA"
n=$((n + 1))
maildir_wait "$ALICE" "$n"
maildir_find "$ALICE" "$token" >/dev/null
log "postmaster alias: ok"

# --- 5. with PIPELINING ---------------------------------------------------------------------------------
token="swaks-pipeline-$RANDOM$RANDOM"
swaks_run pipeline --pipeline --from bob@example.org --to "$ALICE" --header "Subject: pipelined" --body "$token"
[ "$SWAKS_RC" -eq 0 ] || die "pipeline: swaks exited $SWAKS_RC, expected 0"
expect_line pipeline '^<- +250[- ]PIPELINING' "EHLO reply does not advertise PIPELINING"
expect_line pipeline "$queued" "no '250 2.0.0 Ok: queued as ID' after DATA"
n=$((n + 1))
maildir_wait "$ALICE" "$n"
maildir_find "$ALICE" "$token" >/dev/null
log "pipelining: ok"

# --- 6. a bare LF in the DATA: refused with 5xx, nothing delivered --------------------------------------
# swaks --no-data-fixup sends the file as it is and then CRLF; so the file ends with the final "." alone.
token="swaks-bare-lf-$RANDOM$RANDOM"
printf 'From: bob@example.org\r\nTo: alice@example.test\r\nSubject: bare LF\r\n\r\nfirst line %s\nsecond line after a bare LF\r\n.' \
    "$token" >bare-lf.eml
swaks_run barelf --from bob@example.org --to "$ALICE" --data @bare-lf.eml --no-data-fixup
expect_line barelf '^<- +354 ' "DATA was not answered with 354"
expect_line barelf '^<\*\* +5[0-9][0-9] ' "a message with a bare LF was not refused with 5xx"
if grep -Eq "$queued" barelf.out; then die "barelf: the message with a bare LF was queued"; fi
[ "$SWAKS_RC" -ne 0 ] || die "barelf: swaks exited 0"
maildir_stays "$ALICE" "$n" 3
if grep -rqF -- "$token" "$(maildir_dir "$ALICE")"; then die "barelf: the message with a bare LF was delivered"; fi
log "bare LF: ok"

tern_stop

# --- 7. the same remote recipient from a trusted network: accepted at RCPT (then QUIT: nothing queued) --
TERN_TRUSTED_NETWORKS='["127.0.0.0/8"]' tern_config trusted
tern_start
swaks_run trusted --from bob@example.org --to someone@remote.example --quit-after RCPT
[ "$SWAKS_RC" -eq 0 ] || die "trusted: swaks exited $SWAKS_RC, expected 0"
expect_line trusted '^ -> RCPT TO:<someone@remote.example>' "swaks did not send the RCPT"
expect_line trusted '^<- +250 ' "RCPT to a remote domain from a trusted network was not accepted"
log "relay from a trusted network: ok"
tern_stop
echo "01-swaks: all checks passed"
