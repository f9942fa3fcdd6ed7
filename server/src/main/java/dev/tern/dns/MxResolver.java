package dev.tern.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The MX hosts of a domain and the addresses of a host, read from a {@link DnsLookup} (on a server, a
 * {@link DnsjavaLookup}: one question on the wire at a time per record, answers cached for their TTL, NXDOMAIN and
 * no data for the negative TTL, temporary errors never).
 */
public final class MxResolver {

    /** The outcome of an MX lookup. */
    public sealed interface MxResult {
    }

    /** Hosts to try, best first (equal preferences shuffled). {@code implicit}: the domain itself (no MX). */
    public record Hosts(List<String> hosts, boolean implicit) implements MxResult {
    }

    /** RFC 7505: the domain accepts no mail. */
    public record NullMx() implements MxResult {
    }

    /** NXDOMAIN: the domain does not exist. */
    public record NoSuchDomain() implements MxResult {
    }

    /** SERVFAIL, a timeout or another temporary problem. */
    public record TempFail(String reason) implements MxResult {
    }

    /** The addresses of a host; {@code tempFail} when neither lookup gave a final answer. */
    public record Addresses(List<InetAddress> addresses, String tempFail) {
    }

    private final Supplier<DnsLookup> make;
    private final ReentrantLock lock = new ReentrantLock();
    /** Made at the first lookup: a server that sends nothing out (capture mode) never loads dnsjava's classes. */
    private DnsLookup dns;
    private final Random random = new Random();

    /** @param dns makes the lookup to ask, at the first question */
    public MxResolver(Supplier<DnsLookup> dns) {
        this.make = dns;
    }

    private DnsLookup dns() {
        lock.lock();
        try {
            if (dns == null) {
                dns = make.get();
            }
            return dns;
        } finally {
            lock.unlock();
        }
    }

    /** The MX hosts of {@code domain}, or the domain itself when it has none. */
    public MxResult mx(String domain) {
        return switch (dns().mx(domain)) {
            case DnsAnswer.Found<DnsLookup.Mx> f -> {
                Map<Integer, List<String>> byPref = new TreeMap<>();
                for (DnsLookup.Mx mx : f.values()) {
                    if (mx.host().isEmpty()) {
                        yield new NullMx();
                    }
                    byPref.computeIfAbsent(mx.preference(), k -> new ArrayList<>()).add(mx.host());
                }
                List<String> hosts = new ArrayList<>();
                for (List<String> same : byPref.values()) {
                    Collections.shuffle(same, random);
                    for (String h : same) {
                        if (!hosts.contains(h)) {
                            hosts.add(h);
                        }
                    }
                }
                yield new Hosts(hosts, false);
            }
            case DnsAnswer.NoData<DnsLookup.Mx> n -> new Hosts(List.of(domain), true); // RFC 5321 5.1: its own MX
            case DnsAnswer.NxDomain<DnsLookup.Mx> n -> new NoSuchDomain();
            case DnsAnswer.TempError<DnsLookup.Mx> t -> new TempFail("MX lookup for " + domain + " failed: " + t.reason());
            case DnsAnswer.Timeout<DnsLookup.Mx> t -> new TempFail("MX lookup for " + domain + " failed: " + t.reason());
        };
    }

    /** The IPv4 and IPv6 addresses of {@code host}, IPv4 first. */
    public Addresses addresses(String host) {
        List<InetAddress> out = new ArrayList<>();
        String temp = null;
        for (boolean ipv6 : new boolean[] {false, true}) {
            DnsAnswer<InetAddress> a = dns().addresses(host, ipv6);
            out.addAll(a.values());
            if (a.isTemporary()) {
                temp = (ipv6 ? "AAAA" : "A") + " lookup for " + host + " failed: " + a.problem();
            }
        }
        return new Addresses(out, out.isEmpty() ? temp : null);
    }

    /** An IP address literal, for the DNS server list ("127.0.0.1", "::1"); never a DNS lookup. */
    public static InetAddress literal(String ip) {
        try {
            return InetAddress.getByName(ip); // literals are parsed, not resolved
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip + " is not an IP address", e);
        }
    }
}
