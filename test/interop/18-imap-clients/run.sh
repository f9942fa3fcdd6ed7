#!/usr/bin/env bash
# IMAP with real clients from Debian, against a Tern started from the jar with the default
# imap.auth_requires_tls = true and the self-signed certificate it makes at its first start. Each client has its
# own user, so each starts from a known mailbox (messages delivered through Tern's SMTP listener):
#   - Python's imaplib (imaplib_check.py): LOGIN refused before TLS, then over STARTTLS and IMAPS: LIST with
#     the special-use folders, SELECT, FETCH, STORE, SEARCH, APPEND, UID COPY, UID MOVE, EXPUNGE, CREATE, and
#     IDLE told of an SMTP delivery within a second of its 250;
#   - curl imap:// (STARTTLS) and imaps://: list, search, fetch a message and a header section by UID, append
#     a message; a login without TLS and a wrong password are refused;
#   - mbsync (isync) both ways: download; then a flag set on each side, a delete on the near side and a sent
#     message to upload; then, after a restart of Tern, a third run that finds nothing to do (no STORE,
#     APPEND, EXPUNGE or body FETCH);
#   - offlineimap both ways: the same steps, the third run (after the restart) copying and changing nothing;
#   - fetchmail over IMAP: STARTTLS with keep (the server marks both \Seen), then IMAPS with nokeep (only the
#     new message, which is then expunged), then with idle (a delivery is pushed to it and fetched);
#   - neomutt in tmux over STARTTLS: opens INBOX, reads a message, saves it to Archive, syncs, is told of a new
#     message while it idles (IDLE), quits.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

# Debian's python3 (imaplib, ssl): a python3 earlier on the PATH may be a slow shim (pyenv)
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3)" || die "python3 is not installed"
for c in swaks curl mbsync offlineimap fetchmail neomutt tmux openssl; do
    command -v "$c" >/dev/null || die "$c is not installed"
done

PW=imap-secret
TERN_IMAP_LISTEN='["127.0.0.1:0"]'
TERN_IMAPS_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[auth]\nfailure_delay = "0s"'
export TERN_IMAP_LISTEN TERN_IMAPS_LISTEN TERN_EXTRA_TOML
tern_config
grep -q auth_requires_tls "$TERN_CONFIG" && die "the config must keep the default imap.auth_requires_tls = true"
tern_user_add alice@example.test "$PW"
# The other users get the same password: their lines are alice's hash under another address (the users file
# may be edited by hand, docs/users.md), which saves a JVM start and an Argon2 hash for each.
hash="$(sed -n 's/^alice@example\.test://p' "$TERN_DATA/users")"
[ -n "$hash" ] || die "no line for alice in $TERN_DATA/users"
for u in bob carol dave erin frank; do printf '%s@example.test:%s\n' "$u" "$hash" >>"$TERN_DATA/users"; done
tern_start
IMAP_PORT="$(tern_port imap)"
IMAPS_PORT="$(tern_port imaps)"
[ -n "$IMAP_PORT" ] && [ "$IMAP_PORT" != 0 ] || die "no 'tern: imap listening on 127.0.0.1:PORT' line"
[ -n "$IMAPS_PORT" ] && [ "$IMAPS_PORT" != 0 ] || die "no 'tern: imaps listening on 127.0.0.1:PORT' line"
CERT="$TERN_DATA/tls/selfsigned-cert.pem"
[ -f "$CERT" ] || die "no self-signed certificate at $CERT"
log "imap (STARTTLS) on 127.0.0.1:$IMAP_PORT, imaps on 127.0.0.1:$IMAPS_PORT"
export HOME="$TERN_TMP" # the clients' own files (fetchmail's idfile, offlineimap's metadata) stay here

# deliver USER SUBJECT... -> one message per subject to USER@example.test over SMTP (body "body of SUBJECT")
deliver() {
    local user="$1" s
    shift
    for s in "$@"; do
        swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo client.example.org --timeout 30 \
            --from bob@example.org --to "$user@example.test" --header "Subject: $s" --body "body of $s" \
            >"swaks-$s.out" 2>&1 || die "swaks failed: $(tail -n 5 "swaks-$s.out")"
    done
}
# state USER MAILBOX -> "UID FLAGS SUBJECT" per message, as the server has it (flags comma-separated, - for none)
state() { "$PY" "$HERE/imap_state.py" "$IMAPS_PORT" "$1@example.test" "$PW" "$2"; }
# flags_of USER MAILBOX SUBJECT -> the flags of the one message with that subject ("" when there is none)
flags_of() { state "$1" "$2" | awk -v s="$3" '$3 == s { print $2 }'; }
# imap_do USER MAILBOX COMMAND... -> runs UID commands on the server through imaplib (as another client would)
imap_do() {
    "$PY" - "$IMAPS_PORT" "$PW" "$@" <<'PY' || die "imap_do $*: failed"
import imaplib, ssl, sys
port, pw, user, mailbox, *cmd = sys.argv[1:]
t = ssl.create_default_context(); t.check_hostname = False; t.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=t, timeout=30)
m.login(user + "@example.test", pw)
assert m.select(mailbox)[0] == "OK"
typ, data = m.uid(*cmd)
assert typ == "OK", (typ, data)
m.logout()
PY
}
# uid_of USER MAILBOX SUBJECT
uid_of() { state "$1" "$2" | awk -v s="$3" '$3 == s { print $1 }'; }
# local_file MAILDIR SUBJECT -> the file of the message with that subject in a sync client's local Maildir folder
local_file() { grep -rl "^Subject: $2" "$1"/cur "$1"/new 2>/dev/null | head -n 1 || true; }

# downloaded CLIENT LOCAL -> CLIENT-one, -two and -three are in LOCAL/INBOX, and the special-use folders exist
downloaded() {
    local s f
    for s in "$1-one" "$1-two" "$1-three"; do [ -n "$(local_file "$2/INBOX" "$s")" ] || die "$1: $s not downloaded"; done
    for f in Sent Drafts Trash Junk Archive; do [ -d "$2/$f/cur" ] || die "$1: folder $f not created locally"; done
    log "$1: downloaded 3 messages and the special-use folders"
}
# sync_changes CLIENT USER LOCAL RUN -> after a first download of CLIENT-one, -two and -three into the Maildirs
# under LOCAL: locally \Seen on CLIENT-one, CLIENT-three deleted and a sent message in Sent; on the server
# \Flagged on CLIENT-two. Then "RUN 2-changes", and checks that each change reached the other side.
sync_changes() {
    local c="$1" user="$2" dir="$3" run="$4" f1
    f1="$(local_file "$dir/INBOX" "$c-one")"
    mv "$f1" "$dir/INBOX/cur/$(basename "${f1%%:2,*}"):2,S"
    rm "$(local_file "$dir/INBOX" "$c-three")"
    printf 'From: %s@example.test\r\nTo: bob@example.org\r\nSubject: %s-sent\r\nMessage-ID: <%s-sent@example.test>\r\n\r\nsent with %s\r\n' \
        "$user" "$c" "$c" "$c" >"$dir/Sent/cur/1796000000.1.local:2,S"
    imap_do "$user" INBOX STORE "$(uid_of "$user" INBOX "$c-two")" +FLAGS '(\Flagged)'
    "$run" 2-changes
    [ "$(flags_of "$user" INBOX "$c-one")" = '\Seen' ] || die "$c: \\Seen not uploaded: $(state "$user" INBOX)"
    [ -z "$(flags_of "$user" INBOX "$c-three")" ] || die "$c: the delete was not uploaded: $(state "$user" INBOX)"
    [ "$(state "$user" INBOX | wc -l)" -eq 2 ] || die "$c: INBOX should hold 2: $(state "$user" INBOX)"
    [ "$(flags_of "$user" Sent "$c-sent")" = '\Seen' ] || die "$c: the sent message was not appended: $(state "$user" Sent)"
    f1="$(local_file "$dir/INBOX" "$c-two")"
    case "$f1" in *:2,F) ;; *) die "$c: \\Flagged not downloaded: $f1" ;; esac
    log "$c: a flag each way, a delete and an APPEND synced"
}

# --- 1. Python's imaplib ------------------------------------------------------------------------------------
"$PY" "$HERE/imaplib_check.py" "$IMAP_PORT" "$IMAPS_PORT" "$TERN_SMTP_PORT" alice@example.test "$PW" ||
    die "imaplib checks failed"
log "imaplib: ok"

# --- 2. curl imap:// (STARTTLS) and imaps:// -----------------------------------------------------------------
deliver bob curl-one curl-two
curl_imap() { curl -sS --max-time 30 -u "bob@example.test:$PW" "$@"; }
if curl -sS --max-time 30 -u "bob@example.test:$PW" "imap://127.0.0.1:$IMAP_PORT/" >curl-plain.out 2>&1; then
    die "curl logged in without TLS: $(cat curl-plain.out)"
fi
curl_imap --ssl-reqd -k "imap://127.0.0.1:$IMAP_PORT/" >curl-list.out || die "curl LIST over STARTTLS failed"
sed 's/^/    [curl list] /' curl-list.out
grep -q '^\* LIST (.*) "/" INBOX' curl-list.out || die "curl LIST: no INBOX"
grep -q '^\* LIST (.*\\Sent.*) "/" Sent' curl-list.out || die "curl LIST: no \\Sent Sent"
curl_imap --ssl-reqd -k "imap://127.0.0.1:$IMAP_PORT/INBOX?SUBJECT%20curl-two" >curl-search.out ||
    die "curl SEARCH failed"
uid2="$(uid_of bob INBOX curl-two)"
seq2="$(state bob INBOX | awk '$3 == "curl-two" { print NR }')"
[ "$(tr -d '\r' <curl-search.out)" = "* SEARCH $seq2" ] || die "curl SEARCH: $(cat curl-search.out), expected $seq2"
curl_imap -k "imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=$uid2" >curl-msg.out || die "curl FETCH by UID over imaps failed"
grep -q '^Subject: curl-two' curl-msg.out && grep -q 'body of curl-two' curl-msg.out ||
    die "curl FETCH UID $uid2: not the message curl-two: $(head -c 400 curl-msg.out)"
curl_imap -k "imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=$uid2/;SECTION=HEADER.FIELDS%20(SUBJECT)" >curl-hdr.out ||
    die "curl FETCH of a header section failed"
[ "$(tr -d '\r' <curl-hdr.out | sed '/^$/d')" = "Subject: curl-two" ] ||
    die "curl FETCH HEADER.FIELDS (SUBJECT): $(cat curl-hdr.out)"
[ "$(flags_of bob INBOX curl-two)" = '\Seen' ] || die "curl's FETCH BODY[] did not set \\Seen on curl-two"
[ "$(flags_of bob INBOX curl-one)" = - ] || die "curl-one is not unseen: $(state bob INBOX)"
# APPEND (curl -T) of a file with the CRLF line ends a message must have: curl sends the file as it is (and its
# --crlf, which would convert LF, announces the literal's size before the conversion)
printf 'From: bob@example.test\r\nTo: carol@example.org\r\nSubject: curl-upload\r\n\r\nsent with curl\r\n' >curl-upload.eml
curl_imap -k -T curl-upload.eml "imaps://127.0.0.1:$IMAPS_PORT/Sent" || die "curl APPEND to Sent failed"
[ "$(flags_of bob Sent curl-upload)" = '\Seen' ] || die "curl APPEND: not in Sent, \Seen: $(state bob Sent)"
curl_imap -k "imaps://127.0.0.1:$IMAPS_PORT/Sent;UID=$(uid_of bob Sent curl-upload)" >curl-upload.out ||
    die "curl FETCH of the appended message failed"
cmp -s curl-upload.out curl-upload.eml || die "curl: the appended message came back changed: $(od -c curl-upload.out | head)"
if curl -sS -k --max-time 30 -u "bob@example.test:wrong" "imaps://127.0.0.1:$IMAPS_PORT/" >curl-bad.out 2>&1; then
    die "curl logged in with a wrong password"
fi
log "curl: ok (plain login refused: $(head -n 1 curl-plain.out))"

# --- 3. mbsync (isync), both ways ----------------------------------------------------------------------------
deliver carol mbsync-one mbsync-two mbsync-three
MB="$TERN_TMP/mbsync"
mkdir -p "$MB/local"
cat >"$MB/mbsyncrc" <<EOF
IMAPAccount tern
Host 127.0.0.1
Port $IMAP_PORT
User carol@example.test
Pass $PW
SSLType STARTTLS
# the self-signed certificate itself: a certificate listed here is trusted as it is
CertificateFile $CERT

IMAPStore tern-far
Account tern

MaildirStore tern-near
Path $MB/local/
Inbox $MB/local/INBOX
SubFolders Verbatim

Channel tern
Far :tern-far:
Near :tern-near:
Patterns *
Create Both
Expunge Both
SyncState *
EOF
run_mbsync() {
    local rc=0
    timeout 60 mbsync -Dn -c "$MB/mbsyncrc" tern >"$MB/$1.out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || {
        tail -n 30 "$MB/$1.out"
        die "mbsync $1 exited $rc"
    }
    grep -E '^(>>>|[0-9]+ (NO|BAD))' "$MB/$1.out" | sed "s/^/    [mbsync $1] /"
    ! grep -qE '^[0-9]+ (NO|BAD)' "$MB/$1.out" || die "mbsync $1: the server answered NO or BAD"
}

run_mbsync 1-download
downloaded mbsync "$MB/local"

sync_changes mbsync carol "$MB/local" run_mbsync

# --- 4. offlineimap, both ways --------------------------------------------------------------------------------
deliver dave offlineimap-one offlineimap-two offlineimap-three
OI="$TERN_TMP/offlineimap"
mkdir -p "$OI"
fingerprint="$(openssl x509 -in "$CERT" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')"
cat >"$OI/offlineimaprc" <<EOF
[general]
accounts = tern
metadata = $OI/meta
ui = basic

[Account tern]
localrepository = near
remoterepository = far

[Repository near]
type = Maildir
localfolders = $OI/mail

[Repository far]
type = IMAP
remotehost = 127.0.0.1
remoteport = $IMAPS_PORT
remoteuser = dave@example.test
remotepass = $PW
ssl = yes
# the self-signed certificate, pinned by its SHA-256 fingerprint
cert_fingerprint = $fingerprint
EOF
run_offlineimap() {
    local rc=0
    timeout 90 offlineimap -c "$OI/offlineimaprc" -o >"$OI/$1.out" 2>&1 || rc=$?
    sed "s/^/    [offlineimap $1] /" "$OI/$1.out"
    [ "$rc" -eq 0 ] || die "offlineimap $1 exited $rc"
    ! grep -qiE 'ERROR|WARNING' "$OI/$1.out" || die "offlineimap $1 reported an error or warning"
}

run_offlineimap 1-download
downloaded offlineimap "$OI/mail"

sync_changes offlineimap dave "$OI/mail" run_offlineimap

# --- 5. a restart, then the third runs of mbsync and offlineimap find nothing to do --------------------------
# (UIDVALIDITY and the UIDs are the same after a restart: else they would download everything again)
mb_before="$(cd "$MB/local" && find . -type f ! -name '.mbsyncstate*' | sort)"
oi_before="$(cd "$OI/mail" && find . -type f | sort)"
server_before="$(state carol INBOX; state carol Sent; state dave INBOX; state dave Sent)"
old_imap="$IMAP_PORT" old_imaps="$IMAPS_PORT"
tern_stop
tern_start
IMAP_PORT="$(tern_port imap)"
IMAPS_PORT="$(tern_port imaps)"
sed -i "s/^Port $old_imap\$/Port $IMAP_PORT/" "$MB/mbsyncrc"
sed -i "s/^remoteport = $old_imaps\$/remoteport = $IMAPS_PORT/" "$OI/offlineimaprc"
grep -q "^Port $IMAP_PORT\$" "$MB/mbsyncrc" && grep -q "^remoteport = $IMAPS_PORT\$" "$OI/offlineimaprc" ||
    die "the clients' configurations do not name the new ports"
log "restarted: imap on 127.0.0.1:$IMAP_PORT, imaps on 127.0.0.1:$IMAPS_PORT"

run_mbsync 3-nothing
if grep -E '^>>> [0-9]+ (UID STORE|STORE|APPEND|EXPUNGE|UID EXPUNGE|UID MOVE|CREATE|DELETE)|BODY.PEEK\[\]' "$MB/3-nothing.out"; then
    die "mbsync: the third run was not a no-op"
fi
[ "$mb_before" = "$(cd "$MB/local" && find . -type f ! -name '.mbsyncstate*' | sort)" ] || die "mbsync: the third run changed the near side"
log "mbsync: the third run found nothing to do"

run_offlineimap 3-nothing
if grep -E 'Copy message|flag|Deleting' "$OI/3-nothing.out"; then die "offlineimap: the third run was not a no-op"; fi
[ "$oi_before" = "$(cd "$OI/mail" && find . -type f | sort)" ] || die "offlineimap: the third run changed the local Maildir"
[ "$server_before" = "$(state carol INBOX; state carol Sent; state dave INBOX; state dave Sent)" ] ||
    die "the third runs of mbsync and offlineimap changed the server"
log "offlineimap: the third run found nothing to do"

# --- 6. fetchmail over IMAP -------------------------------------------------------------------------------------
deliver erin fm-one fm-two
# run_fetchmail NAME RC-LINES
run_fetchmail() {
    local name="$1" rc=0
    printf 'set no syslog\n%s\n' "$2" >"$name.rc"
    chmod 600 "$name.rc"
    timeout 60 fetchmail -v --fetchmailrc "$TERN_TMP/$name.rc" --pidfile "$TERN_TMP/fetchmail.pid" \
        --idfile "$TERN_TMP/fetchids" >"$name.out" 2>&1 || rc=$?
    sed "s/^/    [$name] /" "$name.out"
    [ "$rc" -eq 0 ] || die "$name: fetchmail exited $rc"
}
user_line="user \"erin@example.test\" there with password \"$PW\" is \"$(id -un)\" here"
run_fetchmail fetchmail-starttls "poll 127.0.0.1 protocol imap port $IMAP_PORT auth password
    $user_line
    mda \"cat >> $TERN_TMP/fm-starttls.mbox\"
    sslproto tls1.2+ no sslcertck
    keep"
grep -q 'IMAP> A[0-9]* STARTTLS' fetchmail-starttls.out || die "fetchmail did not send STARTTLS"
grep -q 'Subject: fm-one' fm-starttls.mbox && grep -q 'Subject: fm-two' fm-starttls.mbox ||
    die "fetchmail over STARTTLS: not both messages handed to the mda"
[ "$(flags_of erin INBOX fm-one)" = '\Seen' ] && [ "$(flags_of erin INBOX fm-two)" = '\Seen' ] ||
    die "fetchmail with keep: both must be kept and \\Seen: $(state erin INBOX)"

deliver erin fm-three
run_fetchmail fetchmail-imaps "poll 127.0.0.1 protocol imap port $IMAPS_PORT auth password
    $user_line
    mda \"cat >> $TERN_TMP/fm-imaps.mbox\"
    ssl no sslcertck
    nokeep"
grep -q 'SSL/TLS: using protocol TLSv1\.[23]' fetchmail-imaps.out || die "fetchmail over imaps: no TLS 1.2 or 1.3"
[ "$(grep -c '^Subject: ' fm-imaps.mbox)" -eq 1 ] && grep -q '^Subject: fm-three' fm-imaps.mbox ||
    die "fetchmail over imaps: expected only the new message fm-three: $(grep '^Subject' fm-imaps.mbox)"
[ "$(state erin INBOX | awk '{ print $3 }' | sort | tr '\n' ' ')" = "fm-one fm-two " ] ||
    die "fetchmail with nokeep: fm-three must be gone and the others kept: $(state erin INBOX)"
# fetchmail's idle: after the poll it waits in IDLE and fetches what the server pushes
printf 'set no syslog\npoll 127.0.0.1 protocol imap port %s auth password\n    %s\n    mda "cat >> %s"\n    ssl no sslcertck\n    keep idle\n' \
    "$IMAPS_PORT" "$user_line" "$TERN_TMP/fm-idle.mbox" >fetchmail-idle.rc
chmod 600 fetchmail-idle.rc
timeout 60 fetchmail -v --fetchmailrc "$TERN_TMP/fetchmail-idle.rc" --pidfile "$TERN_TMP/fetchmail.pid" \
    --idfile "$TERN_TMP/fetchids" >fetchmail-idle.out 2>&1 &
fm_pid=$!
echo "$fm_pid" >>"$TERN_TMP/tern.pids"
deadline=$((SECONDS + 30))
until grep -q 'IMAP< + idling' fetchmail-idle.out; do
    [ "$SECONDS" -lt "$deadline" ] || die "fetchmail idle: no IDLE within 30s: $(tail -n 5 fetchmail-idle.out)"
    sleep 0.2
done
deliver erin fm-idle
deadline=$((SECONDS + 15))
until grep -q '^Subject: fm-idle' fm-idle.mbox 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || die "fetchmail idle: fm-idle not fetched within 15s: $(tail -n 5 fetchmail-idle.out)"
    sleep 0.2
done
kill "$fm_pid" 2>/dev/null || true
wait "$fm_pid" 2>/dev/null || true
sed 's/^/    [fetchmail-idle] /' fetchmail-idle.out | grep -E 'IDLE|idling|EXISTS|fm-idle' || true
log "fetchmail: STARTTLS with keep, IMAPS with nokeep, IDLE: ok"

# --- 7. neomutt in tmux ---------------------------------------------------------------------------------------
deliver frank nm-one nm-two
NM="$TERN_TMP/neomutt"
mkdir -p "$NM"
cp "$CERT" "$NM/certificates" # trusted as it is; the name in it is tern.test, hence ssl_verify_host=no
cat >"$NM/neomuttrc" <<EOF
set folder="imap://frank%40example.test@127.0.0.1:$IMAP_PORT/"
set ssl_starttls=yes
set ssl_force_tls=yes
set imap_idle=yes
set spoolfile="+INBOX"
set imap_pass="$PW"
set certificate_file="$NM/certificates"
set ssl_verify_host=no
set header_cache=""
set message_cachedir=""
set sort=date-sent
set confirmappend=no
set quit=yes
set delete=yes
set move=no
set mark_old=no
set wait_key=no
set sleep_time=0
set timeout=1
set pager_stop=yes
EOF
TMUX_SOCKET="tern-imap-$$"
tm() { tmux -L "$TMUX_SOCKET" "$@"; }
# a tmux server of our own, ended with the scenario
trap 'tm kill-server 2>/dev/null || true; _helpers_cleanup' EXIT
tm -f /dev/null new-session -d -s nm -x 120 -y 40 \
    "TERM=xterm-256color neomutt -n -F '$NM/neomuttrc' 2>'$NM/stderr'; echo neomutt-exited-\$?; sleep 60"
# pane_wait TEXT [TIMEOUT=20] -> waits until the screen shows TEXT (fixed string)
pane_wait() {
    local deadline=$((SECONDS + ${2:-20}))
    until tm capture-pane -p -t nm >"$NM/screen" 2>/dev/null && grep -qF -- "$1" "$NM/screen"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            sed 's/^/    [screen] /' "$NM/screen"
            cat "$NM/stderr" 2>/dev/null
            die "neomutt: '$1' not on the screen within ${2:-20}s"
        fi
        sleep 0.2
    done
}
pane_wait 'nm-two'
pane_wait 'nm-one'
pane_wait '+INBOX [Msgs:2'
sed '/^ *$/d; s/^/    [neomutt index] /' "$NM/screen"
# find nm-one (/ searches From and Subject) and read it
tm send-keys -t nm /
pane_wait 'Search for:'
tm send-keys -t nm 'nm-one' Enter Enter
pane_wait 'body of nm-one'
sed '/^ *$/d; s/^/    [neomutt pager] /' "$NM/screen"
tm send-keys -t nm q
pane_wait '+INBOX [Msgs:2'
# save (s) to =Archive: the message is copied there and marked deleted here; $ syncs (expunges)
tm send-keys -t nm s
pane_wait 'Save to mailbox'
tm send-keys -t nm C-u '=Archive' Enter
pane_wait 'Del:1'
tm send-keys -t nm '$'
pane_wait '+INBOX [Msgs:1'
# new mail while neomutt waits in IDLE: it is told and shows it
deliver frank nm-three
pane_wait 'nm-three' 15
tm send-keys -t nm q
pane_wait 'neomutt-exited-0'
grep -q 'service=imap, mechanism=PLAIN, user=<frank@example.test>' "$TERN_OUT" || die "neomutt: no login logged"
[ "$(state frank Archive | awk '{ print $2, $3 }')" = '\Seen nm-one' ] ||
    die "neomutt: Archive should hold nm-one, read: $(state frank Archive)"
[ "$(state frank INBOX | awk '{ print $3 }' | tr '\n' ' ')" = "nm-two nm-three " ] ||
    die "neomutt: INBOX should hold nm-two and nm-three: $(state frank INBOX)"
[ "$(flags_of frank INBOX nm-two)" = - ] || die "neomutt: nm-two should stay unread: $(state frank INBOX)"
tm kill-server 2>/dev/null || true
log "neomutt: read a message and moved it to Archive"

! grep -E "ERROR|Exception" "$TERN_TMP"/tern.*.out || die "the server logged an error"
tern_stop
log "ok"
