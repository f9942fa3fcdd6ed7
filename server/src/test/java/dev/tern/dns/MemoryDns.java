package dev.tern.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory DNS for the checks' unit tests: a name known with any record answers no data for other types,
 * an unknown name NXDOMAIN; names marked {@link #servfail} or {@link #timeout} answer those. Counts questions.
 * Test code only: not thread-safe.
 */
public final class MemoryDns implements DnsLookup {
    private final Map<String, Map<String, List<Object>>> zone = new HashMap<>();
    private final Set<String> servfail = new HashSet<>();
    private final Set<String> timeout = new HashSet<>();
    private final AtomicInteger queries = new AtomicInteger();

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private MemoryDns add(String name, String type, Object value) {
        zone.computeIfAbsent(key(name), k -> new HashMap<>()).computeIfAbsent(type, k -> new ArrayList<>()).add(value);
        return this;
    }

    public MemoryDns txt(String name, String text) {
        return add(name, "TXT", text);
    }

    /** An A or AAAA record, by the literal's form. */
    public MemoryDns ip(String name, String literal) {
        InetAddress a = addr(literal);
        return add(name, a.getAddress().length == 4 ? "A" : "AAAA", a);
    }

    public MemoryDns mx(String name, int preference, String host) {
        return add(name, "MX", new Mx(preference, key(host)));
    }

    public MemoryDns ptr(String literal, String host) {
        return add("ptr:" + addr(literal).getHostAddress(), "PTR", key(host));
    }

    /** The name exists (with no records). */
    public MemoryDns exists(String name) {
        zone.computeIfAbsent(key(name), k -> new HashMap<>());
        return this;
    }

    public MemoryDns servfail(String name) {
        servfail.add(key(name));
        return this;
    }

    public MemoryDns timeout(String name) {
        timeout.add(key(name));
        return this;
    }

    public int queries() {
        return queries.get();
    }

    public static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> DnsAnswer<T> answer(String name, String type) {
        queries.incrementAndGet();
        String k = key(name);
        if (servfail.contains(k)) {
            return new DnsAnswer.TempError<>("SERVFAIL");
        }
        if (timeout.contains(k)) {
            return new DnsAnswer.Timeout<>("no answer");
        }
        Map<String, List<Object>> byType = zone.get(k);
        if (byType == null) {
            return new DnsAnswer.NxDomain<>();
        }
        List<Object> values = byType.get(type);
        return values == null ? new DnsAnswer.NoData<>() : new DnsAnswer.Found<>((List<T>) values);
    }

    @Override
    public DnsAnswer<String> txt(String name) {
        return answer(name, "TXT");
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return answer(name, "A");
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return answer(name, "AAAA");
    }

    @Override
    public DnsAnswer<Mx> mx(String name) {
        return answer(name, "MX");
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        return answer("ptr:" + address.getHostAddress(), "PTR");
    }
}
