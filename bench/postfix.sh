# A private Postfix instance for the benchmarks; sourced by bench/run.sh.
#
#   pf_setup DIR PORT    # writes DIR/etc/{main,master}.cf; queue, data and mail under DIR
#   pf_start / pf_stop   # postfix -c DIR/etc start|stop
#   pf_maildir           # alice's new/ in the instance's virtual mailbox tree
#
# Durability is Postfix's default: cleanup fsyncs the queue file before smtpd answers 250, and the
# virtual delivery agent fsyncs each Maildir file before it renames it into new/. The system Postfix (if
# any) is not touched: everything lives under DIR, and only this instance's master is started and stopped.

PF_DIR=""
PF_PORT=""

pf_setup() {
    PF_DIR="$1"
    PF_PORT="$2"
    local etc="$PF_DIR/etc"
    mkdir -p "$etc" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/mail"
    chown postfix "$PF_DIR/data"
    chown nobody:nogroup "$PF_DIR/mail"
    cp /etc/postfix/master.cf "$etc/master.cf"
    [ -f /etc/postfix/dynamicmaps.cf ] && cp /etc/postfix/dynamicmaps.cf "$etc/"
    printf 'alice@example.test example.test/alice/\n' >"$etc/vmailbox"
    cat >"$etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.test
mydomain = postfix.test
myorigin = \$myhostname
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
alias_maps =
alias_database =
append_dot_mydomain = no
maillog_file_prefixes = $PF_DIR
maillog_file = $PF_DIR/maillog
smtpd_banner = \$myhostname ESMTP
smtp_dns_support_level = disabled
# the test domain, delivered into Maildirs by virtual(8) (a trailing slash in the map = Maildir)
virtual_mailbox_domains = example.test
virtual_mailbox_base = $PF_DIR/mail
virtual_mailbox_maps = texthash:$etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
# enough smtpd processes for the largest session count (the default, 100, would queue the rest)
default_process_limit = 300
CF
    # the one SMTP listener: our loopback port instead of :25; no chroot anywhere (no copy of /etc inside)
    sed -i -E "s/^smtp([[:space:]]+)inet/127.0.0.1:$PF_PORT\1inet/" "$etc/master.cf"
    postconf -c "$etc" -F '*/*/chroot = n' >/dev/null
}

pf_start() {
    postfix -c "$PF_DIR/etc" check >/dev/null 2>&1 || true # creates the queue's folders with their owners
    postfix -c "$PF_DIR/etc" start >"$PF_DIR/start.out" 2>&1 || {
        tail -n 20 "$PF_DIR/maillog" >&2
        cat "$PF_DIR/start.out" >&2
        return 1
    }
    local i
    for i in $(seq 1 100); do
        if "${PY:-python3}" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PF_PORT), 1).close()" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "postfix did not listen on 127.0.0.1:$PF_PORT" >&2
    return 1
}

pf_stop() {
    [ -n "$PF_DIR" ] && [ -f "$PF_DIR/spool/pid/master.pid" ] || return 0
    postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1 || true
}

pf_maildir() {
    printf '%s\n' "$PF_DIR/mail/example.test/alice/new"
}

pf_version() {
    postconf -d -h mail_version 2>/dev/null
}
