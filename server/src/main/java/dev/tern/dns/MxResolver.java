/**
 * DNS for outbound mail: the MX hosts of a domain and the addresses of a host, with the answer's meaning kept
 * (no such domain, a temporary failure, a null MX) so that the caller can bounce or retry.
 */
package dev.tern.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** Looks up MX, A and AAAA records with dnsjava, on the configured servers or the system's. */
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

    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    /** Made at the first lookup: a server that sends nothing out (capture mode) never loads dnsjava's classes. */
    private Resolver resolver;
    private final Random random = new Random();

    /** @param servers DNS servers to ask; empty = the system's */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout) {
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
    }

    private Resolver resolver() {
        lock.lock();
        try {
            if (resolver == null) {
                resolver = Resolvers.create(servers, timeout, 2);
            }
            return resolver;
        } finally {
            lock.unlock();
        }
    }

    /** The MX hosts of {@code domain}, or the domain itself when it has none. */
    public MxResult mx(String domain) {
        Lookup l;
        try {
            l = lookup(domain, Type.MX);
        } catch (TextParseException e) {
            return new NoSuchDomain();
        }
        Record[] records = l.run();
        switch (l.getResult()) {
            case Lookup.SUCCESSFUL -> {
                Map<Integer, List<String>> byPref = new TreeMap<>();
                for (Record rec : records) {
                    if (rec instanceof MXRecord mx) {
                        if (mx.getTarget().equals(Name.root)) {
                            return new NullMx();
                        }
                        byPref.computeIfAbsent(mx.getPriority(), k -> new ArrayList<>()).add(hostName(mx.getTarget()));
                    }
                }
                if (byPref.isEmpty()) {
                    return new Hosts(List.of(domain), true);
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
                return new Hosts(hosts, false);
            }
            case Lookup.TYPE_NOT_FOUND -> {
                return new Hosts(List.of(domain), true); // RFC 5321 5.1: the domain is its own MX
            }
            case Lookup.HOST_NOT_FOUND -> {
                return new NoSuchDomain();
            }
            default -> {
                return new TempFail("MX lookup for " + domain + " failed: " + l.getErrorString());
            }
        }
    }

    /** The IPv4 and IPv6 addresses of {@code host}, IPv4 first. */
    public Addresses addresses(String host) {
        List<InetAddress> out = new ArrayList<>();
        String temp = null;
        int finalAnswers = 0;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Lookup l;
            try {
                l = lookup(host, type);
            } catch (TextParseException e) {
                return new Addresses(List.of(), null);
            }
            Record[] records = l.run();
            int result = l.getResult();
            if (result == Lookup.SUCCESSFUL) {
                finalAnswers++;
                for (Record rec : records) {
                    if (rec instanceof ARecord a) {
                        out.add(a.getAddress());
                    } else if (rec instanceof AAAARecord a) {
                        out.add(a.getAddress());
                    }
                }
            } else if (result == Lookup.HOST_NOT_FOUND || result == Lookup.TYPE_NOT_FOUND) {
                finalAnswers++;
            } else {
                temp = Type.string(type) + " lookup for " + host + " failed: " + l.getErrorString();
            }
        }
        return new Addresses(out, out.isEmpty() && finalAnswers < 2 ? temp : null);
    }

    private Lookup lookup(String name, int type) throws TextParseException {
        Lookup l = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN);
        l.setResolver(resolver());
        l.setCache(new Cache(DClass.IN)); // no cache shared between lookups or instances: answers are always fresh
        l.setSearchPath((Name[]) null);
        return l;
    }

    private static String hostName(Name n) {
        String s = n.toString(true);
        return s.toLowerCase(java.util.Locale.ROOT);
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
