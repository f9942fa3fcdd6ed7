#!/usr/bin/env bash
# testssl.sh against the submission port (--starttls smtp) and submissions (TLS from the first byte), with a
# certificate from a throwaway CA made here with openssl (an EC key in the traditional "EC PRIVATE KEY" form,
# as certbot's older setups write it). Fails on any finding of severity HIGH or CRITICAL.
#
# Checks run: protocols (-p), cipher categories (-s), forward secrecy (-f), server defaults (-S) and the
# vulnerability checks (-U). Left out to stay within a few minutes: -E (each cipher per protocol, ~300
# handshakes) and -c (client simulation); -s and -f already fail on any weak cipher or key exchange.
#
# Speed (both ports in parallel, 2 loaded cores): 6 min before, about 2.5 min now. testssl's cost is mostly
# its own bash: every check forks subshells and builds or parses handshakes in bash ("sockets"). --fast lets
# -f use openssl instead of bash sockets and skips listing the finite-field DH groups (informational, never a
# finding): -f goes from ~70 s to ~25 s and nothing with a severity is lost (compared finding by finding).
# --nodns min and NXCONNECT=127.0.0.1:0 keep testssl off DNS (no rDNS or CAA lookups, and its openssl
# feature probes connect to 127.0.0.1:0 instead of resolving "invalid."): the machines this runs on have
# only loopback, where each lookup could wait for a resolver time-out. HEADER_MAXSLEEP=2 shortens the wait
# for an HTTP banner on 465 (the service detection), which a mail server never sends.
# The throwaway certificate is valid for 90 days and names a CRL URI (never fetched: testssl does not phone
# out by default), so that testssl's certificate checks judge the server, not the test CA.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

TESTSSL="$(command -v testssl || command -v testssl.sh || true)"
[ -n "$TESTSSL" ] || die "testssl.sh is not installed"
command -v openssl >/dev/null || die "openssl is not installed"

# --- a CA and a certificate for localhost / 127.0.0.1 ---------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 365 -subj "/CN=Tern interop CA" -out ca.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\ncrlDistributionPoints=URI:http://ca.invalid/tern.crl\n' >ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 90 -sha256 -extfile ext.cnf \
    -out server.pem 2>/dev/null
grep -q "BEGIN EC PRIVATE KEY" server.key || die "openssl did not write a traditional EC key"

printf -v tls_toml '[tls]\ncertificate = "%s/server.pem"\nprivate_key = "%s/server.key"' "$PWD" "$PWD"
TERN_SUBMISSION='["127.0.0.1:0"]' TERN_SUBMISSIONS='["127.0.0.1:0"]' TERN_EXTRA_TOML="$tls_toml" tern_config
tern_start
SUB="$(tern_port submission)"
SUBS="$(tern_port submissions)"

# run_testssl NAME ARGS... -> JSON findings in NAME.json; fails on HIGH or CRITICAL
run_testssl() {
    local name="$1"
    shift
    local rc=0
    NXCONNECT=127.0.0.1:0 HEADER_MAXSLEEP=2 "$TESTSSL" --quiet --color 0 --warnings off --fast --nodns min \
        --add-ca "$PWD/ca.pem" --jsonfile "$PWD/$name.json" -p -s -f -S -U "$@" >"$name.out" 2>&1 || rc=$?
    sed "s/^/    [$name] /" "$name.out" | grep -vE '^\s*\[[a-z]+\]\s*$' | tail -n 80
    [ -s "$name.json" ] || die "$name: testssl wrote no JSON (exit $rc)"
    python3 - "$name.json" <<'PY' || die "$name: testssl reported HIGH or CRITICAL findings (above)"
import json, sys
findings = json.load(open(sys.argv[1]))
bad = [f for f in findings if f.get("severity") in ("HIGH", "CRITICAL")]
for f in bad:
    print(f"    {f['severity']}: {f['id']}: {f['finding']}")
print(f"    {len(findings)} findings, {len(bad)} HIGH or CRITICAL")
sys.exit(1 if bad else 0)
PY
    grep -q '"id" *: *"TLS1_3"' "$name.json" || die "$name: no TLS1_3 finding in the JSON"
    python3 - "$name.json" <<'PY' || die "$name: an old protocol is offered"
import json, sys
f = {x["id"]: x["finding"] for x in json.load(open(sys.argv[1]))}
for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
    assert f.get(p, "").startswith("not offered"), (p, f.get(p))
assert f.get("TLS1_3", "").startswith("offered"), f.get("TLS1_3")
PY
}

# One testssl run takes about 2 minutes here (it makes hundreds of handshakes); the two ports are tested at
# the same time, and each run's output is shown when it ends.
start=$SECONDS
(run_testssl submission --starttls smtp "127.0.0.1:$SUB") >submission.log 2>&1 &
p1=$!
(run_testssl submissions "127.0.0.1:$SUBS") >submissions.log 2>&1 &
p2=$!
rc1=0
rc2=0
wait "$p1" || rc1=$?
wait "$p2" || rc2=$?
cat submission.log submissions.log
[ "$rc1" -eq 0 ] || die "587 STARTTLS: testssl found problems (above)"
[ "$rc2" -eq 0 ] || die "465 implicit TLS: testssl found problems (above)"
log "587 STARTTLS and 465 implicit TLS: no HIGH or CRITICAL findings ($((SECONDS - start))s)"

tern_stop
echo "07-testssl: all checks passed"
