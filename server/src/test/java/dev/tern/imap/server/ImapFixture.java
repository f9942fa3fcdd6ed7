package dev.tern.imap.server;

import dev.tern.auth.Authenticator;
import dev.tern.config.Config.HostPort;
import dev.tern.e2e.TestGuard;
import dev.tern.e2e.TestTls;
import dev.tern.imap.MemoryImapStore;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Listener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real IMAP server (imap with STARTTLS, and imaps) on ephemeral loopback ports over a {@link MemoryImapStore},
 * with the users alice and bob (password "pw") and a test TLS context, through the shared login path.
 */
public final class ImapFixture implements BeforeEachCallback, AfterEachCallback {
    public static final String ALICE = "alice@example.test";
    public static final String BOB = "bob@example.test";

    private boolean authRequiresTls = true;
    private long maxMessageSize = 100_000;
    private final TestGuard guard = new TestGuard(Duration.ZERO);
    /** Addresses the test guard treats as blocked. */
    public final List<InetAddress> blocked = guard.blocked;

    private MemoryImapStore store;
    private ImapServer server;
    private Authenticator logins;
    private final List<Listener> listeners = new ArrayList<>();

    public ImapFixture authRequiresTls(boolean v) {
        authRequiresTls = v;
        return this;
    }

    public ImapFixture maxMessageSize(long n) {
        maxMessageSize = n;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        store = new MemoryImapStore(Clock.systemUTC());
        logins = new Authenticator((user, pw) -> (user.equals(ALICE) || user.equals(BOB))
                && String.valueOf(pw).equals("pw"), guard, new Authenticator.Pool(1, 8));
        var context0 = TestTls.server();
        ImapServer.Tls tls = plain -> {
            SSLSocket s = (SSLSocket) context0.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
            s.setUseClientMode(false);
            return s;
        };
        server = new ImapServer(new ImapServer.Settings(authRequiresTls, Duration.ofMinutes(30), maxMessageSize),
                logins, store, new ConnectionLimiter(100, 50), tls);
        listeners.add(new Listener("imap", new HostPort("127.0.0.1", 0), s -> server.serve(s, s.getInetAddress())));
        listeners.add(new Listener("imaps", new HostPort("127.0.0.1", 0), s -> server.serveTls(s, s.getInetAddress())));
        listeners.forEach(Listener::start);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        listeners.forEach(Listener::close);
        server.drain(Duration.ofSeconds(2));
        logins.close();
    }

    public MemoryImapStore store() {
        return store;
    }

    public ImapServer server() {
        return server;
    }

    public InetSocketAddress imap() {
        return listeners.get(0).localAddress();
    }

    public InetSocketAddress imaps() {
        return listeners.get(1).localAddress();
    }

    /** Connects to imaps and logs in as {@code user}. */
    public RawImap login(String user) throws IOException {
        RawImap c = RawImap.connectTls(imaps());
        c.readLine();
        c.ok("L0 LOGIN " + user + " pw");
        return c;
    }
}
