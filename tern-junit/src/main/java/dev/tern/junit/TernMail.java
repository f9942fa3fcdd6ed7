package dev.tern.junit;

import dev.tern.Tern;
import dev.tern.capture.CaptureStore;
import dev.tern.capture.CapturedMessage;
import dev.tern.capture.Script;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.config.ConfigLoader;
import dev.tern.mailbox.MailStore;
import dev.tern.smtp.server.Capture.Stage;
import dev.tern.tls.TlsContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real Tern mail server for a JUnit 5 test, in capture mode: it takes mail for any address at any domain,
 * with every check Tern makes in production, delivers nothing, and keeps each message with its envelope.
 *
 * <pre>{@code
 * @RegisterExtension
 * static TernMail mail = new TernMail();          // one server per class, emptied before each test
 *
 * @Test
 * void sendsWelcome() {
 *     signUp("ann@example.com");                   // code under test sends to mail.host():mail.smtpPort()
 *     CapturedMail m = mail.awaitMessage(Match.to("ann@example.com"));
 *     assertEquals("Welcome", m.subject());
 * }
 * }</pre>
 *
 * A static field gives one server per test class (and its {@code @Nested} classes), started before the first
 * test and emptied before each; an instance field gives one per test. Every instance binds its own ephemeral
 * loopback ports and shares nothing, so classes may run in parallel; methods that run concurrently inside one
 * class should each have their own server (an instance field), since the per-class one is emptied before each.
 * The extension also resolves test and constructor parameters of type {@code TernMail}.
 *
 * <p>Listeners: SMTP (STARTTLS, AUTH offered), submission (STARTTLS, AUTH required), submissions (TLS from
 * the first byte), POP3 and POP3S, IMAP and IMAPS. The certificate comes from a test CA ({@link #ca()}).
 */
public final class TernMail implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver, AutoCloseable {
    /** How long a wait lasts unless told otherwise ({@link #withWait}). */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
    /** The loopback address every listener binds to. */
    public static final String HOST = "127.0.0.1";
    /** How long {@link #ca()} and a stop wait at most for the CA to be read from the cache, or made. */
    private static final Duration CA_WAIT = Duration.ofSeconds(60);
    /** The listeners every server opens, each on an ephemeral port of {@link #HOST}. */
    private static final List<String> LISTENERS = List.of("smtp", "submission", "submissions", "pop3", "pop3s", "imap",
            "imaps");

    static {
        EarlyLogs.start(); // Logback's classes loaded beside JUnit's steps, off the test's thread
    }

    /** Declared users: address (lower case) → password. */
    private final Map<String, String> users = new ConcurrentHashMap<>();
    /** Configuration: table → key → TOML value; the defaults of capture mode, then the test's own. */
    private final Map<String, Map<String, String>> config = new LinkedHashMap<>();
    private final CaptureStore store = new CaptureStore(this::copyToMailboxes);
    private final ReentrantLock lock = new ReentrantLock();
    private Duration wait = DEFAULT_WAIT;

    private volatile Tern tern;
    private Path dataDir;
    /** The test CA, read from the cache or made on the TLS context's loading thread. */
    private volatile CompletableFuture<TestCa> ca;
    /** Lets that thread go on (TLS is wanted now); {@link #stopTls} lets it end without the set-up. */
    private volatile Runnable wantTls;
    private volatile Runnable stopTls;
    /** True once the test set a configuration key: the configuration is then read by ConfigLoader. */
    private boolean customised;
    /** The unique ID of the JUnit context that started the server: only its end stops it. */
    private String owner;
    private Duration startup;

    public TernMail() {
        set("limits", "max_message_size", "\"35MB\"");
        set("limits", "command_timeout", "\"30s\"");
        set("smtp", "auth", "true");
        set("submission", "enforce_sender", "false");
        set("pop3", "auth_requires_tls", "false");
        set("imap", "auth_requires_tls", "false");
        set("auth", "failure_delay", "\"0s\"");
    }

    // ---- configuration, before the server starts ----

    /** Declares a user: AUTH PLAIN/LOGIN accepts it, and its mail is readable over POP3 and IMAP. */
    public TernMail withUser(String address, String password) {
        users.put(address.toLowerCase(Locale.ROOT), password);
        return this;
    }

    /**
     * Sets a Tern configuration key (docs/configuration.md), its value in TOML:
     * {@code withConfig("limits.max_message_size", "\"1MB\"")}, {@code withConfig("submission.auth_requires_tls", "false")}.
     */
    public TernMail withConfig(String key, String tomlValue) {
        int dot = key.indexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("a key is table.name, e.g. limits.max_message_size: " + key);
        }
        set(key.substring(0, dot), key.substring(dot + 1), tomlValue);
        customised = true;
        return this;
    }

    /** How long {@link #awaitMessage} and {@link #awaitMessages} wait at most. */
    public TernMail withWait(Duration wait) {
        this.wait = wait;
        return this;
    }

    private void set(String table, String key, String value) {
        config.computeIfAbsent(table, t -> new LinkedHashMap<>()).put(key, value);
    }

    // ---- JUnit ----

    @Override
    public void beforeAll(ExtensionContext context) {
        startFor(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopFor(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!startFor(context)) {
            reset();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopFor(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext context) {
        return p.getParameter().getType() == TernMail.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext context) {
        return this;
    }

    /** Starts the server for {@code context} unless it runs already; true when it started now. */
    private boolean startFor(ExtensionContext context) {
        lock.lock();
        try {
            if (tern != null) {
                return false;
            }
            start();
            owner = context.getUniqueId();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void stopFor(ExtensionContext context) {
        lock.lock();
        try {
            if (context.getUniqueId().equals(owner)) {
                close();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- the server ----

    /** Starts the server (the extension does it; call it yourself outside JUnit, then {@link #close}). */
    public TernMail start() {
        lock.lock();
        try {
            if (tern != null) {
                return this;
            }
            long t0 = System.nanoTime();
            EarlyLogs.await(); // the server's first logger starts Logback, its classes loaded by then
            dataDir = temporaryDirectory();
            Path cert = dataDir.resolve("server.pem");
            Path key = dataDir.resolve("server.key");
            Config cfg = customised ? ConfigLoader.parse(toml(dataDir, cert, key), "tern-junit", false)
                    : CaptureConfig.of(dataDir, cert, key);
            // the CA (from the cache, or made) and the JDK's TLS set-up (some 500 classes, 100 to 300 ms of CPU)
            // happen on a thread of their own, once TLS is first wanted: a session's first command after its
            // greeting, a handshake, or ca(). The two cores of a small machine go to wiring the server, the first
            // greeting and the JIT first; a handshake or a call of ca() that comes before the set-up has ended waits
            // for it. A server stopped before then skips it.
            CountDownLatch wanted = new CountDownLatch(1);
            AtomicBoolean stopped = new AtomicBoolean();
            CompletableFuture<TestCa> making = new CompletableFuture<>();
            ca = making;
            wantTls = wanted::countDown;
            stopTls = () -> {
                stopped.set(true);
                wanted.countDown();
            };
            store.onPastGreeting(wanted::countDown);
            TlsContext tls = TlsContext.inBackground(() -> {
                try {
                    wanted.await(CA_WAIT.toSeconds(), TimeUnit.SECONDS); // bounded: then it starts anyway
                    if (stopped.get()) {
                        throw new IOException("the server stopped before TLS was needed");
                    }
                    TestCa made = TestCa.cached();
                    Files.writeString(cert, made.serverCertificatePem());
                    Files.writeString(key, made.serverKeyPem());
                    making.complete(made);
                    return null;
                } catch (IOException | RuntimeException | InterruptedException e) {
                    making.completeExceptionally(e);
                    throw e;
                }
            }, cert, key, Clock.systemUTC(), wanted::countDown);
            tern = Tern.captureInProcess(cfg, Clock.systemUTC(), store, this::verify, tls);
            startup = Duration.ofNanos(System.nanoTime() - t0);
            return this;
        } catch (ConfigException e) {
            discard();
            throw new IllegalArgumentException("tern-junit: bad configuration: " + e.getMessage(), e);
        } catch (IOException e) {
            discard();
            throw new UncheckedIOException("tern-junit: cannot start the test mail server: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A new directory of the owner's alone in the system's temporary directory. Not Files.createTempDirectory: its
     * name comes from a SecureRandom, whose seeding and security providers were some 50 classes and 15 to 20 ms of
     * a first start's main thread (the TLS set-up's thread loads them later anyway).
     */
    static Path temporaryDirectory() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        for (int i = 0; ; i++) {
            Path dir = tmp.resolve("tern-junit-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
            try {
                try {
                    return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                                    PosixFilePermission.OWNER_EXECUTE)));
                } catch (UnsupportedOperationException e) { // no POSIX permissions: as the platform makes it
                    return Files.createDirectory(dir);
                }
            } catch (FileAlreadyExistsException e) {
                if (i == 100) {
                    throw e;
                }
            }
        }
    }

    /** Stops the server and deletes what it wrote. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (tern != null) {
                tern.shutdown(Duration.ofSeconds(1));
            }
        } finally {
            tern = null;
            owner = null;
            store.reset();
            discard();
            lock.unlock();
        }
    }

    /** Deletes what the server wrote, once the CA's thread, which writes there too, has ended. */
    private void discard() {
        Runnable stop = stopTls;
        if (stop != null) {
            stop.run();
        }
        stopTls = null;
        wantTls = null;
        settled(ca);
        ca = null;
        deleteQuietly();
    }

    /** The configuration as TOML: capture mode's settings, then the test's own. */
    String toml(Path dataDir, Path cert, Path key) {
        StringBuilder sb = new StringBuilder()
                .append("hostname = \"localhost\"\n")
                .append("data_dir = '").append(dataDir.toAbsolutePath()).append("'\n")
                .append("[listen]\n");
        for (String l : LISTENERS) {
            sb.append(l).append(" = [\"").append(HOST).append(":0\"]\n");
        }
        sb.append("http = []\n")
                .append("[tls]\ncertificate = '").append(cert).append("'\nprivate_key = '").append(key).append("'\n");
        config.forEach((table, keys) -> {
            sb.append('[').append(table).append("]\n");
            keys.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        });
        return sb.toString();
    }

    private boolean verify(String user, char[] password) {
        String want = users.get(user.toLowerCase(Locale.ROOT));
        return want != null && want.equals(new String(password));
    }

    /** A message to a declared user also goes into that user's INBOX, for POP3 and IMAP. */
    private void copyToMailboxes(CapturedMessage m) {
        List<String> local = m.recipients().stream().map(r -> r.toLowerCase(Locale.ROOT)).filter(users::containsKey)
                .distinct().toList();
        if (local.isEmpty()) {
            return;
        }
        try {
            Path tmp = Files.write(dataDir.resolve("copy-" + m.id()), m.raw());
            try (FileChannel ch = FileChannel.open(tmp)) {
                for (String user : local) {
                    running().mailStore().deliver(user, MailStore.INBOX,
                            m.arrival().getEpochSecond() + ".Q" + m.id() + ".localhost", new byte[0], ch, 0,
                            m.raw().length, false);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tern-junit: cannot copy " + m.id() + " into a mailbox", e);
        }
    }

    private void deleteQuietly() {
        if (dataDir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dataDir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a test for
        }
        dataDir = null;
    }

    private Tern running() {
        Tern t = tern;
        if (t == null) {
            throw new IllegalStateException("tern-junit: the server is not running (register it with"
                    + " @RegisterExtension, or call start())");
        }
        return t;
    }

    // ---- where to connect ----

    /** The address to connect to: {@value #HOST}. */
    public String host() {
        return HOST;
    }

    /** SMTP (port 25's role): STARTTLS and AUTH offered, neither required. */
    public int smtpPort() {
        return port("smtp");
    }

    /** Submission (port 587's role): STARTTLS offered, AUTH required (after STARTTLS, unless configured). */
    public int submissionPort() {
        return port("submission");
    }

    /** Submission over TLS from the first byte (port 465's role). */
    public int submissionsPort() {
        return port("submissions");
    }

    /** POP3 (STLS offered) for declared users' mailboxes. */
    public int pop3Port() {
        return port("pop3");
    }

    /** POP3 over TLS from the first byte. */
    public int pop3sPort() {
        return port("pop3s");
    }

    /** IMAP (STARTTLS offered) for declared users' mailboxes. */
    public int imapPort() {
        return port("imap");
    }

    /** IMAP over TLS from the first byte. */
    public int imapsPort() {
        return port("imaps");
    }

    private int port(String listener) {
        return running().address(listener).getPort();
    }

    /** The address of a listener by its configuration name: smtp, submission, submissions, pop3, pop3s, imap, imaps. */
    public InetSocketAddress address(String listener) {
        return running().address(listener);
    }

    /**
     * The CA that signed the server's certificate: trust it in the code under test. It is read from the cache (or
     * made) when TLS is first needed, at the latest when this is called; this waits for it, and fails saying why
     * when it could not be had.
     */
    public TestCa ca() {
        CompletableFuture<TestCa> f = ca;
        Runnable want = wantTls;
        running();
        if (want != null) {
            want.run();
        }
        try {
            return f.get(CA_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("tern-junit: cannot read or make the test CA: " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("tern-junit: the test CA was not ready within " + CA_WAIT.toSeconds()
                    + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("tern-junit: interrupted while waiting for the test CA", e);
        }
    }

    /** Waits (bounded) for {@code f} to end, whatever its outcome. */
    private static void settled(CompletableFuture<?> f) {
        if (f == null) {
            return;
        }
        try {
            f.get(CA_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // ca() reports it; here only its end matters
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How long the last start took, from the call to every listener bound. */
    public Duration startupTime() {
        return startup;
    }

    /** The running server itself, for what this class does not offer. */
    public Tern tern() {
        return running();
    }

    // ---- messages ----

    /** The messages accepted since the last reset, oldest first. */
    public List<CapturedMail> messages() {
        return store.messages().stream().map(CapturedMail::new).toList();
    }

    /** Waits for one message (any). */
    public CapturedMail awaitMessage() {
        return awaitMessage(Match.any());
    }

    /** Waits for a message matching {@code match}, at most the wait time; fails listing what arrived. */
    public CapturedMail awaitMessage(Predicate<CapturedMail> match) {
        return awaitMessages(1, match).get(0);
    }

    /** Waits until {@code count} messages have arrived, and returns them. */
    public List<CapturedMail> awaitMessages(int count) {
        return awaitMessages(count, Match.any());
    }

    /**
     * Waits until {@code count} messages match, at most the wait time ({@link #withWait}), and returns them
     * (oldest first). On time-out, an {@link AssertionError} says what was waited for and lists every message
     * that did arrive.
     */
    public List<CapturedMail> awaitMessages(int count, Predicate<CapturedMail> match) {
        running();
        List<CapturedMessage> found;
        try {
            found = store.await(m -> match.test(new CapturedMail(m)), count, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for mail", e);
        }
        if (found.size() >= count) {
            return found.stream().limit(count).map(CapturedMail::new).toList();
        }
        List<CapturedMessage> all = store.messages();
        String what = match instanceof Match m ? m.description() : "a predicate";
        throw new AssertionError("tern-junit: waited " + wait.toMillis() + " ms for " + count + " message(s) matching "
                + what + "; " + found.size() + " matched. " + (all.isEmpty() ? "No message arrived."
                : all.size() + " arrived:" + all.stream().map(m -> "\n  " + m.summary()).collect(Collectors.joining())));
    }

    /**
     * Forgets the messages, the failure scripts and the messages in the mailboxes (folders a test made over
     * IMAP stay, empty): a fresh server for the next test.
     */
    public void reset() {
        store.reset();
        Path mail = dataDir == null ? null : dataDir.resolve("mail");
        if (mail != null && Files.isDirectory(mail)) {
            try (Stream<Path> s = Files.walk(mail)) {
                // the message files only: the store's indexes stay, and find them gone when next used
                for (Path p : s.filter(TernMail::isMessageFile).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("tern-junit: cannot empty the mailboxes", e);
            }
        }
    }

    private static boolean isMessageFile(Path p) {
        return Set.of("new", "cur", "tmp").contains(p.getParent().getFileName().toString()) && Files.isRegularFile(p);
    }

    // ---- failure scripts ----

    /** A script for the connection's start: reply (instead of the greeting, then close), drop or delay. */
    public Script.Builder onConnect() {
        return store.on(Stage.CONNECT);
    }

    public Script.Builder onEhlo() {
        return store.on(Stage.EHLO);
    }

    /** A script for MAIL FROM; {@code forAddress} matches the sender. */
    public Script.Builder onMail() {
        return store.on(Stage.MAIL);
    }

    /** A script for RCPT TO; {@code forAddress} matches the recipient. */
    public Script.Builder onRcpt() {
        return store.on(Stage.RCPT);
    }

    /** A script for DATA (and the first BDAT); {@code forAddress} matches the sender or any recipient. */
    public Script.Builder onData() {
        return store.on(Stage.DATA);
    }

    /** A script for the end of the content, in place of the 250; the message is then not kept. */
    public Script.Builder onEndOfData() {
        return store.on(Stage.END_OF_DATA);
    }

    @Override
    public String toString() {
        Tern t = tern;
        return "TernMail" + (t == null ? "(stopped)" : "(smtp " + HOST + ":" + t.address("smtp").getPort() + ")");
    }
}
