#!/usr/bin/env bash
# A deferred queue of many messages (issue 17, part 3): how long Tern takes to start on it, how much heap each
# queued message holds, and how long `tern queue list` takes. Writes the spool straight to disk in Tern's own
# format (server/src/test/java/dev/tern/queue/SpoolBuilder.java, no fsync per message), then starts
# `tern serve` twice, on an empty queue and on the full one, and compares.
#
#   bench/queue-scale.sh [COUNT]          # default 100000 messages of 1 KB
#   BENCH_SKIP_BUILD=1 bench/queue-scale.sh 20000
#
# Printed: start time (launch to "tern: ready", i.e. the spool recovered and every listener bound), heap used
# after a full GC with the queue and without it (the difference divided by COUNT is the bytes per queued
# message), and the wall time of `tern queue list` (the running server's answer, printed as text). The remote
# recipients are deferred towards a smarthost on a closed loopback port, so nothing leaves the machine.
# Everything runs as the calling user under a temp dir, on 127.0.0.1, and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-100000}"
JAVA="${JAVA:-$(ls -d /usr/lib/jvm/temurin-2[1-9]*/bin/java /usr/lib/jvm/*-2[1-9]*/bin/java 2>/dev/null | head -1)}"
[ -x "$JAVA" ] || { echo "queue-scale: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
JCMD="$(dirname "$JAVA")/jcmd"
JAR=server/target/tern.jar
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    ./mvnw -B -q -pl server package -DskipTests >/dev/null
    ./mvnw -B -q -pl server test-compile >/dev/null
fi
WORK="$(mktemp -d /tmp/tern-queue-scale.XXXXXX)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

config() { # DATA_DIR HTTP_PORT CLOSED_PORT
    cat <<TOML
hostname = "tern.test"
data_dir = "$1"
local_domains = ["example.test"]
[listen]
smtp = ["127.0.0.1:0"]
submission = []
submissions = []
pop3 = []
pop3s = []
http = ["127.0.0.1:$2"]
[delivery]
smarthost = "127.0.0.1:$3"
TOML
}

now_ms() { date +%s%3N; }

# run NAME DATA_DIR: starts the server, prints start time, heap and queue list time, stops it
run() {
    local name=$1 data=$2 http closed cfg log t0 t1 used t2 t3 lines
    http=$(free_port); closed=$(free_port)
    cfg="$WORK/$name.toml"; log="$WORK/$name.out"
    config "$data" "$http" "$closed" >"$cfg"
    t0=$(now_ms)
    "$JAVA" ${TERN_JAVA_OPTS:-} -jar "$JAR" serve --config "$cfg" >"$log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 1200); do # at most 120 s
        grep -q '^tern: ready' "$log" && break
        kill -0 "$SERVER" 2>/dev/null || { cat "$log"; echo "queue-scale: the server died" >&2; exit 1; }
        sleep 0.1
    done
    grep -q '^tern: ready' "$log" || { tail "$log"; echo "queue-scale: not ready after 120 s" >&2; exit 1; }
    t1=$(now_ms)
    sleep 2 # let the first passes of the recovered messages settle before weighing the heap
    "$JCMD" "$SERVER" GC.run >/dev/null
    used=$("$JCMD" "$SERVER" GC.heap_info | awk '/used/ && /total/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub(/K.*/,"",v); print v; exit}}')
    t2=$(now_ms)
    lines=$("$JAVA" -jar "$JAR" queue list --config "$cfg" 2>"$WORK/$name.list.err" | wc -l)
    t3=$(now_ms)
    printf '%-6s start %6d ms   heap after GC %8d KB   queue list %6d ms (%d lines)\n' \
        "$name" $((t1 - t0)) "$used" $((t3 - t2)) "$lines"
    echo "$used" >"$WORK/$name.heap"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

mkdir -p "$WORK/empty" "$WORK/full"
"$JAVA" -cp "server/target/test-classes:$JAR" dev.tern.queue.SpoolBuilder "$WORK/full" "$COUNT"
run empty "$WORK/empty"
run full "$WORK/full"
echo "per queued message: $(( ($(cat "$WORK/full.heap") - $(cat "$WORK/empty.heap")) * 1024 / COUNT )) bytes of heap"
