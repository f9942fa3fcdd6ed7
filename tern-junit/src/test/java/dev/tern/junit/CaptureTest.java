package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Capture mode: any address at any domain, nothing delivered, envelope, raw octets and session facts kept. */
class CaptureTest {
    @RegisterExtension
    static TernMail mail = new TernMail().withWait(Duration.ofSeconds(5));

    @Test
    void keepsEnvelopeWithBccRawOctetsAndParsedMessage() throws Exception {
        Session s = Session.getInstance(Send.plain(mail));
        MimeMessage m = Send.message(s, "app@shop.example", "ann@example.com", "Grüße", "Hello Ann\r\n");
        m.setRecipients(Message.RecipientType.BCC, "audit@elsewhere.example");
        m.saveChanges();
        Transport.send(m);

        CapturedMail got = mail.awaitMessage(Match.to("audit@elsewhere.example"));
        assertThat(got.envelopeFrom()).isEqualTo("app@shop.example");
        assertThat(got.envelopeRecipients()).containsExactly("ann@example.com", "audit@elsewhere.example");
        assertThat(got.subject()).isEqualTo("Grüße");
        assertThat(got.text()).isEqualTo("Hello Ann\r\n");
        assertThat(got.header("Bcc")).isNull();
        assertThat(got.ehlo()).isEqualTo("client.test");
        assertThat(got.tlsProtocol()).isNull();
        assertThat(got.authUser()).isNull();
        assertThat(got.mimeMessage().getSubject()).isEqualTo("Grüße");
        assertThat(got.rawText()).doesNotContain("Received:").contains("Subject: =?UTF-8?");
    }

    @Test
    void rawOctetsAreExactlyWhatTheClientSentAfterDotUnstuffing() throws Exception {
        String content = "Subject: dots\r\n\r\n..leading dot\r\n\u00e9 8-bit\r\n";
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("EHLO raw.test", 250);
            c.expect("MAIL FROM:<a@b.example> BODY=8BITMIME", 250);
            c.expect("RCPT TO:<c@d.example>", 250);
            c.expect("DATA", 354);
            c.expect(content + ".", 250);
        }
        CapturedMail got = mail.awaitMessage();
        assertThat(got.raw()).isEqualTo("Subject: dots\r\n\r\n.leading dot\r\n\u00e9 8-bit\r\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(got.body()).isEqualTo("8BITMIME");
        assertThat(got.ehlo()).isEqualTo("raw.test");
    }

    @Test
    void productionChecksStillApply() throws Exception {
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("MAIL FROM:<a@b.example>", 503); // no EHLO yet
            c.expect("EHLO raw.test", 250);
            c.expect("MAIL FROM:<not an address>", 501);
            c.expect("MAIL FROM:<a@b.example> SIZE=999999999999", 552);
            c.expect("MAIL FROM:<a@b.example> RET=NONSENSE", 501);
            c.expect("MAIL FROM:<jösé@b.example>", 553); // non-ASCII without SMTPUTF8
            c.expect("MAIL FROM:<jösé@b.example> SMTPUTF8", 250);
            c.expect("RCPT TO:<x@y.example> NOTIFY=SOMETIMES", 501);
            c.expect("RCPT TO:<ünï@y.example>", 250);
            c.expect("DATA", 354);
            c.expect("Subject: bare\nLF\r\n.", 550); // a bare LF
        }
        assertThat(mail.messages()).isEmpty();
    }

    @Test
    void acceptsAnyDomainAndDsnParameters() throws Exception {
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("EHLO raw.test", 250);
            c.expect("MAIL FROM:<a@b.example> RET=HDRS ENVID=abc+2Bdef", 250);
            c.expect("RCPT TO:<someone@nowhere.invalid> NOTIFY=SUCCESS,FAILURE", 250);
            c.expect("DATA", 354);
            c.expect("Subject: x\r\n\r\nbody\r\n.", 250);
        }
        CapturedMail got = mail.awaitMessage(Match.to("SOMEONE@nowhere.invalid"));
        assertThat(got.dsnRet()).isEqualTo("HDRS");
        assertThat(got.dsnEnvid()).isEqualTo("abc+def");
    }

    @Test
    void waitTimesOutNamingWhatArrived() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "first@x.example", "First", "one");
        mail.withWait(Duration.ofMillis(200));
        try {
            assertThatThrownBy(() -> mail.awaitMessage(Match.to("nobody@x.example").and(Match.subject("Never"))))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("to <nobody@x.example> and subject \"Never\"")
                    .hasMessageContaining("1 arrived")
                    .hasMessageContaining("to=[first@x.example] subject=First");
        } finally {
            mail.withWait(Duration.ofSeconds(5));
        }
    }

    @Test
    void resetEmptiesTheServer() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "r@x.example", "R", "r");
        assertThat(mail.awaitMessages(1)).hasSize(1);
        mail.reset();
        assertThat(mail.messages()).isEmpty();
    }

    @Test
    void matchersForHeaderAndText() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "h@x.example", "Your code", "Your code is 123456.");
        CapturedMail got = mail.awaitMessage(Match.header("Subject", "Your code").and(Match.textContains("123456")));
        assertThat(got.envelopeRecipients()).isEqualTo(List.of("h@x.example"));
        assertThat(mail.awaitMessage(Match.from("A@B.example"))).isNotNull();
        assertThat(mail.awaitMessage(m -> m.text().contains("code"))).isNotNull();
    }

    @Test
    void startsQuickly() {
        // a figure for the report, not a timed assertion
        System.out.println("tern-junit startup: " + mail.startupTime().toMillis() + " ms");
        assertThat(mail.startupTime()).isPositive();
    }

    /** A raw SMTP client: one command, one expected reply code. */
    static final class Smtp implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        private Smtp(Socket socket) throws Exception {
            this.socket = socket;
            socket.setSoTimeout(5000);
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            this.out = socket.getOutputStream();
        }

        static Smtp open(String host, int port) throws Exception {
            Smtp s = new Smtp(new Socket(host, port));
            s.read(220);
            return s;
        }

        /** Sends a line, reads the reply, checks its code; returns the reply's last line. */
        String expect(String line, int code) throws Exception {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read(code);
        }

        String read(int code) throws Exception {
            String l;
            do {
                l = in.readLine();
                assertThat(l).as("a reply").isNotNull();
            } while (l.length() > 3 && l.charAt(3) == '-');
            assertThat(l).startsWith(String.valueOf(code));
            return l;
        }

        /** True when the server closed the connection. */
        boolean closed() throws Exception {
            return in.readLine() == null;
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
