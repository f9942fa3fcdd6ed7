#!/usr/bin/env bash
# PROXY protocol with a real HAProxy (Debian's) on loopback in front of Tern. Tern trusts 127.0.0.1 (HAProxy's
# source address) and its smtp, submission and pop3 listeners all take a PROXY header; the clients connect to
# HAProxy from 127.0.0.2, so the address Tern logs and writes into Received must be 127.0.0.2:
#   - SMTP through `send-proxy` (v1) and through `send-proxy-v2` (v2, with HAProxy's LOCAL health checks);
#   - submission with STARTTLS + AUTH through `send-proxy-v2`;
#   - POP3 with STLS through `send-proxy`, and pop3s (TLS after the header) through `send-proxy-v2`, by curl;
#   - a client reaching Tern directly from 127.0.0.2 (not a trusted proxy) is closed without a reply, and
#     a trusted peer sending no header (plain SMTP from 127.0.0.1) is closed too; each logged once.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v haproxy >/dev/null || die "haproxy is not installed"
command -v swaks >/dev/null || die "swaks is not installed"
command -v curl >/dev/null || die "curl is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
perl -MIO::Socket::SSL -e 1 2>/dev/null || die "swaks needs IO::Socket::SSL (libio-socket-ssl-perl) for TLS"

HAPROXY_PID=""
_haproxy_cleanup() {
    if [ -n "$HAPROXY_PID" ] && kill -0 "$HAPROXY_PID" 2>/dev/null; then
        kill -TERM "$HAPROXY_PID" 2>/dev/null || true
    fi
    _helpers_cleanup
}
trap _haproxy_cleanup EXIT
trap '_haproxy_cleanup; exit 143' TERM
trap '_haproxy_cleanup; exit 130' INT

CLIENT=127.0.0.2
ALICE=alice@example.test
PW=alice-secret
TERN_SUBMISSION='["127.0.0.1:0"]'
TERN_POP3_LISTEN='["127.0.0.1:0"]'
TERN_POP3S_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[smtp]\nproxy_protocol = true\n[submission]\nproxy_protocol = true\n[pop3]\nproxy_protocol = true\n[auth]\nfailure_delay = "0s"'
export TERN_SUBMISSION TERN_POP3_LISTEN TERN_POP3S_LISTEN TERN_EXTRA_TOML
tern_config
sed -i 's|^http = \[\]$|http = []\ntrusted_proxies = ["127.0.0.1/32"]|' "$TERN_CONFIG"
grep -q '^trusted_proxies = \["127.0.0.1/32"\]$' "$TERN_CONFIG" || die "could not set listen.trusted_proxies"
tern_user_add "$ALICE" "$PW"
tern_start
SUB="$(tern_port submission)"
POP3="$(tern_port pop3)"
POP3S="$(tern_port pop3s)"
[ -n "$SUB" ] && [ -n "$POP3" ] && [ -n "$POP3S" ] || die "no submission/pop3/pop3s port in $TERN_OUT"

# --- HAProxy: one frontend per case, each on a free loopback port -----------------------------------------
P_SMTP1="$(free_port)"; P_SMTP2="$(free_port)"; P_SUB="$(free_port)"; P_POP3="$(free_port)"; P_POP3S="$(free_port)"
cat >haproxy.cfg <<CFG
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
listen smtp-v1
    bind 127.0.0.1:$P_SMTP1
    server tern 127.0.0.1:$TERN_SMTP_PORT send-proxy
listen smtp-v2
    bind 127.0.0.1:$P_SMTP2
    server tern 127.0.0.1:$TERN_SMTP_PORT send-proxy-v2 check inter 1s check-send-proxy
listen submission-v2
    bind 127.0.0.1:$P_SUB
    server tern 127.0.0.1:$SUB send-proxy-v2
listen pop3-v1
    bind 127.0.0.1:$P_POP3
    server tern 127.0.0.1:$POP3 send-proxy
listen pop3s-v2
    bind 127.0.0.1:$P_POP3S
    server tern 127.0.0.1:$POP3S send-proxy-v2
CFG
haproxy -c -f haproxy.cfg >haproxy-check.out 2>&1 || die "haproxy -c refused the config: $(cat haproxy-check.out)"
haproxy -db -f haproxy.cfg >haproxy.out 2>&1 &
HAPROXY_PID=$!
log "haproxy pid $HAPROXY_PID: smtp v1 $P_SMTP1, smtp v2 $P_SMTP2, submission v2 $P_SUB, pop3 v1 $P_POP3, pop3s v2 $P_POP3S"
for p in "$P_SMTP1" "$P_SMTP2" "$P_SUB" "$P_POP3" "$P_POP3S"; do
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $p), timeout=1).close()" \
            2>/dev/null && break
        kill -0 "$HAPROXY_PID" 2>/dev/null || die "haproxy exited: $(cat haproxy.out)"
        sleep 0.1
    done
done

swaks_run() {
    local name="$1"
    shift
    SWAKS_RC=0
    swaks --server 127.0.0.1 --local-interface "$CLIENT" --helo client.example.org --timeout 30 "$@" \
        >"$name.out" 2>&1 || SWAKS_RC=$?
    sed "s/^/    [$name] /" "$name.out"
    [ "$SWAKS_RC" -eq 0 ] || die "$name: swaks exited $SWAKS_RC"
}
n=0
# expect_delivered NAME TOKEN: the message is in alice's Maildir, its Received header and Tern's accept
# line name 127.0.0.2, and nothing names HAProxy's 127.0.0.1 as the client.
expect_delivered() {
    n=$((n + 1))
    maildir_wait "$ALICE" "$n"
    local f id
    f="$(maildir_find "$ALICE" "$2")"
    message_headers "$f" | grep -E "^Received: from client\.example\.org \(.*\[127\.0\.0\.2\]\)" >/dev/null ||
        die "$1: the Received header does not name [127.0.0.2]: $(message_headers "$f" | grep -A2 ^Received)"
    message_headers "$f" | grep -A2 ^Received | grep -q '127\.0\.0\.1' && die "$1: Received names HAProxy's 127.0.0.1"
    id="$(sed -nE 's/.*250 2\.0\.0 Ok: queued as ([0-9A-F]+).*/\1/p' "$1.out" | tail -n 1)"
    grep -q "$id: client=\[127\.0\.0\.2\]" "$TERN_OUT" || die "$1: no '$id: client=[127.0.0.2]' line in the log"
    log "$1: Received and log name 127.0.0.2 ($id)"
}

# --- 1. SMTP through send-proxy (v1) and send-proxy-v2 ------------------------------------------------------
t="haproxy-v1-$RANDOM$RANDOM"
swaks_run smtp-v1 --port "$P_SMTP1" --from bob@example.org --to "$ALICE" --header "Subject: $t" --body "$t"
expect_delivered smtp-v1 "$t"
t="haproxy-v2-$RANDOM$RANDOM"
swaks_run smtp-v2 --port "$P_SMTP2" --from bob@example.org --to "$ALICE" --header "Subject: $t" --body "$t"
expect_delivered smtp-v2 "$t"

# --- 2. submission with STARTTLS and AUTH through send-proxy-v2 ---------------------------------------------
t="haproxy-sub-$RANDOM$RANDOM"
swaks_run submission --port "$P_SUB" --tls --auth PLAIN --auth-user "$ALICE" --auth-password "$PW" \
    --from "$ALICE" --to "$ALICE" --header "From: $ALICE" --header "Subject: $t" --body "$t"
expect_delivered submission "$t"

# --- 3. POP3: STLS through send-proxy, pop3s through send-proxy-v2 ------------------------------------------
curl -sS --max-time 30 --interface "$CLIENT" -u "$ALICE:$PW" --ssl-reqd -k "pop3://127.0.0.1:$P_POP3/" \
    >pop3.out 2>&1 || die "curl over STLS through haproxy failed: $(cat pop3.out)"
[ "$(grep -cE '^[0-9]+ [0-9]+' pop3.out)" -eq "$n" ] || die "pop3 LIST: expected $n messages: $(cat pop3.out)"
curl -sS --max-time 30 --interface "$CLIENT" -u "$ALICE:$PW" -k "pop3s://127.0.0.1:$P_POP3S/1" \
    >pop3s.out 2>&1 || die "curl over pop3s through haproxy failed: $(cat pop3s.out)"
grep -q '^Subject: haproxy-v1-' pop3s.out || die "pop3s RETR 1: not the first message: $(head -n 20 pop3s.out)"
[ "$(grep -c "pop3: login: ip=\[127\.0\.0\.2\], user=<$ALICE>, method=[A-Z]*, tls=yes" "$TERN_OUT")" -eq 2 ] ||
    die "expected two 'pop3: login: ip=[127.0.0.2] ... tls=yes' lines: $(grep 'login:' "$TERN_OUT")"
log "pop3 STLS (v1) and pop3s (v2): logins from 127.0.0.2"

# --- 4. no header, or not a trusted proxy: closed without a reply -------------------------------------------
python3 - "$TERN_SMTP_PORT" "$CLIENT" >direct.out <<'PY' || die "direct connections: $(cat direct.out)"
import socket, sys
port, client = int(sys.argv[1]), sys.argv[2]
for source, first in ((client, b"PROXY TCP4 192.0.2.7 127.0.0.1 1234 25\r\n"), ("127.0.0.1", b"EHLO direct\r\n")):
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    s.sendall(first)
    got = b""
    try:
        while chunk := s.recv(4096):
            got += chunk
    except ConnectionResetError:
        pass
    s.close()
    assert got == b"", (source, got)
    print(f"from {source}: closed without a reply")
PY
sed 's/^/    [direct] /' direct.out
for _ in $(seq 1 50); do
    [ "$(grep -c 'closed, PROXY protocol' "$TERN_OUT")" -ge 2 ] && break
    sleep 0.1
done
grep -q 'connect from \[127\.0\.0\.2\] on smtp: closed, PROXY protocol: (not a trusted proxy)' "$TERN_OUT" ||
    die "no 'not a trusted proxy' line for 127.0.0.2"
grep -q 'connect from \[127\.0\.0\.1\] on smtp: closed, PROXY protocol: (no PROXY header)' "$TERN_OUT" ||
    die "no 'no PROXY header' line for the headerless connection"
[ "$(grep -c 'closed, PROXY protocol' "$TERN_OUT")" -eq 2 ] ||
    die "expected exactly two refusals (HAProxy's LOCAL health checks must be served): $(grep 'PROXY protocol' "$TERN_OUT")"
log "untrusted peer and missing header: closed without a reply, logged once each"

tern_stop
log "PASS"
