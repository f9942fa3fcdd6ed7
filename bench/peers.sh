# The other MTAs from Debian for the benchmarks: Exim 4.96, OpenSMTPD 6.8 and chasquid 1.11, each a private
# instance on a loopback port. Sourced by bench/run.sh (after postfix.sh).
#
#   peers_fetch CACHE          # apt-get download of the .deb files into CACHE (once; nothing is installed)
#   NAME_setup DIR PORT        # NAME = exim | opensmtpd | chasquid: unpack the .deb into DIR, write its config
#   NAME_start / NAME_stop     # the daemon, by its pid
#   NAME_maildir               # alice's new/
#   peer_version CACHE PACKAGE
#
# Why the packages are unpacked rather than installed: exim4-daemon-light and opensmtpd both declare
# "Conflicts: mail-transport-agent", which Postfix provides, so apt-get would remove Postfix (and smtp-source)
# to install either, and each other. `apt-get download` fetches the Debian packages, `dpkg-deb -x` unpacks
# them into the work dir, and each daemon runs from there: no package is installed, no maintainer script
# runs, no user is created, nothing is left running. The libraries they link were already on this machine,
# except maildrop's (unpacked next to it).
#
# Exim and OpenSMTPD look up compiled-in users (Debian-exim; opensmtpd, opensmtpq) and compiled-in paths
# (OpenSMTPD: /var/spool/smtpd, /usr/libexec/opensmtpd). They run inside a private mount namespace
# (`unshare --mount`) where a copy of /etc/passwd and /etc/group with those users is bind-mounted over the
# real ones, and for OpenSMTPD a /var and a /usr/libexec from the work dir: the system's files are not
# changed, and the namespace ends with the daemon. The work dir is on the same file system as Tern's and
# Postfix's (see machine.txt), so every server writes to the same disk.
#
# Durability, each with its defaults, as read in its source and seen with strace on one message here
# (bench/README.md has the table): Exim fsyncs its spool files before 250 and the Maildir file at delivery;
# OpenSMTPD 6.8 and chasquid 1.11 fsync nothing before 250 (a message they acknowledged is lost if the
# machine loses power before delivery) and fsync the Maildir file at delivery; none fsyncs a directory.

peers_fetch() { # CACHE
    local cache="$1" p missing=()
    mkdir -p "$cache"
    for p in exim4-daemon-light opensmtpd chasquid maildrop courier-authlib libcourier-unicode4 libpcre3; do
        compgen -G "$cache/${p}_*.deb" >/dev/null || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    (cd "$cache" && apt-get download "${missing[@]}") >"$cache/download.log" 2>&1 || {
        apt-get update -q >>"$cache/download.log" 2>&1
        (cd "$cache" && apt-get download "${missing[@]}") >>"$cache/download.log" 2>&1
    } || { tail -n 5 "$cache/download.log" >&2; return 1; }
}

peer_version() { # CACHE PACKAGE: the Debian version of the .deb that is unpacked
    dpkg-deb -f "$(compgen -G "$1/${2}_*.deb" | tail -n 1)" Version
}

peer_unpack() { # CACHE DIR PACKAGE...
    local cache="$1" dir="$2" p
    shift 2
    mkdir -p "$dir"
    for p in "$@"; do
        dpkg-deb -x "$(compgen -G "$cache/${p}_*.deb" | tail -n 1)" "$dir" || return 1
    done
}

# A passwd and group with the users the daemons look up by name, for their mount namespace.
peer_users() { # DIR NAME:UID...
    local dir="$1" u
    shift
    cp /etc/passwd "$dir/passwd"
    cp /etc/group "$dir/group"
    for u in "$@"; do
        printf '%s:x:%s:%s::/nonexistent:/usr/sbin/nologin\n' "${u%%:*}" "${u#*:}" "${u#*:}" >>"$dir/passwd"
        printf '%s:x:%s:\n' "${u%%:*}" "${u#*:}" >>"$dir/group"
    done
}

peer_wait_port() { # PORT PID LOG
    local i
    for i in $(seq 1 100); do
        kill -0 "$2" 2>/dev/null || { tail -n 20 "$3" >&2; return 1; }
        "${PY:-python3}" -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

peer_stop_pid() { # PID
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null
    local i
    for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# --- Exim 4.96 (exim4-daemon-light) -----------------------------------------------------------------
EXIM_DIR=""; EXIM_PORT=""; EXIM_PID=""

exim_setup() { # DIR PORT CACHE
    EXIM_DIR="$1"; EXIM_PORT="$2"
    peer_unpack "$3" "$EXIM_DIR/root" exim4-daemon-light || return 1
    mkdir -p "$EXIM_DIR/spool" "$EXIM_DIR/log" "$EXIM_DIR/mail"
    # Debian-exim is compiled in as the Exim user; here it is nobody's uid, which owns the spool and mail
    peer_users "$EXIM_DIR" Debian-exim:65534
    chown nobody:nogroup "$EXIM_DIR/spool" "$EXIM_DIR/log" "$EXIM_DIR/mail"
    cat >"$EXIM_DIR/exim.conf" <<CONF
# Exim's defaults, except: its own paths, no STARTTLS offered (no certificate, like the others here), and
# smtp_accept_max (default 20 simultaneous SMTP connections; the rest would get 421) and
# smtp_accept_queue_per_connection (default 10: later messages on one connection wait for a queue runner)
# raised so the runs with 50 and 200 sessions and many messages per connection measure deliveries.
exim_path = $EXIM_DIR/root/usr/sbin/exim4
exim_user = nobody
exim_group = nogroup
keep_environment =
spool_directory = $EXIM_DIR/spool
log_file_path = $EXIM_DIR/log/%slog
pid_file_path = $EXIM_DIR/exim.pid
primary_hostname = exim.test
daemon_smtp_ports = $EXIM_PORT
local_interfaces = 127.0.0.1
tls_advertise_hosts =
smtp_accept_max = 1000
smtp_accept_queue_per_connection = 0
domainlist local_domains = example.test
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept domains = +local_domains
         local_parts = alice
  deny

begin routers
alice:
  driver = accept
  domains = +local_domains
  transport = maildir

begin transports
maildir:
  driver = appendfile
  directory = $EXIM_DIR/mail/alice
  maildir_format
  create_directory
  user = nobody
  group = nogroup

begin retry
* * F,1h,5m
CONF
}

exim_start() {
    local d="$EXIM_DIR"
    # -bdf: daemon in the foreground (so $! is its pid); -q30m: a queue runner, as the Debian service has
    unshare --mount --propagation private sh -c "mount --bind $d/passwd /etc/passwd && mount --bind $d/group /etc/group \
        && exec $d/root/usr/sbin/exim4 -C $d/exim.conf -bdf -q30m" >"$d/daemon.out" 2>&1 &
    EXIM_PID=$!
    peer_wait_port "$EXIM_PORT" "$EXIM_PID" "$d/daemon.out"
}
exim_stop() { peer_stop_pid "$EXIM_PID"; EXIM_PID=""; }
exim_maildir() { printf '%s\n' "$EXIM_DIR/mail/alice/new"; }

# --- OpenSMTPD 6.8 (opensmtpd) ------------------------------------------------------------------------
OSMTPD_DIR=""; OSMTPD_PORT=""; OSMTPD_PID=""

opensmtpd_setup() { # DIR PORT CACHE
    OSMTPD_DIR="$1"; OSMTPD_PORT="$2"
    local d="$OSMTPD_DIR"
    peer_unpack "$3" "$d/root" opensmtpd || return 1
    # what the namespace shows as /var: the compiled-in queue, chroot and control-socket paths
    mkdir -p "$d/var/spool/smtpd" "$d/var/lib/opensmtpd/empty" "$d/var/run" "$d/mail"
    chmod 711 "$d/var/spool/smtpd"
    chown nobody:nogroup "$d/mail"
    peer_users "$d" opensmtpd:65533 opensmtpq:65532
    # OpenSMTPD resolves with its own stub resolver (libasr), which asks DNS before /etc/hosts unless told
    # otherwise: the reverse lookup of 127.0.0.1 for each session went to this machine's DNS server, and
    # about one in twenty waited 5 s for a timeout. "lookup file bind" makes it read /etc/hosts first, as
    # glibc does for the other servers (nsswitch: files dns).
    { echo "lookup file bind"; grep -v '^lookup' /etc/resolv.conf; } >"$d/resolv.conf"
    # Defaults, except the listener; delivery as nobody into alice's Maildir by mail.maildir (the "maildir"
    # action). No certificate: STARTTLS is not offered.
    cat >"$d/smtpd.conf" <<CONF
listen on 127.0.0.1 port $OSMTPD_PORT hostname opensmtpd.test
action "maildir" maildir "$d/mail/alice" virtual { "alice@example.test" = nobody }
match from any for domain "example.test" action "maildir"
CONF
}

opensmtpd_start() {
    local d="$OSMTPD_DIR"
    # /usr/libexec before /var: the unpacked package lives in the work dir, not under /var
    unshare --mount --propagation private sh -c "mount --bind $d/passwd /etc/passwd && mount --bind $d/group /etc/group \
        && mount --bind $d/resolv.conf /etc/resolv.conf && mount --bind $d/root/usr/libexec /usr/libexec && mount --bind $d/var /var \
        && exec $d/root/usr/sbin/smtpd -d -f $d/smtpd.conf" >"$d/daemon.out" 2>&1 &
    OSMTPD_PID=$!
    peer_wait_port "$OSMTPD_PORT" "$OSMTPD_PID" "$d/daemon.out"
}
opensmtpd_stop() { peer_stop_pid "$OSMTPD_PID"; OSMTPD_PID=""; }
opensmtpd_maildir() { printf '%s\n' "$OSMTPD_DIR/mail/alice/new"; }

# --- chasquid 1.11 (chasquid), delivering with maildrop ----------------------------------------------
CHQ_DIR=""; CHQ_PORT=""; CHQ_PID=""

chasquid_setup() { # DIR PORT CACHE
    CHQ_DIR="$1"; CHQ_PORT="$2"
    local d="$CHQ_DIR" r="$1/root"
    peer_unpack "$3" "$r" chasquid maildrop courier-authlib libcourier-unicode4 libpcre3 || return 1
    # maildrop is set-group-id mail, which makes the loader ignore LD_LIBRARY_PATH: our copy need not be
    chmod g-s "$r/usr/bin/maildrop"
    mkdir -p "$d/conf/domains/example.test" "$d/conf/certs/chasquid.test" "$d/data" "$d/mail/alice/tmp" \
        "$d/mail/alice/new" "$d/mail/alice/cur"
    # chasquid will not start without a certificate (it refuses "No entries found in certs/"): a
    # throw-away self-signed one. smtp-source does not use STARTTLS.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=chasquid.test \
        -keyout "$d/conf/certs/chasquid.test/privkey.pem" -out "$d/conf/certs/chasquid.test/fullchain.pem" \
        >"$d/openssl.out" 2>&1 || return 1
    "$r/usr/bin/chasquid-util" --configdir="$d/conf" user-add alice@example.test --password=alice-secret >/dev/null || return 1
    # maildrop's default mode (-d USER) looks the user up through courier-authlib; in manual mode (a filter
    # file as its argument) it delivers where the file says: alice's Maildir (the trailing slash)
    printf 'to "%s/mail/alice/"\n' "$d" >"$d/mailfilter"
    chmod 600 "$d/mailfilter"
    # Defaults, except the listeners, the paths, and the MDA's arguments (above). submission must listen
    # somewhere (its default is systemd socket activation): a second loopback port that the bench never uses.
    cat >"$d/conf/chasquid.conf" <<CONF
hostname: "chasquid.test"
smtp_address: "127.0.0.1:$CHQ_PORT"
submission_address: "127.0.0.1:$(bench_free_port)"
submission_over_tls_address: ""
data_dir: "$d/data"
mail_log_path: "$d/mail.log"
mail_delivery_agent_bin: "$r/usr/bin/maildrop"
mail_delivery_agent_args: "$d/mailfilter"
CONF
}

chasquid_start() {
    local d="$CHQ_DIR" r="$CHQ_DIR/root"
    LD_LIBRARY_PATH="$r/usr/lib/x86_64-linux-gnu:$r/usr/lib:$r/lib/x86_64-linux-gnu" \
        "$r/usr/bin/chasquid" -config_dir "$d/conf" -logfile "$d/chasquid.log" >"$d/daemon.out" 2>&1 &
    CHQ_PID=$!
    peer_wait_port "$CHQ_PORT" "$CHQ_PID" "$d/daemon.out"
}
chasquid_stop() { peer_stop_pid "$CHQ_PID"; CHQ_PID=""; }
chasquid_maildir() { printf '%s\n' "$CHQ_DIR/mail/alice/new"; }
