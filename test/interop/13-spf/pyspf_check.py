#!/usr/bin/python3
"""pyspf (python3-spf) on the scenario's dnsmasq: reads "IP SENDER HELO" lines, prints one result per line."""
import sys

import dns.resolver
import spf

port = int(sys.argv[1])
r = dns.resolver.Resolver(configure=False)
r.nameservers = ["127.0.0.1"]
r.port = port
dns.resolver.default_resolver = r

for line in sys.stdin:
    ip, sender, helo = line.split()
    result, _explanation = spf.check2(i=ip, s="" if sender == "<>" else sender, h=helo, timeout=10)
    print(result)
