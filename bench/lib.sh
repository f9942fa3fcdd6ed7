# shellcheck shell=bash
# What the bench scripts share (sourced: bench/run.sh, queue-scale.sh, list-scale.sh, fsync-count.sh,
# latency-phases.sh, all.sh): the parts of Tern's configuration that are the same in each, and small helpers.
# bench/imap.sh and imap_profile.sh configure Tern through test/interop/lib.sh instead. Defines only functions.

# bench_toml DATA_DIR [HTTP_ADDRESS]: the top of every bench's tern.toml: one SMTP listener on a free loopback
# port, no other listener but HTTP when an address is given (e.g. 127.0.0.1:8025), one local domain.
bench_toml() {
    local http=""
    [ -z "${2:-}" ] || http="\"$2\""
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
imap = []
imaps = []
http = [$http]
TOML
}

# bench_flood_limits: the [limits] table for a client that floods from one address (smtp-source, latency.py):
# no per-address rate or connection limit. A caller may add keys of its own right after it.
bench_flood_limits() {
    cat <<TOML

[limits]
max_connections = 20000
max_connections_per_ip = 20000
connections_per_ip_per_minute = 0   # the benchmark floods from one address on purpose
messages_per_ip_per_hour = 0
recipients_per_ip_per_hour = 0
TOML
}

# bench_checks_off: SPF, DKIM and DMARC off (Postfix and the other peers check nothing either)
bench_checks_off() {
    printf '\n[checks]\nspf = false\ndkim = false\ndmarc = false\n'
}

# bench_ready LOG PID SECONDS: waits until LOG has "tern: ready"; returns 1 (LOG's tail on stderr) if PID ended
# or SECONDS passed first
bench_ready() {
    local deadline=$((SECONDS + $3))
    until grep -q '^tern: ready' "$1" 2>/dev/null; do
        if ! kill -0 "$2" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 30 "$1" >&2
            return 1
        fi
        sleep 0.05 # queue-scale.sh times the start from this
    done
}

# bench_smtp_port LOG: the SMTP port Tern bound (from its "tern: smtp listening on ADDRESS:PORT" line)
bench_smtp_port() { sed -n 's/^tern: smtp listening on .*:\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$1" | head -n 1; }

# bench_java: the java of a JDK 21+ under /usr/lib/jvm (or $JAVA_HOME), printed
bench_java() {
    local d v
    for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
        [ -n "$d" ] && [ -x "$d/bin/javac" ] || continue
        v="$("$d/bin/java" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
        v="${v%%[.+-]*}"
        if [ -n "$v" ] && [ "$v" -ge 21 ] 2>/dev/null; then printf '%s\n' "$d/bin/java"; return 0; fi
    done
    return 1
}

# bench_free_port: a loopback port free for TCP and UDP (dnsmasq takes both)
bench_free_port() {
    python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: u.close(); t.close()'
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }
bench_now_ms() { date +%s%3N; }
# bench_cpu_ms PID: the process's user + system CPU time so far, in ms
bench_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }

# bench_record JSON: appends one JSON object to $BENCH_RESULTS when it is set (bench/all.sh sets it: the
# scale scripts' figures then reach bench/report.py beside run.sh's)
bench_record() { [ -z "${BENCH_RESULTS:-}" ] || printf '%s\n' "$1" >>"$BENCH_RESULTS"; }

# bench_add_alice JAVA JAR CONFIG: the mailbox alice@example.test that the bench's messages go to
bench_add_alice() {
    printf 'secret-password\n' | "$1" -jar "$2" user add alice@example.test --password-stdin --config "$3" >/dev/null
}

# bench_delivered_at_least DIR N: waits up to 300 s for N files in DIR (a Maildir's new/); returns 1 if they
# do not come
bench_delivered_at_least() {
    for _ in $(seq 1 3000); do
        [ "$(find "$1" -type f 2>/dev/null | wc -l)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# bench_install LOG PACKAGE...: installs the Debian packages given (as root, apt-get, no recommends), with no
# service started by their scripts (a policy-rc.d for the time of the install) and Postfix's debconf question
# answered "No configuration"; apt-get's output goes to LOG. Returns non-zero, LOG's tail on stderr, on failure.
bench_install() {
    local log="$1" our_policy="" rc=0
    shift
    [ "$#" -gt 0 ] || return 0
    [ "$(id -u)" -eq 0 ] || { echo "bench: missing $* and not root (apt-get install them)" >&2; return 1; }
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        our_policy=1
    fi
    { apt-get update -q && apt-get install -y -q --no-install-recommends "$@"; } >"$log" 2>&1 || rc=$?
    [ -z "$our_policy" ] || rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || { tail -n 20 "$log" >&2; echo "bench: apt-get install $* failed" >&2; }
    return "$rc"
}
