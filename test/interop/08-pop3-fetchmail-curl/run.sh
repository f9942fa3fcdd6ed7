#!/usr/bin/env bash
# POP3 with real clients: swaks delivers two messages to alice through Tern's SMTP listener; curl lists,
# reads (RETR), reads a header (TOP) and gets the UIDLs; a wrong password is refused; fetchmail then fetches
# both into an mda and deletes them at QUIT; the Maildir is empty afterwards and a new POP3 session sees 0.
#
# Tern has no TLS yet, so this runs over plain pop3 with [pop3] auth_requires_tls = false. When TLS lands,
# switch to pop3s (curl pop3s:// -k, fetchmail --ssl --nosslcertck) and STLS (curl --ssl-reqd -k).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v swaks >/dev/null || die "swaks is not installed"
command -v curl >/dev/null || die "curl is not installed"
command -v fetchmail >/dev/null || die "fetchmail is not installed"

ALICE=alice@example.test
PW=alice-secret
TERN_POP3_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[pop3]\nauth_requires_tls = false'
export TERN_POP3_LISTEN TERN_EXTRA_TOML
tern_config
tern_user_add "$ALICE" "$PW"
tern_start
POP3_PORT="$(tern_port pop3)"
[ -n "$POP3_PORT" ] && [ "$POP3_PORT" != 0 ] || die "no 'tern: pop3 listening on 127.0.0.1:PORT' line"
log "pop3 on 127.0.0.1:$POP3_PORT"

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
URL="pop3://127.0.0.1:$POP3_PORT"

# --- 2. curl: LIST, RETR, TOP, UIDL -----------------------------------------------------------------------
curl_pop "$URL/" >list.out || die "curl LIST failed"
sed 's/^/    [list] /' list.out
[ "$(grep -cE '^[12] [0-9]+' list.out)" -eq 2 ] || die "curl LIST: expected two messages"
size1="$(awk '$1 == 1 { print $2 }' list.out | tr -d '\r')"
f1="$(ls "$(maildir_dir "$ALICE")" | sort | head -n 1)"
[[ "$f1" == *",S=$size1" ]] || die "LIST size $size1 is not the size in the file name $f1"

curl_pop "$URL/1" >retr1.out || die "curl RETR 1 failed"
grep -q "^Subject: $t1" retr1.out || die "RETR 1: subject $t1 missing"
grep -q '^\.a line with a leading dot' retr1.out || die "RETR 1: the dotted line was not un-stuffed by curl"
[ "$(wc -c <retr1.out | tr -d ' ')" -eq "$size1" ] || die "RETR 1: got $(wc -c <retr1.out) octets, LIST said $size1"
log "curl RETR: ok ($size1 octets)"

curl_pop -X 'TOP 2 0' "$URL/" >top2.out || die "curl TOP failed"
grep -q "^Subject: $t2" top2.out || die "TOP 2 0: subject $t2 missing"
grep -q "$t2" <(grep -v '^Subject' top2.out) && die "TOP 2 0: body lines were sent"
curl_pop -X UIDL "$URL/" >uidl.out || die "curl UIDL failed"
sed 's/^/    [uidl] /' uidl.out
grep -qF "1 $f1" uidl.out || die "UIDL 1 is not the file's base name $f1"

if curl -sS --max-time 30 -u "$ALICE:wrong" "$URL/" >bad.out 2>&1; then
    die "curl logged in with a wrong password"
fi
log "curl wrong password: refused ($(head -n 1 bad.out))"

# --- 3. fetchmail fetches both and deletes them ----------------------------------------------------------
export HOME="$TERN_TMP"
cat >fetchmailrc <<RC
set no syslog
poll 127.0.0.1 protocol pop3 port $POP3_PORT auth password
    user "$ALICE" there with password "$PW" is "$(id -un)" here
    mda "cat >> $TERN_TMP/fetched.mbox"
    nokeep
    sslproto ''
RC
chmod 600 fetchmailrc
rc=0
fetchmail -v --fetchmailrc "$TERN_TMP/fetchmailrc" --pidfile "$TERN_TMP/fetchmail.pid" \
    --idfile "$TERN_TMP/fetchids" >fetchmail.out 2>&1 || rc=$?
sed 's/^/    [fetchmail] /' fetchmail.out
[ "$rc" -eq 0 ] || die "fetchmail exited $rc"
grep -q "$t1" fetched.mbox && grep -q "$t2" fetched.mbox || die "fetchmail did not hand both messages to the mda"
grep -q '^\.a line with a leading dot' fetched.mbox || die "fetchmail: the dotted line was not un-stuffed"
for sub in new cur; do
    left="$(find "$(maildir_dir "$ALICE" "$sub")" -type f | wc -l | tr -d ' ')"
    [ "$left" -eq 0 ] || die "$left message(s) left in $sub/ after fetchmail with nokeep"
done
log "fetchmail: both fetched and deleted"

curl_pop "$URL/" >list2.out || die "curl LIST after fetchmail failed"
[ "$(grep -cE '^[0-9]+ ' list2.out)" -eq 0 ] || die "LIST after fetchmail is not empty: $(cat list2.out)"
grep -q 'pop3: logout: user=alice@example.test, \[127.0.0.1\], deleted=2' "$TERN_OUT" ||
    die "no 'pop3: logout ... deleted=2' log line"

tern_stop
log "ok"
