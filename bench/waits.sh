#!/usr/bin/env bash
# Where the context switches of a delivered message go (issue 17): Tern on 1 KB messages, one per connection,
# SESSIONS sessions, after a warm-up; over one run of COUNT messages, `perf stat` counts per message the context
# switches, CPU migrations, CPU time, futex calls and fsync, fdatasync and openat calls of the process; `perf stat
# --per-thread` splits the switches and CPU by thread family (connections' carriers ForkJoinPool-N, delivery
# threads, the poller); and `perf record -e sched:sched_switch -g` tells from each switch's kernel stack what the
# thread left the core for (a futex: a Java lock, condition or park; each step of an fsync; preemption). Counts,
# unlike times, change little with the machine's load. Needs perf and smtp-source (postfix).
#
#   BENCH_SKIP_BUILD=1 bench/waits.sh [COUNT] [SESSIONS]       # default 2000 messages, 10 sessions
#   TERN_JAR=/path/other.jar bench/waits.sh                     # another build (main's, say)
#   TERN_TASKSET=0 bench/waits.sh                               # Tern pinned to one core
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-2000}"
SESSIONS="${2:-10}"
WARM="${BENCH_WARMUP:-3000}"
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAVA="${JAVA:-$(bench_java)}" || { echo "waits: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
SMTP_SOURCE="$(command -v smtp-source || echo /usr/sbin/smtp-source)"
command -v perf >/dev/null && [ -x "$SMTP_SOURCE" ] || { echo "waits: needs perf and smtp-source (postfix)" >&2; exit 2; }
JAR="${TERN_JAR:-server/target/tern.jar}"
[ -n "${BENCH_SKIP_BUILD:-}${TERN_JAR:-}" ] || ./mvnw -B -q -pl server package -DskipTests >/dev/null
WORK="$(mktemp -d /tmp/tern-waits.XXXXXX)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
{ bench_toml "$WORK/data"; bench_flood_limits; bench_checks_off; } >"$WORK/tern.toml"
bench_add_alice "$JAVA" "$JAR" "$WORK/tern.toml"
# shellcheck disable=SC2086
${TERN_TASKSET:+taskset -c "$TERN_TASKSET"} "$JAVA" -jar "$JAR" serve --config "$WORK/tern.toml" >"$WORK/out" 2>&1 &
SERVER=$!
bench_ready "$WORK/out" "$SERVER" 60 && PORT="$(bench_smtp_port "$WORK/out")"
[ -n "${PORT:-}" ] || { echo "waits: the server did not start" >&2; exit 1; }
NEW="$WORK/data/mail/example.test/alice/new"
drive() { python3 bench/drive.py --smtp-source "$SMTP_SOURCE" --maildir "$NEW" --port "$PORT" --sessions "$SESSIONS" \
    --size 1024 --messages "$1" --timeout 300; }
drive "$WARM" >/dev/null
find "$NEW" -type f -delete
perf stat -x, -e context-switches,cpu-migrations,task-clock,syscalls:sys_enter_futex,raw_syscalls:sys_enter,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_openat \
    -p "$SERVER" -o "$WORK/all.csv" 2>/dev/null &
P1=$!
perf stat --per-thread -x, -e context-switches,task-clock -p "$SERVER" -o "$WORK/threads.csv" 2>/dev/null &
P2=$!
perf record -q -e sched:sched_switch -g -p "$SERVER" -o "$WORK/switches.data" >/dev/null 2>&1 &
P3=$!
sleep 1
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
RUN="$(drive "$COUNT")"
kill -INT "$P1" "$P2" "$P3"
wait "$P1" "$P2" "$P3" 2>/dev/null || true
perf script -i "$WORK/switches.data" -F comm,ip,sym >"$WORK/switches.txt" 2>/dev/null
echo "waits: $COUNT messages, $SESSIONS sessions, 1 KB, load $LOAD, $(date -u +%FT%TZ), $JAR${TERN_TASKSET:+, taskset $TERN_TASKSET}"
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("accepted %.0f/s, delivered %.0f/s (during the recording)" % (r["accepted_rate"] or 0, r["delivered_rate"] or 0))' "$RUN"
awk -F, -v n="$COUNT" '$1 ~ /^[0-9.]+$/ { printf "%s%s %.2f", sep, $3, $1 / n; sep = ", " } END { print " per message" }' "$WORK/all.csv"
echo
python3 bench/waits.py "$COUNT" "$WORK/threads.csv" "$WORK/switches.txt"
