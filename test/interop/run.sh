#!/usr/bin/env bash
# Runs the interop scenarios: each test/interop/NN-name/run.sh, in order, in its own temp dir with its own
# Tern instance, under a timeout. Prints one line per scenario and ends with "N passed, N failed".
#
#   test/interop/run.sh                 # all scenarios
#   test/interop/run.sh 01-swaks 03     # only those whose name starts with one of the arguments
#
# Environment: TERN_SKIP_BUILD=1 uses server/target/tern.jar as it is (.ci/run sets it after `mvnw verify`);
# TERN_SCENARIO_TIMEOUT (seconds, default 180); TERN_INTEROP_BUDGET (seconds for all, default 1800); TERN_KEEP=1 keeps the temp dirs of passing scenarios too;
# TERN_NO_INSTALL=1 never runs apt-get; TERN_JAVA, TERN_JAR: the java binary and the jar to run.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
cd "$REPO_ROOT" || exit 2

SCENARIO_TIMEOUT="${TERN_SCENARIO_TIMEOUT:-180}"
BUDGET="${TERN_INTEROP_BUDGET:-1800}" # seconds for all scenarios; the ones left after it are not started

say() { printf 'interop: %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------------
# Programs the scenarios need, from Debian's packages.

find_smtp_source() {
    local p
    for p in "$(command -v smtp-source 2>/dev/null)" /usr/sbin/smtp-source /usr/lib/postfix/smtp-source \
        /usr/lib/postfix/sbin/smtp-source /usr/libexec/postfix/smtp-source; do
        if [ -n "$p" ] && [ -x "$p" ]; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    return 1
}

# Stops a Postfix master daemon if the package install started one: we only want smtp-source.
stop_postfix_daemon() {
    local pidfile=/var/spool/postfix/pid/master.pid pid
    [ -f "$pidfile" ] || return 0
    pid="$(tr -dc '0-9' <"$pidfile")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        say "a postfix master daemon (pid $pid) is running; stopping it"
        postfix stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
}

install_prereqs() {
    local missing=()
    command -v swaks >/dev/null 2>&1 || missing+=(swaks)
    # swaks --tls/--tlsc need IO::Socket::SSL; --auth needs Authen::SASL for some mechanisms
    perl -MIO::Socket::SSL -e 1 >/dev/null 2>&1 || missing+=(libio-socket-ssl-perl libnet-ssleay-perl)
    perl -MAuthen::SASL -e 1 >/dev/null 2>&1 || missing+=(libauthen-sasl-perl)
    command -v testssl >/dev/null 2>&1 || command -v testssl.sh >/dev/null 2>&1 || missing+=(testssl.sh)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    command -v fetchmail >/dev/null 2>&1 || missing+=(fetchmail)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    # 18-imap-clients: the IMAP clients (offlineimap3 installs the command offlineimap)
    command -v mbsync >/dev/null 2>&1 || missing+=(isync)
    command -v offlineimap >/dev/null 2>&1 || missing+=(offlineimap3)
    command -v neomutt >/dev/null 2>&1 || missing+=(neomutt)
    command -v tmux >/dev/null 2>&1 || missing+=(tmux)
    # 16-fail2ban: fail2ban-regex only (the policy-rc.d below keeps its service from starting)
    command -v fail2ban-regex >/dev/null 2>&1 || missing+=(fail2ban)
    command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
    # 19-imap-dovecot: Dovecot's IMAP server, run as a private instance (the policy-rc.d below keeps the
    # system service from starting)
    [ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
    find_smtp_source >/dev/null || missing+=(postfix)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    command -v timeout >/dev/null 2>&1 || missing+=(coreutils)
    command -v ps >/dev/null 2>&1 || missing+=(procps)
    # dnsmasq-base: the dnsmasq binary alone, without the service that would take port 53 (the outbound
    # scenarios run their own dnsmasq on a free loopback port)
    command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
    # python3-spf: pyspf, the reference SPF implementation 13-spf compares Tern with (Debian's python3)
    /usr/bin/python3 -c 'import spf' >/dev/null 2>&1 || missing+=(python3-spf)
    command -v script >/dev/null 2>&1 || missing+=(bsdutils)
    # 12-dkim: dkimpy (Ed25519 through nacl; Debian's python, not another python3 on the PATH) and Mail::DKIM
    /usr/bin/python3 -c 'import dkim, nacl, dns.resolver' >/dev/null 2>&1 ||
        missing+=(python3-dkim python3-nacl python3-dnspython)
    perl -MMail::DKIM::Verifier -e 1 >/dev/null 2>&1 || missing+=(libmail-dkim-perl)
    if [ "${#missing[@]}" -eq 0 ]; then
        stop_postfix_daemon
        return 0
    fi
    if [ -n "${TERN_NO_INSTALL:-}" ]; then
        say "missing packages ${missing[*]} and TERN_NO_INSTALL is set; scenarios that need them will fail"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        say "missing packages ${missing[*]}; not root, so not installing them; scenarios that need them will fail"
        return 0
    fi
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # Postfix: no configuration, so no system mail service on port 25; and no service start at all
    # during the install (a policy-rc.d that says no, unless the machine already has one).
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    local our_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        our_policy=1
    fi
    local rc=0
    {
        apt-get update -q &&
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    } >"${TMPDIR:-/tmp}/tern-interop-apt.log" 2>&1 || rc=$?
    [ -n "$our_policy" ] && rm -f /usr/sbin/policy-rc.d
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "${TMPDIR:-/tmp}/tern-interop-apt.log"
        say "apt-get failed (status $rc); scenarios that need ${missing[*]} will fail"
    fi
    stop_postfix_daemon
}

# ---------------------------------------------------------------------------------------------------

build_jar() {
    local home
    home="$(find_jdk21 javac)" || {
        say "no JDK 21+ with javac found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm)"
        return 1
    }
    if [ -n "${TERN_SKIP_BUILD:-}" ] && [ -f "$TERN_JAR" ]; then
        say "using $TERN_JAR as built"
        return 0
    fi
    say "building $TERN_JAR with $home"
    local log="${TMPDIR:-/tmp}/tern-interop-build.log"
    if ! JAVA_HOME="$home" PATH="$home/bin:$PATH" ./mvnw -q -B -DskipTests package >"$log" 2>&1; then
        tail -n 60 "$log"
        say "build failed"
        return 1
    fi
    [ -f "$TERN_JAR" ] || {
        say "build succeeded but $TERN_JAR is missing"
        return 1
    }
}

install_prereqs
SMTP_SOURCE="$(find_smtp_source || true)"
export SMTP_SOURCE

java_home="$(find_jdk21 || true)"
if [ -z "$java_home" ]; then
    say "no Java 21+ found"
    echo "0 passed, 1 failed"
    exit 1
fi
TERN_JAVA="${TERN_JAVA:-$java_home/bin/java}"
export TERN_JAVA TERN_JAR
if ! build_jar; then
    echo "0 passed, 1 failed"
    exit 1
fi
say "java: $("$TERN_JAVA" -version 2>&1 | head -n 1)"

suite_start=$SECONDS
passed=0
failed=0
failed_names=()
for dir in "$HERE"/[0-9][0-9]-*/; do
    dir="${dir%/}"
    name="$(basename "$dir")"
    [ -f "$dir/run.sh" ] || continue
    if [ "$#" -gt 0 ]; then
        wanted=""
        for a in "$@"; do
            case "$name" in "$a"*) wanted=1 ;; esac
        done
        [ -n "$wanted" ] || continue
    fi
    if [ $((SECONDS - suite_start)) -ge "$BUDGET" ]; then
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "FAIL $name (not started: the suite's budget of ${BUDGET}s is spent)"
        continue
    fi
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/tern-interop.$name.XXXXXX")"
    # a scenario may ask for more time in a file "timeout" (seconds) beside its run.sh
    limit="$SCENARIO_TIMEOUT"
    if [ -f "$dir/timeout" ]; then limit="$(tr -dc '0-9' <"$dir/timeout")"; fi
    start=$SECONDS
    (
        cd "$tmp" &&
            TERN_TMP="$tmp" exec timeout -k 10 "$limit" bash "$dir/run.sh"
    ) </dev/null >"$tmp/scenario.log" 2>&1
    rc=$?
    # A scenario cut short by its timeout may leave its servers behind: end them by their recorded ids.
    if [ -f "$tmp/tern.pids" ]; then
        while read -r pid; do
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
        done <"$tmp/tern.pids"
    fi
    took=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name (${took}s)"
        [ -n "${TERN_KEEP:-}" ] || rm -rf "$tmp"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        why="exit status $rc"
        [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why="timed out after ${limit}s"
        echo "FAIL $name (${took}s, $why; log and data in $tmp)"
        tail -n 40 "$tmp/scenario.log" | sed 's/^/    | /'
        # the server's own last lines help too
        for out in "$tmp"/tern.*.out; do
            [ -f "$out" ] || continue
            echo "    --- tail of $(basename "$out"):"
            tail -n 15 "$out" | sed 's/^/    | /'
        done
    fi
done

if [ $((passed + failed)) -eq 0 ]; then
    say "no scenario matched: $*"
    echo "0 passed, 1 failed"
    exit 1
fi
[ "$failed" -eq 0 ] || say "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
