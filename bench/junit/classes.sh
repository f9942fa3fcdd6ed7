#!/usr/bin/env bash
# The classes a first start of tern-junit loads, a figure load does not change: one fresh JVM runs bench.FirstStart
# (as startup.sh does) with -Xlog:class+load, and this counts the classes loaded from the extension's class being
# loaded (dev.tern.junit.TernMail) to the first greeting (the next class after it, ManagementFactory, is loaded
# only once the clock stopped): by the main thread (the thread the greeting waits for), and by all threads.
# With LIST=1 it also prints the main thread's classes by package. Needs what startup.sh needs, and its classpath
# (run startup.sh once first, or RUNS=1 bash bench/junit/startup.sh).
#   bash bench/junit/classes.sh            LIST=1 bash bench/junit/classes.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f bench/junit/target/classpath.txt ] || { echo "classes.sh: run bench/junit/startup.sh once first" >&2; exit 2; }
cp="${CP_OVERRIDE:-bench/junit/target/test-classes:$(cat bench/junit/target/classpath.txt)}"
# shellcheck source=bench/junit/jdk.sh
. bench/junit/jdk.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
"$java" ${JAVA_OPTS_EXTRA:-} "-Xlog:class+load=info:file=$log:tid" -cp "$cp" bench.FirstStart | grep '^first start'
awk -v list="${LIST:-0}" '
    { tid = $1; gsub(/[\[\]]/, "", tid); name = $2 }
    name == "bench.FirstStart" { main = tid }
    name == "dev.tern.junit.TernMail" { on = 1 }
    name == "java.lang.management.ManagementFactory" { on = 0 }
    on { all++; if (tid == main) { mine++; p = name; sub(/\.[^.]*$/, "", p); n[p]++ } }
    END {
        printf "classes loaded from the extension to the first greeting: %d by the main thread, %d by all threads\n", mine, all
        if (list == 1) for (p in n) printf "%6d %s\n", n[p], p | "sort -rn"
    }' "$log"
