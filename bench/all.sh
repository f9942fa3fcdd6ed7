#!/usr/bin/env bash
# Issue 17 in one command: the five-server table with the disk's fsync rate and the latency, one core against
# two and the profile, the deferred queue and the mailing list, one after the other, into one report.
#
#   bench/all.sh            # the full run: 17 minutes on 2 quiet cores (session 8) (bench/README.md)
#   bench/all.sh --quick    # a smoke test with small counts: a few minutes
#   BENCH_SKIP_BUILD=1 bench/all.sh   # server/target/tern.jar and its test classes as they are
#
# Writes bench/out/<time>/: report.md (the Markdown for bench/RESULTS.md, from bench/report.py), results.jsonl
# (every part's figures), machine.txt, and each part's raw output: five/ and cores-profile/ (bench/run.sh's
# own output dirs: results.jsonl, table.md, the JFR recordings), five.log, cores-profile.log, queue-scale.txt,
# list-scale.txt. Each part is bounded in time (timeout below); a part that fails or times out is named in
# the report, and the parts after it still run.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
source "$HERE/lib.sh"

QUICK=""
case "${1:-}" in
    --quick) QUICK=1 ;;
    "") ;;
    *) echo "usage: bench/all.sh [--quick]" >&2; exit 2 ;;
esac

OUT="$HERE/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
say() { printf '%s all: %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$OUT/all.log"; }

# What each part runs with: the full run, or --quick (small counts, one run per cell, short windows).
# Each: the seconds it may take at most, then the command.
if [ -z "$QUICK" ]; then
    FIVE=(1500 "$HERE/run.sh" --five)
    CORES=(600 "$HERE/run.sh" --servers tern --only cores --only profile)
    QUEUE=(900 env WINDOW=60 FLUSH_TIMEOUT=600 "$HERE/queue-scale.sh" 100000)
    LIST=(600 env TIMEOUT=480 "$HERE/list-scale.sh" 100000 1000)
    WARMUP_SECONDS=15
else
    FIVE=(900 "$HERE/run.sh" --five --quick)
    CORES=(600 "$HERE/run.sh" --servers tern --only cores --only profile --quick)
    QUEUE=(600 env WINDOW=10 FLUSH_TIMEOUT=120 "$HERE/queue-scale.sh" 5000)
    LIST=(300 env TIMEOUT=120 "$HERE/list-scale.sh" 5000 100)
    WARMUP_SECONDS=5
fi

say "issue 17 in one command${QUICK:+ (--quick)}: $OUT; load $(bench_load), $(nproc) cores"
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    say "building server/target/tern.jar and the test classes (SpoolBuilder)"
    (cd "$ROOT" && ./mvnw -B -q -pl server -DskipTests package) >"$OUT/build.log" 2>&1 \
        || { tail -n 40 "$OUT/build.log"; say "FAIL: build"; exit 1; }
fi
[ -f "$ROOT/server/target/tern.jar" ] && [ -f "$ROOT/server/target/test-classes/dev/tern/queue/SpoolBuilder.class" ] \
    || { say "FAIL: no server/target/tern.jar or test classes: ./mvnw -B -q -pl server -DskipTests package"; exit 1; }
export BENCH_SKIP_BUILD=1

PARTS=()
PART_PID=""
trap '[ -z "$PART_PID" ] || kill -TERM "$PART_PID" 2>/dev/null; wait; exit 130' INT TERM
part() { # NAME LOG TIMEOUT COMMAND...: runs one part, its output into LOG; notes its times and outcome
    local name="$1" log="$2" limit="$3" t0 load rc
    shift 3
    t0="$(date -u +%H:%M:%S)"
    load="$(bench_load)"
    say "$name: ${*#"$HERE/"} (at most $limit s) > ${log#"$OUT/"}"
    # timeout runs the part in a process group of its own, which a Ctrl-C at the terminal does not reach: the
    # trap below hands it on (timeout relays it to the whole part)
    timeout --kill-after=30 "$limit" "$@" >"$log" 2>&1 &
    PART_PID=$!
    wait "$PART_PID"
    rc=$?
    PART_PID=""
    local outcome="ok"
    [ "$rc" -eq 0 ] || outcome="FAILED (exit $rc$([ "$rc" -eq 124 ] && echo ", stopped after $limit s"))"
    PARTS+=("$name: $t0–$(date -u +%H:%M:%S) UTC, load $load at its start: $outcome")
    say "$name: $outcome; load $(bench_load)"
    [ "$rc" -eq 0 ] || tail -n 15 "$log" | sed 's/^/    /'
}

# bench/run.sh writes into BENCH_OUT; the cores part's warm-ups are bounded by BENCH_WARMUP_SECONDS (--five has its own)
BENCH_OUT="$OUT/five" part five "$OUT/five.log" "${FIVE[@]}"
BENCH_OUT="$OUT/cores-profile" BENCH_WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-$WARMUP_SECONDS}" \
    part cores-profile "$OUT/cores-profile.log" "${CORES[@]}"
: >"$OUT/scale.jsonl"
BENCH_RESULTS="$OUT/scale.jsonl" part queue-scale "$OUT/queue-scale.txt" "${QUEUE[@]}"
BENCH_RESULTS="$OUT/scale.jsonl" part list-scale "$OUT/list-scale.txt" "${LIST[@]}"

# One results.jsonl for report.py: the fsync rates from the five-server part only (the cores part measures
# its own at its start and end, in cores-profile/results.jsonl)
{
    cat "$OUT/five/results.jsonl" 2>/dev/null
    grep -v '"test":"fsync"' "$OUT/cores-profile/results.jsonl" 2>/dev/null
    cat "$OUT/scale.jsonl"
} >"$OUT/results.jsonl"
{
    if [ -f "$OUT/five/machine.txt" ]; then
        cat "$OUT/five/machine.txt"
    else
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
        echo "tern: $(cd "$ROOT" && git rev-parse --short HEAD)"
    fi
    echo "all: bench/all.sh${QUICK:+ --quick}, parts in this order:"
    printf '  %s\n' "${PARTS[@]}"
    echo "load at the end of all: $(bench_load)"
} >"$OUT/machine.txt"
{
    echo "## Issue 17 in one command (\`bench/all.sh${QUICK:+ --quick}\`), $(date -u '+%Y-%m-%d') UTC"
    echo
    python3 "$HERE/report.py" "$OUT/machine.txt" "$OUT/results.jsonl"
} >"$OUT/report.md"
say "report: $OUT/report.md"
for p in "${PARTS[@]}"; do [[ "$p" == *FAILED* ]] && exit 1; done
exit 0
