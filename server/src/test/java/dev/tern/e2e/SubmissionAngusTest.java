package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static dev.tern.e2e.TernFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.util.Properties;
import java.util.regex.Matcher;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real mail client (Angus Mail) submits over STARTTLS (587) and implicit TLS (465) with AUTH PLAIN and LOGIN. */
class SubmissionAngusTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission();

    private Session session(boolean implicit, String mechanism) throws Exception {
        InetSocketAddress a = implicit ? tern.submissionsAddress() : tern.submissionAddress();
        Properties p = new Properties();
        p.put("mail.smtp.host", a.getAddress().getHostAddress());
        p.put("mail.smtp.port", Integer.toString(a.getPort()));
        p.put("mail.smtp.localhost", "client.test");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", mechanism);
        // trust exactly the server's self-signed certificate
        p.put("mail.smtp.ssl.socketFactory", tern.trustingContext().getSocketFactory());
        // the certificate names mx.test, and we connect to 127.0.0.1: the trust above is what is checked
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        if (implicit) {
            p.put("mail.smtp.ssl.enable", "true");
        } else {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        return Session.getInstance(p);
    }

    private String send(Session s, String user, String password, String from, String to) throws Exception {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(from));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject("submitted");
        m.setText("Hello\r\n", "us-ascii");
        m.saveChanges();
        try (SMTPTransport t = (SMTPTransport) s.getTransport("smtp")) {
            t.connect(user, password);
            t.sendMessage(m, m.getAllRecipients());
            Matcher q = RawSmtp.QUEUED.matcher(t.getLastServerResponse().strip());
            assertThat(q.matches()).as(t.getLastServerResponse()).isTrue();
            return q.group(1);
        }
    }

    @ParameterizedTest(name = "implicit TLS {0}, {1}")
    @CsvSource({"false, PLAIN", "false, LOGIN", "true, PLAIN", "true, LOGIN"})
    void submitsWithAuth(boolean implicit, String mechanism) throws Exception {
        String id = send(session(implicit, mechanism), ALICE, "pw", ALICE, BOB);
        String head = TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(BOB, id)));
        assertThat(head).contains("with ESMTPSA id " + id).contains("(using TLSv1.3 with cipher ");
    }

    @Test
    void wrongPasswordIsRefused() throws Exception {
        Session s = session(false, "PLAIN");
        assertThatThrownBy(() -> send(s, ALICE, "wrong", ALICE, BOB)).isInstanceOf(AuthenticationFailedException.class);
    }

    @Test
    void someoneElsesFromIsRefused() throws Exception {
        Session s = session(true, "PLAIN");
        assertThatThrownBy(() -> send(s, ALICE, "pw", BOB, BOB)).hasMessageContaining("553");
        assertThat(tern.delivered(BOB)).isEmpty();
    }
}
