package dev.tern.dns;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DnsLookup} on a dnsjava {@link Resolver} (the one delivery uses: {@link Resolvers#of}), with a cache
 * shared by all views: positive answers are kept for their smallest TTL, NXDOMAIN and no-data answers for the
 * SOA's negative TTL (RFC 2308), both at most {@link #MAX_TTL}; at most {@code maxEntries} answers, the least
 * recently used dropped first. Temporary errors and time-outs are never cached. A question already on the wire
 * is not sent again: its askers share the one answer (single flight), so many sessions asking one record at
 * once make one query.
 *
 * <p>{@link #withBudget} gives a view for one message: once its time budget is spent every question not in the
 * cache answers {@link DnsAnswer.Timeout} at once, and no question waits past the budget's end.
 */
public final class DnsjavaLookup implements DnsLookup {
    /** The longest an answer is kept, whatever its TTL. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    /** How long a negative answer is kept when the server sent no SOA. */
    private static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofMinutes(1);

    private final Resolver resolver;
    private final Clock clock;
    private final Duration timeout;
    private final Cache cache;
    /** The questions on the wire now, shared by all views. */
    private final Flights flights;
    private final Instant deadline; // null: no budget, each question waits at most `timeout`
    /** Completed by {@link #stop}, shared by all views: every wait ends at once, and no question is sent. */
    private final CompletableFuture<Void> stopped;

    /**
     * @param resolver   the servers to ask
     * @param timeout    the longest one question waits (without a budget)
     * @param maxEntries the most answers the cache keeps
     */
    public DnsjavaLookup(Resolver resolver, Clock clock, Duration timeout, int maxEntries) {
        this(resolver, clock, timeout, new Cache(maxEntries), new Flights(), null, new CompletableFuture<>());
    }

    private DnsjavaLookup(Resolver resolver, Clock clock, Duration timeout, Cache cache, Flights flights,
                          Instant deadline, CompletableFuture<Void> stopped) {
        this.resolver = resolver;
        this.clock = clock;
        this.timeout = timeout;
        this.cache = cache;
        this.flights = flights;
        this.deadline = deadline;
        this.stopped = stopped;
    }

    /** A view sharing this cache whose questions all end within {@code budget} from now. */
    public DnsjavaLookup withBudget(Duration budget) {
        return new DnsjavaLookup(resolver, clock, timeout, cache, flights, clock.instant().plus(budget), stopped);
    }

    /**
     * Ends every wait of this lookup and of all its views now, and for good: from now on a question not in the
     * cache answers {@link DnsAnswer.Timeout} at once (at shutdown, so that no check holds up the last replies).
     */
    public void stop() {
        stopped.complete(null);
    }

    /**
     * Questions that were not sent because the same one was already on the wire: the asker waited for that
     * one's answer instead (for tests and metrics).
     */
    public long merged() {
        return flights.joined.get();
    }

    /** Answers now in the cache (for tests and metrics). */
    public int cached() {
        return cache.size();
    }

    @Override
    public DnsAnswer<String> txt(String name) {
        return query(name, Type.TXT, r -> {
            StringBuilder sb = new StringBuilder();
            for (byte[] s : ((TXTRecord) r).getStringsAsByteArrays()) {
                sb.append(new String(s, StandardCharsets.UTF_8));
            }
            return sb.toString();
        });
    }

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return query(name, Type.A, r -> ((ARecord) r).getAddress());
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return query(name, Type.AAAA, r -> ((AAAARecord) r).getAddress());
    }

    @Override
    public DnsAnswer<Mx> mx(String name) {
        return query(name, Type.MX, r -> new Mx(((MXRecord) r).getPriority(), host(((MXRecord) r).getTarget())));
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        return query(host(ReverseMap.fromAddress(address)), Type.PTR, r -> host(((PTRRecord) r).getTarget()));
    }

    /** Lower case, without the final dot; "" for the root (dnsjava writes it "."), as a null MX names it. */
    private static String host(Name n) {
        return n.equals(Name.root) ? "" : n.toString(true).toLowerCase(Locale.ROOT);
    }

    private <T> DnsAnswer<T> query(String name, int type, Function<Record, T> map) {
        Instant now = clock.instant();
        // a plain name's key is known without parsing it: a cached answer costs one lookup of it
        String plainKey = plainKey(type, name);
        if (plainKey != null) {
            DnsAnswer<?> hit = cache.get(plainKey, now);
            if (hit != null) {
                return cast(hit);
            }
        }
        Name qname;
        try {
            qname = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return new DnsAnswer.NxDomain<>(); // not a DNS name: nothing can exist under it
        }
        String key = Type.string(type) + " " + qname.toString().toLowerCase(Locale.ROOT);
        DnsAnswer<?> hit = key.equals(plainKey) ? null : cache.get(key, now);
        if (hit != null) {
            return cast(hit);
        }
        Duration wait = timeout;
        if (deadline != null) {
            Duration left = Duration.between(now, deadline);
            if (left.isNegative() || left.isZero()) {
                return new DnsAnswer.Timeout<>("time budget for DNS spent before " + Type.string(type) + " " + name);
            }
            wait = left.compareTo(timeout) < 0 ? left : timeout;
        }
        if (stopped.isDone()) {
            return new DnsAnswer.Timeout<>("DNS stopped (shutting down) before " + Type.string(type) + " " + name);
        }
        CompletableFuture<DnsAnswer<?>> flight = flights.join(key, () -> ask(qname, type, name, map, key, now));
        try {
            CompletableFuture.anyOf(flight, stopped).get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // flights never fail: they complete with a temporary answer instead
        } catch (TimeoutException e) {
            return new DnsAnswer.Timeout<>("no answer to " + Type.string(type) + " " + name + " within "
                    + wait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DnsAnswer.TempError<>("interrupted");
        }
        if (!flight.isDone()) {
            return new DnsAnswer.Timeout<>("DNS stopped (shutting down) while asking " + Type.string(type)
                    + " " + name);
        }
        return cast(flight.join());
    }

    /**
     * The cache key of {@code name} when it is made only of letters, digits, hyphens and underscores in labels
     * of 1 to 63 characters, at most 253 in all (dnsjava writes such a name as it is, with a final dot); else
     * null, and the name is parsed.
     */
    static String plainKey(int type, String name) {
        int n = name.endsWith(".") ? name.length() - 1 : name.length();
        if (n == 0 || n > 253) {
            return null;
        }
        int label = 0;
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (label == 0) {
                    return null;
                }
                label = 0;
            } else if (++label > 63 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_')) {
                return null;
            }
        }
        if (label == 0) {
            return null;
        }
        return Type.string(type) + " " + name.substring(0, n).toLowerCase(Locale.ROOT) + ".";
    }

    @SuppressWarnings("unchecked")
    private static <T> DnsAnswer<T> cast(DnsAnswer<?> answer) {
        return (DnsAnswer<T>) answer; // the key holds the type, and one type always maps to one T
    }

    /**
     * Sends one question; the future completes (never exceptionally) with its answer, cached first when it
     * is final, at the latest {@link #timeout} after the question left.
     */
    private <T> CompletableFuture<DnsAnswer<?>> ask(Name qname, int type, String name, Function<Record, T> map,
                                                    String key, Instant asked) {
        CompletableFuture<Message> pending;
        try {
            pending = resolver.sendAsync(Message.newQuery(Record.newRecord(qname, type, DClass.IN)))
                    .toCompletableFuture().orTimeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(
                    new DnsAnswer.TempError<>(Type.string(type) + " " + name + ": " + e.getMessage()));
        }
        return pending.<DnsAnswer<?>>handle((response, failure) -> {
            if (failure != null) {
                Throwable c = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (c instanceof java.net.SocketTimeoutException || c instanceof TimeoutException) {
                    return new DnsAnswer.Timeout<>("no answer to " + Type.string(type) + " " + name);
                }
                return new DnsAnswer.TempError<>(Type.string(type) + " " + name + ": " + c.getMessage());
            }
            try {
                return read(response, qname, type, name, map, key, asked);
            } catch (RuntimeException e) {
                return new DnsAnswer.TempError<>(Type.string(type) + " " + name + ": unreadable answer: " + e);
            }
        });
    }

    /** The meaning of {@code response}; a final answer is cached for its TTL from {@code asked}. */
    private <T> DnsAnswer<T> read(Message response, Name qname, int type, String name, Function<Record, T> map,
                                  String key, Instant asked) {
        DnsAnswer<T> answer;
        Duration ttl;
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            answer = new DnsAnswer.NxDomain<>();
            ttl = negativeTtl(response);
        } else if (rcode != Rcode.NOERROR) {
            return new DnsAnswer.TempError<>(Type.string(type) + " " + name + ": " + Rcode.string(rcode));
        } else {
            // the answer section may hold a CNAME chain: keep the records of the names it leads to
            Set<Name> names = new HashSet<>();
            names.add(qname);
            List<Record> answers = response.getSection(Section.ANSWER);
            for (int pass = 0; pass < 8; pass++) {
                boolean grew = false;
                for (Record r : answers) {
                    if (r instanceof CNAMERecord c && names.contains(c.getName()) && names.add(c.getTarget())) {
                        grew = true;
                    }
                }
                if (!grew) {
                    break;
                }
            }
            List<T> values = new ArrayList<>();
            long minTtl = MAX_TTL.toSeconds();
            for (Record r : answers) {
                if (r.getType() == type && names.contains(r.getName())) {
                    values.add(map.apply(r));
                    minTtl = Math.min(minTtl, r.getTTL());
                }
            }
            if (values.isEmpty()) {
                answer = new DnsAnswer.NoData<>();
                ttl = negativeTtl(response);
            } else {
                answer = new DnsAnswer.Found<>(values);
                ttl = Duration.ofSeconds(minTtl);
            }
        }
        if (ttl.isPositive()) {
            cache.put(key, answer, asked.plus(ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl));
        }
        return answer;
    }

    private static Duration negativeTtl(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Duration.ofSeconds(Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return DEFAULT_NEGATIVE_TTL;
    }

    /**
     * The questions on the wire, by "TYPE name" (single flight): whoever asks a question that is already out
     * waits for that one's answer instead of sending it again, so ten sessions asking the same record at once
     * make one query. An entry lives from the question's sending until its answer is in the cache (or, for a
     * temporary one, handed to its waiters): at most the lookup's time-out. Each waiter still waits only as
     * long as its own budget allows.
     */
    private static final class Flights {
        private final ConcurrentHashMap<String, CompletableFuture<DnsAnswer<?>>> out = new ConcurrentHashMap<>();
        private final AtomicLong joined = new AtomicLong();

        /** The answer to the question {@code key}: the one on the wire, or a new one {@code send} sends. */
        CompletableFuture<DnsAnswer<?>> join(String key, Supplier<CompletableFuture<DnsAnswer<?>>> send) {
            CompletableFuture<DnsAnswer<?>> mine = new CompletableFuture<>();
            CompletableFuture<DnsAnswer<?>> other = out.putIfAbsent(key, mine);
            if (other != null) {
                joined.incrementAndGet();
                return other;
            }
            send.get().whenComplete((answer, failure) -> {
                out.remove(key, mine); // after the answer is cached: a later asker finds it there
                mine.complete(answer != null ? answer : new DnsAnswer.TempError<>(key + ": " + failure));
            });
            return mine;
        }
    }

    /** Answers by "TYPE name", least recently used first, bounded. */
    private static final class Cache {
        private record Cached(DnsAnswer<?> answer, Instant expires) {
        }

        private final ReentrantLock lock = new ReentrantLock();
        private final Map<String, Cached> map;

        Cache(int maxEntries) {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be at least 1");
            }
            map = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                    return size() > maxEntries;
                }
            };
        }

        DnsAnswer<?> get(String key, Instant now) {
            lock.lock();
            try {
                Cached e = map.get(key);
                if (e == null) {
                    return null;
                }
                if (!now.isBefore(e.expires())) {
                    map.remove(key);
                    return null;
                }
                return e.answer();
            } finally {
                lock.unlock();
            }
        }

        void put(String key, DnsAnswer<?> answer, Instant expires) {
            lock.lock();
            try {
                map.put(key, new Cached(answer, expires));
            } finally {
                lock.unlock();
            }
        }

        int size() {
            lock.lock();
            try {
                return map.size();
            } finally {
                lock.unlock();
            }
        }
    }
}
