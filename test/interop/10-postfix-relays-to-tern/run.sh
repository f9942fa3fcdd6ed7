#!/usr/bin/env bash
# Inbound from a real MTA: a private Postfix instance (smtpd on 127.0.0.2:Q) relays everything to Tern
# (relayhost = [127.0.0.1]:<tern smtp port>). swaks hands Postfix a message for alice@example.test; Postfix's
# SMTP client passes it to Tern, which delivers it into alice's Maildir. The message must carry both Received
# headers (Postfix's, then Tern's on top), and Postfix must log status=sent for the relay to Tern.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"

tern_config
tern_user_add alice@example.test alice-secret
tern_start

PF_PORT="$(free_port)"
[ -n "$PF_PORT" ] || die "no free port found"
PF="$TERN_TMP/postfix"
postfix_private "$PF" 127.0.0.2 "$PF_PORT"
postconf -c "$PF/etc" -e \
    "myhostname = relay.remote.test" \
    "relayhost = [127.0.0.1]:$TERN_SMTP_PORT" \
    "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" || die "postconf failed"
postfix_start

token="via-postfix-$RANDOM$RANDOM"
rc=0
swaks --server 127.0.0.2 --port "$PF_PORT" --helo client.example.org --timeout 30 \
    --from carol@remote.test --to alice@example.test \
    --header "Subject: interop 07 through Postfix" --body "Hello Alice, $token" >postfix.out 2>&1 || rc=$?
sed 's/^/    [swaks] /' postfix.out
[ "$rc" -eq 0 ] || die "swaks to Postfix exited $rc"
grep -Eq '^<- +250 2\.0\.0 Ok: queued as ' postfix.out || die "Postfix did not queue the message"

maildir_wait alice@example.test 1 60
f="$(maildir_find alice@example.test "$token")"
received="$(message_headers "$f" | grep -i '^received:' || true)"
printf '%s\n' "$received" | sed 's/^/    /'
[ "$(printf '%s\n' "$received" | grep -c .)" -ge 2 ] || die "expected two Received headers in $f"
printf '%s\n' "$received" | sed -n 1p | grep -iE '^received: from relay\.remote\.test .*by tern\.test \(Tern\)' >/dev/null ||
    die "the first Received header is not Tern's, from relay.remote.test"
printf '%s\n' "$received" | sed -n 2p | grep -iE '^received: from client\.example\.org .*by relay\.remote\.test \(Postfix\)' >/dev/null ||
    die "the second Received header is not Postfix's, from client.example.org"
message_headers "$f" | grep -q '^Subject: interop 07 through Postfix$' || die "Subject header missing"
message_body "$f" | grep -qxF "Hello Alice, $token" || die "body line missing"

deadline=$((SECONDS + 20))
until grep -Eq "to=<alice@example\\.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$TERN_SMTP_PORT, .*status=sent" "$PF/maillog"; do
    [ "$SECONDS" -lt "$deadline" ] || die "Postfix did not log status=sent for the relay to Tern"
    sleep 0.2
done
grep 'status=sent' "$PF/maillog" | sed 's/^/    [postfix] /'

postfix_stop
tern_stop
log "ok"
