package dev.tern.dkim;

import dev.tern.dns.DnsAnswer;
import dev.tern.dns.DnsLookup;

/**
 * DKIM's TXT lookups through a {@link DnsLookup}: in the server the one {@code dns.DnsjavaLookup} on
 * {@code [dns] servers} (empty: the system's resolvers) that the SPF and DMARC checks use too, so there is one
 * DNS cache, kept by TTL, and a message's time budget covers its key lookups as well.
 */
public final class DnsTxtLookup implements TxtLookup {
    private final DnsLookup dns;

    public DnsTxtLookup(DnsLookup dns) {
        this.dns = dns;
    }

    @Override
    public Answer txt(String name) {
        DnsAnswer<String> a = dns.txt(name.endsWith(".") ? name.substring(0, name.length() - 1) : name);
        if (a.isTemporary()) {
            return new TempError("TXT lookup for " + name + " failed: " + a.problem());
        }
        return a.values().isEmpty() ? new NotFound() : new Records(a.values());
    }
}
