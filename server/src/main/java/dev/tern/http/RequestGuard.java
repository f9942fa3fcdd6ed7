package dev.tern.http;

import com.sun.net.httpserver.Headers;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which requests the HTTP listener answers at all, judged on the request line's method and its headers:
 * <ul>
 * <li>The {@code Host} must name this server: {@code localhost}, a loopback address, the listen address, the
 * server's {@code hostname}, or an address of one of this machine's interfaces (any port). A page of another
 * site whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name: {@code 421}.</li>
 * <li>A change (any method but GET and HEAD) must not come from another site: an {@code Origin} other than
 * this server's own {@code http://host[:port]}, a {@code Sec-Fetch-Site} other than {@code same-origin} or
 * {@code none}, or a body type that a page may send anywhere without asking ({@code text/plain}, a form) is
 * refused with {@code 403}. {@code tern queue} and {@code curl -X POST} send none of these.</li>
 * </ul>
 */
public final class RequestGuard {
    /** A request turned away: the HTTP status and the reason (for the client and the log). */
    public record Refusal(int status, String reason) {
    }

    private static final Set<String> SIMPLE_BODY_TYPES =
            Set.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data");

    /** Names accepted in Host besides IP addresses, lower-case, without a trailing dot. */
    private final Set<String> names;
    /** True for an address of this server (the local-interface check is a parameter for tests). */
    private final Predicate<InetAddress> ownAddress;

    /**
     * @param names      the listen address as configured and the server's hostname (loopback names are added)
     * @param ownAddress true for an address of this machine
     */
    public RequestGuard(List<String> names, Predicate<InetAddress> ownAddress) {
        java.util.HashSet<String> n = new java.util.HashSet<>(Set.of("localhost"));
        for (String s : names) {
            n.add(normal(s));
        }
        this.names = Set.copyOf(n);
        this.ownAddress = ownAddress;
    }

    /** The guard for a listener on {@code listenHost} of a server called {@code hostname}. */
    public static RequestGuard forServer(String listenHost, String hostname) {
        return new RequestGuard(List.of(listenHost, hostname), RequestGuard::isLocalAddress);
    }

    /** Null when the request may be answered; else why not. */
    public Refusal check(String method, Headers headers) {
        List<String> hosts = headers.get("Host");
        if (hosts == null || hosts.size() != 1) {
            return new Refusal(421, "the request needs one Host header naming this server");
        }
        String host = hosts.get(0).strip();
        if (!ownHost(host)) {
            return new Refusal(421, "this server does not answer for host " + host);
        }
        if (method.equals("GET") || method.equals("HEAD")) {
            return null;
        }
        String origin = headers.getFirst("Origin");
        if (origin != null && !sameOrigin(origin.strip(), host)) {
            return new Refusal(403, "changes are not accepted from another site (Origin " + origin + ")");
        }
        String site = headers.getFirst("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            return new Refusal(403, "changes are not accepted from another site (Sec-Fetch-Site " + site + ")");
        }
        String type = headers.getFirst("Content-Type");
        if (type != null) {
            String bare = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (SIMPLE_BODY_TYPES.contains(bare)) {
                return new Refusal(403, "changes take no " + bare + " body (a form of another site sends one)");
            }
        }
        return null;
    }

    /** True when {@code host} ({@code name}, {@code name:port}, {@code [v6]:port}) names this server. */
    boolean ownHost(String host) {
        URI u;
        try {
            u = new URI("http://" + host + "/");
        } catch (URISyntaxException e) {
            return false;
        }
        String h = u.getHost();
        if (h == null || u.getUserInfo() != null || !u.getRawAuthority().equals(host)) {
            return false;
        }
        if (h.startsWith("[")) {
            return ownLiteral(h.substring(1, h.length() - 1));
        }
        if (h.matches("[0-9.]+")) {
            return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") && ownLiteral(h);
        }
        return names.contains(normal(h));
    }

    /** An IP literal (no DNS lookup is made: {@code literal} is only digits, dots, colons and hex). */
    private boolean ownLiteral(String literal) {
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            InetAddress a = InetAddress.getByName(literal);
            return a.isLoopbackAddress() || names.contains(normal(a.getHostAddress())) || ownAddress.test(a);
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The same scheme, host and port as the request's own Host (a browser sends no Origin to its own site). */
    private boolean sameOrigin(String origin, String host) {
        String o = origin.toLowerCase(Locale.ROOT);
        return o.startsWith("http://") && o.substring("http://".length()).equals(host.toLowerCase(Locale.ROOT))
                && ownHost(host);
    }

    private static String normal(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.startsWith("[") && n.endsWith("]")) {
            n = n.substring(1, n.length() - 1);
        }
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** True for an address assigned to one of this machine's network interfaces. */
    static boolean isLocalAddress(InetAddress a) {
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
