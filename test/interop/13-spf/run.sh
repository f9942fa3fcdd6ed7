#!/usr/bin/env bash
# SPF agrees with pyspf: dnsmasq serves a table of SPF records (every mechanism, redirect, macros, the limits,
# errors) under .test; for each case (client IP, MAIL FROM, HELO) Tern's evaluator (`tern dns spf --stdin`, a
# hidden command that prints the result of each check) and pyspf (python3-spf's spf.check2, pointed at the same dnsmasq)
# must give the same result, and the result the RFC 7208 reading in the table expects.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

/usr/bin/python3 -c 'import spf, dns.resolver' 2>/dev/null || die "python3-spf is not installed"

DNS_PORT="$(free_port)"
[ -n "$DNS_PORT" ] || die "no free port found"

# --local: dnsmasq answers these zones itself (NXDOMAIN for unknown names) and forwards nothing
dnsmasq_start "$DNS_PORT" --local=/test/ --local=/2.0.192.in-addr.arpa/ \
    --txt-record=ip4.test,"v=spf1 ip4:192.0.2.0/24 -all" \
    --txt-record=soft.test,"v=spf1 ip4:192.0.2.1 ~all" \
    --txt-record=neutral.test,"v=spf1 ?all" \
    --host-record=norecord.test,192.0.2.99 \
    --txt-record=a.test,"v=spf1 a a:other.a.test/24 -all" --host-record=a.test,192.0.2.20 \
    --host-record=other.a.test,198.51.100.7 \
    --txt-record=mx.test,"v=spf1 mx -all" --mx-host=mx.test,mail.mx.test,10 --host-record=mail.mx.test,192.0.2.30 \
    --txt-record=inc.test,"v=spf1 include:ip4.test include:neutral.test -all" \
    --txt-record=red.test,"v=spf1 ip4:203.0.113.1 redirect=ip4.test" \
    --txt-record=ex.test,"v=spf1 exists:%{ir}.%{l}.list.ex.test -all" --host-record=10.2.0.192.alice.list.ex.test,127.0.0.2 \
    --txt-record=ptr.test,"v=spf1 ptr -all" --host-record=h.ptr.test,192.0.2.40 \
    --txt-record=ip6.test,"v=spf1 ip6:2001:db8::/32 -all" \
    --txt-record=two.test,"v=spf1 +all" --txt-record=two.test,"v=spf1 -all" \
    --txt-record=bad.test,"v=spf1 ip4:192.0.2.0/24 frobnicate -all" \
    --txt-record=loop.test,"v=spf1 include:loop2.test -all" --txt-record=loop2.test,"v=spf1 include:loop.test -all" \
    --txt-record=void.test,"v=spf1 a:v1.nx.test a:v2.nx.test a:v3.nx.test ip4:192.0.2.0/24 -all" \
    --txt-record=void2.test,"v=spf1 a:v1.nx.test a:v2.nx.test ip4:192.0.2.0/24 -all" \
    --txt-record=many.test,"v=spf1 a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test ip4:192.0.2.0/24 -all" \
    --txt-record=ten.test,"v=spf1 a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test a:a.test ip4:192.0.2.0/24 -all" \
    --txt-record=rednone.test,"v=spf1 redirect=norecord.test" \
    --txt-record=incnone.test,"v=spf1 include:norecord.test -all"

# IP  SENDER  HELO  EXPECTED (RFC 7208)
CASES="192.0.2.10 alice@ip4.test h.test pass
198.51.100.1 alice@ip4.test h.test fail
198.51.100.1 alice@soft.test h.test softfail
192.0.2.1 alice@neutral.test h.test neutral
192.0.2.1 alice@norecord.test h.test none
192.0.2.1 alice@nx.test h.test none
192.0.2.20 alice@a.test h.test pass
198.51.100.200 alice@a.test h.test pass
192.0.2.21 alice@a.test h.test fail
192.0.2.30 alice@mx.test h.test pass
192.0.2.31 alice@mx.test h.test fail
192.0.2.10 alice@inc.test h.test pass
198.51.100.1 alice@inc.test h.test fail
192.0.2.10 alice@red.test h.test pass
203.0.113.1 alice@red.test h.test pass
198.51.100.1 alice@red.test h.test fail
192.0.2.10 alice@ex.test h.test pass
192.0.2.10 bob@ex.test h.test fail
192.0.2.40 alice@ptr.test h.test pass
192.0.2.41 alice@ptr.test h.test fail
2001:db8::1 alice@ip6.test h.test pass
2001:db9::1 alice@ip6.test h.test fail
192.0.2.10 <> ip4.test pass
198.51.100.1 <> ip4.test fail
192.0.2.1 alice@two.test h.test permerror
192.0.2.1 alice@bad.test h.test permerror
192.0.2.1 alice@loop.test h.test permerror
192.0.2.1 alice@void.test h.test permerror
192.0.2.1 alice@void2.test h.test pass
192.0.2.1 alice@many.test h.test permerror
192.0.2.1 alice@ten.test h.test pass
192.0.2.1 alice@rednone.test h.test permerror
192.0.2.1 alice@incnone.test h.test permerror"

export TERN_EXTRA_TOML="[dns]
servers = [\"127.0.0.1:$DNS_PORT\"]"
tern_config

PYSPF="$(printf '%s\n' "$CASES" | cut -d' ' -f1-3 | /usr/bin/python3 "$(dirname "$0")/pyspf_check.py" "$DNS_PORT")" ||
    die "pyspf failed: $PYSPF"
[ "$(printf '%s\n' "$PYSPF" | wc -l)" -eq "$(printf '%s\n' "$CASES" | wc -l)" ] || die "pyspf gave too few results"

# one JVM for all cases: --stdin reads "IP SENDER HELO" lines and prints one result a line
TERN_RESULTS="$(printf '%s\n' "$CASES" | cut -d' ' -f1-3 | tern dns spf --stdin --config "$TERN_CONFIG")" ||
    die "tern dns spf failed: $TERN_RESULTS"

n=0
bad=0
while read -r ip sender helo expected; do
    n=$((n + 1))
    py="$(printf '%s\n' "$PYSPF" | sed -n "${n}p")"
    t="$(printf '%s\n' "$TERN_RESULTS" | sed -n "${n}p")"
    verdict=ok
    if [ "$t" != "$py" ] || [ "$t" != "$expected" ]; then
        verdict=MISMATCH
        bad=$((bad + 1))
    fi
    printf '    %-15s %-22s %-9s tern=%-9s pyspf=%-9s expected=%-9s %s\n' "$ip" "$sender" "$helo" "$t" "$py" "$expected" "$verdict"
    if [ "$verdict" != ok ]; then
        tern dns spf "$ip" "$sender" "$helo" --config "$TERN_CONFIG" 2>&1 | sed 's/^/        /' || true
    fi
done <<<"$CASES"

[ "$bad" -eq 0 ] || die "$bad of $n cases differ"
log "all $n SPF cases agree with pyspf"
