#!/usr/bin/env bash
# swaks as a mail client: STARTTLS + AUTH PLAIN on the submission port, implicit TLS (--tlsc) + AUTH LOGIN on
# submissions; delivered with "with ESMTPSA" and the TLS version and cipher in Received; AUTH not offered
# before TLS; MAIL before AUTH 530; someone else's sender 553 5.7.1; a wrong password 535 and a log line
# that fail2ban can match.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"
perl -MIO::Socket::SSL -e 1 2>/dev/null || die "swaks needs IO::Socket::SSL (libio-socket-ssl-perl) for TLS"

TERN_SUBMISSION='["127.0.0.1:0"]' TERN_SUBMISSIONS='["127.0.0.1:0"]' \
    TERN_EXTRA_TOML=$'[auth]\nfailure_delay = "0s"' tern_config
tern_user_add alice@example.test alice-secret
tern_start
SUB="$(tern_port submission)"
SUBS="$(tern_port submissions)"
[ -n "$SUB" ] && [ -n "$SUBS" ] || die "no submission/submissions port in $TERN_OUT"
ALICE=alice@example.test
n=0

swaks_run() {
    local name="$1"
    shift
    SWAKS_RC=0
    swaks --server 127.0.0.1 --helo client.example.org --timeout 30 "$@" >"$name.out" 2>&1 || SWAKS_RC=$?
    sed "s/^/    [$name] /" "$name.out"
}
expect_line() {
    grep -Eq -- "$2" "$1.out" || die "$1: $3 (no line matching /$2/ in the transcript above)"
}
queued='^<[-~*]{1,2} +250 2\.0\.0 Ok: queued as [^ ]+'

# --- 1. 587: STARTTLS, AUTH PLAIN, delivered with ESMTPSA and the cipher ------------------------------
token="sub-starttls-$RANDOM$RANDOM"
swaks_run starttls --port "$SUB" --tls --auth PLAIN --auth-user "$ALICE" --auth-password alice-secret \
    --from "$ALICE" --to "$ALICE" --header "From: Alice <$ALICE>" --header "Subject: 587" --body "$token"
[ "$SWAKS_RC" -eq 0 ] || die "starttls: swaks exited $SWAKS_RC"
expect_line starttls '^<[-~*]{1,2} +235 2\.7\.0 ' "AUTH PLAIN over STARTTLS was not answered 235 2.7.0"
expect_line starttls "$queued" "no 250 queued after DATA"
n=$((n + 1))
maildir_wait "$ALICE" "$n"
f="$(maildir_find "$ALICE" "$token")"
message_headers "$f" | grep -E '^Received: .*\(using TLSv1\.[23] with cipher TLS_[A-Z0-9_]+\) by tern\.test \(Tern\) with ESMTPSA id ' \
    >/dev/null || die "starttls: Received header lacks the TLS details or ESMTPSA: $(message_headers "$f" | grep ^Received)"
message_headers "$f" | grep ^Received | grep -qi authenticated && die "starttls: Received header names the user"
log "587 STARTTLS + AUTH PLAIN: ok"

# --- 2. 465: implicit TLS, AUTH LOGIN ---------------------------------------------------------------------
token="sub-implicit-$RANDOM$RANDOM"
swaks_run implicit --port "$SUBS" --tlsc --auth LOGIN --auth-user "$ALICE" --auth-password alice-secret \
    --from "$ALICE" --to "$ALICE" --header "From: $ALICE" --header "Subject: 465" --body "$token"
[ "$SWAKS_RC" -eq 0 ] || die "implicit: swaks exited $SWAKS_RC"
expect_line implicit '^<[-~*]{1,2} +235 2\.7\.0 ' "AUTH LOGIN over implicit TLS was not answered 235 2.7.0"
n=$((n + 1))
maildir_wait "$ALICE" "$n"
f="$(maildir_find "$ALICE" "$token")"
message_headers "$f" | grep -E '^Received: .* with ESMTPSA id ' >/dev/null || die "implicit: no ESMTPSA in Received"
log "465 implicit TLS + AUTH LOGIN: ok"

# --- 3. no AUTH before TLS; MAIL before AUTH is 530 ------------------------------------------------------
swaks_run plain --port "$SUB" --from "$ALICE" --to "$ALICE" --quit-after MAIL
expect_line plain '^<- +250-STARTTLS' "STARTTLS not advertised before TLS"
grep -Eq '^<- +250[- ]AUTH' plain.out && die "plain: AUTH advertised before TLS"
expect_line plain '^<[-~*]{1,2} +530 5\.7\.0 ' "MAIL before AUTH not refused with 530 5.7.0"
log "no AUTH before TLS, 530 before AUTH: ok"

# --- 4. someone else's envelope sender: 553 5.7.1 ----------------------------------------------------------
swaks_run forged --port "$SUB" --tls --auth PLAIN --auth-user "$ALICE" --auth-password alice-secret \
    --from bob@example.test --to "$ALICE" --body "forged"
expect_line forged '^<[-~*]{1,2} +553 5\.7\.1 ' "a sender that is not alice's was not refused with 553 5.7.1"
# and in the From: header only
swaks_run forgedhdr --port "$SUBS" --tlsc --auth PLAIN --auth-user "$ALICE" --auth-password alice-secret \
    --from "$ALICE" --to "$ALICE" --header "From: Bob <bob@example.test>" --body "forged header"
expect_line forgedhdr '^<[-~*]{1,2} +553 5\.7\.1 ' "a From: header that is not alice's was not refused with 553 5.7.1"
maildir_stays "$ALICE" "$n" 1
log "sender rules: ok"

# --- 5. a wrong password: 535 5.7.8 and a fail2ban-style log line ------------------------------------------
swaks_run wrongpw --port "$SUB" --tls --auth PLAIN --auth-user "$ALICE" --auth-password wrong \
    --from "$ALICE" --to "$ALICE" --body "x"
expect_line wrongpw '^<[-~*]{1,2} +535 5\.7\.8 ' "a wrong password was not answered 535 5.7.8"
grep -Eq 'auth failed: ip=\[127\.0\.0\.1\], service=smtp, mechanism=PLAIN, user=<alice@example\.test>' "$TERN_OUT" ||
    die "no 'auth failed: ip=[...], service=smtp, mechanism=PLAIN, user=<...>' line in $TERN_OUT"
log "wrong password: ok"

tern_stop
echo "06-submission-swaks: all checks passed"
