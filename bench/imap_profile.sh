#!/usr/bin/env bash
# JFR profiles of Tern's IMAP per operation: bench/imap_profile.sh [MESSAGES] (default 10000) [OUTDIR].
#
# The same Maildir as bench/imap.sh (bench/imap_bench.py generate), Tern alone. Records with JFR (settings=profile:
# CPU samples and allocation samples) each of: the first FETCH 1:* (FLAGS ENVELOPE) of a never-opened folder
# (first open), the first SEARCH BODY (first open), then FETCH ENVELOPE and SEARCH BODY in 5 new sessions each
# (opened). For each, bench/jfr_report.py prints the CPU milliseconds and the bytes allocated per message and the
# top allocation sites and CPU methods; the recordings stay in OUTDIR (default a new temp dir) for `jfr print`.
# CPU and allocation per message are what a loaded machine distorts least.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
N="${1:-10000}"
OUT="${2:-$(mktemp -d "${TMPDIR:-/tmp}/tern-imap-profile.XXXXXX")}"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tern-bench-imapprof.XXXXXX")"
TERN_TMP="$WORK"
export TERN_TMP
# shellcheck source=../test/interop/lib.sh
source "$REPO/test/interop/lib.sh"
cd "$WORK"
trap '_helpers_cleanup; rm -rf "$WORK"' EXIT
[ -n "${BENCH_SKIP_BUILD:-}" ] && [ -f "$TERN_JAR" ] || (cd "$REPO" && ./mvnw -B -q -o -pl server -DskipTests package)

ALICE=alice@example.test
PW=bench-secret
TERN_IMAP_LISTEN='["127.0.0.1:0"]'
TERN_EXTRA_TOML=$'[imap]\nauth_requires_tls = false\n\n[auth]\nfailure_delay = "0s"'
export TERN_IMAP_LISTEN TERN_EXTRA_TOML
tern_config
tern_user_add "$ALICE" "$PW"
MAILDIR="$(dirname "$(maildir_dir "$ALICE")")"
python3 "$HERE/imap_bench.py" generate "$MAILDIR" "$N"
tern_start
IMAP_PORT="$(tern_port imap)"
JDK="$(dirname "$(dirname "$(readlink -f "$TERN_JAVA")")")"
log "profiles into $OUT"
python3 - "$IMAP_PORT" "$ALICE" "$PW" "$TERN_PID" "$JDK/bin/jcmd" "$OUT" "$N" "$HERE" <<'PY'
import subprocess, sys
port, user, pw, pid, jcmd, out, n, here = sys.argv[1:]
sys.path.insert(0, here)
import imap_bench as b

def phase(name, commands, rounds):
    subprocess.run([jcmd, pid, "JFR.start", "name=p", "settings=profile"], check=True, capture_output=True)
    cpu = b.cpu_seconds(int(pid))
    for _ in range(rounds):
        c = b.Imap(int(port))
        c.cmd('LOGIN "%s" "%s"' % (user, pw))
        for cmd in commands:
            c.cmd(cmd)
        c.cmd("LOGOUT")
    cpu = b.cpu_seconds(int(pid)) - cpu
    f = "%s/%s.jfr" % (out, name)
    subprocess.run([jcmd, pid, "JFR.stop", "name=p", "filename=" + f], check=True, capture_output=True)
    print("== %s: %d round(s), %.0f ms CPU" % (name, rounds, cpu * 1000), flush=True)
    subprocess.run([sys.executable, here + "/jfr_report.py", f, str(int(n) * rounds), str(cpu),
                    "--jfr", jcmd[:-4] + "jfr", "--top", "15"], check=True)

fetch, search = "FETCH 1:* (FLAGS ENVELOPE)", 'SEARCH BODY "zyzzyva"'
phase("first-fetch", ["SELECT INBOX", fetch], 1)
phase("first-search", ["SELECT INBOX", search], 1)
phase("opened-fetch", ["SELECT INBOX", fetch], 5)
phase("opened-search", ["SELECT INBOX", search], 5)
PY
tern_stop
