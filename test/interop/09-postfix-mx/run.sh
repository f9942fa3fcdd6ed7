#!/usr/bin/env bash
# Outbound delivery to a real MX: dnsmasq answers MX remote.test -> mx.remote.test -> 127.0.0.2, a private
# Postfix instance is that MX (smtpd on 127.0.0.2:Q, virtual mailboxes for remote.test under the scenario
# dir), and Tern looks the MX up through dnsmasq and delivers on port Q. swaks hands Tern a message for
# bob@remote.test: it must land in Postfix's Maildir with Tern's Received header, and Tern must log
# status=sent with relay=mx.remote.test[127.0.0.2]:Q. Then a recipient Postfix does not know: Postfix refuses
# it with 550 5.1.1 and Tern bounces the message to the local sender alice with an RFC 3464 report.
# While the second message is in flight nothing is checked by timing; waits are bounded.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"

DNS_PORT="$(free_port)"
MX_PORT="$(free_port)"
[ -n "$DNS_PORT" ] && [ -n "$MX_PORT" ] || die "no free port found"

# --- DNS -------------------------------------------------------------------------------------------------
dnsmasq_start "$DNS_PORT" --mx-host=remote.test,mx.remote.test,10 --host-record=mx.remote.test,127.0.0.2

# --- the remote MX: a private Postfix ------------------------------------------------------------------
PF="$TERN_TMP/postfix"
postfix_private "$PF" 127.0.0.2 "$MX_PORT"
mkdir -p "$PF/mail"
chown nobody:nogroup "$PF/mail"
printf 'bob@remote.test remote.test/bob/\n' >"$PF/etc/vmailbox"
postconf -c "$PF/etc" -e \
    "myhostname = mx.remote.test" \
    "virtual_mailbox_domains = remote.test" \
    "virtual_mailbox_base = $PF/mail" \
    "virtual_mailbox_maps = texthash:$PF/etc/vmailbox" \
    "virtual_uid_maps = static:65534" \
    "virtual_gid_maps = static:65534" || die "postconf failed"
postfix_start
BOB_NEW="$PF/mail/remote.test/bob/new"

# --- Tern ------------------------------------------------------------------------------------------------
export TERN_TRUSTED_NETWORKS='["127.0.0.0/8"]'
export TERN_EXTRA_TOML="[delivery]
mx_port = $MX_PORT
connect_timeout = \"5s\"

[dns]
servers = [\"127.0.0.1:$DNS_PORT\"]"
tern_config
tern_user_add alice@example.test alice-secret
tern_start

swaks_to_tern() {
    local name="$1"
    shift
    local rc=0
    swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo client.example.org --timeout 30 "$@" \
        >"$name.out" 2>&1 || rc=$?
    sed "s/^/    [$name] /" "$name.out"
    [ "$rc" -eq 0 ] || die "$name: swaks exited $rc"
    grep -Eq '^<- +250 2\.0\.0 Ok: queued as ' "$name.out" || die "$name: Tern did not queue the message"
}

# --- 1. delivered to bob at the Postfix MX -------------------------------------------------------------
token="to-postfix-$RANDOM$RANDOM"
swaks_to_tern sent --from alice@example.test --to bob@remote.test \
    --header "Subject: interop 06 via MX" --body "Hello Bob, $token"
dir_wait "$BOB_NEW" 1 60
f="$(grep -rlF -- "$token" "$BOB_NEW" || true)"
[ -n "$f" ] || die "bob's Maildir at Postfix has no message with $token"
message_headers "$f" | grep -iE '^received: .*by tern\.test' >/dev/null ||
    die "the message at Postfix has no Received header by tern.test: $(message_headers "$f" | grep -i '^received:')"
message_headers "$f" | grep -iE '^received: from tern\.test .*by mx\.remote\.test' >/dev/null ||
    die "the message at Postfix has no Received header from tern.test by mx.remote.test"
log "delivered at Postfix: $f"
relay_re="to=<bob@remote\\.test>, relay=mx\\.remote\\.test\\[127\\.0\\.0\\.2\\]:$MX_PORT, .*status=sent"
deadline=$((SECONDS + 20))
until grep -Eq "$relay_re" "$TERN_OUT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "Tern did not log /$relay_re/"
    sleep 0.2
done
grep -E "$relay_re" "$TERN_OUT" | sed 's/^/    [tern] /'
grep -q 'to=<bob@remote.test>.*status=sent' "$PF/maillog" || die "Postfix's log has no status=sent for bob"

# --- 2. an unknown user at Postfix: 550 5.1.1, bounced to alice -----------------------------------------
token="to-nobody-$RANDOM$RANDOM"
swaks_to_tern bounce --from alice@example.test --to nobody@remote.test \
    --header "Subject: interop 06 unknown user" --body "Nobody, $token"
maildir_wait alice@example.test 1 60
dsn="$(maildir_find alice@example.test "nobody@remote.test")"
message_headers "$dsn" | grep -i '^content-type: multipart/report; *report-type=delivery-status' >/dev/null ||
    die "the bounce is not a multipart/report delivery-status: $(message_headers "$dsn" | grep -i '^content-type')"
tr -d '\r' <"$dsn" | grep -qx 'Final-Recipient: rfc822; nobody@remote.test' || die "bounce: no Final-Recipient"
tr -d '\r' <"$dsn" | grep -qx 'Action: failed' || die "bounce: no Action: failed"
tr -d '\r' <"$dsn" | grep -qx 'Status: 5.1.1' || die "bounce: no Status: 5.1.1"
tr -d '\r' <"$dsn" | grep -qx 'Remote-MTA: dns; mx.remote.test' || die "bounce: no Remote-MTA: dns; mx.remote.test"
tr -d '\r' <"$dsn" | grep -q '^Diagnostic-Code: smtp; 550 5.1.1 ' || die "bounce: no Diagnostic-Code with Postfix's 550"
grep -qF -- "$token" "$dsn" || die "bounce: the original message is not attached"
grep -Eq 'to=<nobody@remote\.test>, relay=mx\.remote\.test\[127\.0\.0\.2\]:[0-9]+, .*status=bounced' "$TERN_OUT" ||
    die "Tern did not log status=bounced for nobody@remote.test"
log "bounce to alice: ok ($dsn)"
[ "$(find "$BOB_NEW" -type f | wc -l)" -eq 1 ] || die "bob got more than one message"

# --- 3. the queue is empty again ------------------------------------------------------------------------
deadline=$((SECONDS + 20))
until [ -z "$(find "$TERN_DATA/spool/queue" -type f | head -n 1)" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "Tern's queue still holds: $(ls "$TERN_DATA/spool/queue")"
    sleep 0.2
done

tern_stop
postfix_stop
log "ok"
