#!/usr/bin/env bash
# A deferred queue of many messages (issue 17, part 3), in one command: the start, the memory, the retries, the
# listing and the flush. Writes the spool straight to disk in Tern's own format
# (server/src/test/java/dev/tern/queue/SpoolBuilder.java, no fsync per message), then starts `tern serve` on an
# empty queue (for the heap it needs anyway) and on the full one, whose remote mail goes to a smarthost on
# loopback that answers 451 to every RCPT (Postfix's smtp-sink -r rcpt), and prints:
#   start      launch to "tern: ready" (every listener bound; the spool is recovered in the background from
#              then on) and the CPU time the process used until then (what load distorts least), launch to the
#              250 of a new message sent right after (the server accepts mail), and launch to the log's
#              "recovered N message(s)" (the background recovery done), with its CPU time;
#   heap       live objects after a full GC (jcmd GC.class_histogram), empty and full: the difference over COUNT is the heap per queued message;
#   retries    attempts per second seen in the mail log over the first WINDOW seconds (the overdue share is
#              due at start and is paced), and from the schedule (every recipient's next attempt, read from
#              GET /queue): the most attempts due in one second and in one minute over the next hour;
#   list       wall time of GET /queue and GET /queue?summary (the server's answer, read by a script), of
#              `tern config check --no-bind` (the CLI's JVM start and little else), and of `tern queue list` (text, every message),
#              `--summary` and `--limit 100`, each with the CLI's own JVM start;
#   flush      the smarthost now accepts (smtp-sink without -r): `tern queue flush`, and the time until the
#              queue is empty (every message delivered), as messages per second.
#
#   bench/queue-scale.sh [COUNT]          # default 100000 messages of 1 KB
#   BENCH_SKIP_BUILD=1 OVERDUE=10 WINDOW=60 bench/queue-scale.sh 20000
#
# OVERDUE (default 10): percent of the messages whose next attempt fell in the hour before the start (a server
# that was down for an hour); the rest are due 1 to 15 minutes after it. WINDOW (default 60): seconds of the
# retry count. FLUSH_TIMEOUT (default 1800): seconds the flush may take. BENCH_RESULTS: a file to which the
# figures are also appended as JSON lines, for bench/report.py (bench/all.sh sets it). Everything runs under a
# temp dir, on 127.0.0.1, and stops by itself (each wait is bounded).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
COUNT="${1:-100000}"
OVERDUE="${OVERDUE:-10}"
WINDOW="${WINDOW:-60}"
FLUSH_TIMEOUT="${FLUSH_TIMEOUT:-1800}"
JAVA="${JAVA:-$(bench_java)}" || { echo "queue-scale: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
JCMD="$(dirname "$JAVA")/jcmd"
SINK="$(command -v smtp-sink || echo /usr/sbin/smtp-sink)"
[ -x "$SINK" ] || { echo "queue-scale: needs smtp-sink (Debian: postfix; bench/run.sh installs it)" >&2; exit 2; }
JAR="${TERN_JAR:-server/target/tern.jar}"
[ -n "${BENCH_SKIP_BUILD:-}" ] || ./mvnw -B -q -pl server package -DskipTests >/dev/null # test classes too
WORK="$(mktemp -d /tmp/tern-queue-scale.XXXXXX)"
chmod 755 "$WORK"
SERVER=""
MX=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    [ -n "$MX" ] && kill "$MX" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }

MX_PORT=$(bench_free_port)
mx() { # defer|accept: (re)starts the smarthost
    [ -n "$MX" ] && { kill "$MX" 2>/dev/null; wait "$MX" 2>/dev/null || true; }
    local opts=()
    [ "$1" = defer ] && opts=(-r rcpt)
    [ "$(id -u)" -eq 0 ] && opts+=(-u nobody)
    "$SINK" "${opts[@]}" -m 512 "127.0.0.1:$MX_PORT" 1024 >"$WORK/mx.$1.out" 2>&1 &
    MX=$!
    for _ in $(seq 1 50); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' "$MX_PORT" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "queue-scale: smtp-sink did not listen" >&2
    exit 1
}

config() { # DATA_DIR HTTP_PORT
    bench_toml "$1" "127.0.0.1:$2"
    cat <<TOML
[relay]
trusted_networks = ["127.0.0.0/8"]
[delivery]
smarthost = "127.0.0.1:$MX_PORT"
TOML
}

# start NAME DATA_DIR: starts the server; sets SERVER, CFG, LOG, HTTP, SMTP, T_READY (ms after launch)
start() {
    local name=$1 data=$2 t0
    HTTP=$(bench_free_port)
    CFG="$WORK/$name.toml"; LOG="$WORK/$name.out"
    config "$data" "$HTTP" >"$CFG"
    t0=$(bench_now_ms)
    T0=$t0
    "$JAVA" ${TERN_JAVA_OPTS:-} -jar "$JAR" serve --config "$CFG" >"$LOG" 2>&1 &
    SERVER=$!
    bench_ready "$LOG" "$SERVER" 120 || { echo "queue-scale: the server died or was not ready after 120 s" >&2; exit 1; }
    T_READY=$(($(bench_now_ms) - t0))
    CPU_READY=$(bench_cpu_ms "$SERVER")
    SMTP=$(bench_smtp_port "$LOG")
}

stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

heap_kb() {
    # the live objects after the full GC that the histogram makes (heap_info's "used" counts whole regions)
    "$JCMD" "$SERVER" GC.class_histogram | awk '$1 == "Total" { print int($3 / 1024) }'
}

send_one() { # the 250 of one new message to a remote recipient (relayed: the client is trusted)
    python3 - "$SMTP" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as s:
    s.sendmail("bench@example.test", ["new@remote.example"], b"Subject: new\r\n\r\nnew mail during recovery\r\n")
PY
}

tern_cli() { "$JAVA" -jar "$JAR" "$@" --config "$CFG"; }

timed() { # ARGS...: prints the wall and CPU time (user + system) of `tern ARGS`, its output counted in lines
    local t0 lines cpu ms
    t0=$(bench_now_ms)
    lines=$({ /usr/bin/time -f '%U %S' -o "$WORK/cli.time" "$JAVA" -jar "$JAR" "$@" --config "$CFG" 2>>"$WORK/cli.err" \
        || echo "queue-scale: tern $* failed" >&2; } | wc -l)
    ms=$(($(bench_now_ms) - t0))
    cpu=$(awk '{ print int(($1 + $2) * 1000) }' "$WORK/cli.time" 2>/dev/null || echo null)
    printf '  %-32s %6d ms, %5s ms of CPU (%d lines)\n' "tern $*" "$ms" "$cpu" "$lines"
    rec "\"cli\":\"$*\",\"ms\":$ms,\"cpu_ms\":${cpu:-null},\"lines\":$lines"
}
# rec 'KEY:VALUE,...': one line of this run's figures for bench/report.py (bench/lib.sh bench_record)
rec() { bench_record "{\"test\":\"queue-scale\",$1}"; }

LOAD0="$(bench_load)"
say "queue-scale: $COUNT messages of 1 KB, $OVERDUE% overdue at start; $(date -u '+%Y-%m-%d %H:%M UTC'), load $LOAD0, $(nproc) cores"
mkdir -p "$WORK/empty" "$WORK/full"
"$JAVA" -cp "server/target/test-classes:$JAR" dev.tern.queue.SpoolBuilder "$WORK/full" "$COUNT" 1024 "$OVERDUE"
mx defer

start empty "$WORK/empty"
sleep 1
EMPTY_HEAP=$(heap_kb)
stop
printf 'empty  start %6d ms (%d ms of CPU)   live heap %8d KB\n' "$T_READY" "$CPU_READY" "$EMPTY_HEAP"
rec "\"count\":$COUNT,\"overdue_pct\":$OVERDUE,\"window_s\":$WINDOW,\"empty_ready_ms\":$T_READY,\"empty_ready_cpu_ms\":$CPU_READY,\"empty_heap_kb\":$EMPTY_HEAP,\"load_start\":\"$LOAD0\""

start full "$WORK/full"
send_one
T_ACCEPT=$(($(bench_now_ms) - T0))
printf 'full   start %6d ms (%d ms of CPU)   first new message accepted %6d ms after launch (target 5000)   load %s\n' \
    "$T_READY" "$CPU_READY" "$T_ACCEPT" "$(bench_load)"
rec "\"full_ready_ms\":$T_READY,\"full_ready_cpu_ms\":$CPU_READY,\"accept_ms\":$T_ACCEPT,\"load_accept\":\"$(bench_load)\""
for _ in $(seq 1 6000); do # at most 10 min
    grep -q 'recovered [0-9]* message(s) from the spool' "$LOG" && break
    sleep 0.1
done
T_RECOVERED=$(($(bench_now_ms) - T0))
CPU_RECOVERED=$(bench_cpu_ms "$SERVER")
RECOVERED="$(grep -o 'recovered [0-9]* message(s) from the spool in [0-9]* ms' "$LOG" || echo 'not yet')"
printf 'full   background recovery done %6d ms after launch (%d ms of CPU in all by then; the log: %s)   load %s\n' \
    "$T_RECOVERED" "$CPU_RECOVERED" "$RECOVERED" "$(bench_load)"
rec "\"recovered_ms\":$T_RECOVERED,\"recovered_cpu_ms\":$CPU_RECOVERED,\"recovered_log\":\"$RECOVERED\""

# retries over the first WINDOW seconds, from the mail log; heap weighed in the middle of it
sleep $((WINDOW / 2))
FULL_HEAP=$(heap_kb)
sleep $((WINDOW - WINDOW / 2))
printf 'full   live heap %8d KB: %d bytes per queued message\n' "$FULL_HEAP" \
    $(( (FULL_HEAP - EMPTY_HEAP) * 1024 / COUNT ))
rec "\"full_heap_kb\":$FULL_HEAP,\"heap_per_msg\":$(( (FULL_HEAP - EMPTY_HEAP) * 1024 / COUNT ))"
python3 - "$LOG" "$WINDOW" <<'PY'
import collections, json, os, sys
per_sec = collections.Counter()
for line in open(sys.argv[1], errors="replace"):
    if "status=deferred" in line:
        per_sec[line[:19]] += 1
secs = sorted(per_sec)[: int(sys.argv[2])]
total = sum(per_sec[s] for s in secs)
most = max((per_sec[s] for s in secs), default=0)
print("retries (mail log, first %s s): %d attempts, %.0f/s on average over the seconds with any, at most %d in one second"
      % (sys.argv[2], total, total / max(1, len(secs)), most))
if os.environ.get("BENCH_RESULTS"):
    with open(os.environ["BENCH_RESULTS"], "a") as f:
        print(json.dumps({"test": "queue-scale", "retries_window": total, "retries_window_max_per_s": most}), file=f)
PY
python3 - "$HTTP" <<'PY'
import collections, datetime, json, os, sys, urllib.request
with urllib.request.urlopen("http://127.0.0.1:%s/queue" % sys.argv[1], timeout=120) as r:
    listing = json.load(r)
now = datetime.datetime.now(datetime.timezone.utc)
sec, minute = collections.Counter(), collections.Counter()
n = overdue = 0
for m in listing["messages"]:
    for r in m["recipients"]:
        t = r.get("nextAttempt")
        if not t:
            continue
        d = (datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) - now).total_seconds()
        if d < 0:
            overdue += 1
        elif d < 3600:
            sec[int(d)] += 1
            minute[int(d // 60)] += 1
            n += 1
print("retries (schedule): %d recipients overdue now (waiting for their paced turn or a place on their route); "
      "%d due in the next hour, at most %d in one second, at most %d in one minute, %.0f/s on average over the "
      "minutes with any" % (overdue, n, max(sec.values(), default=0), max(minute.values(), default=0),
                            n / max(1, len(minute)) / 60))
if os.environ.get("BENCH_RESULTS"):
    with open(os.environ["BENCH_RESULTS"], "a") as f:
        print(json.dumps({"test": "queue-scale", "overdue_now": overdue, "due_hour": n,
                          "due_max_per_s": max(sec.values(), default=0),
                          "due_max_per_min": max(minute.values(), default=0)}), file=f)
PY

say "tern queue list (the server answering, load $(bench_load)):"
python3 - "$HTTP" <<'PY'
import json, os, sys, time, urllib.request
for path in ("/queue", "/queue?summary"):
    t0 = time.time()
    with urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], path), timeout=300) as r:
        first = r.read(1)
        t1 = time.time()
        n = len(first) + sum(len(b) for b in iter(lambda: r.read(1 << 16), b""))
    print("  GET %-28s %6d ms, first byte after %d ms (%d bytes; the server's answer alone, no JVM start)"
          % (path, (time.time() - t0) * 1000, (t1 - t0) * 1000, n))
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as f:
            print(json.dumps({"test": "queue-scale", "cli": "GET " + path, "ms": int((time.time() - t0) * 1000),
                              "bytes": n}), file=f)
PY
timed config check --no-bind
timed queue list
timed queue list --summary
timed queue list --limit 100
tern_cli queue list --summary

mx accept
say "flush (smarthost accepting, load $(bench_load)):"
t0=$(bench_now_ms)
tern_cli queue flush >/dev/null
left=""
for _ in $(seq 1 $((FLUSH_TIMEOUT * 2))); do # at most FLUSH_TIMEOUT s
    left=$(python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen("http://127.0.0.1:%s/queue?summary" % sys.argv[1], timeout=30))["messages"])' "$HTTP")
    [ "$left" = 0 ] && break
    sleep 0.5
done
t1=$(bench_now_ms)
sent=$(grep -c 'status=sent' "$LOG" || true)
printf '  %d messages delivered (status=sent in the log), queue empty: %s, in %d ms: %.0f msgs/s   load %s\n' \
    "$sent" "$([ "$left" = 0 ] && echo yes || echo "no, $left left")" $((t1 - t0)) \
    "$(awk -v n="$sent" -v ms=$((t1 - t0)) 'BEGIN { print n * 1000 / ms }')" "$(bench_load)"
rec "\"flush_sent\":$sent,\"flush_left\":${left:-null},\"flush_ms\":$((t1 - t0)),\"load_end\":\"$(bench_load)\""
stop
