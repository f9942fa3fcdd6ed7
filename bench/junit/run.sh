#!/usr/bin/env bash
# tern-junit against GreenMail's JUnit 5 extension (com.icegreen:greenmail-junit5): the same 200 tests, each
# sending one message with Angus Mail and waiting for it, per-class and per-method servers, and the time from
# start to ready, each class in a fresh JVM. Needs the tern artifacts installed (./mvnw -B -DskipTests install).
#   bash bench/junit/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -f bench/junit/pom.xml test >/dev/null
reports=bench/junit/target/surefire-reports
echo "class                      wall of 200 tests (s), JVM start excluded"
for f in "$reports"/TEST-bench.*PerClassBench.xml "$reports"/TEST-bench.*PerMethodBench.xml; do
    sed -nE 's/.*<testsuite [^>]*name="bench\.([^"]+)" time="([^"]+)" tests="([0-9]+)".*failures="([0-9]+)".*/\1 \2 s (tests \3, failures \4)/p' "$f"
done
grep -hoE 'BENCH [^]<]*' "$reports"/TEST-bench.*.xml | sed 's/^BENCH //'
