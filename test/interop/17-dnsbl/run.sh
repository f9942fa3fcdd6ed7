#!/usr/bin/env bash
# The MX's defences against real programs (issue 16): dnsmasq serves a blocklist zone bl.test that lists
# 127.0.0.2 and answers 127.0.0.1 with Spamhaus's error code 127.255.255.254; swaks from 127.0.0.2 is refused
# at RCPT with 554 5.7.1 naming the list and the address, swaks from 127.0.0.1 is delivered (an error code is
# never a listing); with a greet pause, a client that talks first gets 554 5.5.1 and is closed.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"

DNS_PORT="$(free_port)"
[ -n "$DNS_PORT" ] || die "no free port found"
dnsmasq_start "$DNS_PORT" --local=/bl.test/ \
    --host-record=2.0.0.127.bl.test,127.0.0.2 \
    --host-record=1.0.0.127.bl.test,127.255.255.254

TERN_EXTRA_TOML="[dns]
servers = [\"127.0.0.1:$DNS_PORT\"]

[checks]
dnsbl = [\"bl.test\"]
greet_pause = \"1s\"" tern_config
tern_user_add alice@example.test alice-secret
tern_start

# swaks_run NAME ARGS... -> runs swaks against Tern, transcript in NAME.out; sets SWAKS_RC.
swaks_run() {
    local name="$1"
    shift
    SWAKS_RC=0
    swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo client.example.org --timeout 30 \
        --from sender@example.org --to alice@example.test "$@" >"$name.out" 2>&1 || SWAKS_RC=$?
    sed "s/^/    [$name] /" "$name.out"
}

log "a client from 127.0.0.2, listed in bl.test"
swaks_run listed --local-interface 127.0.0.2
[ "$SWAKS_RC" -ne 0 ] || die "listed: swaks succeeded; the listed client should have been refused"
grep -Eq '<\*\* 554 5\.7\.1 Service unavailable; client \[127\.0\.0\.2\] blocked using bl\.test' listed.out \
    || die "listed: no 554 5.7.1 naming bl.test and 127.0.0.2"

log "a client from 127.0.0.1, answered 127.255.255.254 (the list's error code)"
swaks_run errorcode --local-interface 127.0.0.1
[ "$SWAKS_RC" -eq 0 ] || die "errorcode: swaks exited $SWAKS_RC; an error code must never refuse mail"
grep -Eq '<-  250 2\.0\.0 Ok: queued as' errorcode.out || die "errorcode: not queued"
deadline=$((SECONDS + 20))
until [ -n "$(ls -A "$TERN_DATA/mail/example.test/alice/new" 2>/dev/null)" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "errorcode: nothing in alice's Maildir after 20s"
    sleep 0.2
done

log "a client that talks before the greeting (a new address: 127.0.0.3)"
early="$(python3 - "$TERN_SMTP_PORT" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.3", 0))
s.settimeout(10)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"EHLO bot.example\r\n")
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.decode("ascii", "replace").strip())
PY
)"
log "got: $early"
[ "$early" = "554 5.5.1 Protocol error: you talked before my greeting" ] || die "pregreet: unexpected answer"

grep -q 'check=dnsbl, action=reject (listed by bl.test, score 1)' "$TERN_OUT" || die "no dnsbl line in the log"
grep -q 'check=dnslist_error, action=error (bl.test: answered 127.255.255.254' "$TERN_OUT" \
    || die "no dnslist_error line in the log"
grep -q 'check=greet_pause, action=close' "$TERN_OUT" || die "no greet_pause line in the log"

tern_stop
echo "17-dnsbl: all checks passed"
