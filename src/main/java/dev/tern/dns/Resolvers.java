package dev.tern.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/** The one way Tern builds a dnsjava resolver: the configured servers ({@code [dns] servers}) or the system's. */
public final class Resolvers {
    private Resolvers() {
    }

    /** @param servers DNS servers to ask; empty = the system's */
    public static Resolver of(List<InetSocketAddress> servers, Duration timeout) {
        ExtendedResolver r;
        if (servers.isEmpty()) {
            r = new ExtendedResolver();
        } else {
            List<Resolver> list = new ArrayList<>();
            for (InetSocketAddress a : servers) {
                list.add(new SimpleResolver(a));
            }
            r = new ExtendedResolver(list);
        }
        r.setTimeout(timeout);
        r.setRetries(2);
        return r;
    }
}
