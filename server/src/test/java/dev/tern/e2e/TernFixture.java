package dev.tern.e2e;

import static org.awaitility.Awaitility.await;

import dev.tern.queue.SpoolFiles;
import dev.tern.Tern;
import dev.tern.auth.UserStore;
import dev.tern.config.Config;
import dev.tern.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Tern, started afresh for every test (JUnit 5 extension, use with {@code @RegisterExtension}) on an
 * ephemeral loopback SMTP port with its own data directory, and stopped after it. Knows the users alice, bob
 * and jösé in example.test, the aliases postmaster → alice and team → alice, bob, and where delivered mail
 * lands. Waits are bounded (Awaitility); nothing sleeps for a fixed time.
 */
public final class TernFixture implements BeforeEachCallback, AfterEachCallback {
    public static final String DOMAIN = "example.test";
    public static final String ALICE = "alice@example.test";
    public static final String BOB = "bob@example.test";
    /** A user whose local part is not ASCII (RFC 6531). */
    public static final String JOSE = "jösé@example.test";
    /** How long to wait for a delivery that should happen. */
    public static final Duration DELIVERY_WAIT = Duration.ofSeconds(5);

    /** The users file, hashed once per JVM (Argon2id is slow on purpose) and copied into every data directory. */
    private static Path usersTemplate;

    private final Map<String, String> limits = new LinkedHashMap<>();
    private String trustedNetworks = "[]";
    /** The DNS server of {@code [dns] servers}: the MX's checks ask it (NXDOMAIN for every name not published). */
    private dev.tern.dns.TestDnsServer dns;
    private boolean submission;
    private final StringBuilder extraToml = new StringBuilder();
    /** Null: no pop3 listener; else the value of pop3.auth_requires_tls with pop3 on an ephemeral port. */
    private Boolean pop3AuthRequiresTls;
    private boolean http;
    private boolean imap;

    private Path dataDir;
    private Tern tern;

    private dev.tern.auth.Authenticator.Passwords passwords;

    private String trustedProxies = "[]";

    public TernFixture() {
        limits.put("max_message_size", "\"1MB\"");
        limits.put("max_recipients", "100");
        limits.put("max_errors", "10");
        limits.put("command_timeout", "\"2s\"");
        limits.put("max_connections_per_ip", "50");
    }

    /** Sets a key of [limits], given as a TOML value (strings quoted). */
    public TernFixture limit(String key, String tomlValue) {
        limits.put(key, tomlValue);
        return this;
    }

    /** Sets relay.trusted_networks, e.g. {@code "127.0.0.0/8"}. */
    public TernFixture trustedNetworks(String... cidrs) {
        trustedNetworks = Stream.of(cidrs).map(c -> "\"" + c + "\"").toList().toString();
        return this;
    }

    /** Sets listen.trusted_proxies, e.g. {@code "127.0.0.1/32"} (a listener's proxy_protocol goes in {@link #toml}). */
    public TernFixture trustedProxies(String... cidrs) {
        trustedProxies = Stream.of(cidrs).map(c -> "\"" + c + "\"").toList().toString();
        return this;
    }

    /** Also listens on ephemeral submission (STARTTLS) and submissions (implicit TLS) ports. */
    /** Checks passwords with {@code p} instead of the users file. */
    public TernFixture passwords(dev.tern.auth.Authenticator.Passwords p) {
        passwords = p;
        return this;
    }

    public TernFixture submission() {
        submission = true;
        return this;
    }

    /** Appends TOML (whole tables, such as "[auth]\nmax_failures_per_ip = 2") to the configuration. */
    public TernFixture toml(String more) {
        extraToml.append(more).append('\n');
        return this;
    }

    /** Opens the pop3 and pop3s listeners on ephemeral ports, with {@code pop3.auth_requires_tls = authRequiresTls}. */
    public TernFixture pop3(boolean authRequiresTls) {
        pop3AuthRequiresTls = authRequiresTls;
        return this;
    }

    /** Opens the imap and imaps listeners on ephemeral ports. */
    public TernFixture imap() {
        imap = true;
        return this;
    }

    /** Opens the HTTP listener (health, metrics, queue) on an ephemeral port. */
    public TernFixture http() {
        http = true;
        return this;
    }

    /** The DNS server of {@code [dns] servers} (the MX's checks ask it); publish records before sending. */
    public dev.tern.dns.TestDnsServer dns() {
        return dns;
    }

    public String toml() {
        StringBuilder sb = new StringBuilder();
        sb.append("hostname = \"mx.test\"\n")
                .append("data_dir = '").append(dataDir.toAbsolutePath()).append("'\n")
                .append("local_domains = [\"example.test\"]\n")
                .append("[listen]\nsmtp = [\"127.0.0.1:0\"]\n")
                .append(submission ? "submission = [\"127.0.0.1:0\"]\nsubmissions = [\"127.0.0.1:0\"]\n"
                        : "submission = []\nsubmissions = []\n")
                .append(pop3AuthRequiresTls == null ? "pop3 = []\npop3s = []\n"
                        : "pop3 = [\"127.0.0.1:0\"]\npop3s = [\"127.0.0.1:0\"]\n")
                .append(imap ? "imap = [\"127.0.0.1:0\"]\nimaps = [\"127.0.0.1:0\"]\n" : "imap = []\nimaps = []\n")
                .append(http ? "http = [\"127.0.0.1:0\"]\n" : "http = []\n")
                .append("trusted_proxies = ").append(trustedProxies).append('\n')
                .append("[limits]\n");
        limits.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        if (pop3AuthRequiresTls != null) {
            sb.append("[pop3]\nauth_requires_tls = ").append(pop3AuthRequiresTls).append('\n');
        }
        sb.append("[relay]\ntrusted_networks = ").append(trustedNetworks).append('\n')
                .append("[aliases]\n")
                .append("\"postmaster@example.test\" = [\"alice@example.test\"]\n")
                .append("\"team@example.test\" = [\"alice@example.test\", \"bob@example.test\"]\n")
                // remote mail goes nowhere: port 9 on loopback refuses at once, so it stays queued (deferred)
                .append("[delivery]\nsmarthost = \"127.0.0.1:9\"\nconnect_timeout = \"1s\"\n");
        if (submission && extraToml.indexOf("[auth]") < 0) {
            sb.append("[auth]\nfailure_delay = \"0s\"\n");
        }
        if (dns != null && extraToml.indexOf("[dns]") < 0) {
            sb.append("[dns]\nservers = [\"127.0.0.1:").append(dns.address().getPort()).append("\"]\n");
        }
        sb.append(extraToml);
        return sb.toString();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("tern-e2e-");
        dns = new dev.tern.dns.TestDnsServer();
        Files.copy(usersTemplate(), dataDir.resolve("users"));
        Config cfg = ConfigLoader.parse(toml(), "test.toml", false);
        tern = Tern.start(cfg, java.time.Clock.systemDefaultZone(), null, passwords);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (tern != null) {
                tern.shutdown(Duration.ofSeconds(2));
            }
        } finally {
            tern = null;
            if (dns != null) {
                dns.close();
            }
            deleteTree(dataDir);
        }
    }

    private static synchronized Path usersTemplate() throws IOException {
        if (usersTemplate == null) {
            Path dir = Files.createTempDirectory("tern-e2e-users-");
            UserStore store = new UserStore(dir.resolve("users"));
            for (String u : List.of(ALICE, BOB, JOSE)) {
                store.add(u, "pw".toCharArray());
            }
            usersTemplate = store.file();
            dir.toFile().deleteOnExit();
            usersTemplate.toFile().deleteOnExit();
            dir.resolve("users.lock").toFile().deleteOnExit();
        }
        return usersTemplate;
    }

    public Tern tern() {
        return tern;
    }

    /** Shuts this Tern down and starts it again over the same data directory (the listeners get new ports). */
    public void restart() throws Exception {
        tern.shutdown(Duration.ofSeconds(2));
        tern = null;
        tern = Tern.start(ConfigLoader.parse(toml(), "test.toml", false), java.time.Clock.systemDefaultZone(), null,
                passwords);
    }

    public InetSocketAddress smtp() {
        return tern.address("smtp");
    }

    public InetSocketAddress submissionAddress() {
        return tern.address("submission");
    }

    public InetSocketAddress submissionsAddress() {
        return tern.address("submissions");
    }

    /** An SSLContext that trusts exactly the certificate this Tern serves (the self-signed one unless configured). */
    public javax.net.ssl.SSLContext trustingContext() throws Exception {
        return trusting(tern.tls().certificate());
    }

    /**
     * An Angus Mail IMAP store logged in as {@code user} over imaps (the fixture's {@link #imap()} listener), trusting
     * this Tern's certificate; {@code -Dimap.debug=true} shows the protocol. The caller closes it.
     */
    public jakarta.mail.Store imapStore(String user, String password) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("mail.imaps.host", "127.0.0.1");
        p.put("mail.imaps.port", String.valueOf(tern.address("imaps").getPort()));
        p.put("mail.imaps.ssl.socketFactory", trustingContext().getSocketFactory());
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        p.put("mail.imaps.connectiontimeout", "10000");
        p.put("mail.imaps.timeout", "10000");
        p.put("mail.debug", System.getProperty("imap.debug", "false"));
        jakarta.mail.Store store = jakarta.mail.Session.getInstance(p).getStore("imaps");
        store.connect(user, password);
        return store;
    }

    public static javax.net.ssl.SSLContext trusting(java.security.cert.X509Certificate cert) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("tern", cert);
        javax.net.ssl.TrustManagerFactory tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Connects without reading the greeting. */
    public RawSmtp connect() throws IOException {
        return RawSmtp.connect(smtp());
    }

    /** Connects, reads the 220 greeting, says EHLO client.test. */
    public RawSmtp open() throws IOException {
        return RawSmtp.open(smtp());
    }

    /** The new/ folder of a local address's Maildir. */
    public Path maildirNew(String address) {
        int at = address.lastIndexOf('@');
        return dataDir.resolve("mail").resolve(address.substring(at + 1).toLowerCase(Locale.ROOT))
                .resolve(address.substring(0, at).toLowerCase(Locale.ROOT)).resolve("new");
    }

    /** The files in an address's new/ folder, by name; empty when there is no mailbox yet. */
    public List<Path> delivered(String address) {
        return list(maildirNew(address));
    }

    /** The files in the new/ folder of a top-level folder ({@code Junk}) of an address's mailbox; INBOX's too. */
    public List<Path> delivered(String address, String folder) {
        return folder.equals("INBOX") ? delivered(address)
                : list(maildirNew(address).getParent().resolve("." + folder).resolve("new"));
    }

    /** Waits until the message with {@code queueId} is in the mailbox of {@code address}, and returns its file. */
    public Path awaitDelivery(String address, String queueId) {
        return awaitDelivery(address, "INBOX", queueId);
    }

    /** Waits until the message with {@code queueId} is in a top-level folder of {@code address}; returns its file. */
    public Path awaitDelivery(String address, String folder, String queueId) {
        String marker = ".Q" + queueId + "R";
        return await("delivery of " + queueId + " to " + address + " " + folder).atMost(DELIVERY_WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> delivered(address, folder).stream()
                        .filter(p -> p.getFileName().toString().contains(marker)).findFirst().orElse(null),
                        p -> p != null);
    }

    /** Waits until {@code n} messages are in the mailbox of {@code address} and returns them. */
    public List<Path> awaitDeliveries(String address, int n) {
        return await(n + " deliveries to " + address).atMost(DELIVERY_WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> delivered(address), l -> l.size() >= n);
    }

    /** IDs of the messages in the spool (acknowledged, not yet fully delivered). */
    public List<String> queuedIds() {
        return SpoolFiles.queuedIds(dataDir.resolve("spool"));
    }

    /** Spool slots holding an unfinished message (being received, or left behind half-written). */
    public List<Path> incomingFiles() {
        return SpoolFiles.unfinished(dataDir.resolve("spool"));
    }

    /** Waits until the spool holds nothing (everything delivered) and no half-received message is left behind. */
    public void awaitSpoolEmpty() {
        // a slot read while the server truncates it ends early: not empty yet, look again
        await("an empty spool").atMost(DELIVERY_WAIT).pollInterval(Duration.ofMillis(10))
                .ignoreExceptionsInstanceOf(UncheckedIOException.class)
                .until(() -> SpoolFiles.isEmpty(dataDir.resolve("spool")));
    }

    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header block of a delivered message with folded lines joined (CRLF + WSP → one space). */
    public static String unfoldedHeader(String message) {
        int end = message.indexOf("\r\n\r\n");
        String head = end < 0 ? message : message.substring(0, end + 2);
        return head.replaceAll("\r\n[ \t]+", " ");
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
