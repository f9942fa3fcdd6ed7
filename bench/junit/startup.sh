#!/usr/bin/env bash
# tern-junit's first start in a fresh JVM, the way a test run sees it: JUnit's launcher runs bench.FirstGreeting,
# a class with a per-class TernMail whose first test connects to the SMTP port at once and reads the greeting.
# Measured: wall time from the extension being made to that greeting (the issue asks for under 300 ms), the CPU
# time of the whole process meanwhile (all threads, the JIT's too: on a loaded machine the steadier figure), and
# the cost of a reset between tests. Runs RUNS fresh JVMs (default 7) and prints each run and the medians, with
# the load average beside them. JVM options to try go in JAVA_OPTS_EXTRA (a user's build has none);
# JAVA_OPTS_EXTRA=-Dbench.threads=true also prints the CPU each thread spent from the extension to the greeting.
# Needs the tern artifacts installed (./mvnw -B -DskipTests install).
#   bash bench/junit/startup.sh            RUNS=11 bash bench/junit/startup.sh
# Maven options (e.g. -Dmaven.repo.local=...) may be given in MVN_OPTS_EXTRA.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-7}
# shellcheck disable=SC2086
./mvnw -B -q -f bench/junit/pom.xml ${MVN_OPTS_EXTRA:-} test-compile dependency:build-classpath \
    -Dmdep.outputFile="$PWD/bench/junit/target/classpath.txt" -Dmdep.includeScope=test >/dev/null
cp="bench/junit/target/test-classes:$(cat bench/junit/target/classpath.txt)"
# shellcheck source=bench/junit/jdk.sh
. bench/junit/jdk.sh
echo "$("$java" -version 2>&1 | head -n 1); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
walls=()
cpus=()
mains=()
classes=()
for i in $(seq "$runs"); do
    # shellcheck disable=SC2086
    out=$("$java" ${JAVA_OPTS_EXTRA:-} -cp "$cp" bench.FirstStart)
    line=$(echo "$out" | grep '^first start')
    echo "run $i: $line"
    echo "$out" | grep '^thread ' || true # with JAVA_OPTS_EXTRA=-Dbench.threads=true: each thread's CPU meanwhile
    walls+=("$(echo "$line" | sed -nE 's/first start ([0-9]+) ms wall.*/\1/p')")
    cpus+=("$(echo "$line" | sed -nE 's/.* ([0-9]+) ms CPU, .*/\1/p')")
    mains+=("$(echo "$line" | sed -nE 's/.* ([0-9]+) ms CPU of the main thread.*/\1/p')")
    classes+=("$(echo "$line" | sed -nE 's/.*; ([0-9]+) classes loaded.*/\1/p')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "median first start of $runs runs: $(median "${walls[@]}") ms wall, $(median "${cpus[@]}") ms CPU," \
    "$(median "${mains[@]}") ms CPU of the main thread," \
    "$(median "${classes[@]}") classes loaded; load average $(cut -d' ' -f1-3 /proc/loadavg)"
