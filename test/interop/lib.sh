# Shared helpers for the interop scenarios; sourced by test/interop/run.sh and by each NN-name/run.sh.
#
# A scenario runs in its own temp dir (TERN_TMP, also its working directory) with its own Tern instance:
#
#   source "$(dirname "$0")/../lib.sh"
#   tern_config                 # writes $TERN_CONFIG with data_dir $TERN_DATA, smtp on 127.0.0.1:0
#   tern_user_add alice@example.test secret
#   tern_start                  # waits for "tern: ready", sets TERN_PID and TERN_SMTP_PORT
#   ... drive it with a real client ...
#   maildir_wait alice@example.test 1
#   tern_stop                   # SIGTERM, requires exit status 0
#
# Everything a helper finds wrong ends the scenario through `die`, which prints "FAIL: reason".

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INTEROP_DIR/../.." && pwd)"
TERN_JAR="${TERN_JAR:-$REPO_ROOT/server/target/tern.jar}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------------
# Java: a JDK (or JRE) 21 or newer. Prefers $JAVA_HOME, else the newest under /usr/lib/jvm.

# java_major HOME -> prints the feature version of HOME/bin/java (e.g. 25), or nothing.
java_major() {
    local v
    v="$("$1/bin/java" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')" || return 0
    v="${v#1.}" # 1.8.0 -> 8.0
    v="${v%%[.+-]*}"
    [[ "$v" =~ ^[0-9]+$ ]] && printf '%s\n' "$v"
}

# find_jdk21 [need_javac] -> prints a JAVA_HOME with Java 21+, or fails.
find_jdk21() {
    local need_javac="${1:-}" best="" best_v=0 d v
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && { [ -z "$need_javac" ] || [ -x "$JAVA_HOME/bin/javac" ]; }; then
        v="$(java_major "$JAVA_HOME")"
        if [ -n "$v" ] && [ "$v" -ge 21 ]; then
            printf '%s\n' "$JAVA_HOME"
            return 0
        fi
    fi
    for d in /usr/lib/jvm/*/; do
        d="${d%/}"
        [ -x "$d/bin/java" ] || continue
        if [ -n "$need_javac" ] && [ ! -x "$d/bin/javac" ]; then continue; fi
        v="$(java_major "$d")"
        [ -n "$v" ] || continue
        if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then
            best="$d"
            best_v="$v"
        fi
    done
    [ -n "$best" ] || return 1
    printf '%s\n' "$best"
}

# tern_java_init -> sets TERN_JAVA to a java 21+ binary (run.sh exports it; a scenario run alone finds one).
tern_java_init() {
    if [ -z "${TERN_JAVA:-}" ]; then
        local home
        home="$(find_jdk21)" || die "no Java 21+ found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm)"
        TERN_JAVA="$home/bin/java"
        export TERN_JAVA
    fi
}

# tern ARGS... -> runs the built jar (run.sh builds it once; scenarios never rebuild).
tern() {
    [ -f "$TERN_JAR" ] || die "$TERN_JAR is missing (test/interop/run.sh builds it)"
    tern_java_init
    "$TERN_JAVA" -jar "$TERN_JAR" "$@"
}

# ---------------------------------------------------------------------------------------------------
# Config and users.

TERN_TMP="${TERN_TMP:-$PWD}"

# tern_config [NAME] -> writes $TERN_TMP/NAME.toml (default "tern") and sets TERN_CONFIG, TERN_DATA.
# Knobs (environment): TERN_TRUSTED_NETWORKS (TOML array, default []), TERN_EXTRA_TOML (appended as is),
# TERN_SUBMISSION and TERN_SUBMISSIONS (TOML arrays for listen.submission/submissions, default []),
# TERN_POP3_LISTEN and TERN_POP3S_LISTEN (TOML arrays, default [] = off).
tern_config() {
    local name="${1:-tern}"
    TERN_CONFIG="$TERN_TMP/$name.toml"
    TERN_DATA="${TERN_DATA:-$TERN_TMP/data}"
    mkdir -p "$TERN_DATA"
    cat >"$TERN_CONFIG" <<EOF
hostname = "tern.test"
data_dir = "$TERN_DATA"
local_domains = ["example.test"]

[listen]
smtp = ["127.0.0.1:0"]
submission = ${TERN_SUBMISSION:-[]}
submissions = ${TERN_SUBMISSIONS:-[]}
pop3 = ${TERN_POP3_LISTEN:-[]}
pop3s = ${TERN_POP3S_LISTEN:-[]}
imap = ${TERN_IMAP_LISTEN:-[]}
imaps = ${TERN_IMAPS_LISTEN:-[]}
http = []

[relay]
trusted_networks = ${TERN_TRUSTED_NETWORKS:-[]}

[aliases]
"postmaster@example.test" = ["alice@example.test"]
EOF
    if [ -n "${TERN_EXTRA_TOML:-}" ]; then
        printf '\n%s\n' "$TERN_EXTRA_TOML" >>"$TERN_CONFIG"
    fi
    export TERN_CONFIG TERN_DATA
}

# tern_user_add ADDRESS PASSWORD
tern_user_add() {
    local out
    out="$(printf '%s\n' "$2" | tern user add "$1" --password-stdin --config "$TERN_CONFIG" 2>&1)" ||
        die "tern user add $1 failed: $out"
    log "user added: $1"
}

# ---------------------------------------------------------------------------------------------------
# Server lifecycle.

TERN_PID=""
TERN_SMTP_PORT=""
TERN_START_TIMEOUT="${TERN_START_TIMEOUT:-60}"
TERN_STOP_TIMEOUT="${TERN_STOP_TIMEOUT:-30}"
_tern_runs=0

# Kill whatever this scenario left running (a failed scenario must not leave a server behind).
_tern_cleanup() {
    if [ -n "${TERN_PID:-}" ] && kill -0 "$TERN_PID" 2>/dev/null; then
        kill -KILL "$TERN_PID" 2>/dev/null || true
    fi
}
trap _tern_cleanup EXIT
trap '_tern_cleanup; exit 143' TERM
trap '_tern_cleanup; exit 130' INT

# tern_start -> starts `tern serve --config $TERN_CONFIG`, waits (bounded) for "tern: ready" on its stdout.
# Sets TERN_PID, TERN_OUT (its stdout+stderr) and TERN_SMTP_PORT.
tern_start() {
    [ -n "${TERN_CONFIG:-}" ] || die "tern_start: call tern_config first"
    if [ -n "$TERN_PID" ] && kill -0 "$TERN_PID" 2>/dev/null; then
        die "tern_start: a server (pid $TERN_PID) is already running"
    fi
    _tern_runs=$((_tern_runs + 1))
    TERN_OUT="$TERN_TMP/tern.$_tern_runs.out"
    [ -f "$TERN_JAR" ] || die "$TERN_JAR is missing (test/interop/run.sh builds it)"
    tern_java_init
    "$TERN_JAVA" -jar "$TERN_JAR" serve --config "$TERN_CONFIG" >"$TERN_OUT" 2>&1 &
    TERN_PID=$!
    echo "$TERN_PID" >>"$TERN_TMP/tern.pids" # run.sh kills these if the scenario is cut short
    log "started tern pid $TERN_PID, output in $TERN_OUT"
    local deadline=$((SECONDS + TERN_START_TIMEOUT))
    while ! grep -q '^tern: ready' "$TERN_OUT" 2>/dev/null; do
        if ! kill -0 "$TERN_PID" 2>/dev/null; then
            local rc=0
            wait "$TERN_PID" || rc=$?
            TERN_PID=""
            tail -n 40 "$TERN_OUT"
            die "tern exited with status $rc before printing 'tern: ready'"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 40 "$TERN_OUT"
            die "tern did not print 'tern: ready' within ${TERN_START_TIMEOUT}s"
        fi
        sleep 0.1
    done
    TERN_SMTP_PORT="$(tern_port smtp)"
    [ -n "$TERN_SMTP_PORT" ] || {
        cat "$TERN_OUT"
        die "no 'tern: smtp listening on 127.0.0.1:PORT' line before 'tern: ready'"
    }
    [ "$TERN_SMTP_PORT" != 0 ] || die "tern reported port 0 for smtp; it must print the bound port"
    export TERN_PID TERN_SMTP_PORT TERN_OUT
    log "tern ready, smtp on 127.0.0.1:$TERN_SMTP_PORT"
}

# tern_port LISTENER -> the port from the first "tern: LISTENER listening on HOST:PORT" line.
tern_port() {
    sed -n "s/^tern: $1 listening on .*:\([0-9][0-9]*\)[[:space:]]*\$/\1/p" "$TERN_OUT" | sed -n 1p
}

# pid_alive PID -> true while the process runs (a zombie not yet reaped counts as gone).
pid_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ "$(ps -o stat= -p "$1" 2>/dev/null | tr -d ' ' | cut -c1)" != Z ]
}

# tern_stop -> SIGTERM, bounded wait, requires exit status 0.
tern_stop() {
    [ -n "$TERN_PID" ] || die "tern_stop: no server running"
    local pid="$TERN_PID" rc=0 deadline=$((SECONDS + TERN_STOP_TIMEOUT))
    log "sending SIGTERM to tern pid $pid"
    kill -TERM "$pid" 2>/dev/null || die "tern (pid $pid) was no longer running before SIGTERM"
    while pid_alive "$pid"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            TERN_PID=""
            tail -n 40 "$TERN_OUT"
            die "tern did not exit within ${TERN_STOP_TIMEOUT}s of SIGTERM"
        fi
        sleep 0.1
    done
    wait "$pid" || rc=$?
    TERN_PID=""
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$TERN_OUT"
        die "tern exited with status $rc after SIGTERM (expected 0)"
    fi
    log "tern exited 0 after SIGTERM"
}

# ---------------------------------------------------------------------------------------------------
# Maildir.

# maildir_dir ADDRESS [SUBDIR=new] -> <data_dir>/mail/<domain>/<localpart>/new
maildir_dir() {
    local addr="$1" sub="${2:-new}"
    printf '%s/mail/%s/%s/%s\n' "$TERN_DATA" "${addr#*@}" "${addr%@*}" "$sub"
}

# maildir_count ADDRESS -> number of message files in new/ (0 when the Maildir does not exist yet).
maildir_count() {
    local d
    d="$(maildir_dir "$1")"
    if [ -d "$d" ]; then
        find "$d" -mindepth 1 -maxdepth 1 -type f | wc -l | tr -d ' '
    else
        echo 0
    fi
}

# maildir_wait ADDRESS N [TIMEOUT=60] -> waits until new/ holds N messages, then checks that it stays at
# exactly N (more would be a duplicate delivery).
maildir_wait() {
    local addr="$1" want="$2" timeout="${3:-60}" n
    local deadline=$((SECONDS + timeout))
    while :; do
        n="$(maildir_count "$addr")"
        [ "$n" -ge "$want" ] && break
        [ "$SECONDS" -ge "$deadline" ] && die "$addr: $n message(s) in $(maildir_dir "$addr") after ${timeout}s, expected $want"
        sleep 0.2
    done
    sleep 1
    n="$(maildir_count "$addr")"
    [ "$n" -eq "$want" ] || die "$addr: $n message(s) in $(maildir_dir "$addr"), expected exactly $want"
    log "$addr: $n message(s) delivered"
}

# maildir_stays ADDRESS N [SECONDS=3] -> checks that new/ still holds exactly N after a while (nothing
# more gets delivered).
maildir_stays() {
    local addr="$1" want="$2" wait="${3:-3}" n
    sleep "$wait"
    n="$(maildir_count "$addr")"
    [ "$n" -eq "$want" ] || die "$addr: $n message(s) in $(maildir_dir "$addr"), expected it to stay at $want"
}

# maildir_find ADDRESS FIXED_STRING -> prints the one file in new/ that contains the string.
maildir_find() {
    local d files
    d="$(maildir_dir "$1")"
    [ -d "$d" ] || die "$1: no Maildir at $d"
    files="$(grep -rlF -- "$2" "$d" || true)"
    [ -n "$files" ] || die "$1: no message in $d contains '$2'"
    [ "$(printf '%s\n' "$files" | wc -l)" -eq 1 ] || die "$1: more than one message in $d contains '$2': $files"
    printf '%s\n' "$files"
}

# message_headers FILE -> the header section, CR stripped and folded lines unfolded, one header a line.
message_headers() {
    tr -d '\r' <"$1" | awk '
        /^$/ { exit }
        /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
        { if (line != "") print line; line = $0 }
        END { if (line != "") print line }'
}

# message_body FILE -> the body, CR stripped.
message_body() {
    tr -d '\r' <"$1" | awk 'body { print } /^$/ && !body { body = 1 }'
}

# ---------------------------------------------------------------------------------------------------
# Free ports, dnsmasq and a private Postfix instance (for the outbound scenarios). Everything listens on
# loopback only; whatever is started is stopped by _helpers_cleanup, also when the scenario fails.

# free_port -> a TCP (and UDP) port free on 127.0.0.1 right now.
free_port() {
    python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: u.close(); t.close()'
}

DNSMASQ_PID=""
POSTFIX_DIR=""

_helpers_cleanup() {
    if [ -n "$POSTFIX_DIR" ] && [ -f "$POSTFIX_DIR/etc/main.cf" ]; then
        postfix -c "$POSTFIX_DIR/etc" stop >/dev/null 2>&1 || true
        local pid
        pid="$(tr -dc '0-9' <"$POSTFIX_DIR/spool/pid/master.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    if [ -n "$DNSMASQ_PID" ] && kill -0 "$DNSMASQ_PID" 2>/dev/null; then
        kill -TERM "$DNSMASQ_PID" 2>/dev/null || true
    fi
    dovecot_stop
    _tern_cleanup
}
trap _helpers_cleanup EXIT
trap '_helpers_cleanup; exit 143' TERM
trap '_helpers_cleanup; exit 130' INT

# dnsmasq_start PORT ARGS... -> dnsmasq on 127.0.0.1:PORT (UDP and TCP) answering only from ARGS (no
# /etc/resolv.conf, no /etc/hosts); waits until it answers. Sets DNSMASQ_PID, DNSMASQ_LOG.
dnsmasq_start() {
    local port="$1"
    shift
    command -v dnsmasq >/dev/null || die "dnsmasq is not installed (package dnsmasq-base)"
    DNSMASQ_LOG="$TERN_TMP/dnsmasq.log"
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --port "$port" --listen-address 127.0.0.1 \
        --bind-interfaces --pid-file= --user=nobody --group=nogroup --log-queries --log-facility=- "$@" \
        >"$DNSMASQ_LOG" 2>&1 &
    DNSMASQ_PID=$!
    echo "$DNSMASQ_PID" >>"$TERN_TMP/tern.pids"
    local deadline=$((SECONDS + 10))
    until python3 - "$port" <<'PY' 2>/dev/null; do
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
# a query for "." SOA; any answer means dnsmasq is up
s.sendto(bytes.fromhex("12340100000100000000000000000600 01".replace(" ", "")), ("127.0.0.1", int(sys.argv[1])))
s.recvfrom(512)
PY
        kill -0 "$DNSMASQ_PID" 2>/dev/null || {
            cat "$DNSMASQ_LOG"
            die "dnsmasq exited at start"
        }
        [ "$SECONDS" -lt "$deadline" ] || die "dnsmasq did not answer on 127.0.0.1:$port within 10s"
        sleep 0.1
    done
    log "dnsmasq pid $DNSMASQ_PID on 127.0.0.1:$port"
}

# postfix_private DIR ADDRESS PORT -> writes a private Postfix instance under DIR (config in DIR/etc, queue in
# DIR/spool, data in DIR/data, log in DIR/maillog), its smtpd on ADDRESS:PORT only (any 127.x address: Linux
# answers all of 127/8 on lo; inet_interfaces stays loopback-only, because Postfix wants an address that an
# interface carries), no chroot, nothing on port 25. Add settings with `postconf -c DIR/etc -e ...`, then postfix_start. Sets POSTFIX_DIR.
postfix_private() {
    local dir="$1" addr="$2" port="$3"
    command -v postfix >/dev/null || die "postfix is not installed"
    POSTFIX_DIR="$dir"
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
    # the Postfix daemons run as the postfix user (and deliveries as nobody): they must reach these dirs
    chmod 711 "$TERN_TMP" "$dir"
    chown postfix "$dir/data"
    cp /etc/postfix/dynamicmaps.cf "$dir/etc/" 2>/dev/null || true
    [ -d /etc/postfix/dynamicmaps.cf.d ] && cp -r /etc/postfix/dynamicmaps.cf.d "$dir/etc/"
    : >"$dir/etc/main.cf"
    cat >"$dir/etc/master.cf" <<MASTER
$addr:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
    postconf -c "$dir/etc" -e \
        "compatibility_level = 3.6" \
        "config_directory = $dir/etc" \
        "queue_directory = $dir/spool" \
        "data_directory = $dir/data" \
        "maillog_file_prefixes = $dir" \
        "maillog_file = $dir/maillog" \
        "inet_interfaces = loopback-only" \
        "inet_protocols = ipv4" \
        "mynetworks = 127.0.0.0/8" \
        "mydestination =" \
        "local_recipient_maps =" \
        "alias_maps =" \
        "alias_database =" \
        "smtp_host_lookup = native" \
        "disable_dns_lookups = yes" \
        "smtpd_banner = \$myhostname ESMTP" \
        "biff = no" ||
        die "postconf -c $dir/etc failed"
}

# postfix_start -> starts the private instance (postfix_private first) and waits until smtpd answers.
postfix_start() {
    local addr port out
    addr="$(sed -n '1s/^\([^:]*\):.*/\1/p' "$POSTFIX_DIR/etc/master.cf")"
    port="$(sed -n '1s/^[^:]*:\([0-9]*\) .*/\1/p' "$POSTFIX_DIR/etc/master.cf")"
    # Without a syslog socket, the postfix command tells its fatal errors only on a terminal: give it one.
    out="$(script -qec "postfix -c '$POSTFIX_DIR/etc' check" /dev/null 2>&1)" || {
        printf '%s\n' "$out"
        die "postfix check failed"
    }
    out="$(script -qec "postfix -c '$POSTFIX_DIR/etc' start" /dev/null 2>&1)" || {
        printf '%s\n' "$out"
        cat "$POSTFIX_DIR/maillog" 2>/dev/null | tail -n 20
        die "postfix start failed"
    }
    local pid
    pid="$(tr -dc '0-9' <"$POSTFIX_DIR/spool/pid/master.pid" 2>/dev/null || true)"
    [ -n "$pid" ] && echo "$pid" >>"$TERN_TMP/tern.pids"
    local deadline=$((SECONDS + 20))
    until python3 -c 'import socket,sys; s=socket.create_connection((sys.argv[1], int(sys.argv[2])), 1); s.settimeout(5); assert s.recv(100).startswith(b"220"); s.sendall(b"QUIT\r\n")' "$addr" "$port" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || {
            tail -n 30 "$POSTFIX_DIR/maillog" 2>/dev/null
            die "postfix smtpd did not greet on $addr:$port within 20s"
        }
        sleep 0.2
    done
    log "postfix ($POSTFIX_DIR) listening on $addr:$port"
}

# postfix_stop -> stops the private instance.
postfix_stop() {
    [ -n "$POSTFIX_DIR" ] || return 0
    postfix -c "$POSTFIX_DIR/etc" stop >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 20)) pid
    pid="$(tr -dc '0-9' <"$POSTFIX_DIR/spool/pid/master.pid" 2>/dev/null || true)"
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    log "postfix stopped"
}

# dir_wait DIR N [TIMEOUT=60] -> waits until directory DIR (which may not exist yet) holds at least N files.
dir_wait() {
    local d="$1" want="$2" timeout="${3:-60}" n
    local deadline=$((SECONDS + timeout))
    while :; do
        n="$( (find "$d" -mindepth 1 -maxdepth 1 -type f 2>/dev/null || true) | wc -l | tr -d ' ')"
        [ "$n" -ge "$want" ] && return 0
        [ "$SECONDS" -ge "$deadline" ] && die "$d: $n file(s) after ${timeout}s, expected $want"
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------------------------------
# A private Dovecot (dovecot-imapd from Debian) beside Tern, for the IMAP comparisons (19-imap-dovecot,
# bench/imap.sh): its own configuration, base_dir, state and log under a directory of ours, nothing read from
# /etc/dovecot, one IMAP listener on a free loopback port, no TLS, a static passdb and userdb, no system
# service. Dovecot serves no mail as root: run by root, its mail processes run as nobody (and its login and
# internal ones as dovenull and dovecot, the users the package made); run by another user, all run as that user.

DOVECOT_PID=""

# dovecot_private DIR MAILDIR PASSWORD -> writes DIR/dovecot.conf serving the Maildir MAILDIR (Maildir++
# folders) to any user name with PASSWORD; MAILDIR is made the mail user's. Sets DOVECOT_DIR, DOVECOT_PORT.
dovecot_private() {
    local dir="$1" maildir="$2" password="$3" uid gid login_user internal_user
    [ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || die "dovecot is not installed (package dovecot-imapd)"
    DOVECOT_DIR="$dir"
    mkdir -p "$dir/run" "$dir/state" "$dir/home"
    if [ "$(id -u)" -eq 0 ]; then
        uid="$(id -u nobody)"
        gid="$(id -g nobody)"
        login_user=dovenull
        internal_user=dovecot
        # nobody must reach the Maildir: every directory above it searchable
        local d="$maildir"
        while d="$(dirname "$d")" && [ "$d" != / ]; do chmod o+x "$d"; done
        chown -R "$uid:$gid" "$maildir" "$dir/home"
    else
        uid="$(id -u)"
        gid="$(id -g)"
        login_user="$(id -un)"
        internal_user="$(id -un)"
    fi
    DOVECOT_PORT="$(free_port)"
    cat >"$dir/dovecot.conf" <<CONF
# a private instance for Tern's tests and benchmarks (test/interop/lib.sh dovecot_private)
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
instance_name = tern-$$-$DOVECOT_PORT
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = $login_user
default_internal_user = $internal_user
first_valid_uid = $uid
last_valid_uid = $uid
mail_location = maildir:$maildir
passdb {
  driver = static
  args = password=$password
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
CONF
    export DOVECOT_DIR DOVECOT_PORT
}

# dovecot_start -> starts the instance dovecot_private wrote, in the foreground (DOVECOT_PID), and waits
# (bounded) for its greeting.
dovecot_start() {
    /usr/sbin/dovecot -F -c "$DOVECOT_DIR/dovecot.conf" >"$DOVECOT_DIR/dovecot.out" 2>&1 &
    DOVECOT_PID=$!
    echo "$DOVECOT_PID" >>"$TERN_TMP/tern.pids"
    local deadline=$((SECONDS + 20))
    until python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1); s.settimeout(5); assert s.recv(200).startswith(b"* OK")' "$DOVECOT_PORT" 2>/dev/null; do
        kill -0 "$DOVECOT_PID" 2>/dev/null ||
            die "dovecot exited at start: $(tail -n 20 "$DOVECOT_DIR/dovecot.out" "$DOVECOT_DIR/dovecot.log" 2>/dev/null)"
        [ "$SECONDS" -lt "$deadline" ] || die "dovecot did not greet on 127.0.0.1:$DOVECOT_PORT within 20s"
        sleep 0.2
    done
    log "dovecot $(/usr/sbin/dovecot --version | cut -d' ' -f1) (pid $DOVECOT_PID) on 127.0.0.1:$DOVECOT_PORT"
}

# dovecot_stop -> SIGTERM, a bounded wait, then SIGKILL.
dovecot_stop() {
    [ -n "${DOVECOT_PID:-}" ] || return 0
    if kill -0 "$DOVECOT_PID" 2>/dev/null; then
        kill -TERM "$DOVECOT_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$DOVECOT_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DOVECOT_PID" 2>/dev/null || true
    fi
    wait "$DOVECOT_PID" 2>/dev/null || true
    DOVECOT_PID=""
}
