#!/usr/bin/env bash
# Tern side by side with Postfix, Exim, OpenSMTPD and chasquid: throughput, latency and memory; the disk's
# fsync rate. See bench/README.md.
#
#   bench/run.sh                 # everything; with all five servers well over an hour on 2 cores (Exim's
#                                # one-message-per-connection rows are slow: bench/README.md)
#   bench/run.sh --five          # issue 17's cells, about 15 minutes: five servers and smtp-sink, 1 KB at 1, 10
#                                # and 50 sessions and 100 KB at 10, one message per connection, each run
#                                # stopped after 2,000 messages (1,000 at 100 KB) or 10 s; latency at 10
#                                # sessions; the disk's fsync rate (bench/README.md). --five --quick: a smoke test
#   bench/run.sh --quick         # fewer messages, one run per cell
#   bench/run.sh --only throughput|latency|memory   (may be repeated)
#   bench/run.sh --servers tern --only cores --only profile   # Tern on one core and on two; JFR per message
#   bench/run.sh --runs 5        # runs per cell (default 3; the median is reported)
#   bench/run.sh --servers tern,exim          # a subset (default tern,postfix,exim,opensmtpd,chasquid,smtp-sink;
#                                # also tern-checks, tern-defences)
#   bench/run.sh --sizes 1024 --sessions 1,10,50 --modes 1   # a part of the throughput matrix
#   bench/run.sh --cells 1024:1:10,102400:1:10   # SIZE:MSGS_PER_CONN:SESSIONS cells instead of the matrix
#   bench/run.sh --messages 50   # messages per throughput run, instead of the scaled default
#   bench/run.sh --seconds 10    # also stop each throughput run after 10 s (rates over what was done)
#   bench/run.sh --latency-sessions 10        # the latency client's session counts (default 10,50)
#   bench/run.sh --checks        # adds tern-checks: Tern with SPF, DKIM and DMARC on, DNS from a private dnsmasq
#   bench/run.sh --defences      # adds tern-defences: Tern with the MX's dnsbl and greet_pause on (same dnsmasq)
#
# Environment: BENCH_SKIP_BUILD=1 uses server/target/tern.jar as it is; BENCH_WARMUP: messages sent to each server
# before measuring (default 5000), BENCH_WARMUP_SECONDS: or for at most this long (default 60); TERN_JAVA_OPTS: JVM options for Tern
# (default none); BENCH_DNS_TTL: the TTL of tern-checks' DNS records (default 300 s; 0: Tern caches nothing);
# BENCH_KEEP=1 keeps the work dir. Results: bench/out/<time>/ (results.jsonl, table.md), or BENCH_OUT.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
source "$HERE/lib.sh"
source "$HERE/postfix.sh"
source "$HERE/peers.sh"

ARGS="$*"
QUICK=""
RUNS=3
ONLY=()
SERVERS=(tern postfix exim opensmtpd chasquid smtp-sink)
CELLS=()
SECONDS_CAP=""
LAT_SESSIONS=(10 50)
FIVE=""
SIZES=(1024 102400)
SESSIONS=(1 10 50 200)
MODES=(1 100)
MESSAGES=""
CHECKS=""
DEFENCES=""
CPUSETS=(0 0,1)
usage() {
    echo "usage: bench/run.sh [--quick] [--runs N] [--only throughput|latency|memory|cores|profile] [--servers a,b,..]" \
        "[--sizes 1024,102400] [--sessions 1,10,50,200] [--modes 1,100] [--cells SIZE:MODE:SESSIONS,..] [--messages N]" \
        "[--seconds T] [--latency-sessions 10,50] [--five] [--checks] [--defences] [--cpus 0:0,1]" >&2
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
        --cells) list CELLS "$2"; shift ;;
        --seconds) SECONDS_CAP="$2"; shift ;;
        --latency-sessions) list LAT_SESSIONS "$2"; shift ;;
        --five) FIVE=1 ;;
        --checks) CHECKS=1 ;;
        --defences) DEFENCES=1 ;;
        --cpus) IFS=: read -r -a CPUSETS <<<"$2"; shift ;;
        *) usage ;;
    esac
    shift
done
# --five: issue 17's cells in one run that fits a quiet window of about 15 minutes (bench/README.md). Each run is
# bounded by messages and by time, so that the peers that are slow at one message per connection (Exim's 200 ms
# before its 221, OpenSMTPD's listen backlog of 5) do not eat the window: they are measured over what they did.
if [ -n "$FIVE" ]; then
    [ "${#CELLS[@]}" -gt 0 ] || CELLS=(1024:1:1 1024:1:10 1024:1:50 102400:1:10)
    [ "${#ONLY[@]}" -gt 0 ] || ONLY=(throughput latency)
    [ -n "$SECONDS_CAP" ] || { SECONDS_CAP=10; [ -n "$QUICK" ] && SECONDS_CAP=4; }
    [[ "$ARGS" == *--latency-sessions* ]] || LAT_SESSIONS=(10)
    [ -z "$QUICK" ] || : "${BENCH_WARMUP_SECONDS:=5}"
    : "${BENCH_WARMUP_SECONDS:=15}"
fi
[ "${#ONLY[@]}" -gt 0 ] || ONLY=(throughput latency memory)
# --checks adds tern-checks (Tern with SPF, DKIM and DMARC on), --defences tern-defences (Tern with dnsbl and
# greet_pause): each right after tern (first when tern does not take part), both with DNS from a private dnsmasq
add_after_tern() { # NAME
    [[ " ${SERVERS[*]} " == *" $1 "* ]] && return 0
    local with=() srv
    for srv in "${SERVERS[@]}"; do
        with+=("$srv")
        [ "$srv" = tern ] && with+=("$1")
    done
    [[ " ${with[*]} " == *" $1 "* ]] || with=("$1" "${with[@]}")
    SERVERS=("${with[@]}")
}
[ -z "$CHECKS" ] || add_after_tern tern-checks
[ -z "$DEFENCES" ] || add_after_tern tern-defences
want() { local x; for x in "${ONLY[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }
for srv in "${SERVERS[@]}"; do
    case "$srv" in tern | tern-checks | tern-defences | postfix | exim | opensmtpd | chasquid | smtp-sink) ;; *) echo "unknown server: $srv" >&2; usage ;; esac
done
have() { local x; for x in "${SERVERS[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

say() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { say "FAIL: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------------
# What the benchmark needs: smtp-source (postfix), python3, Exim's one library not on a plain Debian (libidn12:
# the peers are unpacked, not installed, bench/peers.sh), dnsmasq for tern-checks and tern-defences; the system
# Postfix service is never started.

install_prereqs() {
    local missing=()
    command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || missing+=(postfix)
    command -v postconf >/dev/null 2>&1 || missing+=(postfix)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    have exim && ! ldconfig -p | grep -q 'libidn\.so\.12 ' && missing+=(libidn12)
    { have tern-checks || have tern-defences; } && ! command -v dnsmasq >/dev/null 2>&1 && missing+=(dnsmasq-base)
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing ${missing[*]}"
    bench_install "$WORK/apt.log" "${missing[@]}" || die "apt-get failed"
}

# ---------------------------------------------------------------------------------------------------

WORK="$(mktemp -d /tmp/tern-bench.XXXXXX)"
chmod 755 "$WORK" # postfix and nobody must reach their folders inside
OUT="${BENCH_OUT:-$HERE/out/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
declare -A TERN_PID=() TERN_PORT=() TERN_LOG=() TERN_CONFIG=() TERN_MAILDIR=()
DNS_PID=""

cleanup() {
    sink_stop
    pf_stop
    exim_stop
    opensmtpd_stop
    chasquid_stop
    local name pid
    for name in "${!TERN_PID[@]}"; do
        pid="${TERN_PID[$name]}"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [ -n "$DNS_PID" ] && kill -0 "$DNS_PID" 2>/dev/null; then kill -TERM "$DNS_PID" 2>/dev/null; fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_prereqs
# the interpreter itself, found once: a version manager's shim (pyenv) costs from 0.3 s to several seconds a call
# under load, and a run calls Python hundreds of times
PY="$(python3 -c 'import sys; print(sys.executable)')"
JAVA="$(bench_java)" || die "no JDK 21+"
JAVA_HOME="$(dirname "$(dirname "$JAVA")")"
export JAVA_HOME
SMTP_SOURCE="$(command -v smtp-source || echo /usr/sbin/smtp-source)"
TERN_JAR="${TERN_JAR:-$ROOT/server/target/tern.jar}"
if { have tern || have tern-checks || have tern-defences; } && { [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f "$TERN_JAR" ]; }; then
    say "building $TERN_JAR"
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package) >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; die "build failed"; }
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------------------------------------------
# Tern: own data dir, own port (127.0.0.1:0, read back from its output). Two instances can take part:
#   tern         the plain row: SPF, DKIM and DMARC off, as Postfix checks nothing here either;
#   tern-checks  all three on (the MX's defaults), the bench client NOT in relay.trusted_networks (trusted
#                clients skip the checks), DNS from a private dnsmasq (below): each message asks SPF of the
#                MAIL FROM domain and DMARC of the From: domain, answered from Tern's DNS cache within the TTL;
#   tern-defences  the checks off as in the plain row, and the MX's defences an operator turns on first: a DNS
#                blocklist (bl.test on the same dnsmasq, which does not list 127.0.0.1: each client is looked up,
#                answered from Tern's cache within the negative TTL) and greet_pause = 2s (the first connection of
#                the bench client waits 2 s, in the warm-up; the client is then remembered for a day, as a real
#                sender that comes back would be). The client is not in relay.trusted_networks (trusted ones skip
#                the defences).
# Both keep [limits]' per-address rates at 0: the benchmark floods from one address on purpose.

TERN_RUN=0

tern_setup() { # NAME
    local name="$1" data="$WORK/$1-data" checks
    mkdir -p "$data"
    TERN_CONFIG[$name]="$WORK/$name.toml"
    TERN_MAILDIR[$name]="$data/mail/example.test/alice/new"
    # tern-checks and tern-defences: the bench client (127.0.0.1) must not be trusted (trusted clients skip the
    # checks and the defences), and their DNS is the private dnsmasq
    local untrusted="[relay]
trusted_networks = []

[dns]
servers = [\"127.0.0.1:$DNS_PORT\"]
"
    case "$name" in
        tern-checks) checks="$untrusted
[checks]
spf = true
dkim = true
dmarc = true" ;;
        tern-defences) checks="$untrusted$(bench_checks_off)
dnsbl = [\"bl.test\"]
greet_pause = \"2s\"" ;;
        *) checks="$(bench_checks_off)" ;;
    esac
    {
        bench_toml "$data"
        bench_flood_limits
        echo 'max_message_size = "60MB"'
        echo "$checks"
    } >"${TERN_CONFIG[$name]}"
    printf 'alice-secret\n' | "$JAVA" -jar "$TERN_JAR" user add alice@example.test --password-stdin --config "${TERN_CONFIG[$name]}" \
        >"$WORK/$name.useradd.out" 2>&1 || { cat "$WORK/$name.useradd.out"; die "$name: tern user add failed"; }
}

tern_start() { # NAME [JVM options...]
    local name="$1"
    shift
    TERN_RUN=$((TERN_RUN + 1))
    local log="$WORK/$name.$TERN_RUN.out" pid port
    # shellcheck disable=SC2086
    ${TERN_TASKSET:+taskset -c "$TERN_TASKSET"} "$JAVA" ${TERN_JAVA_OPTS:-} "$@" -jar "$TERN_JAR" serve --config "${TERN_CONFIG[$name]}" >"$log" 2>&1 &
    pid=$!
    TERN_PID[$name]=$pid
    bench_ready "$log" "$pid" 60 || die "$name exited at start or was not ready within 60 s"
    port="$(bench_smtp_port "$log")"
    [ -n "$port" ] || die "no port in $name's output"
    TERN_PORT[$name]=$port
    TERN_LOG[$name]=$log
}

tern_stop() { # NAME
    local pid="${TERN_PID[$1]:-}"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    local deadline=$((SECONDS + 40))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    TERN_PID[$1]=""
}

# The DNS of tern-checks: dnsmasq on a free loopback port, answering only from these records (no
# /etc/resolv.conf, no /etc/hosts, no upstream; other names under .test get NXDOMAIN), for client.test, the
# domain of the HELO, MAIL FROM and From: of smtp-source (drive.py: -M client.test -f bench@client.test) and
# of latency.py: SPF (pass for 127.0.0.0/8), DMARC (p=reject, so a failing check would be refused) and an MX.
# TTL BENCH_DNS_TTL seconds (default 300, as a published record would have; 0: Tern caches nothing and asks
# dnsmasq for every message). Every query is logged, so the run records how many reached it.
DNS_PORT=""
DNS_SEEN=0
DNS_LOG="$WORK/dnsmasq.log"
dns_start() {
    command -v dnsmasq >/dev/null 2>&1 || die "tern-checks needs dnsmasq (Debian: dnsmasq-base)"
    DNS_PORT="$(bench_free_port)"
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --port "$DNS_PORT" --listen-address 127.0.0.1 \
        --bind-interfaces --pid-file= --user=nobody --group=nogroup --log-queries --log-facility=- \
        --local-ttl="${BENCH_DNS_TTL:-300}" --local=/test/ \
        --txt-record=client.test,"v=spf1 ip4:127.0.0.0/8 -all" \
        --txt-record=_dmarc.client.test,"v=DMARC1; p=reject" \
        --mx-host=client.test,mail.client.test,10 --host-record=mail.client.test,127.0.0.1 \
        >"$DNS_LOG" 2>&1 &
    DNS_PID=$!
    local deadline=$((SECONDS + 10))
    until "$PY" - "$DNS_PORT" <<'PY' 2>/dev/null; do
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
# a TXT query for client.test; any answer means dnsmasq is up
s.sendto(bytes.fromhex("123401000001000000000000" "06636c69656e7404746573740000100001"), ("127.0.0.1", int(sys.argv[1])))
s.recvfrom(512)
PY
        kill -0 "$DNS_PID" 2>/dev/null || { cat "$DNS_LOG"; die "dnsmasq exited at start"; }
        [ "$SECONDS" -lt "$deadline" ] || die "dnsmasq did not answer on 127.0.0.1:$DNS_PORT within 10s"
        sleep 0.1
    done
    DNS_SEEN="$(dns_queries)" # the probes above
}
dns_queries() { grep -c 'query\[' "$DNS_LOG"; }

if have tern-checks || have tern-defences; then dns_start; fi
for srv in tern tern-checks tern-defences; do
    if have "$srv"; then tern_setup "$srv"; fi
done

# Postfix: its own instance under $WORK/postfix on a free loopback port.
PF_PORT="$(bench_free_port)"
pf_setup "$WORK/postfix" "$PF_PORT"
PF_MAILDIR="$(pf_maildir)"

# Exim, OpenSMTPD, chasquid: Debian's packages unpacked under $WORK (bench/peers.sh says why not installed).
DEB_CACHE="${BENCH_DEB_CACHE:-/var/cache/tern-bench}"
if have exim || have opensmtpd || have chasquid; then
    peers_fetch "$DEB_CACHE" || die "apt-get download of the peers failed (see $DEB_CACHE/download.log)"
fi
for srv in exim opensmtpd chasquid; do
    have "$srv" || continue
    "${srv}_setup" "$WORK/$srv" "$(bench_free_port)" "$DEB_CACHE" || die "$srv: setup failed"
done

# smtp-sink: Postfix's test server, which answers every command and keeps nothing (not even on disk): the bound
# the SMTP exchange itself sets on this machine, with smtp-source and the kernel's loopback. One process, one
# event loop; listen backlog 1024. Not an MTA: report.py keeps it out of "best peer" and prints Tern / ½ smtp-sink
# (issue 17's target at 10 sessions). It has no Maildir: a message is done at its 250.
SINK_PORT="$(bench_free_port)"
SINK_PID=""
sink_start() {
    local user=()
    [ "$(id -u)" -eq 0 ] && user=(-u nobody)
    "$(command -v smtp-sink || echo /usr/sbin/smtp-sink)" "${user[@]}" "127.0.0.1:$SINK_PORT" 1024 >"$WORK/smtp-sink.out" 2>&1 &
    SINK_PID=$!
    peer_wait_port "$SINK_PORT" "$SINK_PID" "$WORK/smtp-sink.out"
}
sink_stop() { peer_stop_pid "$SINK_PID"; SINK_PID=""; }

srv_port() {
    case "$1" in
        tern | tern-checks | tern-defences) echo "${TERN_PORT[$1]}" ;; postfix) echo "$PF_PORT" ;; exim) echo "$EXIM_PORT" ;;
        opensmtpd) echo "$OSMTPD_PORT" ;; chasquid) echo "$CHQ_PORT" ;; smtp-sink) echo "$SINK_PORT" ;;
    esac
}
srv_maildir() { # nothing for smtp-sink
    case "$1" in
        tern | tern-checks | tern-defences) echo "${TERN_MAILDIR[$1]}" ;; postfix) echo "$PF_MAILDIR" ;; smtp-sink) ;; *) "${1}_maildir" ;;
    esac
}
srv_start() {
    case "$1" in
        tern | tern-checks | tern-defences) tern_start "$1" ;; postfix) pf_start || die "postfix did not start" ;;
        smtp-sink) sink_start || die "smtp-sink did not start" ;; *) "${1}_start" || die "$1 did not start" ;;
    esac
}
srv_stop() {
    case "$1" in tern | tern-checks | tern-defences) tern_stop "$1" ;; postfix) pf_stop ;; smtp-sink) sink_stop ;; *) "${1}_stop" ;; esac
}
all_start() { local s; for s in "${SERVERS[@]}"; do srv_start "$s"; done; }
all_stop() { local s; for s in "${SERVERS[@]}"; do empty_maildir "$(srv_maildir "$s")"; srv_stop "$s"; done; }

# The disk's single-writer fsync rate, on the file system of the work dir (every server's data is there).
fsync_rate() { "$PY" "$HERE/fsync_rate.py" "$WORK" --seconds 3; }

empty_maildir() {
    [ -d "$1" ] && find "$1" -mindepth 1 -maxdepth 1 -type f -delete
    return 0
}


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
    have tern-checks && echo "tern-checks: SPF, DKIM, DMARC on; DNS from dnsmasq $(dnsmasq --version | awk 'NR==1 { print $3 }'), TTL ${BENCH_DNS_TTL:-300} s"
    have tern-defences && echo "tern-defences: dnsbl (bl.test from dnsmasq, not listing the client) and greet_pause 2s; SPF, DKIM, DMARC off"
    have postfix && echo "postfix: $(pf_version)"
    have exim && echo "exim: $(peer_version "$DEB_CACHE" exim4-daemon-light)"
    have opensmtpd && echo "opensmtpd: $(peer_version "$DEB_CACHE" opensmtpd)"
    have smtp-sink && echo "smtp-sink: Postfix $(pf_version)'s test server, keeps nothing"
    have chasquid && echo "chasquid: $(peer_version "$DEB_CACHE" chasquid) (delivering with maildrop $(peer_version "$DEB_CACHE" maildrop))"
    echo "jdk: $("$JAVA" -version 2>&1 | head -n 1)"
    echo "tern jvm options: ${TERN_JAVA_OPTS:-(none)}"
    echo "command: bench/run.sh $ARGS (warm-up ${BENCH_WARMUP:-5000} messages or ${BENCH_WARMUP_SECONDS:-60} s${SECONDS_CAP:+; each throughput run at most $SECONDS_CAP s})"
    echo "load at start: $(bench_load)"
} | tee "$OUT/machine.txt"
FSYNC="$(fsync_rate)"
printf '{"test":"fsync","when":"start","load":"%s","result":%s}\n' "$(bench_load)" "$FSYNC" >>"$RESULTS"
say "disk: single-writer fsync rate on $WORK at the start: $FSYNC"
# The journal's fdatasync beside a delivery's fsyncs, no server running: alone, with the deliveries, and with
# every core busy as well (what stands between the disk's own tail and Tern's p99 at 10 sessions). With latency.
want latency && for mix in "--deliveries 0" "" "--busy $(nproc)"; do
    # shellcheck disable=SC2086 # the options are words
    MIX="$("$PY" "$HERE/disk_mix.py" "$WORK" --seconds 5 $mix)"
    printf '{"test":"diskmix","load":"%s","result":%s}\n' "$(bench_load)" "$MIX" >>"$RESULTS"
    say "disk: the journal's fdatasync ${mix:-with the deliveries}: $MIX"
done

# ---------------------------------------------------------------------------------------------------
# Throughput: smtp-source against both servers, alternating which goes first in each run.

# messages SIZE SESSIONS MODE -> how many messages a run sends (scaled so the whole matrix stays affordable)
messages() {
    local size="$1" s="$2" mode="$3" n
    # one message per connection: at least 1000 messages; shorter runs (a fraction of a second) measured the ramp-up, not the rate
    if [ -n "$FIVE" ] && [ "$mode" = 1 ]; then
        n=2000 # bounded by --seconds as well: Tern and Postfix send them all, the slow peers what they can
    elif [ "$mode" = 1 ]; then
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
    [ -z "$dir" ] || extra+=(--maildir "$dir")
    [ -z "$SECONDS_CAP" ] || extra+=(--seconds "$SECONDS_CAP")
    empty_maildir "$dir"
    sync
    local load json
    load="$(bench_load)"
    json="$("$PY" "$HERE/drive.py" --smtp-source "$SMTP_SOURCE" --port "$port" --sessions "$s" \
        --size "$size" --messages "$n" "${extra[@]}" --timeout 300)"
    printf '{"test":"throughput","server":"%s","size":%s,"sessions":%s,"mode":"%s","rep":%s,"load":"%s","result":%s}\n' \
        "$server" "$size" "$s" "$mode" "$rep" "$load" "$json" >>"$RESULTS"
    say "$server size=$size sessions=$s per_conn=$mode n=$n run $rep: $("$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print("ok" if r["ok"] else "NOT OK " + str(r), "accepted %.0f/s delivered %.0f/s" % (r["accepted_rate"] or 0, r["delivered_rate"] or 0), "(stopped by time after %d)" % r["messages"] if r["capped"] else "")' "$json") (load $load)"
}

# Warm-up, not recorded: the peers' process pools, and the JVM's JIT, which goes on compiling for the first few
# thousand messages (a server runs for days; measuring its first seconds would measure the compiler). Bounded by
# time too, so the slow peers (Exim: about 10 a second at one message per connection) do not take many minutes.
WARMUP="${BENCH_WARMUP:-5000}"
warm_up_one() { # SERVER
    [ "$WARMUP" -gt 0 ] || return 0
    local dir
    dir="$(srv_maildir "$1")"
    "$PY" "$HERE/drive.py" --smtp-source "$SMTP_SOURCE" ${dir:+--maildir "$dir"} --port "$(srv_port "$1")" \
        --sessions 10 --size 1024 --messages "$WARMUP" --seconds "${BENCH_WARMUP_SECONDS:-60}" --timeout 300 >/dev/null
    empty_maildir "$(srv_maildir "$1")"
    sync
}
warm_up() {
    local srv
    for srv in "${SERVERS[@]}"; do warm_up_one "$srv"; done
}

# What tern-checks really did in a phase (warm-up included): its mail-log lines of accepted messages, those
# with SPF and DMARC pass, and the DNS queries that reached dnsmasq (the rest came from Tern's cache).
checks_record() { # PHASE
    have tern-checks || return 0
    local log="${TERN_LOG[tern-checks]}" accepted pass queries
    accepted="$(grep -c 'nrcpt=[0-9]*, checks=<' "$log")"
    pass="$(grep -c 'checks=<spf=pass dkim=none dmarc=pass:client.test action=deliver>' "$log")"
    queries=$(($(dns_queries) - DNS_SEEN))
    DNS_SEEN=$((DNS_SEEN + queries))
    printf '{"test":"checks","phase":"%s","accepted":%s,"spf_dmarc_pass":%s,"dns_queries":%s,"dns_ttl":%s}\n' \
        "$1" "$accepted" "$pass" "$queries" "${BENCH_DNS_TTL:-300}" >>"$RESULTS"
    say "tern-checks, $1: $accepted messages accepted with checks, $pass of them spf=pass dmarc=pass; $queries DNS queries reached dnsmasq"
    [ "$pass" -gt 0 ] || say "FAIL: tern-checks accepted no message with spf=pass dmarc=pass (see $log)"
}

# What tern-defences really did in a phase (warm-up included): its accepted messages, those whose log line
# shows the blocklist answered (dnsbl=none) and the greet pause applied, and those whose connection waited it out.
defences_record() { # PHASE
    have tern-defences || return 0
    local log="${TERN_LOG[tern-defences]}" accepted screened waited
    accepted="$(grep -c 'nrcpt=[0-9]*, checks=<' "$log")"
    screened="$(grep -c 'checks=<dnsbl=none greet_pause=' "$log")"
    waited="$(grep -c 'checks=<dnsbl=none greet_pause=pass' "$log")"
    printf '{"test":"defences","phase":"%s","accepted":%s,"screened":%s,"waited":%s}\n' \
        "$1" "$accepted" "$screened" "$waited" >>"$RESULTS"
    say "tern-defences, $1: $accepted messages accepted, $screened with dnsbl=none and the greet pause applied, $waited of them after waiting it out"
    [ "$screened" -gt 0 ] || say "FAIL: tern-defences accepted no message with dnsbl=none (see $log)"
}

# The latency phase follows the throughput phase on the same, warm, servers unless the cores or profile phases
# (which restart Tern) come in between.
STAY_UP=""
want latency && ! want cores && ! want profile && STAY_UP=1
if want throughput; then
    if [ "${#CELLS[@]}" -eq 0 ]; then
        for size in "${SIZES[@]}"; do
            for mode in "${MODES[@]}"; do
                for s in "${SESSIONS[@]}"; do CELLS+=("$size:$mode:$s"); done
            done
        done
    fi
    say "throughput: ${SERVERS[*]}; cells (size:msgs per conn:sessions) ${CELLS[*]}${SECONDS_CAP:+; each run at most $SECONDS_CAP s}"
    all_start
    warm_up
    for cell in "${CELLS[@]}"; do
        IFS=: read -r size mode s <<<"$cell"
        n="$(messages "$size" "$s" "$mode")"
        for rep in $(seq 1 "$RUNS"); do
            # a different server goes first in each run: rotate the list by one per run
            k=$(((rep - 1) % ${#SERVERS[@]}))
            order=("${SERVERS[@]:k}" "${SERVERS[@]:0:k}")
            for srv in "${order[@]}"; do one_run "$srv" "$size" "$s" "$mode" "$n" "$rep"; done
        done
    done
    [ -n "$STAY_UP" ] || all_stop
    checks_record throughput
    defences_record throughput
fi

# ---------------------------------------------------------------------------------------------------
# Cores: Tern alone pinned with taskset to each CPU set of --cpus (default one core, then two), 1 KB, one message
# per connection, 10 sessions; smtp-source and the machine's other work are not pinned. After a warm-up each.

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system, in clock ticks
if want cores && have tern; then
    n="$(messages 1024 10 1)"
    for cpus in "${CPUSETS[@]}"; do
        TERN_TASKSET="$cpus" tern_start tern
        warm_up_one tern
        for rep in $(seq 1 "$RUNS"); do
            t0="$(cpu_ticks "${TERN_PID[tern]}")"
            load="$(bench_load)"
            json="$("$PY" "$HERE/drive.py" --smtp-source "$SMTP_SOURCE" --maildir "${TERN_MAILDIR[tern]}" \
                --port "${TERN_PORT[tern]}" --sessions 10 --size 1024 --messages "$n" --timeout 300)"
            cpu=$(( $(cpu_ticks "${TERN_PID[tern]}") - t0 ))
            printf '{"test":"cores","server":"tern","cpus":"%s","sessions":10,"size":1024,"rep":%s,"load":"%s","cpu_ticks":%s,"messages":%s,"result":%s}\n' \
                "$cpus" "$rep" "$load" "$cpu" "$n" "$json" >>"$RESULTS"
            say "cores: tern on cpus $cpus, 10 sessions, run $rep: $("$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print("accepted %.0f/s delivered %.0f/s" % (r["accepted_rate"] or 0, r["delivered_rate"] or 0))' "$json"), $((cpu * 1000000 / $(getconf CLK_TCK) / n)) us CPU per message (load $load)"
            empty_maildir "${TERN_MAILDIR[tern]}"
        done
        tern_stop tern
    done
fi

# ---------------------------------------------------------------------------------------------------
# Profile: JFR (settings=profile) over one 10-session, 1 KB run after a warm-up: CPU time and bytes allocated
# per message, the top allocation sites and CPU methods (bench/jfr_report.py), and (with perf) system calls and
# context switches per message. Each Tern instance taking part is profiled in turn (tern, and tern-checks with
# --checks: their difference is what the checks add per message). The recordings stay in $OUT.

profile_one() { # NAME
    local name="$1" n perf_pid t0 cpu load json
    n=$(( $(messages 1024 10 1) * 2 ))
    tern_start "$name"
    warm_up_one "$name"
    "$JAVA_HOME/bin/jcmd" "${TERN_PID[$name]}" JFR.start name=bench settings=profile >/dev/null
    # a full GC at each end of the run: the heap's growth between the collections in between is every byte
    # allocated (jfr_report.py), outside the CPU time measured
    "$JAVA_HOME/bin/jcmd" "${TERN_PID[$name]}" GC.run >/dev/null
    # context switches and system calls of the process over the run (perf, when installed): counts that the
    # machine's load does not change, unlike times
    perf_pid=""
    if command -v perf >/dev/null 2>&1; then
        perf stat -x, -e context-switches,raw_syscalls:sys_enter,syscalls:sys_enter_futex,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom \
            -p "${TERN_PID[$name]}" -o "$OUT/$name-profile-perf.csv" 2>/dev/null &
        perf_pid=$!
        sleep 1
    fi
    t0="$(cpu_ticks "${TERN_PID[$name]}")"
    load="$(bench_load)"
    json="$("$PY" "$HERE/drive.py" --smtp-source "$SMTP_SOURCE" --maildir "${TERN_MAILDIR[$name]}" \
        --port "${TERN_PORT[$name]}" --sessions 10 --size 1024 --messages "$n" --timeout 300)"
    cpu=$(( $(cpu_ticks "${TERN_PID[$name]}") - t0 ))
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null
        wait "$perf_pid" 2>/dev/null
        say "profile $name: per message, $(awk -F, -v n="$n" '$3 ~ /context-switches|sys_enter/ && $1 ~ /^[0-9]+$/ {
            printf "%s%s %.2f", sep, $3, $1 / n; sep = ", " }' "$OUT/$name-profile-perf.csv")"
    fi
    "$JAVA_HOME/bin/jcmd" "${TERN_PID[$name]}" GC.run >/dev/null
    "$JAVA_HOME/bin/jcmd" "${TERN_PID[$name]}" JFR.stop name=bench filename="$OUT/$name-profile.jfr" >/dev/null
    tern_stop "$name"
    empty_maildir "${TERN_MAILDIR[$name]}"
    "$PY" "$HERE/jfr_report.py" "$OUT/$name-profile.jfr" "$n" "$(awk -v t="$cpu" -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')" \
        --jfr "$JAVA_HOME/bin/jfr" >"$OUT/$name-profile.txt"
    printf '{"test":"profile","server":"%s","sessions":10,"size":1024,"load":"%s","run":%s,"profile":%s}\n' \
        "$name" "$load" "$json" "$(head -n 1 "$OUT/$name-profile.txt")" >>"$RESULTS"
    say "profile $name (load $load):"
    tail -n +2 "$OUT/$name-profile.txt"
}
if want profile; then
    for srv in tern tern-checks; do
        if have "$srv"; then profile_one "$srv"; fi
    done
    checks_record profile
fi

# ---------------------------------------------------------------------------------------------------
# Latency: end of DATA -> 250, per message, at each of --latency-sessions (default 10 and 50), every server.

if want latency; then
    if [ -z "$STAY_UP" ] || ! want throughput; then
        all_start
        warm_up
    fi
    # the client: bench/latency.c compiled here (one thread per session; its own floor is far under the servers'
    # tails), or latency.py's one process per session when there is no C compiler (or BENCH_LATENCY_CLIENT=python)
    LAT_CLIENT=()
    if [ "${BENCH_LATENCY_CLIENT:-c}" != python ] && command -v cc >/dev/null 2>&1 \
        && cc -O2 -pthread -o "$WORK/latency" "$HERE/latency.c" >"$WORK/latency-build.log" 2>&1; then
        LAT_CLIENT=("$WORK/latency" --warmup 10)
        per=300; [ -n "$QUICK" ] && per=30 # 3,000 samples a run at 10 sessions: p99.9 is the 4th-worst, not the max
    else
        [ "${BENCH_LATENCY_CLIENT:-c}" = python ] || say "latency: no C client ($(tail -n 1 "$WORK/latency-build.log" 2>/dev/null || echo 'no cc')): latency.py instead"
        LAT_CLIENT=("$PY" "$HERE/latency.py")
        per=100; [ -n "$QUICK" ] && per=15 # 1,000 samples a run at 10 sessions: p99 is not the 4th-worst of 400
    fi
    for rep in $(seq 1 "$RUNS"); do
        for s in "${LAT_SESSIONS[@]}"; do
            m=$((per * 10 / s)); [ "$m" -lt 8 ] && m=8
            # a different server goes first in each run, as for throughput; smtp-sink right after tern, so that the
            # floor is measured under the load Tern saw
            k=$(((rep - 1) % ${#SERVERS[@]}))
            order=()
            for srv in "${SERVERS[@]:k}" "${SERVERS[@]:0:k}"; do
                [ "$srv" = smtp-sink ] && have tern && continue
                order+=("$srv")
                [ "$srv" = tern ] && have smtp-sink && order+=(smtp-sink)
            done
            for srv in "${order[@]}"; do
                load="$(bench_load)"
                json="$("${LAT_CLIENT[@]}" --port "$(srv_port "$srv")" --sessions "$s" --messages-per-session "$m" \
                    ${SECONDS_CAP:+--seconds "$SECONDS_CAP"})"
                printf '{"test":"latency","server":"%s","sessions":%s,"rep":%s,"load":"%s","result":%s}\n' \
                    "$srv" "$s" "$rep" "$load" "$json" >>"$RESULTS"
                say "latency $srv sessions=$s: $json"
            done
        done
    done
    all_stop
    checks_record latency
    defences_record latency
fi

# ---------------------------------------------------------------------------------------------------
# Memory: RSS of Tern with 10,000 idle sessions after EHLO; a 50 MB message with a 64 MB heap.

rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

if want memory && have tern; then
    IDLE=10000
    tern_start tern
    "$PY" "$HERE/latency.py" --port "${TERN_PORT[tern]}" --sessions 10 --messages-per-session 10 >/dev/null # warm-up
    sleep 1
    base="$(rss_kb "${TERN_PID[tern]}")"
    coproc IDLER { exec "$PY" "$HERE/idle.py" --port "${TERN_PORT[tern]}" --sessions "$IDLE" --hold 300; }
    read -r -t 300 ready <&"${IDLER[0]}" || die "idle.py did not report"
    sleep 3
    rss="$(rss_kb "${TERN_PID[tern]}")"
    threads="$(awk '/Threads/ { print $2 }' "/proc/${TERN_PID[tern]}/status")"
    heap="$("$JAVA_HOME/bin/jcmd" "${TERN_PID[tern]}" GC.heap_info 2>/dev/null | grep -m1 -E 'total|used' | tr -s ' ')"
    eval "exec ${IDLER[1]}>&-" # closes idle.py's stdin: it quits its sessions
    wait "$IDLER_PID" 2>/dev/null
    printf '{"test":"idle","sessions":%s,"client":"%s","rss_before_kb":%s,"rss_kb":%s,"threads":%s,"heap":"%s","load":"%s"}\n' \
        "$IDLE" "$ready" "$base" "$rss" "$threads" "$heap" "$(bench_load)" >>"$RESULTS"
    say "idle: $ready; tern RSS $((base / 1024)) MB before, $((rss / 1024)) MB with the sessions; $threads OS threads; $heap"
    tern_stop tern

    empty_maildir "${TERN_MAILDIR[tern]}"
    tern_start tern -Xmx64m
    big="$("$PY" "$HERE/bigmsg.py" --port "${TERN_PORT[tern]}" --maildir "${TERN_MAILDIR[tern]}" --mb 50)"
    bigrc=$?
    rss="$(rss_kb "${TERN_PID[tern]}")"
    oom="$(grep -c OutOfMemoryError "${TERN_LOG[tern]}")"
    printf '{"test":"big","heap":"-Xmx64m","rc":%s,"rss_kb":%s,"oom_lines":%s,"result":%s}\n' "$bigrc" "$rss" "$oom" "$big" >>"$RESULTS"
    say "50 MB message with -Xmx64m: $big; RSS $((rss / 1024)) MB; OutOfMemoryError lines in the log: $oom"
    empty_maildir "${TERN_MAILDIR[tern]}"
    tern_stop tern
fi

echo "load at end: $(bench_load)" >>"$OUT/machine.txt"
FSYNC="$(fsync_rate)"
printf '{"test":"fsync","when":"end","load":"%s","result":%s}\n' "$(bench_load)" "$FSYNC" >>"$RESULTS"
say "disk: single-writer fsync rate on $WORK at the end: $FSYNC"
"$PY" "$HERE/report.py" "$OUT/machine.txt" "$RESULTS" | tee "$OUT/table.md"
say "results in $OUT"
