#!/usr/bin/env bash
# The Debian package, end to end, as root on the CI machine (no running systemd):
#   - packaging/build-deb.sh builds target/tern_<version>_<arch>.deb from server/target/tern.jar;
#   - `apt-get install ./target/tern_*.deb` installs it: /usr/bin/tern on the bundled runtime, the conffile
#     /etc/tern/tern.toml, /var/lib/tern (0700) owned by the system user tern, tern.service, and
#     /usr/sbin/sendmail through update-alternatives only when no other MTA owns it (postfix, on CI: then it
#     stays postfix's);
#   - `systemd-analyze verify` accepts the unit, and `systemd-analyze security --offline` rates it;
#   - the unit's ExecStart command line runs as the tern user (setpriv, no new privileges) on a test
#     configuration written over /etc/tern/tern.toml (free loopback ports, not 25): a message goes in by SMTP
#     (swaks) and out by POP3 over STLS (curl); the unit's ExecReload (tern reload) applies an edited file,
#     and refuses a broken one with exit 2 and its one line while the server goes on;
#   - tern sendmail, called by real programs as the unprivileged user www-data: bsd-mailx (`mail -s`), mutt
#     (`set sendmail`) and `git send-email --sendmail-cmd`; exit 67 for an unknown user, 75 with no server;
#   - SIGTERM stops it with status 0; `apt-get remove` keeps /etc/tern and /var/lib/tern, `apt-get purge`
#     removes both (the tern user stays, as Debian does; this scenario deletes it if it created it).
# Installs mutt and git-email (--no-install-recommends) when missing; bsd-mailx is unpacked into the scenario's
# directory only, because installing it would pull in an MTA (it depends on mail-transport-agent).
# Whatever happens, the package is purged at the end. TERN_DEB=FILE installs that package instead of building one.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (apt-get install, a system user)"
for c in swaks curl setpriv systemd-analyze dpkg-deb apt-get python3; do
    command -v "$c" >/dev/null || die "$c is not installed"
done
[ -f "$TERN_JAR" ] || die "$TERN_JAR is missing (test/interop/run.sh builds it)"

APT=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120)
user_existed=""
getent passwd tern >/dev/null && user_existed=1

purge_tern() {
    if dpkg-query -W -f='${Status}' tern 2>/dev/null | grep -q 'installed\|config-files'; then
        "${APT[@]}" purge tern >"$TERN_TMP/purge-cleanup.out" 2>&1 || true
    fi
}
cleanup() {
    _helpers_cleanup
    purge_tern
    if [ -z "$user_existed" ] && getent passwd tern >/dev/null; then
        deluser --system --quiet tern >/dev/null 2>&1 || userdel tern 2>/dev/null || true
    fi
    if [ -z "$user_existed" ] && getent group tern >/dev/null; then
        delgroup --system --quiet tern >/dev/null 2>&1 || groupdel tern 2>/dev/null || true
    fi
    return 0 # under set -e, a failing last command here would turn a passed scenario into a failed one
}
trap cleanup EXIT
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 130' INT

if dpkg-query -W -f='${Status}' tern 2>/dev/null | grep -q 'installed\|config-files'; then
    log "a tern package is left from an earlier run: purging it first"
    purge_tern
fi

# --- 1. build and install ---------------------------------------------------------------------------------
if [ -n "${TERN_DEB:-}" ]; then
    deb="$(readlink -f "$TERN_DEB")" # a package built already (to rerun the scenario quicker)
else
    deb="$(cd "$REPO_ROOT" && TERN_SKIP_BUILD=1 bash packaging/build-deb.sh 2>"$TERN_TMP/build.out")" ||
        die "build-deb.sh failed: $(tail -n 5 "$TERN_TMP/build.out")"
    cat "$TERN_TMP/build.out"
    deb="$REPO_ROOT/$deb"
fi
[ -f "$deb" ] || die "no package at $deb"

other_mta=""
if [ -e /usr/sbin/sendmail ] && ! update-alternatives --query sendmail >/dev/null 2>&1; then
    other_mta="$(dpkg -S /usr/sbin/sendmail 2>/dev/null | cut -d: -f1 || echo unknown)"
    log "/usr/sbin/sendmail belongs to $other_mta: the package must leave it alone"
fi

"${APT[@]}" install "$deb" >install.out 2>&1 || die "apt-get install $deb failed: $(tail -n 20 install.out)"
log "installed $(dpkg-query -W -f='${Package} ${Version} ${Architecture}' tern)"

for f in /usr/bin/tern /usr/share/tern/tern.jar /usr/lib/tern/runtime/bin/java /usr/lib/tern/sendmail \
    /lib/systemd/system/tern.service /etc/tern/tern.toml; do
    [ -e "$f" ] || die "the package did not install $f"
done
dpkg-query -W -f='${Conffiles}\n' tern | grep -q '^ */etc/tern/tern.toml ' || die "/etc/tern/tern.toml is not a conffile"
cmp -s /etc/tern/tern.toml "$REPO_ROOT/examples/tern.toml" || die "/etc/tern/tern.toml is not examples/tern.toml"
grep -q '^data_dir = "/var/lib/tern"' /etc/tern/tern.toml || die "the packaged config does not use /var/lib/tern"
uid="$(id -u tern)" || die "no tern user"
[ "$uid" -lt 1000 ] || die "tern is not a system user (uid $uid)"
[ "$(getent passwd tern | cut -d: -f7)" = /usr/sbin/nologin ] || die "the tern user has a login shell"
[ "$(stat -c '%U:%G %a' /var/lib/tern)" = "tern:tern 700" ] ||
    die "/var/lib/tern is $(stat -c '%U:%G %a' /var/lib/tern), expected tern:tern 700"
version_out="$(env -i PATH=/usr/bin:/bin /usr/bin/tern --version)" || die "tern --version failed"
log "/usr/bin/tern --version: $version_out (on $(/usr/lib/tern/runtime/bin/java -version 2>&1 | head -n 1))"

if [ -n "$other_mta" ]; then
    [ "$(dpkg -S /usr/sbin/sendmail 2>/dev/null | cut -d: -f1)" = "$other_mta" ] && [ ! -L /usr/sbin/sendmail ] ||
        die "the package took /usr/sbin/sendmail from $other_mta"
    update-alternatives --query sendmail >/dev/null 2>&1 && die "a sendmail alternative exists beside $other_mta"
    SENDMAIL=/usr/lib/tern/sendmail
else
    [ "$(readlink -f /usr/sbin/sendmail)" = /usr/lib/tern/sendmail ] ||
        die "/usr/sbin/sendmail is not tern's: $(ls -l /usr/sbin/sendmail 2>&1)"
    SENDMAIL=/usr/sbin/sendmail
fi
log "sendmail for the callers: $SENDMAIL"

# --- 2. the unit --------------------------------------------------------------------------------------------
unit=/lib/systemd/system/tern.service
systemd-analyze verify "$unit" >verify.out 2>&1 || die "systemd-analyze verify failed: $(cat verify.out)"
grep -i 'tern' verify.out && die "systemd-analyze verify complains about the unit: $(cat verify.out)"
systemd-analyze security --offline=yes "$unit" >security.out 2>&1 || true
log "systemd-analyze security: $(grep -i 'overall exposure' security.out || tail -n 1 security.out)"
for k in 'User=tern' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
    'ProtectSystem=strict' 'ReadWritePaths=/var/lib/tern' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
    'ExecReload=/usr/bin/tern reload --config /etc/tern/tern.toml' 'KillSignal=SIGTERM'; do
    grep -qxF "$k" "$unit" || die "tern.service lacks $k"
done
grep -q '^MemoryDenyWriteExecute=' "$unit" && die "MemoryDenyWriteExecute would stop the JVM's JIT"
stop_timeout="$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")"
[ -n "$stop_timeout" ] && [ "$stop_timeout" -gt 30 ] || die "TimeoutStopSec must exceed Tern's 30 s drain"

# --- 3. a test configuration over the conffile, then the unit's command line as the tern user -------------
SMTP_PORT="$(free_port)"
POP3_PORT="$(free_port)"
[ "$SMTP_PORT" != "$POP3_PORT" ] || POP3_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
while [ "$HTTP_PORT" = "$SMTP_PORT" ] || [ "$HTTP_PORT" = "$POP3_PORT" ]; do HTTP_PORT="$(free_port)"; done
cat >/etc/tern/tern.toml <<EOF
# written by test/interop/14-debian-package over the packaged file (apt-get remove must keep it)
hostname = "tern.test"
data_dir = "/var/lib/tern"
local_domains = ["example.test"]

[listen]
smtp = ["127.0.0.1:$SMTP_PORT"]
submission = []
submissions = []
pop3 = ["127.0.0.1:$POP3_PORT"]
pop3s = []
imap = []
imaps = []
http = ["127.0.0.1:$HTTP_PORT"]

[auth]
failure_delay = "0s"
EOF
TERN_DATA=/var/lib/tern
export TERN_DATA

# as the unit runs it: user tern, no new privileges, a clean environment, in /var/lib/tern
as_tern() {
    setpriv --reuid=tern --regid=tern --init-groups --no-new-privs \
        env -i -C /var/lib/tern PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
printf 'alice-pw\n' | as_tern /usr/bin/tern user add alice@example.test --password-stdin \
    --config /etc/tern/tern.toml >useradd.out 2>&1 || die "tern user add as tern failed: $(cat useradd.out)"

exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
java_opts="$(sed -n 's/^Environment=TERN_JAVA_OPTS=//p' "$unit")"
log "ExecStart as tern: $exec_start"
TERN_OUT="$TERN_TMP/tern.pkg.out"
# as as_tern does, but not through a function: in the background it would run in a subshell, and $! would be that
# subshell's pid; here setpriv, env and the launcher each exec the next, so $! is the JVM's
# shellcheck disable=SC2086
setpriv --reuid=tern --regid=tern --init-groups --no-new-privs env -i -C /var/lib/tern \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERN_JAVA_OPTS="$java_opts" $exec_start >"$TERN_OUT" 2>&1 &
TERN_PID=$!
echo "$TERN_PID" >>"$TERN_TMP/tern.pids"
deadline=$((SECONDS + TERN_START_TIMEOUT))
until grep -q '^tern: ready' "$TERN_OUT"; do
    kill -0 "$TERN_PID" 2>/dev/null || die "tern exited at start: $(tail -n 20 "$TERN_OUT")"
    [ "$SECONDS" -lt "$deadline" ] || die "tern not ready within ${TERN_START_TIMEOUT}s: $(tail -n 20 "$TERN_OUT")"
    sleep 0.2
done
[ "$(ps -o user= -p "$TERN_PID" | tr -d ' ')" = tern ] || die "the server does not run as tern"
[ "$(tern_port smtp)" = "$SMTP_PORT" ] || die "smtp is not on $SMTP_PORT: $(cat "$TERN_OUT")"
log "tern (pid $TERN_PID, user tern) ready: smtp $SMTP_PORT, pop3 $POP3_PORT"

# --- 4. SMTP in, POP3 out -----------------------------------------------------------------------------------
t1="pkg-smtp-$RANDOM$RANDOM"
swaks --server 127.0.0.1 --port "$SMTP_PORT" --helo client.example.org --timeout 30 --from bob@example.org \
    --to alice@example.test --header "Subject: $t1" --body "$t1" >swaks.out 2>&1 ||
    die "swaks failed: $(tail -n 5 swaks.out)"
maildir_wait alice@example.test 1
[ "$(stat -c %U "$(maildir_find alice@example.test "$t1")")" = tern ] || die "the delivered file is not tern's"
curl -sS --max-time 30 -k --ssl-reqd -u alice@example.test:alice-pw "pop3://127.0.0.1:$POP3_PORT/1" >retr.out ||
    die "curl POP3 RETR failed"
grep -q "^Subject: $t1" retr.out || die "POP3 RETR 1 is not the message sent: $(head -n 20 retr.out)"
log "SMTP in, POP3 out: ok"

# ExecReload, as the unit runs it: an edited file is applied; a broken one is refused (exit 2, its one line)
exec_reload="$(sed -n 's/^ExecReload=//p' "$unit")"
sed -i 's/^local_domains = .*/local_domains = ["example.test", "new.test"]/' /etc/tern/tern.toml
# shellcheck disable=SC2086
as_tern $exec_reload >reload.out 2>&1 || die "ExecReload failed: $(cat reload.out)"
grep -qxF 'local_domains = [example.test, new.test] (was [example.test])' reload.out ||
    die "ExecReload did not report the new domain: $(cat reload.out)"
sed -i 's/^failure_delay = .*/failure_delay = "soon"/' /etc/tern/tern.toml
status=0
# shellcheck disable=SC2086
as_tern $exec_reload >reload.out 2>&1 || status=$?
[ "$status" -eq 2 ] || die "ExecReload of a broken file exited $status, not 2: $(cat reload.out)"
grep -q '^/etc/tern/tern.toml: auth.failure_delay: ' reload.out || die "no one-line refusal: $(cat reload.out)"
grep -q 'reload refused' "$TERN_OUT" && die "the server was asked about a file the command refused itself"
pid_alive "$TERN_PID" || die "a refused reload stopped the server"
sed -i 's/^failure_delay = .*/failure_delay = "0s"/' /etc/tern/tern.toml
log "ExecReload: applied, then refused with: $(cat reload.out)"

# --- 5. tern sendmail from real callers, as www-data --------------------------------------------------------
need=()
command -v mutt >/dev/null || need+=(mutt)
[ -x "$(git --exec-path 2>/dev/null)/git-send-email" ] || need+=(git-email)
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    "${APT[@]}" install --no-install-recommends "${need[@]}" >apt.out 2>&1 ||
        die "apt-get install ${need[*]} failed: $(tail -n 5 apt.out)"
fi
mkdir -p mailx
(cd mailx && apt-get download -q bsd-mailx >download.out 2>&1) || die "apt-get download bsd-mailx failed"
dpkg-deb -x mailx/bsd-mailx_*.deb mailx/root
MAILX="$TERN_TMP/mailx/root/usr/bin/bsd-mailx"
[ -x "$MAILX" ] || die "no bsd-mailx in the package"
if ldd "$MAILX" | grep -q 'not found'; then
    "${APT[@]}" install --no-install-recommends liblockfile1 >apt2.out 2>&1 || die "apt-get install liblockfile1 failed"
fi

chmod 711 "$TERN_TMP"
chmod -R a+rX "$TERN_TMP/mailx"
home="$TERN_TMP/www"
mkdir -p "$home"
chown www-data: "$home"
as_www() {
    setpriv --reuid=www-data --regid=www-data --clear-groups --no-new-privs \
        env -i -C "$home" PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" LANG=C.UTF-8 USER=www-data "$@"
}

# bsd-mailx: mail -s (uses /usr/sbin/sendmail unless told otherwise)
t2="pkg-mailx-$RANDOM$RANDOM"
printf 'set sendmail=%s\n' "$SENDMAIL" >"$home/mailrc"
chown www-data: "$home/mailrc"
printf 'from mailx\n%s\n' "$t2" | as_www MAILRC="$home/mailrc" "$MAILX" -s "$t2" alice@example.test >mailx.out 2>&1 ||
    die "mail -s failed: $(cat mailx.out)"
maildir_wait alice@example.test 1 # new/ only: POP3 moved the first message to cur/
m="$(maildir_find alice@example.test "$t2")"
message_headers "$m" >h2
grep -q "^Subject: $t2" h2 || die "mailx: subject missing"
grep -q '^From: www-data@example.test$' h2 || die "mailx: no From: www-data@example.test added: $(cat h2)"
grep -q '^Date: ' h2 && grep -q '^Message-ID: <.*@tern.test>' h2 || die "mailx: Date or Message-ID not added: $(cat h2)"
log "bsd-mailx: ok"

# mutt in batch mode with set sendmail
t3="pkg-mutt-$RANDOM$RANDOM"
cat >"$home/muttrc" <<EOF
set sendmail="$SENDMAIL -oem -oi"
set from="Web Server <www-data@example.test>"
set use_from=yes
set record=""
set charset="utf-8"
set send_charset="utf-8"
EOF
chown www-data: "$home/muttrc"
printf 'from mutt, with a line\n.\nthat is a single dot above\n%s\n' "$t3" |
    as_www TERM=dumb mutt -n -F "$home/muttrc" -s "$t3" -- alice@example.test >mutt.out 2>&1 ||
    die "mutt failed: $(cat mutt.out)"
maildir_wait alice@example.test 2
m="$(maildir_find alice@example.test "$t3")"
message_body "$m" | grep -qx '\.' || die "mutt: the single-dot line did not survive (-oi)"
message_headers "$m" | grep -q '^From: Web Server <www-data@example.test>' || die "mutt: From not kept"
log "mutt: ok"

# git send-email --sendmail-cmd
t4="pkg-git-$RANDOM$RANDOM"
printf '[user]\n\tname = Dev\n\temail = www-data@example.test\n' >"$home/.gitconfig"
chown www-data: "$home/.gitconfig"
as_www git init -q repo
as_www sh -c "cd repo && echo '$t4' >file && git add file && git commit -q -m '$t4' &&
    git format-patch -q -1 -o ../patches"
as_www git -C repo send-email --sendmail-cmd="$SENDMAIL" --to alice@example.test --confirm=never --suppress-cc=all --quiet \
    --from "Dev <www-data@example.test>" --no-chain-reply-to ../patches >git.out 2>&1 ||
    die "git send-email failed: $(cat git.out)"
maildir_wait alice@example.test 3
message_headers "$(maildir_find alice@example.test "$t4")" | grep -q "^Subject: \[PATCH\] $t4" ||
    die "git send-email: subject missing"
log "git send-email: ok"

# exit statuses: an unknown local user (67); -t with a Bcc that must not show
rc=0
printf 'Subject: nobody\n\nx\n' | as_www "$SENDMAIL" nobody-here@example.test >rc67.out 2>&1 || rc=$?
[ "$rc" -eq 67 ] || die "sendmail to an unknown user: exit $rc, expected 67: $(cat rc67.out)"
t5="pkg-bcc-$RANDOM$RANDOM"
printf 'To: undisclosed-recipients:;\nBcc: Alice <alice@example.test>\nSubject: %s\n\nbody\n' "$t5" |
    as_www "$SENDMAIL" -t -i >bcc.out 2>&1 || die "sendmail -t failed: $(cat bcc.out)"
maildir_wait alice@example.test 4
grep -qi '^Bcc:' "$(maildir_find alice@example.test "$t5")" && die "-t: the Bcc field was not removed"

# --- 6. stop, then no server: 75 ----------------------------------------------------------------------------
tern_stop
rc=0
printf 'Subject: later\n\nx\n' | as_www "$SENDMAIL" alice@example.test >rc75.out 2>&1 || rc=$?
[ "$rc" -eq 75 ] || die "sendmail with no server: exit $rc, expected 75: $(cat rc75.out)"
log "no server: exit 75 ($(cat rc75.out))"

# --- 7. remove keeps config and data; purge removes them ----------------------------------------------------
"${APT[@]}" remove tern >remove.out 2>&1 || die "apt-get remove failed: $(tail -n 10 remove.out)"
[ ! -e /usr/bin/tern ] && [ ! -e /usr/share/tern/tern.jar ] || die "apt-get remove left the program"
grep -q 'written by test/interop/14-debian-package' /etc/tern/tern.toml || die "apt-get remove lost /etc/tern/tern.toml"
[ "$(maildir_count alice@example.test)" -eq 4 ] && [ -n "$(ls "$(maildir_dir alice@example.test cur)")" ] ||
    die "apt-get remove lost the mail in /var/lib/tern"
[ -L /usr/sbin/sendmail ] && [ "$(readlink -f /usr/sbin/sendmail)" = /usr/lib/tern/sendmail ] &&
    die "/usr/sbin/sendmail still points to tern"
log "removed: /etc/tern and /var/lib/tern kept"
"${APT[@]}" purge tern >purge.out 2>&1 || die "apt-get purge failed: $(tail -n 10 purge.out)"
[ ! -e /etc/tern ] || die "apt-get purge left /etc/tern"
[ ! -e /var/lib/tern ] || die "apt-get purge left /var/lib/tern"
dpkg-query -W -f='${Status}' tern 2>/dev/null | grep -q 'installed\|config-files' && die "tern is still known to dpkg"
getent passwd tern >/dev/null || die "purge removed the tern user (Debian keeps system users)"
log "purged: /etc/tern and /var/lib/tern gone, the tern user kept"
log "ok"
