package dev.tern.dns;

import dev.tern.config.Config;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/** The one way to make the dnsjava resolver that every lookup of Tern uses: {@code [dns] servers} or the system's. */
public final class Resolvers {
    private Resolvers() {
    }

    /** A resolver asking {@code servers} in turn (empty: the system's), each query with {@code timeout}. */
    public static Resolver create(List<InetSocketAddress> servers, Duration timeout, int retries) {
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
        r.setRetries(retries);
        return r;
    }

    /** {@link #create} with two retries, as delivery and the message checks use it. */
    public static Resolver of(List<InetSocketAddress> servers, Duration timeout) {
        return create(servers, timeout, 2);
    }

    /** The socket addresses of {@code [dns] servers}. */
    public static List<InetSocketAddress> servers(Config.Dns dns) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Config.HostPort hp : dns.servers()) {
            out.add(new InetSocketAddress(MxResolver.literal(hp.host()), hp.port()));
        }
        return out;
    }
}
