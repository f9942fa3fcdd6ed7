package dev.tern.dns;

import java.net.InetAddress;

/**
 * The DNS questions the message checks (SPF, DMARC, DKIM keys) and {@code tern dns check} ask. Names are
 * absolute, given without the final dot; answers keep NXDOMAIN, no data, temporary errors and time-outs apart.
 * {@link DnsjavaLookup} asks real servers; tests use an in-memory table.
 */
public interface DnsLookup {

    /** An MX record: preference and exchange host (lower case, no final dot; "" for a null MX, RFC 7505). */
    record Mx(int preference, String host) {
    }

    /** TXT records, each one's character-strings joined without separator (RFC 7208 3.3). */
    DnsAnswer<String> txt(String name);

    /** IPv4 addresses. */
    DnsAnswer<InetAddress> a(String name);

    /** IPv6 addresses. */
    DnsAnswer<InetAddress> aaaa(String name);

    /** MX records, in the order the server gave them. */
    DnsAnswer<Mx> mx(String name);

    /** The names in the PTR records of {@code address} (in-addr.arpa or ip6.arpa), lower case, no final dot. */
    DnsAnswer<String> ptr(InetAddress address);

    /** The A records when {@code ipv6} is false, else the AAAA records. */
    default DnsAnswer<InetAddress> addresses(String name, boolean ipv6) {
        return ipv6 ? aaaa(name) : a(name);
    }
}
