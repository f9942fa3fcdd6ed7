#!/usr/bin/env bash
# What one message costs Tern at one session (issue 17: the weakest cell), in counts the machine's load does not
# change: one Tern (1 KB messages from smtp-source to one local mailbox, one message per connection), warmed up
# untraced, then `perf stat` attached to the process for COUNT messages: per message, its context switches,
# cpu-migrations, system calls, futex calls and CPU time (task-clock), and smtp-source's wall time. With
# TIMELINE=1, afterwards `strace -f -tt -T` over 3 more messages at one session (the chain: accept, each reply,
# the journal's write and fdatasync, the 250), kept in WORK/timeline.txt and its path printed.
#
#   bench/session-chain.sh [COUNT] [SESSIONS]       # default 2000 messages, 1 session
#   for s in 1 10; do BENCH_SKIP_BUILD=1 bench/session-chain.sh 2000 $s; done
#   TERN_JAR=/tmp/main.jar bench/session-chain.sh   # another build (main's, say), for a before/after
#   TERN_JAVA_OPTS="-Djdk.virtualThreadScheduler.parallelism=1" bench/session-chain.sh   # JVM options
#   TIMELINE=1 BENCH_KEEP=1 bench/session-chain.sh 500 1
#   SCHED=1 bench/session-chain.sh 1000 1          # instead of perf stat: the context switches per message by
#                                                   # kind of thread (perf record -g -e sched:sched_switch), and
#                                                   # each wait on the disk by the kernel function it waited in
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-2000}"
SESSIONS="${2:-1}"
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAVA="${JAVA:-$(bench_java)}" || { echo "session-chain: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
command -v perf >/dev/null && command -v smtp-source >/dev/null \
    || { echo "session-chain: needs perf and smtp-source (postfix)" >&2; exit 2; }
JAR="${TERN_JAR:-server/target/tern.jar}"
[ -n "${BENCH_SKIP_BUILD:-}${TERN_JAR:-}" ] || ./mvnw -B -q -pl server package -DskipTests >/dev/null
WORK="$(mktemp -d /tmp/tern-session-chain.XXXXXX)"
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    wait 2>/dev/null
    if [ -n "${BENCH_KEEP:-}" ]; then echo "session-chain: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
{ bench_toml "$WORK/data"; bench_flood_limits; bench_checks_off; } >"$WORK/tern.toml"
bench_add_alice "$JAVA" "$JAR" "$WORK/tern.toml"
NEW="$WORK/data/mail/example.test/alice/new"
delivered_at_least() { bench_delivered_at_least "$NEW" "$1" || true; } # as before: the count is checked after
# shellcheck disable=SC2086
"$JAVA" ${TERN_JAVA_OPTS:-} -jar "$JAR" serve --config "$WORK/tern.toml" >"$WORK/tern.out" 2>&1 &
SERVER=$!
bench_ready "$WORK/tern.out" "$SERVER" 60 && PORT="$(bench_smtp_port "$WORK/tern.out")"
[ -n "${PORT:-}" ] || { echo "session-chain: the server did not start" >&2; exit 1; }
source_run() { smtp-source -s "$1" -m "$2" -l 1024 -f bench@example.org -t alice@example.test "127.0.0.1:$PORT"; }
source_run 10 3000 # warm-up: the JIT, the Maildir
source_run "$SESSIONS" 500
delivered_at_least 3500
sleep 1
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${SCHED:-}" ]; then
    perf record -q -g -e sched:sched_switch -p "$SERVER" -o "$WORK/sched.data" 2>/dev/null &
else
    perf stat -x, -e task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter,syscalls:sys_enter_futex \
        -p "$SERVER" -o "$WORK/perf.csv" 2>/dev/null &
fi
PERF=$!
sleep 0.5
T0=$(date +%s.%N)
source_run "$SESSIONS" "$COUNT"
T1=$(date +%s.%N)
delivered_at_least $((3500 + COUNT))
sleep 0.5
kill -INT "$PERF"; wait "$PERF" 2>/dev/null || true
if [ -n "${SCHED:-}" ]; then # switches away from each kind of thread (its name without digits), and the state it left in
    perf script -i "$WORK/sched.data" -F comm,trace 2>/dev/null \
        | sed -n 's/^ *\(.*[^ ]\) *prev_comm=.* prev_state=\([A-Z+]*\) .*/\1 \2/p' | sed 's/[0-9]//g; s/  */ /g' \
        | sort | uniq -c | sort -rn | awk -v n="$COUNT" '{ s = $NF; $1 = sprintf("%6.2f", $1 / n); $NF = "";
            printf "session-chain: %s per message  %s(state %s: %s)\n", $1, substr($0, 8), s,
                s == "S" ? "waits" : s == "D" ? "disk" : s ~ /^R/ ? "preempted" : "?" }'
    # each wait on the disk by what it waited for: the first kernel function past the generic waits, and the call
    perf script -i "$WORK/sched.data" 2>/dev/null | awk -v n="$COUNT" '
        /prev_state=D / { grab = 1; what = ""; call = ""; t = $1; gsub(/[0-9]/, "", t); next }
        grab && NF == 0 { c[t " " what " in " call]++; grab = 0; next }
        grab { f = $2; sub(/\+.*/, "", f)
               if (what == "" && f !~ /schedule|wait_on_bit|bit_wait|wait_for_completion|submit_bio_wait|folio_wait/) what = f
               if (f ~ /^__x64_sys_/) { call = f; sub(/^__x64_sys_/, "", call) } }
        END { for (k in c) printf "session-chain: %6.2f per message  disk wait: %s\n", c[k] / n, k }' | sort -k2 -rn | head -12
fi
awk -F, -v n="$COUNT" '$1 ~ /^[0-9.]+$/ {
    v = $1 / n; if ($3 == "task-clock") printf "session-chain: %8.3f ms CPU per message\n", v
    else printf "session-chain: %8.2f %s per message\n", v, $3 }' "$WORK/perf.csv"
awk -v n="$COUNT" -v a="$T0" -v b="$T1" -v s="$SESSIONS" -v l="$LOAD" 'BEGIN {
    printf "session-chain: %.0f msgs/s accepted (smtp-source wall time), %d messages, %d session(s), load %s\n",
        n / (b - a), n, s, l }'
if [ -n "${TIMELINE:-}" ]; then
    strace -f -tt -T -o "$WORK/timeline.txt" -p "$SERVER" 2>/dev/null &
    TRACER=$!
    sleep 2
    source_run 1 3
    sleep 1
    kill -INT "$TRACER"; wait "$TRACER" 2>/dev/null || true
    echo "session-chain: strace timeline of 3 messages in $WORK/timeline.txt"
fi
