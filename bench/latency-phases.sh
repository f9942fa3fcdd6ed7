#!/usr/bin/env bash
# Where the time from the end of DATA to the 250 goes, from Tern's own view (issue 17: p99 under 5 ms).
# Starts Tern (the plain row of bench/run.sh: checks off, a Maildir user), warms it up with the latency client itself
# (the same persistent-connection path that is measured), then records the measured runs of the latency client
# (bench/latency.c compiled here, or bench/latency.py without a C compiler or with BENCH_LATENCY_CLIENT=python) with
# the flight recorder and prints bench/latency_phases.py's breakdown: the server's own end-of-data -> 250 time by
# phase (content end, checks, spool commit split into record write / queued behind a running fsync / fsync /
# wake-up, log line, reply) against what the client saw, the GC pauses and safepoints that overlapped messages,
# the JIT's compilations and deoptimizations, and the journal's rotations (a new file's directory fsync) during the
# runs. The JVM's own log of every GC pause and safepoint (-Xlog:gc*,safepoint) is in the work dir (BENCH_KEEP=1).
#
#   bench/latency-phases.sh                      # 10 sessions, 3 runs of 40 messages each, 3000 warm-up messages
#   bench/latency-phases.sh --sessions 10 --messages 200 --runs 3 --warmup 5000
#   bench/latency-phases.sh --detail             # also every file write and fsync (jdk.FileWrite/FileForce), slower
#   bench/latency-phases.sh --rate 1000          # measured runs in an open loop: 1,000 msgs/s from all sessions
#                                                # together (latency.c's --rate; the C client only)
#   TERN_JAVA_OPTS="-XX:+UseSerialGC" bench/latency-phases.sh   # JVM options of the run (default: the launcher's)
#
# Environment: TERN_JAR (default server/target/tern.jar, built if missing), BENCH_KEEP=1 keeps the work dir
# (the recording, Tern's output, the GC log). Prints the load average at the start and the end: figures from a
# loaded machine are not the quiet machine's.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
source "$HERE/lib.sh"
SESSIONS=10
MESSAGES=40
RUNS=3
WARMUP=3000
DETAIL=""
RATE=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --sessions) SESSIONS="$2"; shift ;;
        --messages) MESSAGES="$2"; shift ;;
        --runs) RUNS="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --detail) DETAIL=1 ;;
        --rate) RATE=(--rate "$2"); shift ;;
        *) echo "usage: bench/latency-phases.sh [--sessions N] [--messages PER_SESSION] [--runs N] [--warmup N] [--detail] [--rate R]" >&2
           exit 2 ;;
    esac
    shift
done

say() { printf '%s latency-phases: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

JDK="$(TERN_PRINT_JAVA_HOME=1 "$ROOT/tern")" || die "no JDK 21+"
TERN_JAR="${TERN_JAR:-$ROOT/server/target/tern.jar}"
if [ ! -f "$TERN_JAR" ]; then
    say "building $TERN_JAR"
    (cd "$ROOT" && ./mvnw -q -B -pl server -DskipTests package) >&2 || die "build failed"
fi

WORK="$(mktemp -d /tmp/tern-latency-phases.XXXXXX)"
CLIENT=()
if [ "${BENCH_LATENCY_CLIENT:-c}" != python ] && command -v cc >/dev/null 2>&1 \
    && cc -O2 -pthread -o "$WORK/latency" "$HERE/latency.c" >"$WORK/latency-build.log" 2>&1; then
    CLIENT=("$WORK/latency")
else
    CLIENT=(python3 "$HERE/latency.py")
    [ "${#RATE[@]}" -eq 0 ] || { echo "latency-phases: --rate needs the C client (cc)" >&2; rm -rf "$WORK"; exit 2; }
fi
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    if [ -n "${BENCH_KEEP:-}" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the plain row of bench/run.sh
{ bench_toml "$WORK/data"; bench_flood_limits; bench_checks_off; } >"$WORK/tern.toml"
printf 'alice-secret\n' | "$JDK/bin/java" -jar "$TERN_JAR" user add alice@example.test --password-stdin \
    --config "$WORK/tern.toml" >"$WORK/useradd.out" 2>&1 || { cat "$WORK/useradd.out" >&2; die "tern user add failed"; }

# shellcheck disable=SC2086
"$JDK/bin/java" ${TERN_JAVA_OPTS:-} "-Xlog:gc*,safepoint:file=$WORK/gc.log:uptime" -jar "$TERN_JAR" serve \
    --config "$WORK/tern.toml" >"$WORK/tern.out" 2>&1 &
PID=$!
bench_ready "$WORK/tern.out" "$PID" 120 || die "tern exited at start or was not ready within 120 s"
PORT="$(bench_smtp_port "$WORK/tern.out")"
[ -n "$PORT" ] || die "no port in tern's output"
say "tern pid $PID on port $PORT, JVM options: ${TERN_JAVA_OPTS:-(none)}; client ${CLIENT[*]}; load $(bench_load)"

if [ "$WARMUP" -gt 0 ]; then
    per=$(((WARMUP + SESSIONS - 1) / SESSIONS))
    say "warm-up: $SESSIONS sessions x $per messages"
    "${CLIENT[@]}" --port "$PORT" --sessions "$SESSIONS" --messages-per-session "$per" --timeout 1200 \
        >"$WORK/warmup.json" || die "warm-up failed: $(cat "$WORK/warmup.json")"
fi

# every GC pause, safepoint and compilation (thresholds 0); Tern's own events are on whenever a recording is
events=(jdk.SafepointBegin#threshold=0ms jdk.ExecuteVMOperation#threshold=0ms jdk.Compilation#threshold=0ms
    jdk.Deoptimization#enabled=true)
[ -z "$DETAIL" ] || events+=(jdk.FileWrite#threshold=0ms jdk.FileWrite#stackTrace=false
    jdk.FileForce#threshold=0ms jdk.FileForce#stackTrace=false)
"$JDK/bin/jcmd" "$PID" JFR.start name=phases settings=default "${events[@]}" >"$WORK/jfr-start.out" 2>&1 \
    || { cat "$WORK/jfr-start.out" >&2; die "JFR.start failed"; }
cpu_before="$(awk '{ print $14 + $15 }' "/proc/$PID/stat")"
: >"$WORK/client.jsonl"
for rep in $(seq 1 "$RUNS"); do
    load="$(bench_load)"
    "${CLIENT[@]}" --port "$PORT" --sessions "$SESSIONS" --messages-per-session "$MESSAGES" "${RATE[@]}" \
        >>"$WORK/client.jsonl" || die "run $rep failed: $(tail -n 1 "$WORK/client.jsonl")"
    say "run $rep (load $load): $(tail -n 1 "$WORK/client.jsonl")"
done
cpu_after="$(awk '{ print $14 + $15 }' "/proc/$PID/stat")"
"$JDK/bin/jcmd" "$PID" JFR.stop name=phases filename="$WORK/phases.jfr" >/dev/null 2>&1 || die "JFR.stop failed"
n=$((SESSIONS * MESSAGES * RUNS))
say "tern CPU during the runs: $(awk -v c=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN { printf "%.2f ms per message (JFR on)", c / hz * 1000 / n }'); load $(bench_load)"
python3 "$HERE/latency_phases.py" "$WORK/phases.jfr" --client "$WORK/client.jsonl" --jfr "$JDK/bin/jfr"
