#!/usr/bin/env bash
# Builds the Debian package target/tern_<version>_<arch>.deb from this tree:
#
#   packaging/build-deb.sh
#
# The package carries its own Java runtime (jlink'd from the JDK 21+ that builds it, into /usr/lib/tern/runtime),
# so its architecture is the build machine's (amd64 here): Debian 12 has no Java 21 runtime package to depend
# on (its newest is openjdk-17). What it installs: docs/operations.md, "Installing the Debian package".
#
# Environment: TERN_SKIP_BUILD=1 packs server/target/tern.jar as it is (else `./mvnw package` builds it first, tests
# skipped: run them with ./mvnw verify). Needs dpkg-deb (installed with apt-get when missing, as root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf 'build-deb: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

if ! command -v dpkg-deb >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "dpkg-deb is missing: install the dpkg package (as root: apt-get install dpkg)"
    say "installing dpkg (for dpkg-deb)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg >/dev/null || die "apt-get install dpkg failed"
fi

jdk="$(TERN_PRINT_JAVA_HOME=1 ./tern)" || die "no JDK 21+ found (see ./tern)"
[ -x "$jdk/bin/jlink" ] || die "$jdk has no jlink: the package's runtime is made with it"
if [ -z "${TERN_SKIP_BUILD:-}" ] || [ ! -f server/target/tern.jar ]; then
    say "building server/target/tern.jar with $jdk"
    ./mvnw -B -q -DskipTests package </dev/null || die "the build failed"
fi

# 0.1.0-SNAPSHOT -> 0.1.0~SNAPSHOT: a tilde sorts before the release it leads up to
pom_version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)"
[ -n "$pom_version" ] || die "no <version> in pom.xml"
version="${pom_version//-/\~}"
arch="$(dpkg --print-architecture)"
deb="target/tern_${version}_${arch}.deb"

stage="target/deb/tern"
rm -rf target/deb
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/tern" "$stage/usr/lib/tern" \
    "$stage/etc/tern" "$stage/lib/systemd/system" "$stage/usr/share/doc/tern"

# The modules of the runtime. First what the jar's classes name (jdeps --multi-release 21 --ignore-missing-deps
# --print-module-deps server/target/tern.jar prints exactly this list; jlink adds what they require, among them
# java.xml, java.logging and java.management):
modules=java.base,java.desktop,java.naming,java.net.http,java.sql,jdk.httpserver,jdk.management,jdk.unsupported
# then what is reached only at run time, so jdeps cannot see it:
#   java.xml        a Logback XML file given with -Dlogback.configurationFile (Tern sets Logback up in code, without
#                   XML; java.desktop and java.sql require java.xml anyway, so naming it adds nothing to the size)
#   jdk.charsets    Charset.forName of the charsets a message or an IMAP SEARCH may name (ISO-2022-JP, Big5, ...)
#   jdk.crypto.ec   the SunEC provider of a JDK 21 (ECDHE and EC certificates in TLS); empty from JDK 22 on
#   jdk.naming.dns  dnsjava's fallback (JNDI "dns:") for the system's servers when /etc/resolv.conf names none
#   jdk.jfr, jdk.jcmd   flight recordings and thread dumps for operators
# A CDS archive makes each start, and so each sendmail call, quicker.
modules+=,java.xml,jdk.charsets,jdk.crypto.ec,jdk.naming.dns,jdk.jfr,jdk.jcmd
# the jar may come to need another module (a new dependency): then stop here rather than fail at run time
needed="$("$jdk/bin/jdeps" --multi-release 21 --ignore-missing-deps --print-module-deps server/target/tern.jar)" ||
    die "jdeps failed on server/target/tern.jar"
for m in ${needed//,/ }; do
    [[ ",$modules," == *",$m,"* ]] || die "server/target/tern.jar needs the module $m: add it to modules in $0"
done
say "jlink: runtime from $jdk"
"$jdk/bin/jlink" --add-modules "$modules" --output "$stage/usr/lib/tern/runtime" --strip-debug \
    --no-header-files --no-man-pages --compress=zip-6 --generate-cds-archive 2>&1 | grep -v '^Warning' >&2 || true
[ -x "$stage/usr/lib/tern/runtime/bin/java" ] || die "jlink made no runtime"
# java.desktop is there for java.beans (Jackson, Micrometer); its window, sound and splash-screen libraries, which a
# headless server never loads, would need X11 and ALSA
rm -f "$stage"/usr/lib/tern/runtime/lib/{libawt_xawt,libjawt,libjsound,libsplashscreen}.so

install -m 0644 server/target/tern.jar "$stage/usr/share/tern/tern.jar"
install -m 0755 packaging/tern "$stage/usr/bin/tern"
install -m 0755 packaging/sendmail "$stage/usr/lib/tern/sendmail"
install -m 0644 packaging/tern.service "$stage/lib/systemd/system/tern.service"
install -m 0644 examples/tern.toml "$stage/etc/tern/tern.toml"
for f in README.md docs/*.md; do
    install -m 0644 "$f" "$stage/usr/share/doc/tern/$(basename "$f")"
done
for s in postinst prerm postrm; do
    install -m 0755 "packaging/debian/$s" "$stage/DEBIAN/$s"
done
echo /etc/tern/tern.toml >"$stage/DEBIAN/conffiles"

size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat >"$stage/DEBIAN/control" <<EOF
Package: tern
Version: $version
Architecture: $arch
Maintainer: Tern developers <postmaster@localhost>
Section: mail
Priority: optional
Installed-Size: $size
Depends: adduser, libc6, zlib1g
Description: Internet mail server in one JVM process
 Tern receives mail by SMTP as the MX of your domains, stores every message
 durably before it says yes, delivers it into Maildir mailboxes or to other
 domains' MX hosts, and serves submission (587, 465) and POP3 (110, 995).
 .
 The package carries its own Java runtime in /usr/lib/tern/runtime. It installs
 the tern.service systemd unit (not enabled: edit /etc/tern/tern.toml first)
 and, when no other mail server owns it, /usr/sbin/sendmail.
EOF
(cd "$stage" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | sort -z |
    xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1))"
printf '%s\n' "$deb"
