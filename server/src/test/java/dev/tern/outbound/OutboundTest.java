package dev.tern.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import dev.tern.e2e.RawSmtp;
import dev.tern.e2e.TernFixture;
import dev.tern.smtp.client.SmtpClient;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outbound delivery end to end: a sending Tern ("a.test", the one under test) asks an in-process DNS responder
 * for MX records and delivers over SMTP to a receiving Tern (the {@link TernFixture}, domain example.test) or to a
 * {@link ScriptedSink}, both on loopback. Bounces and delay notices come back to carol@a.test's Maildir.
 */
class OutboundTest {
    static final String CAROL = "carol@a.test";
    static final Duration WAIT = Duration.ofSeconds(15);

    /** The remote MX: a second Tern with example.test (alice, bob). */
    @RegisterExtension
    final TernFixture remote = new TernFixture();

    DnsResponder dns;
    Path dataDir;
    Tern sender;
    String queueToml = "retry_min = \"200ms\"\nretry_max = \"400ms\"\ndelay_warning = \"4h\"\nmax_lifetime = \"5d\"\n";

    @BeforeEach
    void setUp() throws IOException {
        dns = new DnsResponder();
        dataDir = Files.createTempDirectory("tern-out-");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (sender != null) {
            sender.shutdown(Duration.ofSeconds(2));
        }
        dns.close();
        try (Stream<Path> s = Files.walk(dataDir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** More keys of [delivery], each line ending in a newline. */
    String deliveryToml = "";

    String toml(int mxPort) {
        return "hostname = \"a.test\"\n"
                + "data_dir = '" + dataDir.toAbsolutePath() + "'\n"
                + "local_domains = [\"a.test\"]\n"
                + "[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nhttp = []\n"
                + "[relay]\ntrusted_networks = [\"127.0.0.0/8\"]\n"
                + "[aliases]\n\"team@a.test\" = [\"carol@a.test\"]\n"
                + "[queue]\n" + queueToml
                + "[delivery]\nmx_port = " + mxPort + "\nconnect_timeout = \"2s\"\n" + deliveryToml
                + "[dns]\nservers = [\"127.0.0.1:" + dns.port() + "\"]\n";
    }

    void start(int mxPort) throws Exception {
        Duration t = Duration.ofSeconds(5);
        sender = Tern.start(ConfigLoader.parse(toml(mxPort), "a.toml", false), Clock.systemDefaultZone(),
                new SmtpClient.Timeouts(Duration.ofSeconds(2), t, t, t, t, t, t));
    }

    /** Sends one message through the sending Tern; returns its queue ID. */
    String send(String from, String body, String... rcpts) throws IOException {
        try (RawSmtp c = RawSmtp.open(sender.address("smtp"))) {
            c.mailFrom(from);
            for (String r : rcpts) {
                c.rcptTo(r);
            }
            return RawSmtp.queueId(c.data(body));
        }
    }

    List<Path> mailOf(String address) {
        int at = address.indexOf('@');
        Path dir = dataDir.resolve("mail").resolve(address.substring(at + 1)).resolve(address.substring(0, at))
                .resolve("new");
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Path> awaitMail(String address, int n) {
        return await(n + " message(s) for " + address).atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> mailOf(address), l -> l.size() >= n);
    }

    void awaitQueueEmpty() {
        await("an empty queue").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> dev.tern.queue.SpoolFiles.isEmpty(dataDir.resolve("spool")));
    }

    static MimeMessage parse(Path p) throws Exception {
        byte[] raw = Files.readAllBytes(p);
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }

    /** The per-message and per-recipient field groups of the message/delivery-status part. */
    static List<InternetHeaders> deliveryStatus(MimeMessage m) throws Exception {
        Multipart mp = (Multipart) m.getContent();
        Part status = mp.getBodyPart(1);
        assertThat(status.getContentType()).startsWith("message/delivery-status");
        InputStream in = status.getInputStream();
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.UTF_8);
        List<InternetHeaders> groups = new java.util.ArrayList<>();
        for (String g : text.split("\r\n\r\n")) {
            if (!g.isBlank()) {
                groups.add(new InternetHeaders(new ByteArrayInputStream((g.strip() + "\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8))));
            }
        }
        return groups;
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void deliversThroughTheMx() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1");
        start(remote.smtp().getPort());
        String id = send("<" + CAROL + ">", "Subject: hi\r\n\r\n.leading dot\r\nbody\r\n", "<alice@example.test>",
                "<bob@example.test>");
        List<Path> got = remote.awaitDeliveries(TernFixture.ALICE, 1);
        remote.awaitDeliveries(TernFixture.BOB, 1);
        String msg = TernFixture.read(got.get(0));
        assertThat(msg).contains("Subject: hi").endsWith("\r\n\r\n.leading dot\r\nbody\r\n");
        assertThat(TernFixture.unfoldedHeader(msg)).contains("Received: from a.test");
        awaitQueueEmpty();
        assertThat(mailOf(CAROL)).isEmpty();
        assertThat(id).isNotEmpty();
    }

    @Test
    void fallsBackToTheSecondMx() throws Exception {
        // 127.0.0.2 has nothing listening on the port: connection refused
        dns.mx("example.test", 10, "mx1.example.test").mx("example.test", 20, "mx2.example.test")
                .a("mx1.example.test", "127.0.0.2").a("mx2.example.test", "127.0.0.1");
        start(remote.smtp().getPort());
        send("<" + CAROL + ">", "Subject: fallback\r\n\r\nx\r\n", "<alice@example.test>");
        remote.awaitDeliveries(TernFixture.ALICE, 1);
        awaitQueueEmpty();
    }

    @Test
    void fallsBackWhenTheFirstMxSays421() throws Exception {
        int port = remote.smtp().getPort();
        try (ScriptedSink busy = new ScriptedSink("127.0.0.3", port)) { // same port, another loopback address
            busy.greeting = "421 4.3.2 busy";
            dns.mx("example.test", 10, "mx1.example.test").mx("example.test", 20, "mx2.example.test")
                    .a("mx1.example.test", "127.0.0.3").a("mx2.example.test", "127.0.0.1");
            start(port);
            send("<" + CAROL + ">", "Subject: busy\r\n\r\nx\r\n", "<alice@example.test>");
            remote.awaitDeliveries(TernFixture.ALICE, 1);
            awaitQueueEmpty();
        }
    }

    @Test
    void implicitMx() throws Exception {
        dns.a("example.test", "127.0.0.1");
        start(remote.smtp().getPort());
        send("<" + CAROL + ">", "Subject: implicit\r\n\r\nx\r\n", "<alice@example.test>");
        remote.awaitDeliveries(TernFixture.ALICE, 1);
        awaitQueueEmpty();
    }

    @Test
    void temporaryFailureThenSuccess() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            AtomicInteger tries = new AtomicInteger();
            sink.rcpt = a -> tries.incrementAndGet() < 3 ? "451 4.3.0 try later" : "250 2.1.5 Ok";
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            send("<" + CAROL + ">", "Subject: retry\r\n\r\nx\r\n", "<u@sink.test>");
            await().atMost(WAIT).until(() -> sink.received.size() == 1);
            awaitQueueEmpty();
            assertThat(tries.get()).isEqualTo(3);
            assertThat(sink.received).hasSize(1);
            assertThat(mailOf(CAROL)).isEmpty(); // no notice: delivered before delay_warning
        }
    }

    @Test
    void permanentFailureBouncesWithExactFields() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1");
        start(remote.smtp().getPort());
        String id;
        try (RawSmtp c = RawSmtp.open(sender.address("smtp"))) {
            c.cmd("MAIL FROM:<" + CAROL + "> RET=HDRS ENVID=env+2B1").expectOk();
            c.cmd("RCPT TO:<nobody@example.test> NOTIFY=FAILURE ORCPT=rfc822;nobody@example.test").expectOk();
            c.rcptTo("<alice@example.test>");
            id = RawSmtp.queueId(c.data("Subject: doomed\r\nMessage-ID: <m1@a.test>\r\n\r\nsecret body\r\n"));
        }
        remote.awaitDeliveries(TernFixture.ALICE, 1);
        Path bounce = awaitMail(CAROL, 1).get(0);
        MimeMessage m = parse(bounce);
        assertThat(m.getFrom()[0].toString()).contains("MAILER-DAEMON@a.test");
        assertThat(m.getHeader("Auto-Submitted")[0]).isEqualTo("auto-replied");
        assertThat(m.getHeader("To")[0]).isEqualTo("<" + CAROL + ">");
        assertThat(m.getMessageID()).isNotBlank().isNotEqualTo("<m1@a.test>");
        assertThat(m.getContentType()).contains("multipart/report").contains("report-type=delivery-status");
        Multipart mp = (Multipart) m.getContent();
        assertThat(mp.getCount()).isEqualTo(3);
        assertThat(mp.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat((String) mp.getBodyPart(0).getContent()).contains("nobody@example.test");
        List<InternetHeaders> ds = deliveryStatus(m);
        assertThat(ds).hasSize(2); // one recipient failed: only that one is named
        assertThat(ds.get(0).getHeader("Reporting-MTA")[0]).isEqualTo("dns; a.test");
        assertThat(ds.get(0).getHeader("Original-Envelope-Id")[0]).isEqualTo("env+1");
        assertThat(ds.get(0).getHeader("Arrival-Date")).isNotNull();
        InternetHeaders r = ds.get(1);
        assertThat(r.getHeader("Final-Recipient")[0]).isEqualTo("rfc822; nobody@example.test");
        assertThat(r.getHeader("Original-Recipient")[0]).isEqualTo("rfc822; nobody@example.test");
        assertThat(r.getHeader("Action")[0]).isEqualTo("failed");
        assertThat(r.getHeader("Status")[0]).isEqualTo("5.1.1");
        assertThat(r.getHeader("Remote-MTA")[0]).isEqualTo("dns; mx.example.test");
        assertThat(r.getHeader("Diagnostic-Code")[0]).startsWith("smtp; 550 5.1.1");
        assertThat(r.getHeader("Last-Attempt-Date")).isNotNull();
        // RET=HDRS: only the header comes back
        Part orig = mp.getBodyPart(2);
        assertThat(orig.getContentType()).startsWith("text/rfc822-headers");
        String headers = new String(orig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(headers).contains("Subject: doomed").doesNotContain("secret body");
        awaitQueueEmpty();
        assertThat(id).isNotEmpty();
    }

    @Test
    void delayNoticeThenBounceAfterTheLifetime() throws Exception {
        queueToml = "retry_min = \"200ms\"\nretry_max = \"300ms\"\ndelay_warning = \"700ms\"\nmax_lifetime = \"2s\"\n";
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            sink.rcpt = a -> "452 4.2.2 mailbox full";
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            send("<" + CAROL + ">", "Subject: slow\r\n\r\nx\r\n", "<u@sink.test>");
            List<Path> notices = awaitMail(CAROL, 2);
            MimeMessage delay = parse(notices.get(0));
            MimeMessage bounce = parse(notices.get(1));
            if (delay.getSubject().startsWith("Undelivered")) {
                MimeMessage t = delay;
                delay = bounce;
                bounce = t;
            }
            assertThat(delay.getSubject()).startsWith("Delayed Mail");
            InternetHeaders d = deliveryStatus(delay).get(1);
            assertThat(d.getHeader("Action")[0]).isEqualTo("delayed");
            assertThat(d.getHeader("Status")[0]).isEqualTo("4.2.2");
            assertThat(d.getHeader("Diagnostic-Code")[0]).isEqualTo("smtp; 452 4.2.2 mailbox full");
            assertThat(bounce.getSubject()).startsWith("Undelivered");
            InternetHeaders b = deliveryStatus(bounce).get(1);
            assertThat(b.getHeader("Action")[0]).isEqualTo("failed");
            assertThat(b.getHeader("Status")[0]).isEqualTo("4.2.2");
            assertThat(b.getHeader("Diagnostic-Code")[0]).isEqualTo("smtp; 452 4.2.2 mailbox full");
            awaitQueueEmpty();
            assertThat(mailOf(CAROL)).hasSize(2); // exactly one delay notice
        }
    }

    @Test
    void restartInTheMiddleOfRetryingResumesAndDeliversOnce() throws Exception {
        queueToml = "retry_min = \"1s\"\nretry_max = \"1s\"\n";
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            sink.rcpt = a -> "451 4.3.0 not yet";
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            String id = send("<" + CAROL + ">", "Subject: restart\r\n\r\nx\r\n", "<u@sink.test>",
                    "<team@a.test>");
            Path state = dataDir.resolve("spool/queue/" + id + ".state");
            // the state is saved after each route: wait for both (the local one is done, the remote deferred)
            await().atMost(WAIT).until(() -> Files.exists(state) && Files.readString(state).contains("DEFERRED")
                    && Files.readString(state).contains("DELIVERED"));
            sender.shutdown(Duration.ofSeconds(2));
            sender = null;
            sink.rcpt = a -> "250 2.1.5 Ok";
            start(sink.port());
            await().atMost(WAIT).until(() -> sink.received.size() == 1);
            awaitQueueEmpty();
            assertThat(sink.received).hasSize(1);
            assertThat(sink.received.get(0).rcpts()).hasSize(1);
            assertThat(mailOf(CAROL)).hasSize(1); // the local copy was not delivered again
        }
    }

    @Test
    void noNoticeToTheNullSender() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1");
        start(remote.smtp().getPort());
        send("<>", "Subject: a bounce\r\n\r\nx\r\n", "<nobody@example.test>");
        awaitQueueEmpty();
        assertThat(mailOf(CAROL)).isEmpty();
        assertThat(mailOf("postmaster@a.test")).isEmpty();
    }

    @Test
    void nxdomainNullMxAndLoopBounceAtOnce() throws Exception {
        dns.nullMx("nomail.test").mx("loop.test", 10, "a.test");
        start(remote.smtp().getPort());
        send("<" + CAROL + ">", "Subject: x\r\n\r\nx\r\n", "<u@missing.test>");
        send("<" + CAROL + ">", "Subject: x\r\n\r\nx\r\n", "<u@nomail.test>");
        send("<" + CAROL + ">", "Subject: x\r\n\r\nx\r\n", "<u@loop.test>");
        List<Path> got = awaitMail(CAROL, 3);
        List<String> statuses = new java.util.ArrayList<>();
        for (Path p : got) {
            statuses.add(deliveryStatus(parse(p)).get(1).getHeader("Status")[0]);
        }
        assertThat(statuses).containsExactlyInAnyOrder("5.1.2", "5.1.10", "5.4.6");
        awaitQueueEmpty();
    }

    @Test
    void servfailIsDeferred() throws Exception {
        dns.servfail("flaky.test");
        start(remote.smtp().getPort());
        String id = send("<" + CAROL + ">", "Subject: x\r\n\r\nx\r\n", "<u@flaky.test>");
        Path state = dataDir.resolve("spool/queue/" + id + ".state");
        await().atMost(WAIT).until(() -> Files.exists(state) && Files.readString(state).contains("DEFERRED"));
        assertThat(mailOf(CAROL)).isEmpty();
    }

    @Test
    void successNoticeWhenAskedIsRelayedWithoutPeerDsn() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            sink.extensions = List.of("PIPELINING", "8BITMIME");
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            try (RawSmtp c = RawSmtp.open(sender.address("smtp"))) {
                c.mailFrom("<" + CAROL + ">");
                c.cmd("RCPT TO:<u@sink.test> NOTIFY=SUCCESS,FAILURE").expectOk();
                RawSmtp.queueId(c.data("Subject: tell me\r\n\r\nx\r\n"));
            }
            MimeMessage notice = parse(awaitMail(CAROL, 1).get(0));
            InternetHeaders r = deliveryStatus(notice).get(1);
            assertThat(r.getHeader("Action")[0]).isEqualTo("relayed");
            assertThat(r.getHeader("Status")[0]).isEqualTo("2.0.0");
            assertThat(sink.received.get(0).mail()).doesNotContain("RET=").doesNotContain("ENVID");
            assertThat(sink.received.get(0).rcpts().get(0)).doesNotContain("NOTIFY");
        }
    }

    /** Issue 10 #9: CR LF in ORCPT or ENVID xtext is refused, so forged fields never reach the notice. */
    @Test
    void forgedDsnFieldsNeverReachTheNotice() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            sink.extensions = List.of("PIPELINING", "8BITMIME");
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            String forged = "+0D+0AAction:+20failed+0D+0AStatus:+205.1.1";
            try (RawSmtp c = RawSmtp.open(sender.address("smtp"))) {
                c.cmd("MAIL FROM:<" + CAROL + "> ENVID=e" + forged).expect(501, "5.5.4");
                c.cmd("MAIL FROM:<" + CAROL + "> ENVID=e").expectOk();
                c.cmd("RCPT TO:<u@sink.test> NOTIFY=SUCCESS ORCPT=rfc822;u@sink.test" + forged).expect(501, "5.5.4");
                c.cmd("RCPT TO:<u@sink.test> NOTIFY=SUCCESS ORCPT=rfc822;u@sink.test").expectOk();
                RawSmtp.queueId(c.data("Subject: tell me\r\n\r\nx\r\n"));
            }
            Path file = awaitMail(CAROL, 1).get(0);
            assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).doesNotContain("Action: failed").doesNotContain("Status: 5.1.1");
            List<InternetHeaders> fields = deliveryStatus(parse(file));
            assertThat(fields).hasSize(2);
            assertThat(fields.get(1).getHeader("Action")).containsExactly("relayed");
            assertThat(fields.get(1).getHeader("Original-Recipient")).containsExactly("rfc822; u@sink.test");
        }
    }

    @Test
    void dsnParametersArePassedOnWhenOffered() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            try (RawSmtp c = RawSmtp.open(sender.address("smtp"))) {
                c.cmd("MAIL FROM:<" + CAROL + "> RET=FULL ENVID=abc+2Bd BODY=8BITMIME").expectOk();
                c.cmd("RCPT TO:<u@sink.test> NOTIFY=SUCCESS ORCPT=rfc822;orig+2Bx@sink.test").expectOk();
                RawSmtp.queueId(c.data("Subject: dsn\r\n\r\n\u00e9t\u00e9\r\n"));
            }
            await().atMost(WAIT).until(() -> sink.received.size() == 1);
            ScriptedSink.Received r = sink.received.get(0);
            assertThat(r.mail()).contains("RET=FULL").contains("ENVID=abc+2Bd").contains("BODY=8BITMIME")
                    .contains("SIZE=");
            assertThat(r.rcpts().get(0)).contains("NOTIFY=SUCCESS").contains("ORCPT=rfc822;orig+2Bx@sink.test");
            awaitQueueEmpty();
            assertThat(mailOf(CAROL)).isEmpty(); // the peer took DSN: success notices are its business
        }
    }

    // ------------------------------------------------------------------------------------- connection reuse

    @Test
    void severalMessagesToOneDomainShareOneConnection() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            for (int n = 1; n <= 3; n++) {
                send("<" + CAROL + ">", "Subject: reuse " + n + "\r\n\r\nx\r\n", "<u" + n + "@sink.test>");
                final int k = n;
                await().atMost(WAIT).until(() -> sink.received.size() == k);
                awaitQueueEmpty(); // the session is parked before the message leaves the queue
            }
            assertThat(sink.connections.get()).isEqualTo(1);
            assertThat(sink.received).extracting(r -> r.content().lines().filter(l -> l.startsWith("Subject:"))
                    .findFirst().orElse("")).containsExactly("Subject: reuse 1", "Subject: reuse 2", "Subject: reuse 3");
            assertThat(sink.commands).filteredOn(c -> c.equals("RSET")).hasSize(2);
            assertThat(sink.commands).filteredOn(c -> c.startsWith("EHLO")).hasSize(1);
            assertThat(sink.commands).doesNotContain("QUIT");
        }
    }

    @Test
    void reuseTimeZeroGivesEveryMessageItsOwnConnection() throws Exception {
        deliveryToml = "reuse_time = \"0\"\n";
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            for (int n = 1; n <= 2; n++) {
                send("<" + CAROL + ">", "Subject: own " + n + "\r\n\r\nx\r\n", "<u" + n + "@sink.test>");
                final int k = n;
                await().atMost(WAIT).until(() -> sink.received.size() == k);
                awaitQueueEmpty();
            }
            assertThat(sink.connections.get()).isEqualTo(2);
            await().atMost(WAIT).untilAsserted(() -> // each session said QUIT at once rather than waiting
                    assertThat(sink.commands).filteredOn(c -> c.equals("QUIT")).hasSize(2));
            assertThat(sink.commands).doesNotContain("RSET");
        }
    }

    @Test
    void aCachedConnectionThePeerClosedIsReplaced() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            send("<" + CAROL + ">", "Subject: first\r\n\r\nx\r\n", "<u@sink.test>");
            await().atMost(WAIT).until(() -> sink.received.size() == 1);
            awaitQueueEmpty();
            sink.dropConnections();
            send("<" + CAROL + ">", "Subject: second\r\n\r\nx\r\n", "<u@sink.test>");
            await().atMost(WAIT).until(() -> sink.received.size() == 2);
            awaitQueueEmpty();
            assertThat(sink.connections.get()).isEqualTo(2);
            assertThat(sink.received).hasSize(2); // nothing twice
            assertThat(sink.received.get(1).content()).contains("\r\nSubject: second\r\n");
            assertThat(mailOf(CAROL)).isEmpty(); // no notice: nothing was deferred
        }
    }

    @Test
    void noReuseAfterARefusal() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            AtomicInteger tries = new AtomicInteger();
            sink.rcpt = a -> tries.incrementAndGet() == 1 ? "451 4.3.0 try later" : "250 2.1.5 Ok";
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            send("<" + CAROL + ">", "Subject: refused once\r\n\r\nx\r\n", "<u@sink.test>");
            await().atMost(WAIT).until(() -> sink.received.size() == 1);
            awaitQueueEmpty();
            assertThat(sink.connections.get()).isEqualTo(2); // the 451 session got QUIT, the retry a new one
            assertThat(sink.commands).containsOnlyOnce("QUIT").doesNotContain("RSET");
            assertThat(sink.received).hasSize(1);
        }
    }

    // ------------------------------------------------------------------------------------- STARTTLS

    @Test
    void deliversOverTlsWhenTheMxOffersStarttls() throws Exception {
        dns.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1");
        start(remote.smtp().getPort());
        send("<" + CAROL + ">", "Subject: tls 1\r\n\r\nx\r\n", "<alice@example.test>");
        remote.awaitDeliveries(TernFixture.ALICE, 1);
        awaitQueueEmpty();
        send("<" + CAROL + ">", "Subject: tls 2\r\n\r\nx\r\n", "<alice@example.test>"); // on the reused session
        List<Path> got = remote.awaitDeliveries(TernFixture.ALICE, 2);
        awaitQueueEmpty();
        for (Path p : got) {
            String headers = TernFixture.unfoldedHeader(TernFixture.read(p));
            String received = headers.lines().filter(l -> l.startsWith("Received: from a.test")).findFirst()
                    .orElseThrow();
            assertThat(received).contains("with ESMTPS").containsPattern("using TLSv1\\.[23]");
        }
    }

    @Test
    void aFailedTlsHandshakeFallsBackToPlainText() throws Exception {
        try (ScriptedSink sink = new ScriptedSink("127.0.0.1")) {
            sink.brokenTls = true;
            dns.mx("sink.test", 10, "mx.sink.test").a("mx.sink.test", "127.0.0.1");
            start(sink.port());
            send("<" + CAROL + ">", "Subject: plain\r\n\r\nx\r\n", "<u@sink.test>");
            await().atMost(WAIT).until(() -> sink.received.size() == 1);
            awaitQueueEmpty();
            assertThat(sink.connections.get()).isEqualTo(2); // TLS once, then plain on the same host
            assertThat(sink.commands).containsOnlyOnce("STARTTLS");
            assertThat(sink.received).hasSize(1);
            assertThat(mailOf(CAROL)).isEmpty();
        }
    }
}
