#!/usr/bin/env bash
# How often Tern's io-watchdog timer thread (net.Sweeper: command deadlines and write watchdogs) wakes while SMTP
# sessions sit idle between commands, counted from /proc (the thread's voluntary context switches): a count that
# load does not distort.
#   bench/idle-wakes.sh [JAR] [SESSIONS] [SECONDS]     (defaults: server/target/tern.jar, 100, 20)
# Prints one line: "io-watchdog wake-ups: W in S s with N idle sessions (JAR)". Run it with the jar of each
# commit to compare (e.g. main's and a branch's, built with ./mvnw -B -q -o -pl server -DskipTests package).
# The sessions come from loopback, trusted (relay.trusted_networks), so the MX's per-address rate limits let
# them all in.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="${1:-server/target/tern.jar}"
N="${2:-100}"
SECS="${3:-20}"
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAVA="${JAVA:-$(bench_java)}" || { echo "idle-wakes: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
tmp="$(mktemp -d)"
pid=""
idle=""
cleanup() {
    [ -n "$idle" ] && kill "$idle" 2>/dev/null || true
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/data"
{
    bench_toml "$tmp/data"
    printf '\n[limits]\nmax_connections_per_ip = %d\n\n[relay]\ntrusted_networks = ["127.0.0.0/8"]\n' $((N + 10))
} >"$tmp/tern.toml"
"$JAVA" -jar "$JAR" serve --config "$tmp/tern.toml" >"$tmp/out" 2>&1 &
pid=$!
bench_ready "$tmp/out" "$pid" 60 && port="$(bench_smtp_port "$tmp/out")"
[ -n "${port:-}" ] || { echo "idle-wakes: the server did not start" >&2; exit 1; }
mkfifo "$tmp/hold" # idle.py holds its sessions until its standard input ends: when this script does
python3 bench/idle.py --port "$port" --sessions "$N" --hold $((SECS + 60)) >"$tmp/idle.out" <"$tmp/hold" &
idle=$!
exec 3>"$tmp/hold"
for _ in $(seq 600); do grep -q READY "$tmp/idle.out" && break; sleep 0.1; done
grep -q "READY $N errors=0" "$tmp/idle.out" || { cat "$tmp/idle.out"; echo "sessions not all up" >&2; exit 1; }
tid=""
for t in /proc/"$pid"/task/*; do
    [ "$(cat "$t/comm")" = io-watchdog ] && tid="$t"
done
[ -n "$tid" ] || { echo "no io-watchdog thread" >&2; exit 1; }
count() { awk '/^voluntary_ctxt_switches/ { print $2 }' "$tid/status"; }
c0="$(count)"
sleep "$SECS"
c1="$(count)"
echo "io-watchdog wake-ups: $((c1 - c0)) in $SECS s with $N idle sessions ($JAR)"
