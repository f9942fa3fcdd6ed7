#!/usr/bin/env bash
# POP3 with real clients, over TLS, with the default pop3.auth_requires_tls = true and the self-signed
# certificate Tern makes at its first start (so the clients skip certificate checks: curl -k, fetchmail
# "no sslcertck"). swaks delivers two messages to alice through Tern's SMTP listener; then:
#   - a login without TLS is refused: USER gets "-ERR [AUTH] Login only over TLS: ...", and curl without TLS
#     cannot log in either (CAPA lists neither USER nor SASL before TLS);
#   - curl over STLS (pop3:// --ssl-reqd -k) lists and reads (RETR, TOP);
#   - curl over pop3s:// (-k) gets the UIDLs, and a wrong password is refused;
#   - fetchmail over STLS (sslproto tls1.2+) fetches both and keeps them;
#   - fetchmail over pop3s (ssl) fetches both again into an mda and deletes them at QUIT;
#   - the Maildir is empty afterwards and a new session sees 0 messages.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"
command -v curl >/dev/null || die "curl is not installed"
command -v fetchmail >/dev/null || die "fetchmail is not installed"
command -v python3 >/dev/null || die "python3 is not installed"

ALICE=alice@example.test
PW=alice-secret
TERN_POP3_LISTEN='["127.0.0.1:0"]'
TERN_POP3S_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[auth]\nfailure_delay = "0s"'
export TERN_POP3_LISTEN TERN_POP3S_LISTEN TERN_EXTRA_TOML
tern_config
grep -q auth_requires_tls "$TERN_CONFIG" && die "the config must keep the default pop3.auth_requires_tls = true"
tern_user_add "$ALICE" "$PW"
tern_start
POP3_PORT="$(tern_port pop3)"
POP3S_PORT="$(tern_port pop3s)"
[ -n "$POP3_PORT" ] && [ "$POP3_PORT" != 0 ] || die "no 'tern: pop3 listening on 127.0.0.1:PORT' line"
[ -n "$POP3S_PORT" ] && [ "$POP3S_PORT" != 0 ] || die "no 'tern: pop3s listening on 127.0.0.1:PORT' line"
log "pop3 (STLS) on 127.0.0.1:$POP3_PORT, pop3s on 127.0.0.1:$POP3S_PORT"

# --- 1. deliver two messages by SMTP ---------------------------------------------------------------------
t1="pop3-one-$RANDOM$RANDOM"
t2="pop3-two-$RANDOM$RANDOM"
for t in "$t1" "$t2"; do
    swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo client.example.org --timeout 30 \
        --from bob@example.org --to "$ALICE" --header "Subject: $t" \
        --body $'first line\n.a line with a leading dot\n'"$t" >"swaks-$t.out" 2>&1 ||
        die "swaks failed: $(tail -n 5 "swaks-$t.out")"
done
maildir_wait "$ALICE" 2

curl_pop() { curl -sS --max-time 30 -u "$ALICE:$PW" "$@"; }
STLS_URL="pop3://127.0.0.1:$POP3_PORT"
POP3S_URL="pop3s://127.0.0.1:$POP3S_PORT"

# --- 2. no login without TLS ------------------------------------------------------------------------------
# A raw session: CAPA before TLS offers STLS but neither USER nor SASL; USER is refused with a clear text.
python3 - "$POP3_PORT" "$ALICE" >plain.out <<'PY' || die "plain POP3 session failed: $(cat plain.out)"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
f = s.makefile("rwb")
def line():
    l = f.readline().decode().rstrip("\r\n")
    print("S: " + l)
    return l
def send(c):
    print("C: " + c)
    f.write((c + "\r\n").encode()); f.flush()
assert line().startswith("+OK")
send("CAPA")
assert line().startswith("+OK")
caps = []
while (l := line()) != ".":
    caps.append(l)
assert "STLS" in caps, caps
assert "USER" not in caps and not any(c.startswith("SASL") for c in caps), caps
send("USER " + sys.argv[2])
l = line()
assert l == "-ERR [AUTH] Login only over TLS: use STLS first, or the POP3S port", l
send("QUIT")
assert line().startswith("+OK")
PY
sed 's/^/    [plain] /' plain.out
if curl -sS --max-time 30 -u "$ALICE:$PW" "$STLS_URL/" >plaincurl.out 2>&1; then
    die "curl logged in without TLS: $(cat plaincurl.out)"
fi
log "no login without TLS: refused ($(grep -- '-ERR' plain.out); curl: $(head -n 1 plaincurl.out))"

# --- 3. curl over STLS: LIST, RETR, TOP -------------------------------------------------------------------
curl_pop --ssl-reqd -k "$STLS_URL/" >list.out || die "curl LIST over STLS failed"
sed 's/^/    [list] /' list.out
[ "$(grep -cE '^[12] [0-9]+' list.out)" -eq 2 ] || die "curl LIST: expected two messages"
size1="$(awk '$1 == 1 { print $2 }' list.out | tr -d '\r')"
f1="$(ls "$(maildir_dir "$ALICE")" | sort | head -n 1)"
[[ "$f1" == *",S=$size1" ]] || die "LIST size $size1 is not the size in the file name $f1"

curl_pop --ssl-reqd -k "$STLS_URL/1" >retr1.out || die "curl RETR 1 over STLS failed"
grep -q "^Subject: $t1" retr1.out || die "RETR 1: subject $t1 missing"
grep -q '^\.a line with a leading dot' retr1.out || die "RETR 1: the dotted line was not un-stuffed by curl"
[ "$(wc -c <retr1.out | tr -d ' ')" -eq "$size1" ] || die "RETR 1: got $(wc -c <retr1.out) octets, LIST said $size1"
log "curl STLS RETR: ok ($size1 octets)"

curl_pop --ssl-reqd -k -X 'TOP 2 0' "$STLS_URL/" >top2.out || die "curl TOP over STLS failed"
grep -q "^Subject: $t2" top2.out || die "TOP 2 0: subject $t2 missing"
grep -q "$t2" <(grep -v '^Subject' top2.out) && die "TOP 2 0: body lines were sent"
grep -q "pop3: login: ip=\[127.0.0.1\], user=<$ALICE>, method=[A-Z]*, tls=yes" "$TERN_OUT" ||
    die "no 'pop3: login: ... tls=yes' log line"

# --- 4. curl over pop3s: UIDL, RETR, a wrong password -------------------------------------------------------
curl_pop -k -X UIDL "$POP3S_URL/" >uidl.out || die "curl UIDL over pop3s failed"
sed 's/^/    [uidl] /' uidl.out
grep -qF "1 $f1" uidl.out || die "UIDL 1 is not the file's base name $f1"
curl_pop -k "$POP3S_URL/2" >retr2.out || die "curl RETR 2 over pop3s failed"
grep -q "^Subject: $t2" retr2.out || die "pop3s RETR 2: subject $t2 missing"
log "curl pop3s UIDL, RETR: ok"

if curl -sS -k --max-time 30 -u "$ALICE:wrong" "$POP3S_URL/" >bad.out 2>&1; then
    die "curl logged in with a wrong password"
fi
log "curl wrong password: refused ($(head -n 1 bad.out))"

# --- 5. fetchmail over STLS (keeps), then over pop3s (deletes) --------------------------------------------
export HOME="$TERN_TMP"
# run_fetchmail NAME RC-LINES -> runs fetchmail with a fetchmailrc polling 127.0.0.1 with RC-LINES
run_fetchmail() {
    local name="$1" rc=0
    cat >"$name.rc" <<RC
set no syslog
$2
RC
    chmod 600 "$name.rc"
    fetchmail -v --fetchmailrc "$TERN_TMP/$name.rc" --pidfile "$TERN_TMP/fetchmail.pid" \
        --idfile "$TERN_TMP/fetchids" >"$name.out" 2>&1 || rc=$?
    sed "s/^/    [$name] /" "$name.out"
    [ "$rc" -eq 0 ] || die "$name: fetchmail exited $rc"
}
user_line="user \"$ALICE\" there with password \"$PW\" is \"$(id -un)\" here"

run_fetchmail fetch-stls "poll 127.0.0.1 protocol pop3 port $POP3_PORT auth password
    $user_line
    mda \"cat >> $TERN_TMP/stls.mbox\"
    sslproto tls1.2+ no sslcertck
    keep fetchall"
grep -q 'POP3> STLS' fetch-stls.out || die "fetch-stls: fetchmail did not send STLS"
grep -q 'SSL/TLS: using protocol TLSv1\.[23]' fetch-stls.out || die "fetch-stls: no TLS 1.2 or 1.3 session"
grep -q "$t1" stls.mbox && grep -q "$t2" stls.mbox || die "fetch-stls: not both messages handed to the mda"
# RETR moved them from new/ to cur/ at QUIT; with keep, none is gone
[ "$(find "$(maildir_dir "$ALICE" new)" "$(maildir_dir "$ALICE" cur)" -type f | wc -l | tr -d ' ')" -eq 2 ] ||
    die "fetch-stls: with keep, both messages must stay in the Maildir"
log "fetchmail STLS: both fetched and kept"

run_fetchmail fetch-pop3s "poll 127.0.0.1 protocol pop3 port $POP3S_PORT auth password
    $user_line
    mda \"cat >> $TERN_TMP/fetched.mbox\"
    ssl no sslcertck
    nokeep fetchall"
grep -q 'SSL/TLS: using protocol TLSv1\.[23]' fetch-pop3s.out || die "fetch-pop3s: no TLS 1.2 or 1.3 session"
grep -q "$t1" fetched.mbox && grep -q "$t2" fetched.mbox || die "fetch-pop3s: not both messages handed to the mda"
grep -q '^\.a line with a leading dot' fetched.mbox || die "fetchmail: the dotted line was not un-stuffed"
for sub in new cur; do
    left="$(find "$(maildir_dir "$ALICE" "$sub")" -type f | wc -l | tr -d ' ')"
    [ "$left" -eq 0 ] || die "$left message(s) left in $sub/ after fetchmail with nokeep"
done
log "fetchmail pop3s: both fetched and deleted"

curl_pop -k "$POP3S_URL/" >list2.out || die "curl LIST after fetchmail failed"
[ "$(grep -cE '^[0-9]+ ' list2.out)" -eq 0 ] || die "LIST after fetchmail is not empty: $(cat list2.out)"
grep -q 'pop3: logout: ip=\[127.0.0.1\], user=<alice@example.test>, deleted=2' "$TERN_OUT" ||
    die "no 'pop3: logout ... deleted=2' log line"

tern_stop
log "ok"
