package dev.tern.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import dev.tern.dkim.Algorithm;
import dev.tern.dkim.DkimKeys;
import dev.tern.dkim.DkimResult;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.DnsTxtLookup;
import dev.tern.dkim.SigningKey;
import dev.tern.dns.DnsjavaLookup;
import dev.tern.dns.Resolvers;
import dev.tern.dns.TestDnsServer;
import dev.tern.e2e.RawSmtp;
import dev.tern.e2e.TernFixture;
import dev.tern.log.LogCapture;
import dev.tern.smtp.client.SmtpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DKIM signing on the way out, end to end: carol@a.test submits with AUTH to a real Tern ("a.test"), which looks
 * up the MX of example.net in a {@link TestDnsServer} and delivers to a {@link ScriptedSink}; what the sink
 * received is verified with Tern's own {@link DkimVerifier} against the key records published in that DNS
 * server. The keys are made after the server started: it picks them up without a restart.
 */
class SigningTest {
    static final String CAROL = "carol@a.test";
    static final Duration WAIT = Duration.ofSeconds(20);

    TestDnsServer dns;
    ScriptedSink sink;
    Path dataDir;
    Tern tern;
    DkimKeys keys;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        sink = new ScriptedSink("127.0.0.1");
        sink.extensions = List.of("PIPELINING", "SIZE 67108864", "8BITMIME"); // a 10 MB message fits
        dataDir = Files.createTempDirectory("tern-sign-");
        dns.mx("example.net", 10, "mx.example.net").ip("mx.example.net", "127.0.0.1");
        String toml = "hostname = \"a.test\"\n"
                + "data_dir = '" + dataDir.toAbsolutePath() + "'\n"
                + "local_domains = [\"a.test\"]\n"
                + "[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = [\"127.0.0.1:0\"]\nsubmissions = []\n"
                + "pop3 = []\npop3s = []\nimap = []\nimaps = []\nhttp = [\"127.0.0.1:0\"]\n"
                + "[limits]\nmax_message_size = \"20MB\"\n"
                + "[auth]\nfailure_delay = \"0s\"\n"
                + "[relay]\ntrusted_networks = [\"127.0.0.0/8\"]\n"
                + "[queue]\nretry_min = \"200ms\"\nretry_max = \"400ms\"\n"
                + "[delivery]\nmx_port = " + sink.port() + "\nconnect_timeout = \"2s\"\n"
                + "[dns]\nservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n";
        Duration t = Duration.ofSeconds(10);
        tern = Tern.start(ConfigLoader.parse(toml, "a.toml", false), Clock.systemDefaultZone(),
                new SmtpClient.Timeouts(Duration.ofSeconds(2), t, t, t, t, t, t),
                (user, password) -> user.equals(CAROL) && new String(password).equals("pw"));
        keys = new DkimKeys(dataDir.resolve("dkim"));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (tern != null) {
            tern.shutdown(Duration.ofSeconds(2));
        }
        sink.close();
        dns.close();
        try (Stream<Path> s = Files.walk(dataDir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Makes the RSA key "tern" and the Ed25519 key "tern-ed" of a.test and publishes their records. */
    void keygen() throws IOException {
        for (SigningKey k : List.of(keys.generate("a.test", "tern", Algorithm.RSA_SHA256, false),
                keys.generate("a.test", "tern-ed", Algorithm.ED25519_SHA256, false))) {
            dns.txt(k.recordName(), k.recordText());
        }
    }

    /** Submits {@code message} as carol over STARTTLS with AUTH PLAIN (ESMTPSA); returns the queue ID. */
    String submit(byte[] message, String... rcpts) throws Exception {
        try (RawSmtp c = RawSmtp.open(tern.address("submission"))) {
            c.cmd("STARTTLS").expect(220);
            c.startTls(TernFixture.trusting(tern.tls().certificate()));
            c.cmd("EHLO client.test").expect(250);
            String plain = Base64.getEncoder().encodeToString(("\0" + CAROL + "\0pw").getBytes(StandardCharsets.UTF_8));
            c.cmd("AUTH PLAIN " + plain).expect(235);
            c.mailFrom("<" + CAROL + ">");
            for (String r : rcpts) {
                c.rcptTo("<" + r + ">");
            }
            c.cmd("DATA").expect(354);
            c.write(dotStuff(message));
            c.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            return RawSmtp.queueId(c.read());
        }
    }

    static byte[] dotStuff(byte[] m) {
        return RawSmtp.dotStuff(new String(m, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] message(String extraHeader, String body) {
        return ("From: Carol <" + CAROL + ">\r\n"
                + "To: Dave <dave@example.net>,\r\n\tErin <erin@example.net>\r\n"
                + "Subject: a signed message\r\n  with a folded subject\r\n"
                + "Date: Mon, 30 Nov 2026 16:00:00 +0000\r\n"
                + "Message-ID: <signed.1@a.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + extraHeader
                + "\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    ScriptedSink.Received awaitReceived(int n) {
        return await(n + " message(s) at the sink").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> sink.received, l -> l.size() >= n).get(n - 1);
    }

    List<DkimResult> verify(byte[] received) throws IOException {
        DnsjavaLookup lookup = new DnsjavaLookup(Resolvers.of(List.of(dns.address()), Duration.ofSeconds(5)),
                Clock.systemUTC(), Duration.ofSeconds(5), 100);
        return new DkimVerifier(new DnsTxtLookup(lookup), Clock.systemUTC(), DkimVerifier.Settings.defaults())
                .verify(new ByteArrayInputStream(received));
    }

    /** Both signatures of a.test pass: RSA first, then Ed25519. */
    void assertSignedByBoth(byte[] received) throws IOException {
        List<DkimResult> results = verify(received);
        assertThat(results).extracting(DkimResult::status)
                .containsExactly(DkimResult.Status.PASS, DkimResult.Status.PASS);
        assertThat(results).extracting(DkimResult::algorithm).containsExactly("rsa-sha256", "ed25519-sha256");
        assertThat(results).extracting(DkimResult::domain).containsOnly("a.test");
        assertThat(results).extracting(DkimResult::selector).containsExactly("tern", "tern-ed");
    }

    static String header(byte[] m) {
        String s = new String(m, StandardCharsets.ISO_8859_1);
        return TernFixture.unfoldedHeader(s);
    }

    @Test
    void submittedMailLeavesWithRsaAndEd25519Signatures() throws Exception {
        keygen(); // after the start: picked up without a restart
        byte[] m = message("Content-Type: text/plain; charset=us-ascii\r\n", "Hello Dave.\r\n\r\n.a dot line\r\n");
        submit(m, "dave@example.net", "erin@example.net");
        ScriptedSink.Received r = awaitReceived(1);
        assertThat(r.addresses()).containsExactly("dave@example.net", "erin@example.net");
        assertThat(new String(r.octets(), StandardCharsets.ISO_8859_1)).startsWith("DKIM-Signature: v=1; a=rsa-sha256;");
        assertSignedByBoth(r.octets());
        String head = header(r.octets());
        assertThat(head).contains("c=relaxed/relaxed; d=a.test;").doesNotContain("h=received");
        assertThat(head.replace(" ", "")) // From, To, Cc and Subject once more than they occur; no Received
                .contains("h=from:from:to:to:cc:subject:subject:date:message-id:mime-version:content-type;")
                .containsPattern("t=\\d{10};").doesNotContain(" l=");
        // what was signed is what arrived: the signature fields, then the message as submitted (after Received)
        assertThat(new String(r.octets(), StandardCharsets.UTF_8)).endsWith(new String(m, StandardCharsets.UTF_8));
        assertThat(scrape()).contains("tern_dkim_signing_total{result=\"signed\"} 1.0");
    }

    @Test
    void anEightBitBodyToAPeerWithout8BitMimeGoesAsItIsAndVerifies() throws Exception {
        keygen();
        sink.extensions = List.of("PIPELINING", "SIZE 67108864");
        byte[] m = message("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
                "Grüße aus Köln, ½ € \t \r\nzweite Zeile  \r\n\r\n\r\n");
        submit(m, "dave@example.net");
        ScriptedSink.Received r = awaitReceived(1);
        assertThat(r.mail()).doesNotContain("BODY=8BITMIME");
        assertThat(new String(r.octets(), StandardCharsets.UTF_8)).endsWith(new String(m, StandardCharsets.UTF_8));
        assertSignedByBoth(r.octets());
    }

    @Test
    void aTenMegabyteMessageIsSigned() throws Exception {
        keygen();
        StringBuilder body = new StringBuilder(10_500_000);
        String line = "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ  \t ,.;:!? 0123456789\r\n";
        for (int i = 0; body.length() < 10_000_000; i++) {
            body.append(i).append(' ').append(line);
        }
        byte[] m = message("Content-Type: text/plain; charset=us-ascii\r\n", body.toString());
        submit(m, "dave@example.net");
        ScriptedSink.Received r = awaitReceived(1);
        assertThat(r.octets().length).isGreaterThan(10_000_000);
        assertSignedByBoth(r.octets());
    }

    @Test
    void aBounceIsSignedWithTheKeysOfTheHostname() throws Exception {
        keygen(); // a.test is both the local domain and the hostname: MAILER-DAEMON@a.test
        sink.rcpt = a -> a.equals("nobody@example.net") ? "550 5.1.1 No such user" : "250 2.1.5 Ok";
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) { // relayed for a trusted network
            c.deliver("<dave@example.net>", "From: dave@example.net\r\nSubject: to nobody\r\n\r\nhi\r\n",
                    "<nobody@example.net>");
        }
        ScriptedSink.Received r = awaitReceived(1);
        assertThat(r.mail()).startsWith("MAIL FROM:<>");
        assertThat(r.addresses()).containsExactly("dave@example.net");
        assertThat(header(r.octets())).contains("From: MAILER-DAEMON@a.test");
        assertSignedByBoth(r.octets());
    }

    @Test
    void mailRelayedForATrustedNetworkIsSigned() throws Exception {
        keygen(); // what tern sendmail hands over on loopback, or a host of the local network relays
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) { // no AUTH, 127.0.0.1 is in trusted_networks
            c.deliver("<" + CAROL + ">", new String(message("", "relayed\r\n"), StandardCharsets.UTF_8),
                    "<dave@example.net>");
        }
        assertSignedByBoth(awaitReceived(1).octets());
    }

    @Test
    void keylessOrBrokenDomainsLeaveUnsignedAndAreCounted() throws Exception {
        try (LogCapture log = new LogCapture()) {
            submit(message("", "no key yet\r\n"), "dave@example.net");
            assertThat(header(awaitReceived(1).octets())).doesNotContain("DKIM-Signature");

            Files.createDirectories(dataDir.resolve("dkim/a.test"));
            Files.writeString(dataDir.resolve("dkim/a.test/tern.pem"), "not a key\n");
            String id = submit(message("", "a broken key\r\n"), "dave@example.net");
            assertThat(header(awaitReceived(2).octets())).doesNotContain("DKIM-Signature");
            assertThat(String.join("\n", log.lines())).contains(id + ": DKIM key unusable: " + dataDir.resolve("dkim/a.test/tern.pem")
                    + ": no PEM block (-----BEGIN ...-----)").contains(id + ": not DKIM-signed: no DKIM key for a.test");
        }
        String metrics = scrape();
        assertThat(metrics).contains("tern_dkim_signing_total{result=\"signed\"} 0.0")
                .contains("tern_dkim_signing_total{result=\"unsigned\"} 1.0")
                .contains("tern_dkim_signing_total{result=\"failed\"} 1.0");
    }

    String scrape() throws Exception {
        var a = tern.address("http");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
