#!/usr/bin/env bash
# IMAP side by side with Dovecot (dovecot-imapd from Debian) over the same Maildir.
#   - the corpus (corpus/*.eml: real MIME shapes, malformed ones too) is APPENDed to alice's INBOX on Tern with
#     flags, keywords and INTERNALDATEs (imapcmp.py FLAGS), and one more message is delivered by SMTP;
#   - alice's Maildir is copied (cp -a: file names, so flags and sizes, and mtimes, so INTERNALDATE) for a
#     private Dovecot: its own configuration, base_dir and log under this scenario's directory, one IMAP
#     listener on a free loopback port, no TLS, a static passdb/userdb, no system service. Tern's
#     tern-keywords becomes dovecot-keywords (the same format: "N NAME" a line, letter 'a' + N in file names);
#   - imapcmp.py runs the same raw session against both (ENVELOPE, BODYSTRUCTURE, BODY, BODY[] and its
#     sections, .MIME, .HEADER, .TEXT, HEADER.FIELDS, partial fetches, SEARCH over flags, keywords, dates,
#     sizes, headers and bodies, with UTF-8 search strings) and fails on any difference left after the
#     normalisations its header lists, each a latitude the RFC leaves to the server.
# TERN_KEEP=1 keeps tern.json and dovecot.json (the normalised answers) in the scenario's directory.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

command -v python3 >/dev/null || die "python3 is not installed"
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || die "dovecot is not installed (package dovecot-imapd)"

ALICE=alice@example.test
PW=alice-secret
TERN_IMAP_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[imap]\nauth_requires_tls = false\n\n[auth]\nfailure_delay = "0s"'
export TERN_IMAP_LISTEN TERN_EXTRA_TOML
tern_config
tern_user_add "$ALICE" "$PW"
tern_start
IMAP_PORT="$(tern_port imap)"
[ -n "$IMAP_PORT" ] && [ "$IMAP_PORT" != 0 ] || die "no 'tern: imap listening on 127.0.0.1:PORT' line"
log "tern imap on 127.0.0.1:$IMAP_PORT"

# --- 1. the corpus into Tern: APPEND, and one message by SMTP ------------------------------------------------
python3 "$HERE/imapcmp.py" load "$IMAP_PORT" "$ALICE" "$PW" "$HERE/corpus" || die "APPEND of the corpus failed"
python3 - "$TERN_SMTP_PORT" "$HERE/corpus/18-smtp.eml" <<'PY' || die "SMTP delivery failed"
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
    s.sendmail("bob@example.org", ["alice@example.test"], open(sys.argv[2], "rb").read().replace(b"\n", b"\r\n"))
PY
maildir_wait "$ALICE" 1 60
MAILDIR="$(dirname "$(maildir_dir "$ALICE")")"
n="$(find "$MAILDIR/cur" "$MAILDIR/new" -type f | wc -l | tr -d ' ')"
log "tern's Maildir $MAILDIR holds $n messages"

# --- 2. a private Dovecot over a copy of the Maildir ---------------------------------------------------------
DOVE="$TERN_TMP/dovecot"
mkdir -p "$DOVE"
cp -a "$MAILDIR" "$DOVE/Maildir"
find "$DOVE/Maildir" -name tern-keywords | while read -r k; do cp -p "$k" "$(dirname "$k")/dovecot-keywords"; done
dovecot_private "$DOVE" "$DOVE/Maildir" "$PW"
dovecot_start

# --- 3. the same session against both ------------------------------------------------------------------------
python3 "$HERE/imapcmp.py" compare "$IMAP_PORT" "$DOVECOT_PORT" "$ALICE" "$PW" "$HERE/corpus" "$TERN_TMP" \
    >compare.out 2>&1 || {
    cat compare.out
    tail -n 20 "$DOVE/dovecot.log" 2>/dev/null | sed 's/^/    [dovecot.log] /'
    die "Tern and Dovecot answered differently (normalised answers in $TERN_TMP/tern.json and dovecot.json)"
}
cat compare.out
grep -qi 'error\|panic\|fatal' "$DOVE/dovecot.log" && sed 's/^/    [dovecot.log] /' "$DOVE/dovecot.log"
dovecot_stop
tern_stop
log "ok"
