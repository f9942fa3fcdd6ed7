#!/usr/bin/env bash
# DKIM against dkimpy (python3-dkim) and Mail::DKIM (libmail-dkim-perl), with keys served by dnsmasq:
#  1. `tern dkim keygen example.test` makes an RSA and an Ed25519 key; dnsmasq serves the two records exactly as
#     Tern printed them (the RSA one in two character-strings).
#  2. `tern dkim sign example.test` signs four messages (plain, 8-bit UTF-8 body, folded headers, 10 MB); dkimpy
#     and Mail::DKIM verify the signatures of every one: dkimpy both, Mail::DKIM the RSA one (and the Ed25519
#     one too where its version has ed25519-sha256; Debian 12's 1.20230212 does not).
#  3. dkimpy signs with its own RSA and Ed25519 keys (relaxed/relaxed and relaxed/simple); `tern dkim verify`
#     (dnsjava, asking dnsmasq through [dns] servers) passes both, and fails both when one body octet changes.
#  4. A running Tern signs what it relays: the same four messages, submitted with STARTTLS and AUTH (ESMTPSA) to
#     alice@example.test's Tern, go by MX (dnsmasq) to a sink that keeps their octets (dkim_tool.py sink); dkimpy
#     and Mail::DKIM verify what the sink received. The 8-bit message goes once to a peer offering 8BITMIME
#     (127.0.0.1, BODY=8BITMIME) and once to one that does not (127.0.0.2: sent as it is, no BODY=).
#  5. A Tern MX (its checks asking dnsmasq) receives the dkimpy-signed message from swaks: the delivered file's
#     Authentication-Results says dkim=pass for both signatures; a forged From: of bank.test (p=reject) gets
#     550 5.7.1 in the session and nothing is delivered; a forged From: of shop.test (p=quarantine) is accepted
#     and delivered into alice's Junk folder (.Junk/new), not INBOX.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

PY=/usr/bin/python3
"$PY" -c 'import dkim, nacl, dns.resolver' 2>/dev/null || die "dkimpy is not installed (python3-dkim python3-nacl)"
perl -MMail::DKIM::Verifier -e 1 2>/dev/null || die "Mail::DKIM is not installed (libmail-dkim-perl)"
PERL_PASSES=1 # the RSA signature; 2 where Mail::DKIM knows ed25519-sha256
perl -MMail::DKIM::Algorithm::ed25519_sha256 -e 1 2>/dev/null && PERL_PASSES=2

DNS_PORT="$(free_port)"
SINK_PORT="$(free_port)"
[ -n "$DNS_PORT" ] && [ -n "$SINK_PORT" ] || die "no free port found"
export TERN_SUBMISSION='["127.0.0.1:0"]'
export TERN_EXTRA_TOML="[delivery]
mx_port = $SINK_PORT
connect_timeout = \"5s\"

[dns]
servers = [\"127.0.0.1:$DNS_PORT\"]"
tern_config

# --- keys: Tern's and dkimpy's ---------------------------------------------------------------------------
tern dkim keygen example.test --config "$TERN_CONFIG" >tern-records.txt || die "tern dkim keygen failed"
cat tern-records.txt
grep -c '^tern._domainkey.example.test. IN TXT "v=DKIM1; k=rsa; p=[^"]*" "[^"]*"$' tern-records.txt >/dev/null ||
    die "the RSA record is not two quoted strings"
grep -q '^tern-ed._domainkey.example.test. IN TXT "v=DKIM1; k=ed25519; p=' tern-records.txt || die "no Ed25519 record"
[ "$(stat -c %a "$TERN_DATA/dkim/example.test/tern.pem")" = 600 ] || die "key file mode is not 0600"
[ "$(stat -c %a "$TERN_DATA/dkim")" = 700 ] || die "key directory mode is not 0700"
tern dkim show example.test --config "$TERN_CONFIG" | cmp -s - tern-records.txt || die "tern dkim show differs from keygen"
if tern dkim keygen example.test --config "$TERN_CONFIG" >/dev/null 2>&1; then die "keygen replaced keys without --force"; fi

mkdir -p py-keys
"$PY" "$HERE/dkim_tool.py" keygen py-keys py.test py >py-records.txt

# a domain whose DMARC policy is reject and whose SPF allows no one: a forged From: of it must be refused;
# one whose policy is quarantine: a forged From: of it goes into Junk
printf '%s\n' 'bank.test. IN TXT "v=spf1 -all"' '_dmarc.bank.test. IN TXT "v=DMARC1; p=reject"' \
    'shop.test. IN TXT "v=spf1 -all"' '_dmarc.shop.test. IN TXT "v=DMARC1; p=quarantine"' >policy-records.txt
mapfile -t TXT_ARGS < <(cat tern-records.txt py-records.txt policy-records.txt | "$PY" "$HERE/dkim_tool.py" dnsmasq-args)
dnsmasq_start "$DNS_PORT" "${TXT_ARGS[@]}" --mx-host=example.net,mx.example.net,10 \
    --host-record=mx.example.net,127.0.0.1 --mx-host=example.org,mx.example.org,10 --host-record=mx.example.org,127.0.0.2

# --- Tern signs, dkimpy and Mail::DKIM verify ------------------------------------------------------------
for kind in plain 8bit folded big; do
    "$PY" "$HERE/dkim_tool.py" message "$kind" "msg-$kind.eml"
    tern dkim sign example.test --config "$TERN_CONFIG" <"msg-$kind.eml" >"signed-$kind.eml" ||
        die "tern dkim sign failed on the $kind message"
    tail -c +"$(($(wc -c <"signed-$kind.eml") - $(wc -c <"msg-$kind.eml") + 1))" "signed-$kind.eml" |
        cmp -s - "msg-$kind.eml" || die "$kind: the signed message is not the signatures followed by the message"
    "$PY" "$HERE/dkim_tool.py" verify "$DNS_PORT" "signed-$kind.eml" 2 || die "$kind: dkimpy does not pass Tern's signatures"
    perl "$HERE/verify.pl" "$DNS_PORT" "signed-$kind.eml" "$PERL_PASSES" ||
        die "$kind: Mail::DKIM does not pass Tern's signatures"
    log "$kind: Tern's signatures pass in dkimpy and Mail::DKIM"
done

# --- dkimpy signs, Tern verifies ------------------------------------------------------------------------
"$PY" "$HERE/dkim_tool.py" message plain py.eml
sed -i 's/alice@example.test/alice@py.test/' py.eml
"$PY" "$HERE/dkim_tool.py" sign py.eml py.test py py-keys/py.pem rsa-sha256 relaxed/relaxed >py-rsa.eml
"$PY" "$HERE/dkim_tool.py" sign py-rsa.eml py.test py-ed py-keys/py-ed.key ed25519-sha256 relaxed/simple >py-both.eml
tern dkim verify --config "$TERN_CONFIG" <py-both.eml >verify-pass.txt || {
    cat verify-pass.txt
    die "tern dkim verify does not pass dkimpy's signatures"
}
cat verify-pass.txt
grep -q '^dkim=pass header.d=py.test header.s=py-ed header.a=ed25519-sha256 ' verify-pass.txt || die "no Ed25519 pass"
grep -q '^dkim=pass header.d=py.test header.s=py header.a=rsa-sha256 ' verify-pass.txt || die "no RSA pass"

sed 's/A plain message/A plain messagE/' py-both.eml >py-changed.eml
if tern dkim verify --config "$TERN_CONFIG" <py-changed.eml >verify-fail.txt; then
    die "tern dkim verify passed a changed body"
fi
cat verify-fail.txt
[ "$(grep -c '^dkim=fail (body hash did not verify) header.d=py.test' verify-fail.txt)" = 2 ] ||
    die "a changed body octet does not fail both signatures"
log "dkimpy's RSA and Ed25519 signatures pass in Tern, and fail with one body octet changed"

# --- a running Tern signs mail submitted with AUTH; the sink's copies verify in dkimpy and Mail::DKIM ------
mkdir -p sink
"$PY" "$HERE/dkim_tool.py" sink "$SINK_PORT" sink >sink.log 2>&1 &
SINK_PID=$!
echo "$SINK_PID" >>"$TERN_TMP/tern.pids"
trap 'kill "$SINK_PID" 2>/dev/null || true; _helpers_cleanup' EXIT
deadline=$((SECONDS + 10))
until grep -q '^sink listening' sink.log; do
    kill -0 "$SINK_PID" 2>/dev/null || { cat sink.log; die "the sink exited at start"; }
    [ "$SECONDS" -lt "$deadline" ] || die "the sink did not start within 10s"
    sleep 0.1
done
tern_user_add alice@example.test alice-secret
tern_start
SUB_PORT="$(tern_port submission)"
[ -n "$SUB_PORT" ] || die "no submission port in $TERN_OUT"

n=0
for target in plain:example.net 8bit:example.net 8bit:example.org folded:example.net big:example.net; do
    kind="${target%%:*}"
    domain="${target#*:}"
    n=$((n + 1))
    "$PY" "$HERE/dkim_tool.py" submit "$SUB_PORT" alice@example.test alice-secret "msg-$kind.eml" "bob@$domain" ||
        die "$kind: submission to Tern failed"
    deadline=$((SECONDS + 60))
    until [ -f "sink/$n.eml" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TERN_OUT"; die "$kind: nothing reached the sink for $domain"; }
        sleep 0.2
    done
    got="sink/$n.eml"
    if [ "$domain" = example.org ]; then
        ! grep -q 'BODY=8BITMIME' "sink/$n.mail" || die "$kind: BODY=8BITMIME to a peer that does not offer it"
    elif [ "$kind" = 8bit ]; then
        grep -q 'BODY=8BITMIME' "sink/$n.mail" || die "$kind: no BODY=8BITMIME to a peer that offers it"
    fi
    head -c 16 "$got" | grep -q '^DKIM-Signature: ' || die "$kind: the relayed message does not start with a signature"
    tail -c "$(wc -c <"msg-$kind.eml")" "$got" | cmp -s - "msg-$kind.eml" ||
        die "$kind: the relayed message does not end with the message as submitted"
    "$PY" "$HERE/dkim_tool.py" verify "$DNS_PORT" "$got" 2 || die "$kind to $domain: dkimpy does not pass what Tern relayed"
    perl "$HERE/verify.pl" "$DNS_PORT" "$got" "$PERL_PASSES" ||
        die "$kind to $domain: Mail::DKIM does not pass what Tern relayed"
    log "$kind to $domain ($(wc -c <"$got") octets, $(cat "sink/$n.mail")): Tern's signatures pass in dkimpy and Mail::DKIM"
done
[ "$(grep -c 'DKIM-signed d=example.test s=tern,tern-ed' "$TERN_OUT")" = "$n" ] ||
    die "Tern did not log one DKIM-signed line per message"

# --- the MX judges what it receives: dkimpy's signatures pass, a forged From: of a p=reject domain is refused
command -v swaks >/dev/null || die "swaks is not installed"
swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo mail.py.test --timeout 30 --from alice@py.test \
    --to alice@example.test --data py-both.eml >swaks-signed.out 2>&1 || { cat swaks-signed.out; die "swaks: signed message not accepted"; }
grep -Eq '^<- +250 2\.0\.0 Ok: queued as ' swaks-signed.out || { cat swaks-signed.out; die "signed message: no 250"; }
maildir_wait alice@example.test 1
delivered="$(maildir_find alice@example.test "A plain message")"
message_headers "$delivered" | grep '^Authentication-Results: tern.test;' >ar.txt || die "no Authentication-Results of ours"
cat ar.txt
grep -q 'dkim=pass header.d=py.test header.s=py ' ar.txt || die "the MX does not pass dkimpy's RSA signature"
grep -q 'dkim=pass header.d=py.test header.s=py-ed ' ar.txt || die "the MX does not pass dkimpy's Ed25519 signature"
log "the MX passes dkimpy's signatures (Authentication-Results: dkim=pass twice)"

swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo mail.elsewhere.test --timeout 30 --from ceo@bank.test \
    --to alice@example.test --header "From: CEO <ceo@bank.test>" --header "Subject: urgent transfer" \
    --body "Please pay." >swaks-forged.out 2>&1 || true
sed 's/^/    [forged] /' swaks-forged.out
grep -Eq '^<\*\* +550 5\.7\.1 Message rejected per the DMARC policy of bank\.test' swaks-forged.out ||
    die "a forged From: of a p=reject domain did not get 550 5.7.1"
maildir_stays alice@example.test 1
log "a forged From: of bank.test (p=reject) gets 550 5.7.1 in the session; nothing delivered"

swaks --server 127.0.0.1 --port "$TERN_SMTP_PORT" --helo mail.elsewhere.test --timeout 30 --from sales@shop.test \
    --to alice@example.test --header "From: Shop <sales@shop.test>" --header "Subject: your order" \
    --body "Click here." >swaks-quarantine.out 2>&1 || { cat swaks-quarantine.out; die "swaks: quarantined message not accepted"; }
grep -Eq '^<- +250 2\.0\.0 Ok: queued as ' swaks-quarantine.out || { cat swaks-quarantine.out; die "quarantine: no 250"; }
deadline=$((SECONDS + 60)) # the log line comes once the file is in place
until grep -q 'status=sent (delivered to maildir folder Junk as .* (quarantined))' "$TERN_OUT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "no log line of a delivery into Junk after 60s"
    sleep 0.2
done
junk="$(maildir_dir alice@example.test .Junk/new)"
[ "$(find "$junk" -mindepth 1 -maxdepth 1 -type f | wc -l)" -eq 1 ] || die "$junk does not hold one message"
message_headers "$(find "$junk" -mindepth 1 -maxdepth 1 -type f)" | grep '^Authentication-Results: tern.test;' |
    grep -q 'dmarc=fail (p=quarantine dis=quarantine)' || die "the message in Junk does not say dmarc=fail (p=quarantine)"
maildir_stays alice@example.test 1 0
log "a forged From: of shop.test (p=quarantine) is delivered into Junk, not INBOX"
tern_stop
