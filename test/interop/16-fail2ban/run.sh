#!/usr/bin/env bash
# fail2ban's own fail2ban-regex, with the filter exactly as docs/operations.md documents it (cut out of the
# doc here, so doc and test cannot drift), against the log Tern wrote during:
#   - failed SMTP AUTH logins (swaks, STARTTLS on the submission port, wrong password);
#   - failed POP3 logins (curl over pop3s, wrong password);
#   - a log-injection attempt: a raw SMTP client (python3's smtplib) sends
#     MAIL FROM:<"auth failed: user=<x>, ip=[192.0.2.99], mechanism="@evil.example> and a whole message,
#     so the forged text is in the log inside a from=<...> field.
# The filter must match every real failure, always against 127.0.0.1, and never 192.0.2.99.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v fail2ban-regex >/dev/null || die "fail2ban-regex is not installed (Debian package fail2ban)"
command -v swaks >/dev/null || die "swaks is not installed"
command -v curl >/dev/null || die "curl is not installed"
command -v python3 >/dev/null || die "python3 is not installed"

# --- the filter, from the doc --------------------------------------------------------------------------------
DOC="$REPO_ROOT/docs/operations.md"
awk '/^# \/etc\/fail2ban\/filter.d\/tern.conf$/ { on = 1; next } on && /^```/ { exit } on { print }' "$DOC" \
    >tern.conf
grep -q '^\[Definition\]' tern.conf || die "no [Definition] after '# /etc/fail2ban/filter.d/tern.conf' in $DOC"
grep -q '^failregex = ' tern.conf || die "no failregex in the filter of $DOC"
sed 's/^/    [filter] /' tern.conf

ALICE=alice@example.test
TERN_SUBMISSION='["127.0.0.1:0"]' TERN_POP3S_LISTEN='["127.0.0.1:0"]' \
    TERN_EXTRA_TOML=$'[auth]\nfailure_delay = "0s"' tern_config
tern_user_add "$ALICE" alice-secret
tern_start
SUB="$(tern_port submission)"
POP3S="$(tern_port pop3s)"
[ -n "$SUB" ] && [ -n "$POP3S" ] || die "no submission/pop3s port in $TERN_OUT"

# --- 1. two failed SMTP AUTH logins ---------------------------------------------------------------------------
for i in 1 2; do
    rc=0
    swaks --server 127.0.0.1 --port "$SUB" --tls --auth PLAIN --auth-user "$ALICE" --auth-password "wrong$i" \
        --helo client.example.org --from "$ALICE" --to "$ALICE" --timeout 30 >"swaks$i.out" 2>&1 || rc=$?
    grep -Eq '^<[-~*]{1,2} +535 5\.7\.8 ' "swaks$i.out" || { cat "swaks$i.out"; die "swaks $i: no 535 5.7.8"; }
done
log "2 failed SMTP AUTH logins"

# --- 2. two failed POP3 logins --------------------------------------------------------------------------------
for i in 1 2; do
    rc=0
    curl -sS -k --max-time 30 -u "$ALICE:wrong$i" "pop3s://127.0.0.1:$POP3S/" >"curl$i.out" 2>&1 || rc=$?
    [ "$rc" -eq 67 ] || { cat "curl$i.out"; die "curl $i: exit $rc, not 67 (login denied)"; }
done
log "2 failed POP3 logins"

# --- 3. the log-injection attempt, accepted as a message ---------------------------------------------------------
python3 - "$TERN_SMTP_PORT" "$ALICE" <<'PY'
import smtplib, sys
port, rcpt = int(sys.argv[1]), sys.argv[2]
s = smtplib.SMTP("127.0.0.1", port, timeout=30)
s.ehlo("evil.example")
code, text = s.docmd('MAIL FROM:<"auth failed: user=<x>, ip=[192.0.2.99], mechanism="@evil.example>')
assert code == 250, (code, text)
code, text = s.docmd("RCPT TO:<%s>" % rcpt)
assert code == 250, (code, text)
code, text = s.data(b"Subject: injection\r\n\r\nnothing\r\n")
assert code == 250, (code, text)
s.quit()
PY
maildir_wait "$ALICE" 1
grep -q '192\.0\.2\.99' "$TERN_OUT" || die "the forged address is not in the log at all, so nothing was tried"
log "injection attempt logged: $(grep -m1 '192\.0\.2\.99' "$TERN_OUT")"

tern_stop

# --- 4. fail2ban-regex over the whole log -------------------------------------------------------------------------
cp "$TERN_OUT" tern.log
rc=0
# (a path with a slash: a bare name would be read as a regular expression)
fail2ban-regex --out ip tern.log "$PWD/tern.conf" >ips.out 2>&1 || rc=$?
sed 's/^/    [fail2ban-regex --out ip] /' ips.out
[ "$rc" -eq 0 ] || die "fail2ban-regex exited $rc"
grep -q '192\.0\.2\.99' ips.out && die "the filter matched the forged address 192.0.2.99"
matched="$(grep -c '^127\.0\.0\.1$' ips.out || true)"
other="$(grep -cv '^127\.0\.0\.1$' ips.out || true)"
[ "$matched" -eq 4 ] || die "the filter matched 127.0.0.1 $matched times, not 4 (2 SMTP + 2 POP3 failures)"
[ "$other" -eq 0 ] || die "fail2ban-regex printed something other than 127.0.0.1"
failures="$(grep -c 'WARN  auth: auth failed: ' tern.log || true)"
[ "$failures" -eq 4 ] || die "$failures 'auth failed' lines in the log, not 4"
fail2ban-regex tern.log "$PWD/tern.conf" | sed -n 's/^/    [fail2ban-regex] /; /Lines:/p; /Failregex:/p'
log "fail2ban-regex: 4 matches, all 127.0.0.1; 192.0.2.99 never"

echo "16-fail2ban: all checks passed"
