package dev.tern.e2e;

import dev.tern.auth.Authenticator;
import dev.tern.auth.UserStore;
import dev.tern.config.Config.HostPort;
import dev.tern.io.DirectorySync;
import dev.tern.mailbox.MailboxLocks;
import dev.tern.mailbox.Maildir;
import dev.tern.net.ConnectionLimiter;
import dev.tern.net.Listener;
import dev.tern.pop3.Pop3Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real POP3 server (pop3 with STLS, and pop3s) on ephemeral loopback ports over a fresh data directory, with
 * the users alice and bob (password "pw") and a test TLS context. Mail is delivered with {@link Maildir#deliver},
 * exactly as local delivery does. The server can be restarted over the same data.
 */
public final class Pop3Fixture implements BeforeEachCallback, AfterEachCallback {
    public static final String ALICE = TernFixture.ALICE;
    public static final String BOB = TernFixture.BOB;

    private static Path usersTemplate;
    private static final AtomicInteger SEQ = new AtomicInteger();

    private boolean authRequiresTls = true;
    private Duration idleTimeout = Duration.ofMinutes(10);
    private int maxErrors = 10;
    private boolean tls = true;
    private Authenticator logins;
    /** Kept across restarts, with what it saw. */
    private final TestGuard guard = new TestGuard(Duration.ofMillis(10));
    /** The failed logins the guard was told of, as "fail IP". */
    public final List<String> guardEvents = guard.failures;
    /** Addresses the test guard treats as blocked. */
    public final List<InetAddress> blocked = guard.blocked;

    private Path dataDir;
    private Maildir maildir;
    private MailboxLocks locks;
    private Pop3Server server;
    private final List<Listener> listeners = new ArrayList<>();

    public Pop3Fixture authRequiresTls(boolean v) {
        authRequiresTls = v;
        return this;
    }

    public Pop3Fixture idleTimeout(Duration d) {
        idleTimeout = d;
        return this;
    }

    public Pop3Fixture maxErrors(int n) {
        maxErrors = n;
        return this;
    }

    public Pop3Fixture withoutTls() {
        tls = false;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("tern-pop3-");
        Files.copy(usersTemplate(), dataDir.resolve("users"));
        maildir = new Maildir(dataDir.resolve("mail"), new DirectorySync());
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            stop();
        } finally {
            try (Stream<Path> s = Files.walk(dataDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private void start() throws IOException {
        UserStore users = new UserStore(dataDir.resolve("users"));
        locks = new MailboxLocks();
        logins = new Authenticator(users::verify, guard, new Authenticator.Pool(1, 8));
        server = new Pop3Server(new Pop3Server.Settings("mx.test", authRequiresTls, idleTimeout, maxErrors),
                logins, maildir::mailbox, locks, new ConnectionLimiter(100, 50),
                tls ? Pop3Server.Tls.of(TestTls.server()) : null);
        listeners.add(new Listener("pop3", new HostPort("127.0.0.1", 0), server::serve));
        if (tls) {
            listeners.add(new Listener("pop3s", new HostPort("127.0.0.1", 0), server::serveTls));
        }
        listeners.forEach(Listener::start);
    }

    public void stop() {
        listeners.forEach(Listener::close);
        listeners.clear();
        if (server != null) {
            server.drain(Duration.ofSeconds(2));
        }
        if (logins != null) {
            logins.close();
        }
    }

    /** Stops the server and starts a new one (new ports, new locks) over the same data directory. */
    public void restart() throws IOException {
        stop();
        start();
    }

    public Pop3Server server() {
        return server;
    }

    public MailboxLocks locks() {
        return locks;
    }

    public InetSocketAddress pop3() {
        return listeners.get(0).localAddress();
    }

    public InetSocketAddress pop3s() {
        return listeners.get(1).localAddress();
    }

    /** Connects to pop3, STLS, logs in as {@code user} with "pw". */
    public RawPop3 login(String user) throws IOException {
        RawPop3 c = RawPop3.open(pop3());
        if (tls) {
            c.startTls();
        }
        return c.login(user, "pw");
    }

    public Path mailbox(String address) {
        return maildir.mailbox(address);
    }

    /** Delivers {@code content} (CRLF line ends expected) as local delivery does; returns the file name. */
    public String deliver(String address, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Path tmp = Files.createTempFile(dataDir, "msg", ".tmp");
        try {
            Files.write(tmp, bytes);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ)) {
                String name = (System.currentTimeMillis() / 1000) + ".Q" + String.format("%013X", SEQ.incrementAndGet())
                        + "R0.mx.test";
                return maildir.deliver(address, name, new byte[0], ch, 0, bytes.length, false);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A short message with a subject. */
    public static String message(String subject, String body) {
        return "From: bob@example.test\r\nTo: alice@example.test\r\nSubject: " + subject + "\r\n\r\n" + body;
    }

    /** Regular files in new/ and cur/ of an address's mailbox, by folder/name. */
    public List<String> files(String address) throws IOException {
        List<String> out = new ArrayList<>();
        for (String folder : List.of("new", "cur")) {
            Path dir = mailbox(address).resolve(folder);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.map(p -> folder + "/" + p.getFileName()).sorted().forEach(out::add);
                }
            }
        }
        return out;
    }

    private static synchronized Path usersTemplate() throws IOException {
        if (usersTemplate == null) {
            Path dir = Files.createTempDirectory("tern-pop3-users-");
            UserStore store = new UserStore(dir.resolve("users"));
            for (String u : List.of(ALICE, BOB)) {
                store.add(u, "pw".toCharArray());
            }
            usersTemplate = store.file();
            dir.toFile().deleteOnExit();
            usersTemplate.toFile().deleteOnExit();
            dir.resolve("users.lock").toFile().deleteOnExit();
        }
        return usersTemplate;
    }
}
