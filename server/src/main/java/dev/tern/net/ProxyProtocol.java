package dev.tern.net;

import dev.tern.config.Cidr;
import dev.tern.log.MailLog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one place a connection's client address is decided, for every protocol. Without the PROXY protocol it is
 * the peer's address. With it, only a peer among the trusted proxies may connect, and it must first send a PROXY
 * header (before any greeting or TLS handshake), read here within a short time; the client is the address the
 * header names (or the peer itself for a header that names none: v1 UNKNOWN, v2 LOCAL). Anything else is closed
 * without a reply and logged once.
 *
 * @param trustedProxies who may send the header; nobody else may connect
 * @param timeout        how long the whole header may take to arrive
 */
public record ProxyProtocol(List<Cidr> trustedProxies, Duration timeout) {
    /** The time a trusted proxy has to send its header. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    public ProxyProtocol {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** Serves a connection once its client is known. */
    @FunctionalInterface
    public interface Handler {
        void serve(Socket socket, InetAddress client);
    }

    /** A listener's connection handler without the PROXY protocol: the client is the peer. */
    public static Consumer<Socket> direct(Handler handler) {
        return s -> handler.serve(s, s.getInetAddress());
    }

    /**
     * A listener's connection handler: {@code proxy} null means no PROXY protocol ({@link #direct}); otherwise
     * the header is read first and refusals are logged on {@code service}'s log, naming {@code listener}.
     */
    public static Consumer<Socket> handler(ProxyProtocol proxy, MailLog.Service service, String listener,
                                           Handler handler) {
        if (proxy == null) {
            return direct(handler);
        }
        return s -> {
            InetAddress peer = s.getInetAddress();
            String refusal;
            InetAddress client = null;
            if (proxy.trustedProxies.stream().noneMatch(c -> c.contains(peer))) {
                refusal = "not a trusted proxy";
            } else {
                ProxyHeader.Result r = proxy.read(s);
                refusal = switch (r) {
                    case ProxyHeader.Result.Proxied p -> {
                        client = p.client().getAddress();
                        yield null;
                    }
                    case ProxyHeader.Result.Local l -> {
                        client = peer;
                        yield null;
                    }
                    case ProxyHeader.Result.Malformed m -> m.reason();
                    case ProxyHeader.Result.Incomplete i -> "header incomplete";
                };
            }
            if (refusal != null) {
                MailLog.proxyRefused(service, peer.getHostAddress(), listener, refusal);
                Edge.close(s);
                return;
            }
            handler.serve(s, client);
        };
    }

    /** Reads the header from {@code s}, never a byte past it; a time-out or I/O failure is Malformed. */
    ProxyHeader.Result read(Socket s) {
        try {
            CommandDeadline in = new CommandDeadline(s.getInputStream(), s, timeout);
            in.start(timeout);
            byte[] buf = new byte[ProxyHeader.V1_MAX];
            int len = 0;
            while (true) {
                ProxyHeader.Result r = ProxyHeader.parse(buf, len);
                if (!(r instanceof ProxyHeader.Result.Incomplete i)) {
                    return r;
                }
                if (i.need() > buf.length) {
                    buf = Arrays.copyOf(buf, i.need());
                }
                int n = in.readNBytes(buf, len, i.need() - len);
                if (n < i.need() - len) {
                    return new ProxyHeader.Result.Malformed(len + n == 0 ? "closed before a header"
                            : "closed within the header");
                }
                len = i.need();
            }
        } catch (SocketTimeoutException e) {
            return new ProxyHeader.Result.Malformed("no whole header within " + timeout.toSeconds() + "s");
        } catch (IOException e) {
            return new ProxyHeader.Result.Malformed("read failed: " + e.getMessage());
        }
    }
}
