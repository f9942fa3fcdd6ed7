package dev.tern.dkim;

import dev.tern.dns.Resolvers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * TXT lookups with dnsjava on the servers of {@code [dns] servers} (empty: the system's resolvers), as
 * delivery's MX lookups, each with a timeout; answers are cached by their TTL (negative answers too) in this
 * instance's cache of at most 10,000 entries.
 */
public final class DnsTxtLookup implements TxtLookup {
    private final Resolver resolver;
    private final Cache cache = new Cache(DClass.IN);

    /** @param servers DNS servers to ask; empty = the system's */
    public DnsTxtLookup(List<InetSocketAddress> servers, Duration timeout) {
        this.resolver = Resolvers.create(servers, timeout, 1);
        cache.setMaxEntries(10_000);
    }

    @Override
    public Answer txt(String name) {
        Lookup l;
        try {
            l = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.TXT, DClass.IN);
        } catch (TextParseException e) {
            return new NotFound(); // no such name can exist
        }
        l.setResolver(resolver);
        l.setCache(cache);
        l.setSearchPath((Name[]) null);
        Record[] records = l.run();
        return switch (l.getResult()) {
            case Lookup.SUCCESSFUL -> {
                List<String> texts = new ArrayList<>();
                for (Record rec : records) {
                    if (rec instanceof TXTRecord txt) {
                        StringBuilder sb = new StringBuilder();
                        for (byte[] s : txt.getStringsAsByteArrays()) {
                            sb.append(new String(s, StandardCharsets.ISO_8859_1));
                        }
                        texts.add(sb.toString());
                    }
                }
                yield texts.isEmpty() ? new NotFound() : new Records(texts);
            }
            case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> new NotFound();
            default -> new TempError("TXT lookup for " + name + " failed: " + l.getErrorString());
        };
    }
}
