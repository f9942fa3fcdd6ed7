#!/usr/bin/env bash
# Tern side by side with Postfix, Exim, OpenSMTPD and chasquid: throughput, latency and memory; the disk's
# fsync rate. See bench/README.md.
#
#   bench/run.sh                 # everything; with all five servers well over an hour on 2 cores (Exim's
#                                # one-message-per-connection rows are slow: bench/README.md)
#   bench/run.sh --quick         # fewer messages, one run per cell
#   bench/run.sh --only throughput|latency|memory   (may be repeated)
#   bench/run.sh --runs 5        # runs per cell (default 3; the median is reported)
#   bench/run.sh --servers tern,exim          # a subset (default tern,postfix,exim,opensmtpd,chasquid)
#   bench/run.sh --sizes 1024 --sessions 1,10,50 --modes 1   # a part of the throughput matrix
#   bench/run.sh --messages 50   # messages per throughput run, instead of the scaled default
#
# Environment: BENCH_SKIP_BUILD=1 uses server/target/tern.jar as it is; BENCH_WARMUP: messages sent to each server
# before measuring (default 5000); TERN_JAVA_OPTS: JVM options for Tern
# (default none); BENCH_KEEP=1 keeps the work dir. Results: bench/out/<time>/ (results.jsonl, table.md).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
source "$HERE/postfix.sh"
source "$HERE/peers.sh"

ARGS="$*"
QUICK=""
RUNS=3
ONLY=()
SERVERS=(tern postfix exim opensmtpd chasquid)
SIZES=(1024 102400)
SESSIONS=(1 10 50 200)
MODES=(1 100)
MESSAGES=""
usage() {
    echo "usage: bench/run.sh [--quick] [--runs N] [--only throughput|latency|memory] [--servers a,b,..]" \
        "[--sizes 1024,102400] [--sessions 1,10,50,200] [--modes 1,100] [--messages N]" >&2
    exit 2
}
list() { local IFS=','; read -r -a "$1" <<<"$2"; }
while [ "$#" -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; RUNS=1 ;;
        --runs) RUNS="$2"; shift ;;
        --only) ONLY+=("$2"); shift ;;
        --servers) list SERVERS "$2"; shift ;;
        --sizes) list SIZES "$2"; shift ;;
        --sessions) list SESSIONS "$2"; shift ;;
        --modes) list MODES "$2"; shift ;;
        --messages) MESSAGES="$2"; shift ;;
        *) usage ;;
    esac
    shift
done
[ "${#ONLY[@]}" -gt 0 ] || ONLY=(throughput latency memory)
want() { local x; for x in "${ONLY[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
for srv in "${SERVERS[@]}"; do
    case "$srv" in tern | postfix | exim | opensmtpd | chasquid) ;; *) echo "unknown server: $srv" >&2; usage ;; esac
done
have() { local x; for x in "${SERVERS[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

say() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { say "FAIL: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------------
# What the benchmark needs: smtp-source (postfix), python3; the system Postfix service is never started.

install_prereqs() {
    local missing=()
    command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || missing+=(postfix)
    command -v postconf >/dev/null 2>&1 || missing+=(postfix)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]} and not root"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    local our_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        our_policy=1
    fi
    local rc=0
    { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$WORK/apt.log" 2>&1 || rc=$?
    [ -n "$our_policy" ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || { tail -n 20 "$WORK/apt.log"; die "apt-get failed"; }
}

find_java() {
    local d
    for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
        [ -n "$d" ] && [ -x "$d/bin/javac" ] || continue
        local v
        v="$("$d/bin/java" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
        v="${v%%[.+-]*}"
        if [ -n "$v" ] && [ "$v" -ge 21 ] 2>/dev/null; then printf '%s\n' "$d"; return 0; fi
    done
    return 1
}

# ---------------------------------------------------------------------------------------------------

WORK="$(mktemp -d /tmp/tern-bench.XXXXXX)"
chmod 755 "$WORK" # postfix and nobody must reach their folders inside
OUT="$HERE/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
TERN_PID=""

cleanup() {
    pf_stop
    exim_stop
    opensmtpd_stop
    chasquid_stop
    if [ -n "$TERN_PID" ] && kill -0 "$TERN_PID" 2>/dev/null; then
        kill -TERM "$TERN_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$TERN_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$TERN_PID" 2>/dev/null || true
    fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_prereqs
JAVA_HOME="$(find_java)" || die "no JDK 21+"
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
SMTP_SOURCE="$(command -v smtp-source || echo /usr/sbin/smtp-source)"
TERN_JAR="$ROOT/server/target/tern.jar"
if have tern && { [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f "$TERN_JAR" ]; }; then
    say "building $TERN_JAR"
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package) >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; die "build failed"; }
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------------------------------------------
# Tern: own data dir, own port (127.0.0.1:0, read back from its output).

TERN_DATA="$WORK/tern-data"
TERN_CONFIG="$WORK/tern.toml"
mkdir -p "$TERN_DATA"
cat >"$TERN_CONFIG" <<TOML
hostname = "tern.test"
data_dir = "$TERN_DATA"
local_domains = ["example.test"]

[listen]
smtp = ["127.0.0.1:0"]
submission = []
submissions = []
pop3 = []
pop3s = []
imap = []
imaps = []
http = []

[limits]
max_connections = 20000
max_connections_per_ip = 20000
connections_per_ip_per_minute = 0   # the benchmark floods from one address on purpose
messages_per_ip_per_hour = 0
recipients_per_ip_per_hour = 0
max_message_size = "60MB"
TOML
if have tern; then
    printf 'alice-secret\n' | "$JAVA" -jar "$TERN_JAR" user add alice@example.test --password-stdin --config "$TERN_CONFIG" \
        >"$WORK/useradd.out" 2>&1 || { cat "$WORK/useradd.out"; die "tern user add failed"; }
fi
TERN_MAILDIR="$TERN_DATA/mail/example.test/alice/new"
TERN_RUN=0

tern_start() { # [JVM options...]
    TERN_RUN=$((TERN_RUN + 1))
    local log="$WORK/tern.$TERN_RUN.out"
    # shellcheck disable=SC2086
    "$JAVA" ${TERN_JAVA_OPTS:-} "$@" -jar "$TERN_JAR" serve --config "$TERN_CONFIG" >"$log" 2>&1 &
    TERN_PID=$!
    local deadline=$((SECONDS + 60))
    until grep -q '^tern: ready' "$log" 2>/dev/null; do
        kill -0 "$TERN_PID" 2>/dev/null || { tail -n 30 "$log"; die "tern exited at start"; }
        [ "$SECONDS" -lt "$deadline" ] || die "tern not ready within 60s"
        sleep 0.1
    done
    TERN_PORT="$(sed -n 's/^tern: smtp listening on .*:\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$log" | head -n 1)"
    [ -n "$TERN_PORT" ] || die "no port in tern's output"
    TERN_LOG="$log"
}

tern_stop() {
    [ -n "$TERN_PID" ] || return 0
    kill -TERM "$TERN_PID" 2>/dev/null
    local deadline=$((SECONDS + 40))
    while kill -0 "$TERN_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -KILL "$TERN_PID" 2>/dev/null || true
    wait "$TERN_PID" 2>/dev/null || true
    TERN_PID=""
}

# Postfix: its own instance under $WORK/postfix on a free loopback port.
PF_PORT="$(free_port)"
pf_setup "$WORK/postfix" "$PF_PORT"
PF_MAILDIR="$(pf_maildir)"

# Exim, OpenSMTPD, chasquid: Debian's packages unpacked under $WORK (bench/peers.sh says why not installed).
DEB_CACHE="${BENCH_DEB_CACHE:-/var/cache/tern-bench}"
if have exim || have opensmtpd || have chasquid; then
    peers_fetch "$DEB_CACHE" || die "apt-get download of the peers failed (see $DEB_CACHE/download.log)"
fi
for srv in exim opensmtpd chasquid; do
    have "$srv" || continue
    "${srv}_setup" "$WORK/$srv" "$(free_port)" "$DEB_CACHE" || die "$srv: setup failed"
done

srv_port() {
    case "$1" in
        tern) echo "$TERN_PORT" ;; postfix) echo "$PF_PORT" ;; exim) echo "$EXIM_PORT" ;;
        opensmtpd) echo "$OSMTPD_PORT" ;; chasquid) echo "$CHQ_PORT" ;;
    esac
}
srv_maildir() {
    case "$1" in
        tern) echo "$TERN_MAILDIR" ;; postfix) echo "$PF_MAILDIR" ;; *) "${1}_maildir" ;;
    esac
}
srv_start() {
    case "$1" in
        tern) tern_start ;; postfix) pf_start || die "postfix did not start" ;;
        *) "${1}_start" || die "$1 did not start" ;;
    esac
}
srv_stop() {
    case "$1" in tern) tern_stop ;; postfix) pf_stop ;; *) "${1}_stop" ;; esac
}
all_start() { local s; for s in "${SERVERS[@]}"; do srv_start "$s"; done; }
all_stop() { local s; for s in "${SERVERS[@]}"; do empty_maildir "$(srv_maildir "$s")"; srv_stop "$s"; done; }

# The disk's single-writer fsync rate, on the file system of the work dir (every server's data is there).
fsync_rate() { python3 "$HERE/fsync_rate.py" "$WORK" --seconds 3; }

empty_maildir() {
    [ -d "$1" ] && find "$1" -mindepth 1 -maxdepth 1 -type f -delete
    return 0
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------------------------------------------
# Machine and versions.

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2/1048576 }' /proc/meminfo)"
    echo "disk: $(df -h "$WORK" | awk 'NR==2 { print $1 " " $2 }') $(findmnt -no FSTYPE,OPTIONS -T "$WORK" 2>/dev/null)"
    echo "kernel: $(uname -sr)"
    echo "tern: $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- server pom.xml || echo '+dirty')"
    echo "servers: ${SERVERS[*]}"
    have postfix && echo "postfix: $(pf_version)"
    have exim && echo "exim: $(peer_version "$DEB_CACHE" exim4-daemon-light)"
    have opensmtpd && echo "opensmtpd: $(peer_version "$DEB_CACHE" opensmtpd)"
    have chasquid && echo "chasquid: $(peer_version "$DEB_CACHE" chasquid) (delivering with maildrop $(peer_version "$DEB_CACHE" maildrop))"
    echo "jdk: $("$JAVA" -version 2>&1 | head -n 1)"
    echo "tern jvm options: ${TERN_JAVA_OPTS:-(none)}"
    echo "command: bench/run.sh $ARGS (warm-up ${BENCH_WARMUP:-5000})"
    echo "load at start: $(loadavg)"
} | tee "$OUT/machine.txt"
FSYNC="$(fsync_rate)"
printf '{"test":"fsync","when":"start","load":"%s","result":%s}\n' "$(loadavg)" "$FSYNC" >>"$RESULTS"
say "disk: single-writer fsync rate on $WORK at the start: $FSYNC"

# ---------------------------------------------------------------------------------------------------
# Throughput: smtp-source against both servers, alternating which goes first in each run.

# messages SIZE SESSIONS MODE -> how many messages a run sends (scaled so the whole matrix stays affordable)
messages() {
    local size="$1" s="$2" mode="$3" n
    # one message per connection: at least 1000 messages; shorter runs (a fraction of a second) measured the ramp-up, not the rate
    if [ "$mode" = 1 ]; then
        n=$((s * 40)); [ "$n" -lt 1000 ] && n=1000; [ "$n" -gt 4000 ] && n=4000
    else
        n=$((s * 100)); [ "$n" -gt 3000 ] && n=3000 # 100 per connection up to 30 sessions, then 3000/s
    fi
    [ "$size" -gt 10000 ] && n=$((n / 2))
    [ -n "$QUICK" ] && n=$((n / 2))
    [ -n "$MESSAGES" ] && n="$MESSAGES"
    [ "$n" -lt "$s" ] && n="$s"
    echo "$n"
}

one_run() { # SERVER SIZE SESSIONS MODE N REP
    local server="$1" size="$2" s="$3" mode="$4" n="$5" rep="$6" port dir extra=()
    port="$(srv_port "$server")"; dir="$(srv_maildir "$server")"
    [ "$mode" = 1 ] || extra=(--per-conn)
    empty_maildir "$dir"
    sync
    local load json
    load="$(loadavg)"
    json="$(python3 "$HERE/drive.py" --smtp-source "$SMTP_SOURCE" --maildir "$dir" --port "$port" --sessions "$s" \
        --size "$size" --messages "$n" "${extra[@]}" --timeout 300)"
    printf '{"test":"throughput","server":"%s","size":%s,"sessions":%s,"mode":"%s","rep":%s,"load":"%s","result":%s}\n' \
        "$server" "$size" "$s" "$mode" "$rep" "$load" "$json" >>"$RESULTS"
    say "$server size=$size sessions=$s per_conn=$mode n=$n run $rep: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("ok" if r["ok"] else "NOT OK " + str(r), "accepted %.0f/s delivered %.0f/s" % (r["accepted_rate"] or 0, r["delivered_rate"] or 0))' "$json") (load $load)"
}

# Warm-up, not recorded: the peers' process pools, and the JVM's JIT, which goes on compiling for the first few
# thousand messages (a server runs for days; measuring its first seconds would measure the compiler).
WARMUP="${BENCH_WARMUP:-5000}"
warm_up() {
    local srv dir
    [ "$WARMUP" -gt 0 ] || return 0
    for srv in "${SERVERS[@]}"; do
        dir="$(srv_maildir "$srv")"
        python3 "$HERE/drive.py" --smtp-source "$SMTP_SOURCE" --maildir "$dir" --port "$(srv_port "$srv")" --sessions 10 \
            --size 1024 --messages "$WARMUP" --timeout 300 >/dev/null
        empty_maildir "$dir"
    done
    sync
}

if want throughput; then
    say "throughput: ${SERVERS[*]}; sizes ${SIZES[*]}; sessions ${SESSIONS[*]}; msgs/conn ${MODES[*]}"
    all_start
    warm_up
    for size in "${SIZES[@]}"; do
        for mode in "${MODES[@]}"; do
            for s in "${SESSIONS[@]}"; do
                n="$(messages "$size" "$s" "$mode")"
                for rep in $(seq 1 "$RUNS"); do
                    # a different server goes first in each run: rotate the list by one per run
                    k=$(((rep - 1) % ${#SERVERS[@]}))
                    order=("${SERVERS[@]:k}" "${SERVERS[@]:0:k}")
                    for srv in "${order[@]}"; do one_run "$srv" "$size" "$s" "$mode" "$n" "$rep"; done
                done
            done
        done
    done
    all_stop
fi

# ---------------------------------------------------------------------------------------------------
# Latency: end of DATA -> 250, per message, 10 and 50 sessions, both servers.

if want latency; then
    all_start
    per=40; [ -n "$QUICK" ] && per=15
    warm_up
    for rep in $(seq 1 "$RUNS"); do
        for s in 10 50; do
            m=$((per * 10 / s)); [ "$m" -lt 8 ] && m=8
            for srv in "${SERVERS[@]}"; do
                load="$(loadavg)"
                json="$(python3 "$HERE/latency.py" --port "$(srv_port "$srv")" --sessions "$s" --messages-per-session "$m")"
                printf '{"test":"latency","server":"%s","sessions":%s,"rep":%s,"load":"%s","result":%s}\n' \
                    "$srv" "$s" "$rep" "$load" "$json" >>"$RESULTS"
                say "latency $srv sessions=$s: $json"
            done
        done
    done
    all_stop
fi

# ---------------------------------------------------------------------------------------------------
# Memory: RSS of Tern with 10,000 idle sessions after EHLO; a 50 MB message with a 64 MB heap.

rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

if want memory && have tern; then
    IDLE=10000
    tern_start
    python3 "$HERE/latency.py" --port "$TERN_PORT" --sessions 10 --messages-per-session 10 >/dev/null # warm-up
    sleep 1
    base="$(rss_kb "$TERN_PID")"
    coproc IDLER { exec python3 "$HERE/idle.py" --port "$TERN_PORT" --sessions "$IDLE" --hold 300; }
    read -r -t 300 ready <&"${IDLER[0]}" || die "idle.py did not report"
    sleep 3
    rss="$(rss_kb "$TERN_PID")"
    threads="$(awk '/Threads/ { print $2 }' "/proc/$TERN_PID/status")"
    heap="$("$JAVA_HOME/bin/jcmd" "$TERN_PID" GC.heap_info 2>/dev/null | grep -m1 -E 'total|used' | tr -s ' ')"
    eval "exec ${IDLER[1]}>&-" # closes idle.py's stdin: it quits its sessions
    wait "$IDLER_PID" 2>/dev/null
    printf '{"test":"idle","sessions":%s,"client":"%s","rss_before_kb":%s,"rss_kb":%s,"threads":%s,"heap":"%s","load":"%s"}\n' \
        "$IDLE" "$ready" "$base" "$rss" "$threads" "$heap" "$(loadavg)" >>"$RESULTS"
    say "idle: $ready; tern RSS $((base / 1024)) MB before, $((rss / 1024)) MB with the sessions; $threads OS threads; $heap"
    tern_stop

    empty_maildir "$TERN_MAILDIR"
    tern_start -Xmx64m
    big="$(python3 "$HERE/bigmsg.py" --port "$TERN_PORT" --maildir "$TERN_MAILDIR" --mb 50)"
    bigrc=$?
    rss="$(rss_kb "$TERN_PID")"
    oom="$(grep -c OutOfMemoryError "$TERN_LOG")"
    printf '{"test":"big","heap":"-Xmx64m","rc":%s,"rss_kb":%s,"oom_lines":%s,"result":%s}\n' "$bigrc" "$rss" "$oom" "$big" >>"$RESULTS"
    say "50 MB message with -Xmx64m: $big; RSS $((rss / 1024)) MB; OutOfMemoryError lines in the log: $oom"
    empty_maildir "$TERN_MAILDIR"
    tern_stop
fi

echo "load at end: $(loadavg)" >>"$OUT/machine.txt"
FSYNC="$(fsync_rate)"
printf '{"test":"fsync","when":"end","load":"%s","result":%s}\n' "$(loadavg)" "$FSYNC" >>"$RESULTS"
say "disk: single-writer fsync rate on $WORK at the end: $FSYNC"
python3 "$HERE/report.py" "$OUT/machine.txt" "$RESULTS" | tee "$OUT/table.md"
say "results in $OUT"
