package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static dev.tern.e2e.TernFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Submission over raw sockets: STARTTLS on the submission port, implicit TLS on submissions, AUTH, sender rules. */
class SubmissionTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission();

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String plain(String user, String password) {
        return b64("\0" + user + "\0" + password);
    }

    /** Connects to the submission port, STARTTLS, EHLO again. */
    private RawSmtp tlsSession() throws Exception {
        RawSmtp c = RawSmtp.open(tern.submissionAddress());
        c.cmd("STARTTLS").expect(220, "2.0.0");
        c.startTls(tern.trustingContext());
        c.cmd("EHLO client.test").expect(250);
        return c;
    }

    private RawSmtp loggedIn(String user) throws Exception {
        RawSmtp c = tlsSession();
        c.cmd("AUTH PLAIN " + plain(user, "pw")).expect(235, "2.7.0");
        return c;
    }

    private static String message(String from, String to, String subject) {
        return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nHello\r\n";
    }

    @Test
    void beforeTlsStartTlsIsOfferedAndAuthIsNot() throws Exception {
        try (RawSmtp c = RawSmtp.connect(tern.submissionAddress())) {
            c.read().expect(220);
            RawSmtp.Reply ehlo = c.cmd("EHLO client.test").expect(250);
            assertThat(ehlo.texts()).contains("STARTTLS").noneMatch(t -> t.startsWith("AUTH"));
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(538, "5.7.11");
            c.cmd("MAIL FROM:<" + ALICE + ">").expect(530, "5.7.0");
            c.cmd("STARTTLS now").expect(501);
        }
    }

    @Test
    void afterStartTlsEhloIsRequiredAgainAndAuthIsOffered() throws Exception {
        try (RawSmtp c = RawSmtp.open(tern.submissionAddress())) {
            c.cmd("STARTTLS").expect(220, "2.0.0");
            SSLSocket s = c.startTls(tern.trustingContext());
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
            c.cmd("MAIL FROM:<" + ALICE + ">").expect(503, "5.5.1"); // the EHLO before TLS is forgotten
            RawSmtp.Reply ehlo = c.cmd("EHLO client.test").expect(250);
            assertThat(ehlo.texts()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            c.cmd("STARTTLS").expect(503, "5.5.1");
            c.cmd("MAIL FROM:<" + ALICE + ">").expect(530, "5.7.0"); // MAIL before AUTH
        }
    }

    @Test
    void commandsPipelinedAfterStartTlsAreThrownAway() throws Exception {
        // CVE-2011-0411: "RSET" sent in the clear with STARTTLS must not be answered inside TLS
        for (String injected : new String[] {"RSET", "EHLO evil.test"}) {
            try (RawSmtp c = RawSmtp.open(tern.submissionAddress())) {
                c.write("STARTTLS\r\n" + injected + "\r\n");
                c.read().expect(220, "2.0.0");
                c.startTls(tern.trustingContext());
                // the first reply inside TLS is the one to this MAIL, and EHLO is still needed
                c.cmd("MAIL FROM:<" + ALICE + ">").expect(503, "5.5.1");
                c.cmd("NOOP").expect(250);
                c.cmd("EHLO client.test").expect(250);
                c.cmd("QUIT").expect(221);
            }
        }
    }

    @Test
    void authPlainThenSendToAnyDomain() throws Exception {
        try (RawSmtp c = tlsSession()) {
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(235, "2.7.0");
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(503, "5.5.1");
            c.cmd("MAIL FROM:<" + ALICE + "> AUTH=<" + ALICE + ">").expectOk();
            c.rcptTo("<someone@remote.example>"); // relay for authenticated users
            c.rcptTo("<" + BOB + ">");
            String id = RawSmtp.queueId(c.data(message(ALICE, BOB, "submitted")));
            String text = TernFixture.read(tern.awaitDelivery(BOB, id));
            String head = TernFixture.unfoldedHeader(text);
            assertThat(head).contains("with ESMTPSA id " + id).containsPattern(
                    "\\(using TLSv1\\.3 with cipher TLS_[A-Z0-9_]+\\)");
            assertThat(head.substring(0, head.indexOf("Subject:"))).doesNotContain("authenticated");
        }
    }

    @Test
    void authPlainWithEmptyChallengeAndLogin() throws Exception {
        try (RawSmtp c = tlsSession()) {
            RawSmtp.Reply r = c.cmd("AUTH PLAIN").expect(334);
            assertThat(r.lastLine()).isEqualTo("334 ");
            c.cmd(plain(ALICE, "pw")).expect(235, "2.7.0");
        }
        try (RawSmtp c = tlsSession()) {
            assertThat(c.cmd("AUTH LOGIN").expect(334).lastLine()).isEqualTo("334 " + b64("Username:"));
            assertThat(c.cmd(b64(ALICE)).expect(334).lastLine()).isEqualTo("334 " + b64("Password:"));
            c.cmd(b64("pw")).expect(235, "2.7.0");
            c.mailFrom("<" + ALICE + ">");
        }
        try (RawSmtp c = tlsSession()) { // LOGIN with the user name as initial response
            c.cmd("AUTH LOGIN " + b64(BOB)).expect(334);
            c.cmd(b64("pw")).expect(235, "2.7.0");
        }
    }

    @Test
    void badBase64CancelAndUnknownMechanism() throws Exception {
        try (RawSmtp c = tlsSession()) {
            c.cmd("AUTH PLAIN not*base64").expect(501, "5.5.2");
            c.cmd("AUTH PLAIN").expect(334);
            c.cmd("%%%").expect(501, "5.5.2");
            c.cmd("AUTH LOGIN").expect(334);
            c.cmd("*").expect(501, "5.0.0");
            c.cmd("AUTH CRAM-MD5").expect(504, "5.5.4");
            c.cmd("AUTH PLAIN " + b64("no-nul-here")).expect(501, "5.5.2");
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(235); // none of that counted as a failed login
        }
    }

    @Test
    void authLinesMayBeAsLongAsRfc4954AllowsOtherCommandsMayNot() throws Exception {
        String longPassword = "p".repeat(4000); // base64: 5,300 octets, far over the 512 of other commands
        try (RawSmtp c = tlsSession()) {
            c.cmd("NOOP " + "x".repeat(600)).expect(500, "5.5.2");
            c.cmd("AUTH PLAIN " + plain(ALICE, longPassword)).expect(535, "5.7.8"); // read and judged, not refused
            c.cmd("AUTH PLAIN").expect(334);
            c.cmd(plain(ALICE, longPassword + "q")).expect(535, "5.7.8"); // the response line likewise
            c.cmd("AUTH PLAIN " + "A".repeat(12_300)).expect(500, "5.5.2"); // past 12,288 octets
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(235, "2.7.0");
        }
    }

    @Test
    void threeFailuresCloseTheConnection() throws Exception {
        try (RawSmtp c = tlsSession()) {
            c.cmd("AUTH PLAIN " + plain(ALICE, "wrong")).expect(535, "5.7.8");
            c.cmd("AUTH PLAIN " + plain("nobody@example.test", "pw")).expect(535, "5.7.8");
            c.cmd("AUTH PLAIN " + plain(ALICE, "wrong")).expect(421, "4.7.0");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void authzidOfSomeoneElseIsRefused() throws Exception {
        try (RawSmtp c = tlsSession()) {
            c.cmd("AUTH PLAIN " + b64(BOB + "\0" + ALICE + "\0pw")).expect(535, "5.7.8");
            c.cmd("AUTH PLAIN " + b64(ALICE + "\0" + ALICE + "\0pw")).expect(235);
        }
    }

    @Test
    void envelopeSenderMustBeTheUsersOwn() throws Exception {
        try (RawSmtp c = loggedIn(ALICE)) {
            c.cmd("MAIL FROM:<" + BOB + ">").expect(553, "5.7.1");
            c.cmd("MAIL FROM:<someone@remote.example>").expect(553, "5.7.1");
            c.cmd("MAIL FROM:<ALICE@Example.Test>").expectOk(); // case does not matter
            c.cmd("RSET").expect(250);
            c.cmd("MAIL FROM:<alice+lists@example.test>").expectOk(); // a subaddress
            c.cmd("RSET").expect(250);
            c.cmd("MAIL FROM:<postmaster@example.test>").expectOk(); // an alias that delivers to alice
            c.cmd("RSET").expect(250);
            c.cmd("MAIL FROM:<team@example.test>").expectOk(); // an alias that delivers to alice (and bob)
            c.cmd("RSET").expect(250);
            c.cmd("MAIL FROM:<>").expectOk(); // null sender (MDNs)
        }
    }

    @Test
    void fromHeaderMustBeTheUsersOwn() throws Exception {
        try (RawSmtp c = loggedIn(ALICE)) {
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            c.data(message("\"Bob\" <" + BOB + ">", BOB, "forged")).expect(553, "5.7.1");
            // BDAT too
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            String forged = message(BOB, BOB, "forged by BDAT");
            c.write("BDAT " + forged.getBytes(StandardCharsets.UTF_8).length + " LAST\r\n" + forged);
            c.read().expect(553, "5.7.1");
            // a display name and a comment around her own address are fine
            c.mailFrom("<" + ALICE + ">");
            c.rcptTo("<" + BOB + ">");
            String id = RawSmtp.queueId(c.data(message("\"Alice, <bob@example.test>\" <" + ALICE + "> (me)", BOB, "ok")));
            tern.awaitDelivery(BOB, id);
        }
        assertThat(tern.delivered(BOB)).hasSize(1);
        tern.awaitSpoolEmpty();
    }

    @Test
    void implicitTlsOnSubmissions() throws Exception {
        try (RawSmtp c = RawSmtp.connectTls(tern.submissionsAddress(), tern.trustingContext())) {
            c.read().expect(220);
            RawSmtp.Reply ehlo = c.cmd("EHLO client.test").expect(250);
            assertThat(ehlo.texts()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            c.cmd("STARTTLS").expect(503, "5.5.1");
            c.cmd("MAIL FROM:<" + ALICE + ">").expect(530, "5.7.0");
            c.cmd("AUTH LOGIN").expect(334);
            c.cmd(b64(ALICE)).expect(334);
            c.cmd(b64("pw")).expect(235, "2.7.0");
            String id = c.deliver("<" + ALICE + ">", message(ALICE, BOB, "implicit"), "<" + BOB + ">");
            assertThat(TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(BOB, id))))
                    .contains("with ESMTPSA id " + id);
        }
    }

    @Test
    void mxPortOffersStartTlsButNotAuth() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.cmd("STARTTLS").expect(220);
            c.startTls(tern.trustingContext());
            RawSmtp.Reply ehlo = c.cmd("EHLO client.test").expect(250);
            assertThat(ehlo.texts()).noneMatch(t -> t.startsWith("AUTH") || t.equals("STARTTLS"));
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(502, "5.5.1");
            // no AUTH needed for local mail on port 25; Received says ESMTPS
            String id = c.deliver("<someone@remote.example>", message("someone@remote.example", ALICE, "mx"),
                    "<" + ALICE + ">");
            assertThat(TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(ALICE, id))))
                    .contains("with ESMTPS id " + id);
        }
    }

    @Test
    void oldProtocolsAndNonAeadCiphersAreRefused() throws Exception {
        assertThat(tern.tern().tls().enabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tern.tern().tls().enabledCipherSuites()).allMatch(c -> c.contains("GCM") || c.contains("CHACHA20"))
                .noneMatch(c -> c.startsWith("TLS_RSA_") || c.startsWith("TLS_DHE_"));
        SSLContext ctx = tern.trustingContext();
        // TLS 1.2 with an AEAD suite works
        try (RawSmtp c = RawSmtp.connect(tern.submissionsAddress())) {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(rawSocket(c), "127.0.0.1",
                    tern.submissionsAddress().getPort(), true);
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(s.getSession().getCipherSuite()).startsWith("TLS_ECDHE_");
        }
        // a TLS 1.2 client that only knows CBC suites is refused
        try (RawSmtp c = RawSmtp.connect(tern.submissionsAddress())) {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(rawSocket(c), "127.0.0.1",
                    tern.submissionsAddress().getPort(), true);
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
            assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
        }
        // a client that only offers TLS 1.1 gets no connection
        try (RawSmtp c = RawSmtp.connect(tern.submissionsAddress())) {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(rawSocket(c), "127.0.0.1",
                    tern.submissionsAddress().getPort(), true);
            assertThatThrownBy(() -> {
                s.setEnabledProtocols(new String[] {"TLSv1.1"});
                s.startHandshake();
            }).isInstanceOf(Exception.class);
        }
    }

    private static java.net.Socket rawSocket(RawSmtp c) throws Exception {
        var f = RawSmtp.class.getDeclaredField("socket");
        f.setAccessible(true);
        return (java.net.Socket) f.get(c);
    }
}
