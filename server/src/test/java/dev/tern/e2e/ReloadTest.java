package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.Tern;
import dev.tern.auth.UserStore;
import dev.tern.capture.CaptureStore;
import dev.tern.cli.Main;
import dev.tern.config.ConfigException;
import dev.tern.config.ConfigLoader;
import dev.tern.tls.TlsContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reload without restart, against a real server in this JVM: the configuration file is edited, Tern reloads it
 * ({@link Tern#reload} as SIGHUP does, or {@code tern reload} over the HTTP listener), and new sessions see the
 * change while open ones go on as they started. (SIGHUP to a real process: {@code process.ReloadSignalTest}.)
 */
class ReloadTest {
    private static final String ALICE = "alice@example.test";

    @TempDir
    Path dir;
    private Path file;
    private Tern tern;

    /** Domains, max_recipients, the smtp address and extra TOML (TLS files) of the configuration written. */
    private record Settings(String domains, int maxRecipients, String smtp, String extra) {
        Settings domains(String d) {
            return new Settings(d, maxRecipients, smtp, extra);
        }

        Settings maxRecipients(int n) {
            return new Settings(domains, n, smtp, extra);
        }

        Settings smtp(String s) {
            return new Settings(domains, maxRecipients, s, extra);
        }

        Settings extra(String toml) {
            return new Settings(domains, maxRecipients, smtp, toml);
        }
    }

    private static final Settings START = new Settings("\"example.test\"", 2, "127.0.0.1:0", "");

    private void write(Settings s) throws IOException {
        Files.writeString(file, """
                hostname = "mx.test"
                data_dir = "data"
                local_domains = [%s]
                [listen]
                smtp = ["%s"]
                submission = ["127.0.0.1:0"]
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                http = ["127.0.0.1:0"]
                [limits]
                max_recipients = %d
                %s
                """.formatted(s.domains(), s.smtp(), s.maxRecipients(), s.extra()));
    }

    private void start(Settings s) throws Exception {
        file = dir.resolve("tern.toml");
        write(s);
        Files.createDirectories(dir.resolve("data"));
        new UserStore(dir.resolve("data").resolve("users")).add(ALICE, "old".toCharArray());
        tern = Tern.start(ConfigLoader.load(file));
    }

    @AfterEach
    void stop() {
        if (tern != null) {
            tern.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void newSessionsSeeDomainsLimitsAndPasswordsWhileAnOpenSessionKeepsItsOwn() throws Exception {
        start(START);
        try (RawSmtp open = RawSmtp.open(tern.address("smtp"));
             RawSmtp before = RawSmtp.open(tern.address("smtp"))) {
            before.cmd("MAIL FROM:<a@remote.test>").expectOk();
            before.cmd("RCPT TO:<postmaster@new.test>").expect(554, "5.7.1"); // not ours yet: relay denied
            open.cmd("MAIL FROM:<a@remote.test>").expectOk();
            open.cmd("RCPT TO:<" + ALICE + ">").expectOk();

            write(START.domains("\"example.test\", \"new.test\"").maxRecipients(1));
            new UserStore(dir.resolve("data").resolve("users")).setPassword(ALICE, "new".toCharArray());
            List<String> changes = tern.reload();

            assertThat(changes).containsExactly(
                    "local_domains = [example.test, new.test] (was [example.test])",
                    "limits: max_recipients = 1 (was 2)");
            // the open session goes on with the limits it started with: two recipients, and its message is queued
            open.cmd("RCPT TO:<postmaster@example.test>").expectOk();
            open.cmd("DATA").expect(354);
            open.write("Subject: x\r\n\r\nbody\r\n.\r\n");
            open.read().expect(250, "2.0.0");
            try (RawSmtp fresh = RawSmtp.open(tern.address("smtp"))) {
                fresh.cmd("MAIL FROM:<a@remote.test>").expectOk();
                fresh.cmd("RCPT TO:<postmaster@new.test>").expectOk();
                fresh.cmd("RCPT TO:<" + ALICE + ">").expect(452, "4.5.3");
            }
            try (RawSmtp sub = RawSmtp.open(tern.address("submission"))) {
                sub.cmd("STARTTLS").expect(220);
                sub.startTls(TernFixture.trusting(tern.tls().certificate()));
                sub.cmd("EHLO client.test").expect(250);
                sub.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "old")).expect(535, "5.7.8");
            }
            try (RawSmtp sub = RawSmtp.open(tern.address("submission"))) {
                sub.cmd("STARTTLS").expect(220);
                sub.startTls(TernFixture.trusting(tern.tls().certificate()));
                sub.cmd("EHLO client.test").expect(250);
                sub.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "new")).expect(235, "2.7.0");
            }
        }
        assertThat(tern.config().limits().maxRecipients()).isEqualTo(1);
    }

    @Test
    void aConfigurationGivenAsTextIsKeptByAReload() throws Exception {
        // as tests and tern-junit start Tern: no file to read again, so the text stays (not the embedded default)
        tern = Tern.start(ConfigLoader.parse("""
                hostname = "mx.test"
                data_dir = '%s'
                local_domains = ["example.test"]
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                http = []
                """.formatted(dir.resolve("data")), "test", false));
        InetSocketAddress smtp = tern.address("smtp");

        assertThat(tern.reload()).containsExactly("no changes");

        assertThat(tern.config().localDomains()).containsExactly("example.test");
        assertThat(tern.bound()).extracting(Tern.Bound::name).containsExactly("smtp");
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            assertThat(tern.address("smtp")).isEqualTo(smtp);
            c.cmd("MAIL FROM:<a@remote.test>").expectOk();
            c.cmd("RCPT TO:<postmaster@example.test>").expectOk();
        }
    }

    @Test
    void captureModeStillTakesAnyRecipientAfterAReload() throws Exception {
        file = dir.resolve("tern.toml");
        write(START);
        Files.createDirectories(dir.resolve("data"));
        CaptureStore captured = new CaptureStore();
        tern = Tern.capture(ConfigLoader.load(file), Clock.systemUTC(), captured, null);
        write(START.maxRecipients(1));
        assertThat(tern.reload()).containsExactly("limits: max_recipients = 1 (was 2)");
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            c.cmd("MAIL FROM:<app@shop.example>").expectOk();
            c.cmd("RCPT TO:<anyone@anywhere.example>").expectOk(); // not a local domain: still captured
            c.cmd("RCPT TO:<second@anywhere.example>").expect(452, "4.5.3"); // the reloaded limit applies
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nbody\r\n.\r\n");
            c.read().expect(250, "2.0.0");
        }
        assertThat(captured.size()).isEqualTo(1);
    }

    @Test
    void aListenerWhoseAddressChangedIsRebound() throws Exception {
        start(START);
        InetSocketAddress old = tern.address("smtp");
        try (RawSmtp open = RawSmtp.open(old)) {
            write(START.smtp("127.0.0.2:0"));
            assertThat(tern.reload()).containsExactly("listen.smtp = [127.0.0.2:0] (was [127.0.0.1:0])");

            InetSocketAddress now = tern.address("smtp");
            assertThat(now.getAddress().getHostAddress()).isEqualTo("127.0.0.2");
            try (RawSmtp fresh = RawSmtp.open(now)) {
                fresh.cmd("QUIT").expect(221);
            }
            assertThatThrownBy(() -> RawSmtp.connect(old).close()).isInstanceOf(ConnectException.class);
            open.cmd("NOOP").expect(250); // accepted by the old listener, and still served
            open.cmd("QUIT").expect(221);
        }
    }

    @Test
    void listenersAddedAndRemovedAndOneMovedOntoThePortItHeld() throws Exception {
        start(START);
        InetSocketAddress submission = tern.address("submission");
        int smtpPort = tern.address("smtp").getPort();
        Files.writeString(file, Files.readString(file).replace("pop3 = []", "pop3 = [\"127.0.0.1:0\"]")
                .replace("submission = [\"127.0.0.1:0\"]", "submission = []")
                .replace("smtp = [\"127.0.0.1:0\"]", "smtp = [\"127.0.0.1:" + smtpPort + "\"]"));

        assertThat(tern.reload()).containsExactly(
                "listen.smtp = [127.0.0.1:" + smtpPort + "] (was [127.0.0.1:0])",
                "listen.submission = [] (was [127.0.0.1:0])",
                "listen.pop3 = [127.0.0.1:0] (was [])");
        assertThat(tern.bound()).extracting(Tern.Bound::name).containsExactly("smtp", "pop3", "http");
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) { // the old one closed first, the new one bound
            assertThat(tern.address("smtp").getPort()).isEqualTo(smtpPort);
            c.cmd("QUIT").expect(221);
        }
        try (RawPop3 p = RawPop3.open(tern.address("pop3"))) {
            assertThat(p.cmd("QUIT")).startsWith("+OK");
        }
        assertThatThrownBy(() -> RawSmtp.connect(submission).close()).isInstanceOf(ConnectException.class);
    }

    /** A refused reload of a configuration given as text names the text as its errors did, not the embedded one. */
    @Test
    void aRefusedReloadOfTextNamesTheText() throws Exception {
        Path[] pair = selfSigned("text.test");
        tern = Tern.start(ConfigLoader.parse("""
                hostname = "mx.test"
                data_dir = '%s'
                local_domains = ["example.test"]
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                http = []
                [tls]
                certificate = '%s'
                private_key = '%s'
                """.formatted(dir.resolve("data"), pair[0], pair[1]), "test text", false));
        Files.delete(pair[0]);
        assertThatThrownBy(tern::reload).isInstanceOf(ConfigException.class)
                .hasMessage("test text: tls.certificate: \"" + pair[0] + "\" does not exist");
    }

    @Test
    void anAddressThatCannotBeBoundRefusesTheReload() throws Exception {
        start(START);
        InetSocketAddress smtp = tern.address("smtp");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            write(START.smtp("127.0.0.1:" + taken.getLocalPort()).maxRecipients(1));
            assertThatThrownBy(tern::reload).isInstanceOf(ConfigException.class).hasMessageStartingWith(
                    file + ": listen.smtp: cannot listen on \"127.0.0.1:" + taken.getLocalPort()
                            + "\": address already in use");
        }
        assertThat(tern.address("smtp")).isEqualTo(smtp);
        assertThat(tern.config().limits().maxRecipients()).isEqualTo(2);
        try (RawSmtp c = RawSmtp.open(smtp)) {
            c.cmd("QUIT").expect(221);
        }
    }

    @Test
    void whatNeedsARestartIsReportedAndLeftAsItRuns() throws Exception {
        start(START);
        Files.writeString(file, Files.readString(file).replace("hostname = \"mx.test\"", "hostname = \"other.test\"")
                + "[queue]\nretry_min = \"2m\"\n");
        List<String> expected = List.of(
                "hostname = other.test (was mx.test): needs a restart; the running value stays",
                "queue: retry_min = 2m (was 1m): needs a restart; the running value stays");
        assertThat(tern.reload()).isEqualTo(expected);
        assertThat(tern.reload()).isEqualTo(expected); // until the restart
        assertThat(tern.config().hostname()).isEqualTo("mx.test");
        try (RawSmtp c = RawSmtp.connect(tern.address("smtp"))) {
            assertThat(c.read().expect(220).text(0)).startsWith("mx.test ");
        }
    }

    @Test
    void aBadConfigurationIsRefusedAndTheRunningOneStays() throws Exception {
        start(START);
        Files.writeString(file, Files.readString(file).replace("max_recipients = 2", "max_recipients = \"many\""));

        assertThatThrownBy(tern::reload).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": limits.max_recipients: must be a whole number from 1 to 100000, not \"many\"");
        Cli bad = cli("reload", "--config", file.toString());
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo(file + ": limits.max_recipients: must be a whole number from 1 to"
                + " 100000, not \"many\"\n");

        // a fault only the server sees (the file itself parses): refused there, and the command says so
        write(START.maxRecipients(1).extra("[tls]\ncertificate = \"missing.pem\"\nprivate_key = \"missing.key\""));
        Cli refused = cli("reload", "--config", file.toString());
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.err()).isEqualTo(file + ": tls.certificate: \"" + dir.resolve("missing.pem")
                + "\" does not exist\n");

        assertThat(tern.config().limits().maxRecipients()).isEqualTo(2);
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            c.cmd("MAIL FROM:<a@remote.test>").expectOk();
            c.cmd("RCPT TO:<" + ALICE + ">").expectOk();
            c.cmd("RCPT TO:<postmaster@example.test>").expectOk(); // still two
        }

        write(START.maxRecipients(3));
        Cli ok = cli("reload", "--config", file.toString());
        assertThat(ok.status()).isEqualTo(0);
        assertThat(ok.out()).isEqualTo("limits: max_recipients = 3 (was 2)\n");
        assertThat(cli("reload", "--config", file.toString()).out()).isEqualTo("no changes\n");
    }

    @Test
    void withoutAnHttpListenerTernReloadNamesTheProcessToSignal() throws Exception {
        file = dir.resolve("tern.toml");
        write(START);
        Files.writeString(file, Files.readString(file).replace("http = [\"127.0.0.1:0\"]", "http = []"));
        tern = Tern.start(ConfigLoader.load(file));

        Cli c = cli("reload", "--config", file.toString());
        assertThat(c.status()).isEqualTo(1);
        long pid = ProcessHandle.current().pid();
        assertThat(c.err()).isEqualTo("tern: no server answers (no listen.http is configured); the server running"
                + " with pid " + pid + " has no listen.http: kill -HUP " + pid + " reloads it, and its log tells"
                + " the outcome\n");
    }

    @Test
    void aReplacedCertificateServesTheNextHandshakes() throws Exception {
        Path[] one = selfSigned("one.test");
        Path[] two = selfSigned("two.test");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.copy(one[0], cert);
        Files.copy(one[1], key);
        start(new Settings("\"example.test\"", 2, "127.0.0.1:0",
                "[tls]\ncertificate = \"cert.pem\"\nprivate_key = \"key.pem\""));
        X509Certificate first = tern.tls().certificate();
        assertThat(handshake(TernFixture.trusting(first)).getSubjectX500Principal().getName()).contains("one.test");

        Files.copy(two[0], cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(two[1], key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tern.reload()).singleElement().asString().startsWith("tls: " + cert + ": CN=two.test, serial ")
                .contains("(was " + cert + ": CN=one.test, serial ");

        X509Certificate second = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(two[0]));
        assertThat(handshake(TernFixture.trusting(second)).getSubjectX500Principal().getName()).contains("two.test");
        assertThatThrownBy(() -> handshake(TernFixture.trusting(first))).isInstanceOf(SSLHandshakeException.class);
    }

    /** STARTTLS on the submission port; the certificate the server presented. */
    private X509Certificate handshake(SSLContext trusting) throws Exception {
        try (RawSmtp c = RawSmtp.open(tern.address("submission"))) {
            c.cmd("STARTTLS").expect(220);
            SSLSocket s = c.startTls(trusting);
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    /** A self-signed certificate and key for {@code cn}, as Tern makes them: {certificate, key}. */
    private Path[] selfSigned(String cn) throws IOException {
        Path d = Files.createDirectories(dir.resolve(cn));
        Path certFile = TlsContext.create(null, null, cn, d, Duration.ofSeconds(3), Clock.systemUTC()).certificateFile();
        try (Stream<Path> files = Files.list(d)) {
            Path keyFile = files.filter(p -> !p.equals(certFile)).findFirst().orElseThrow();
            return new Path[] {certFile, keyFile};
        }
    }

    private record Cli(int status, String out, String err) {
    }

    /** Runs a tern command; its output without the lines this JVM's server logs to the same streams. */
    private static Cli cli(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.run(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Cli(status, withoutLog(o), withoutLog(e));
    }

    private static String withoutLog(ByteArrayOutputStream b) {
        return b.toString(StandardCharsets.UTF_8)
                .replaceAll("(?m)^\\d{4}-\\d\\d-\\d\\dT\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) .*\\R", "");
    }
}
