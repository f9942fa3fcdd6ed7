#!/usr/bin/env bash
# JFR profiles of Tern's IMAP per operation: bench/imap_profile.sh [MESSAGES] (default 10000) [OUTDIR].
#
# The same Maildir as bench/imap.sh (bench/imap_bench.py generate), Tern alone. Records with JFR (settings=profile:
# CPU samples and allocation samples), with a full GC at each end so that the bytes allocated are counted from the
# heap: the first FETCH 1:* (FLAGS ENVELOPE) of a never-opened folder (first open, its SELECT included), the first
# SEARCH BODY, then 2 sessions of 10 FETCH ENVELOPE each and 2 sessions of 3 SEARCH BODY each (opened; LOGIN is
# left out, SELECT is in). For each, the server's CPU per command (from /proc) and bench/jfr_report.py's CPU and
# bytes allocated per message, top allocation sites and CPU methods; the recordings stay in OUTDIR (default a new
# temp dir) for `jfr print`. CPU and allocation per message are what a loaded machine distorts least.
#
# Then, when the test classes are built (./mvnw -B -q -o -pl server test-compile), ImapFetchBench in one JVM over a
# copy of the never-opened Maildir: the CPU time and bytes allocated of the thread that answers FETCH ENVELOPE and
# writes it (the first SELECT and FETCH, then the median of 20 sessions after 20 of warm-up), with no socket, no
# GC and JIT threads in its figures (the process's CPU is printed beside).
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
mkdir -p "$WORK/inproc/mail/example.test"
cp -a "$MAILDIR" "$WORK/inproc/mail/example.test/alice" # never opened, for ImapFetchBench below
tern_start
IMAP_PORT="$(tern_port imap)"
JDK="$(dirname "$(dirname "$(readlink -f "$TERN_JAVA")")")"
log "profiles into $OUT"
python3 - "$IMAP_PORT" "$ALICE" "$PW" "$TERN_PID" "$JDK/bin/jcmd" "$OUT" "$N" "$HERE" <<'PY'
import subprocess, sys
port, user, pw, pid, jcmd, out, n, here = sys.argv[1:]
sys.path.insert(0, here)
import imap_bench as b

def jc(*args):
    subprocess.run([jcmd, pid] + list(args), check=True, capture_output=True)

def phase(name, commands, rounds, repeat=1):
    """The commands of one session (after its LOGIN and SELECT), recorded with a full GC at each end (so that
    jfr_report.py counts the bytes allocated from the heap), repeated; rounds new sessions of that."""
    sessions = []
    for _ in range(rounds):
        c = b.Imap(int(port))
        c.cmd('LOGIN "%s" "%s"' % (user, pw))
        sessions.append(c)
    jc("JFR.start", "name=p", "settings=profile")
    jc("GC.run")
    cpu = b.cpu_seconds(int(pid))
    for c in sessions:
        c.cmd("SELECT INBOX")
        for _ in range(repeat):
            for cmd in commands:
                c.cmd(cmd)
    cpu = b.cpu_seconds(int(pid)) - cpu  # the full GCs left out
    jc("GC.run")
    f = "%s/%s.jfr" % (out, name)
    jc("JFR.stop", "name=p", "filename=" + f)
    for c in sessions:
        c.cmd("LOGOUT")
    times = rounds * repeat
    print("== %s: %d session(s) x %d, %.0f ms CPU, %.1f ms CPU each (SELECT included)"
          % (name, rounds, repeat, cpu * 1000, cpu * 1000 / times), flush=True)
    subprocess.run([sys.executable, here + "/jfr_report.py", f, str(int(n) * times), str(cpu),
                    "--jfr", jcmd[:-4] + "jfr", "--top", "15"], check=True)

fetch, search = "FETCH 1:* (FLAGS ENVELOPE)", 'SEARCH BODY "zyzzyva"'
phase("first-fetch", [fetch], 1)
phase("first-search", [search], 1)
phase("opened-fetch", [fetch], 2, 10)
phase("opened-search", [search], 2, 3)
PY
tern_stop
BENCH_CLASSES="$REPO/server/target/test-classes"
if [ -f "$BENCH_CLASSES/dev/tern/imap/ImapFetchBench.class" ]; then
    log "in one JVM, the answering thread alone (ImapFetchBench)"
    "$JDK/bin/java" -cp "$BENCH_CLASSES:$TERN_JAR" dev.tern.imap.ImapFetchBench "$WORK/inproc" "$ALICE" 20
else
    log "no $BENCH_CLASSES/dev/tern/imap/ImapFetchBench.class: ./mvnw -B -q -o -pl server test-compile for the in-JVM figures"
fi
