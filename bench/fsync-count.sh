#!/usr/bin/env bash
# fsyncs per delivered message (issue 17, part 2): runs `tern serve` under `strace -f -c`, sends COUNT 1 KB
# messages to one local mailbox with smtp-source over SESSIONS sessions, waits until all are in the Maildir,
# stops the server and prints the fsync and fdatasync calls per delivered message. strace stops the JVM only at
# those two calls (--seccomp-bpf), yet slows them: the count is exact, the times are meaningless. How many fsyncs
# sessions share depends on how many end their data at the same moment, so the count per message falls with the
# number of sessions and varies a little from run to run.
#
#   bench/fsync-count.sh [COUNT] [SESSIONS]      # default 200 messages, 10 sessions
#   BENCH_SKIP_BUILD=1 bench/fsync-count.sh
#   JOURNAL_MAX=0 bench/fsync-count.sh           # every message in a slot of its own (no shared journal)
#   BY_FILE=1 bench/fsync-count.sh               # also the calls per message on each kind of file
#   for s in 1 10 50; do for j in 0 65536; do JOURNAL_MAX=$j BENCH_SKIP_BUILD=1 bench/fsync-count.sh 400 $s; done; done
#   SYSCALLS=1 bench/fsync-count.sh 400 10       # instead: system calls per message by name, start and warm-up
#                                                # left out (strace attached after them, so without --seccomp-bpf:
#                                                # every call is slowed and fsyncs share less; counts still exact)
#   TERN_JAR=/path/other.jar bench/fsync-count.sh   # another build (main's, say) instead of server/target/tern.jar
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
COUNT="${1:-200}"
SESSIONS="${2:-10}"
JAVA="${JAVA:-$(bench_java)}" || { echo "fsync-count: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
command -v strace >/dev/null && command -v smtp-source >/dev/null \
    || { echo "fsync-count: needs strace and smtp-source (postfix)" >&2; exit 2; }
JAR="${TERN_JAR:-server/target/tern.jar}"
[ -n "${BENCH_SKIP_BUILD:-}${TERN_JAR:-}" ] || ./mvnw -B -q -pl server package -DskipTests >/dev/null
WORK="$(mktemp -d /tmp/tern-fsync-count.XXXXXX)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
{
    bench_toml "$WORK/data"
    bench_flood_limits
    printf '\n[queue]\njournal_max_message = %s\n' "${JOURNAL_MAX:-65536}"
} >"$WORK/tern.toml"
bench_add_alice "$JAVA" "$JAR" "$WORK/tern.toml"
NEW="$WORK/data/mail/example.test/alice/new"
delivered_at_least() { bench_delivered_at_least "$NEW" "$1" || true; } # as before: the count is checked after
wait_ready() { # at most 180 s: a JVM under strace starts slowly
    bench_ready "$WORK/tern.out" "$SERVER" 180 && PORT=$(bench_smtp_port "$WORK/tern.out")
    [ -n "${PORT:-}" ] || { echo "fsync-count: the server did not start" >&2; exit 1; }
}
if [ -n "${SYSCALLS:-}" ]; then
    # the server runs untraced through its start and a warm-up of 50 messages (the Maildir made, the classes
    # loaded); strace then attaches to every thread for the COUNT messages alone
    "$JAVA" -jar "$JAR" serve --config "$WORK/tern.toml" >"$WORK/tern.out" 2>&1 &
    SERVER=$!
    wait_ready
    smtp-source -s "$SESSIONS" -m 50 -l 1024 -f bench@example.org -t alice@example.test "127.0.0.1:$PORT"
    delivered_at_least 50
    sleep 1
    strace -f -c -o "$WORK/strace.out" -p "$SERVER" \
        -e trace=fsync,fdatasync,openat,close,statx,newfstatat,fstat,access,faccessat2,ftruncate,rename,unlink,mkdir,\
sendfile,copy_file_range,write,writev,pwrite64,read,pread64,lseek,getdents64,futex,ioctl,sendto,recvfrom,poll,epoll_wait,\
epoll_ctl,fcntl,sched_yield 2>/dev/null &
    TRACER=$!
    sleep 2 # strace attaches to each thread in turn
    smtp-source -s "$SESSIONS" -m "$COUNT" -l 1024 -f bench@example.org -t alice@example.test "127.0.0.1:$PORT"
    delivered_at_least $((COUNT + 50))
    sleep 1
    kill -INT "$TRACER"; wait "$TRACER" 2>/dev/null || true
    awk -v d="$COUNT" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
        e = (NF == 6) ? $5 : 0; printf "fsync-count: %7.2f per message  %s (%.2f failing)\n", $4 / d, $NF, e / d
    }' "$WORK/strace.out" | sort -k2 -rn
    echo "fsync-count: system calls per message over $COUNT messages after a warm-up of 50 ($SESSIONS sessions," \
        "journal_max_message = ${JOURNAL_MAX:-65536})"
    exit 0
fi
if [ -n "${BY_FILE:-}" ]; then TRACE=(-y); else TRACE=(-c); fi
strace -f --seccomp-bpf "${TRACE[@]}" -e trace=fsync,fdatasync -o "$WORK/strace.out" \
    "$JAVA" -jar "$JAR" serve --config "$WORK/tern.toml" >"$WORK/tern.out" 2>&1 &
SERVER=$!
wait_ready
smtp-source -s "$SESSIONS" -m "$COUNT" -l 1024 -f bench@example.org -t alice@example.test "127.0.0.1:$PORT"
delivered_at_least "$COUNT"
DELIVERED=$(find "$NEW" -type f | wc -l)
sleep 1 # the slot truncation follows the delivery
# SIGTERM to the traced JVM itself (strace -f keeps running when it gets one), so that strace writes its summary
kill $(pgrep -P "$SERVER") 2>/dev/null || kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
if [ -n "${BY_FILE:-}" ]; then
    # "PID fdatasync(FD</path>) = 0": each path to its kind (digits and the data directory left out)
    sed -n 's/^[0-9]* \(fsync\|fdatasync\)([0-9]*<\([^>]*\)>.*/\1 \2/p' "$WORK/strace.out" \
        | sed "s|$WORK/data/||; s|/[^/]*/tmp/.*|/*/tmp/FILE|; s|/[0-9]\{8\}\$|/N|; s|mail/[^/]*/[^/]*/|mail/D/U/|" \
        | sort | uniq -c | sort -rn | awk -v d="$DELIVERED" '{printf "fsync-count: %6.2f per message  %s %s\n", $1 / d, $2, $3}'
    CALLS=$(grep -c -E '^[0-9]+ (fsync|fdatasync)\(' "$WORK/strace.out" || true)
else
    CALLS=$(awk '$NF == "fsync" || $NF == "fdatasync" {n += $4} END {print n + 0}' "$WORK/strace.out")
fi
echo "fsync-count: $DELIVERED messages delivered, $CALLS fsync/fdatasync calls (start and stop included)"
awk -v d="$DELIVERED" -v c="$CALLS" -v s="$SESSIONS" -v j="${JOURNAL_MAX:-65536}" \
    'BEGIN {printf "fsync-count: %.2f per delivered message (%d sessions, journal_max_message = %d)\n", c / d, s, j}'
