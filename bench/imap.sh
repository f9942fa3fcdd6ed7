#!/usr/bin/env bash
# IMAP side by side with Dovecot over the same Maildir: bench/imap.sh [MESSAGES] (default 10000).
#
# Writes MESSAGES messages (bench/imap_bench.py generate: seeded, the same every run) into alice's Maildir in a
# fresh Tern data dir, copies that Maildir (cp -a) for a private Dovecot (dovecot-imapd from Debian, set up by
# test/interop/lib.sh dovecot_private: its own config and base_dir, a loopback port, no system service), starts
# both, and measures each in turn with bench/imap_bench.py run: SELECT INBOX, FETCH 1:* (FLAGS ENVELOPE) and
# SEARCH BODY "zyzzyva", in the first session after the start (first open: neither has an index or cache yet)
# and then the median of 5 new sessions (opened); and IDLE push latency, the median and worst of 10
# deliveries: Tern's from the SMTP 250 to the untagged EXISTS, Dovecot's from the rename of a file into
# new/ (what a Maildir delivery agent does last) to the EXISTS. Prints a table of wall times and, beside
# each, the CPU time the server's processes used for it (the JVM's every thread for Tern; the master and
# every process under it for Dovecot): on a loaded machine, compare those.
#
# Environment: BENCH_SKIP_BUILD=1 uses server/target/tern.jar as it is; BENCH_KEEP=1 keeps the work dir;
# TERN_JAVA_OPTS: JVM options for Tern. Run as root (Dovecot's mail processes then run as nobody) or as
# any user (all of Dovecot runs as that user). Everything listens on 127.0.0.1 and stops at the end.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
N="${1:-10000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tern-bench-imap.XXXXXX")"
TERN_TMP="$WORK"
export TERN_TMP
# shellcheck source=../test/interop/lib.sh
source "$REPO/test/interop/lib.sh"
cd "$WORK"
[ -n "${BENCH_KEEP:-}" ] || trap '_helpers_cleanup; rm -rf "$WORK"' EXIT

if [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f "$TERN_JAR" ]; then
    log "building $TERN_JAR"
    (cd "$REPO" && ./mvnw -B -q -o -pl server -DskipTests package) >build.log 2>&1 || {
        tail -n 40 build.log
        die "build failed"
    }
fi

ALICE=alice@example.test
PW=bench-secret
TERN_IMAP_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[imap]\nauth_requires_tls = false\n\n[auth]\nfailure_delay = "0s"'
export TERN_IMAP_LISTEN TERN_EXTRA_TOML
tern_config
tern_user_add "$ALICE" "$PW"
MAILDIR="$(dirname "$(maildir_dir "$ALICE")")"
log "writing $N messages into $MAILDIR"
python3 "$HERE/imap_bench.py" generate "$MAILDIR" "$N"
log "$(du -sh "$MAILDIR" | cut -f1) in $(find "$MAILDIR/cur" -type f | wc -l) files"
mkdir -p "$WORK/dovecot"
cp -a "$MAILDIR" "$WORK/dovecot/Maildir"
dovecot_private "$WORK/dovecot" "$WORK/dovecot/Maildir" "$PW"

if [ -n "${TERN_JAVA_OPTS:-}" ]; then
    tern_java_init
    real_java="$TERN_JAVA"
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$real_java" "$TERN_JAVA_OPTS" >"$WORK/java"
    chmod +x "$WORK/java"
    TERN_JAVA="$WORK/java"
fi
tern_start
IMAP_PORT="$(tern_port imap)"
dovecot_start

python3 "$HERE/imap_bench.py" run --name tern --port "$IMAP_PORT" --user "$ALICE" --password "$PW" \
    --pid "$TERN_PID" --smtp "$TERN_SMTP_PORT" >tern.json
python3 "$HERE/imap_bench.py" run --name dovecot --port "$DOVECOT_PORT" --user "$ALICE" --password "$PW" \
    --pid "$DOVECOT_PID" --maildir "$WORK/dovecot/Maildir" >dovecot.json
dovecot_stop
tern_stop

python3 - tern.json dovecot.json "$N" <<'PY'
import json, os, sys
rows = [json.load(open(p)) for p in sys.argv[1:3]]
print("IMAP, %s messages, %s, load average %s" % (sys.argv[3], os.uname().nodename,
      " ".join("%.2f" % x for x in os.getloadavg())))
print("wall time (CPU time of the server's processes)")
print("%-8s %-7s %18s %18s %18s" % ("server", "", "SELECT", "FETCH ENV", "SEARCH BODY"))
for r in rows:
    for when in ("first", "opened"):
        t = r[when]
        print("%-8s %-7s" % (r["server"], when) + "".join(
            "%10.0f (%4.0f) ms" % (t[k] * 1000, t[k + "_cpu"] * 1000) for k in ("select", "fetch", "search")))
for r in rows:
    print("%-8s IDLE push latency: median %.0f ms, worst %.0f ms (%d deliveries); checks %s" % (
        r["server"], r["idle_median"] * 1000, r["idle_max"] * 1000, len(r["idle"]), r["check"]))
a, b = rows[0]["check"], rows[1]["check"]
if a != b:
    print("DIFFERENT ANSWERS: tern %s, dovecot %s" % (a, b))
    sys.exit(1)
PY
