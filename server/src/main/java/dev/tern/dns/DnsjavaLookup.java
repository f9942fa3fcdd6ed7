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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
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
 * recently used dropped first. Temporary errors and time-outs are never cached.
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
    private final Instant deadline; // null: no budget, each question waits at most `timeout`
    /** Completed by {@link #stop}, shared by all views: every wait ends at once, and no question is sent. */
    private final CompletableFuture<Void> stopped;

    /**
     * @param resolver   the servers to ask
     * @param timeout    the longest one question waits (without a budget)
     * @param maxEntries the most answers the cache keeps
     */
    public DnsjavaLookup(Resolver resolver, Clock clock, Duration timeout, int maxEntries) {
        this(resolver, clock, timeout, new Cache(maxEntries), null, new CompletableFuture<>());
    }

    private DnsjavaLookup(Resolver resolver, Clock clock, Duration timeout, Cache cache, Instant deadline,
                          CompletableFuture<Void> stopped) {
        this.resolver = resolver;
        this.clock = clock;
        this.timeout = timeout;
        this.cache = cache;
        this.deadline = deadline;
        this.stopped = stopped;
    }

    /** A view sharing this cache whose questions all end within {@code budget} from now. */
    public DnsjavaLookup withBudget(Duration budget) {
        return new DnsjavaLookup(resolver, clock, timeout, cache, clock.instant().plus(budget), stopped);
    }

    /**
     * Ends every wait of this lookup and of all its views now, and for good: from now on a question not in the
     * cache answers {@link DnsAnswer.Timeout} at once (at shutdown, so that no check holds up the last replies).
     */
    public void stop() {
        stopped.complete(null);
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

    private static String host(Name n) {
        return n.toString(true).toLowerCase(Locale.ROOT);
    }

    private <T> DnsAnswer<T> query(String name, int type, Function<Record, T> map) {
        Name qname;
        try {
            qname = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return new DnsAnswer.NxDomain<>(); // not a DNS name: nothing can exist under it
        }
        String key = Type.string(type) + " " + qname.toString().toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        DnsAnswer<?> hit = cache.get(key, now);
        if (hit != null) {
            @SuppressWarnings("unchecked")
            DnsAnswer<T> cached = (DnsAnswer<T>) hit;
            return cached;
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
        Message response;
        CompletableFuture<Message> pending = null;
        try {
            pending = resolver.sendAsync(Message.newQuery(Record.newRecord(qname, type, DClass.IN)))
                    .toCompletableFuture();
            try {
                CompletableFuture.anyOf(pending, stopped).get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // the query failed: pending.get() below throws its own cause
            }
            if (!pending.isDone()) {
                pending.cancel(true);
                return new DnsAnswer.Timeout<>("DNS stopped (shutting down) while asking " + Type.string(type)
                        + " " + name);
            }
            response = pending.get();
        } catch (TimeoutException e) {
            pending.cancel(true);
            return new DnsAnswer.Timeout<>("no answer to " + Type.string(type) + " " + name + " within "
                    + wait.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof java.net.SocketTimeoutException || c instanceof TimeoutException) {
                return new DnsAnswer.Timeout<>("no answer to " + Type.string(type) + " " + name);
            }
            return new DnsAnswer.TempError<>(Type.string(type) + " " + name + ": " + c.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DnsAnswer.TempError<>("interrupted");
        }
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
            cache.put(key, answer, now.plus(ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl));
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
