#!/usr/bin/env bash
# A full disk, for real: data_dir on a 32 MB tmpfs that the scenario fills.
#  - with no space left, a message is refused with 452 4.3.1 (never 250) and leaves nothing behind;
#  - a message that fits in the spool but not in the Maildir is acknowledged, its delivery deferred, and it
#    arrives complete once space is freed: an acknowledged message is not lost to a full disk.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || die "python3 is not installed"
[ "$(id -u)" -eq 0 ] || die "must run as root (it mounts a small tmpfs)"

DISK="$TERN_TMP/disk"
mkdir -p "$DISK"
mount -t tmpfs -o size=32m,mode=0755 tern-full-disk "$DISK" || die "cannot mount a tmpfs on $DISK"
unmount() {
    _tern_cleanup
    umount "$DISK" 2>/dev/null || umount -l "$DISK" 2>/dev/null || true
}
trap unmount EXIT

ALICE=alice@example.test
TERN_DATA="$DISK/data"
TERN_EXTRA_TOML='[queue]
retry_min = "1s"
retry_max = "2s"'
tern_config
tern_user_add "$ALICE" alice-secret
tern_start

# send.py SIZE TOKEN -> prints the final reply line of the transaction ("250 ..." or the refusal)
cat >send.py <<'PY'
import socket, sys
size, token = int(sys.argv[1]), sys.argv[2]
port = int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode("ascii", "replace").rstrip("\r\n")
        if not line:
            return "closed"
        if line[3:4] != "-":
            return line
def cmd(line):
    s.sendall(line.encode() + b"\r\n")
    return reply()
assert reply().startswith("220")
assert cmd("EHLO client.example.org").startswith("250")
r = cmd("MAIL FROM:<bob@example.org>")
if not r.startswith("250"):
    print(r); sys.exit(0)
assert cmd("RCPT TO:<alice@example.test>").startswith("250")
assert cmd("DATA").startswith("354")
body = ("Subject: %s\r\n\r\n" % token) + ("%s %s\r\n" % (token, "x" * 60)) * (size // 70 + 1) + "END " + token + "\r\n"
s.sendall(body.encode() + b".\r\n")
print(reply())
cmd("QUIT")
PY

r="$(python3 send.py 1000 first "$TERN_SMTP_PORT")"
[[ "$r" == 250* ]] || die "first message: $r"
maildir_wait "$ALICE" 1

# fill the disk to the last block
dd if=/dev/zero of="$DISK/filler" bs=64k >/dev/null 2>&1 || true
log "disk full: $(df -k "$DISK" | awk 'NR==2 { print $4 }') KB available"

r="$(python3 send.py 100000 refused "$TERN_SMTP_PORT")"
[[ "$r" == 452\ 4.3.1* ]] || die "with the disk full, expected 452 4.3.1, got: $r"
log "refused on a full disk: $r"

# room for the spool copy of a 200 KB message, not for its Maildir copy too
truncate -s "-$((300 * 1024))" "$DISK/filler"
r="$(python3 send.py 200000 deferred "$TERN_SMTP_PORT")"
[[ "$r" == 250* ]] || die "with 300 KB free, expected 250 for a 200 KB message, got: $r"
id="${r##* }"
deadline=$((SECONDS + 30))
until grep -q "$id: to=<$ALICE>.*status=deferred" "$TERN_OUT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "no deferred delivery for $id in the log"
    sleep 0.2
done
log "acknowledged as $id, delivery deferred: $(grep -m1 "$id: to=<$ALICE>.*status=deferred" "$TERN_OUT" | sed 's/.*status=//')"
[ "$(maildir_count "$ALICE")" -eq 1 ] || die "a message reached the Maildir while the disk was full"

rm -f "$DISK/filler"
maildir_wait "$ALICE" 2
file="$(grep -l "^Subject: deferred" "$(maildir_dir "$ALICE")"/* || true)"
[ -n "$file" ] || die "the deferred message is not the one delivered"
python3 - "$file" <<'PY' || die "the deferred message arrived damaged"
import sys
data = open(sys.argv[1], "rb").read()
body = data.split(b"\r\n\r\n", 1)[1]
lines = body.split(b"\r\n")
assert lines[-2] == b"END deferred" and lines[-1] == b"", lines[-3:]
assert all(l == b"deferred " + b"x" * 60 for l in lines[:-2]), "a body line differs"
assert len(lines) - 2 == 200000 // 70 + 1, len(lines)
PY
if grep -rqF "refused" "$(maildir_dir "$ALICE")"; then die "the refused message was delivered"; fi
log "delivered complete after space was freed: $file"

tern_stop
echo "11-full-disk: all checks passed"
