package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Properties;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Real TLS from a CA made for the run, AUTH with declared users, their mailboxes over POP3. */
class TlsAuthPop3Test {
    @RegisterExtension
    static TernMail mail = new TernMail().withUser("ann@example.com", "s3cret").withUser("bob@example.com", "hunter2")
            .withWait(Duration.ofSeconds(5));

    @Test
    void startTlsOnTheSmtpPortVerifiedAgainstTheTestCa() throws Exception {
        Send.send(Send.startTls(mail, mail.smtpPort(), mail.ca().sslContext()), "a@b.example", "c@d.example", "tls", "x");
        CapturedMail got = mail.awaitMessage();
        assertThat(got.tlsProtocol()).isEqualTo("TLSv1.3");
        assertThat(got.tlsCipher()).startsWith("TLS_");
    }

    @Test
    void startTlsRightAfterTheStartWaitsForTheTlsSetUpInsteadOfFailing() throws Exception {
        try (TernMail fresh = new TernMail()) {
            fresh.start(); // the CA and the TLS context load on a thread of their own: nothing here waits for them
            Send.send(Send.startTls(fresh, fresh.smtpPort(), fresh.ca().sslContext()), "a@b.example", "c@d.example",
                    "early", "x");
            assertThat(fresh.awaitMessage().tlsProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void submissionWithStartTlsAndAuthPlain() throws Exception {
        Properties p = Send.startTls(mail, mail.submissionPort(), mail.ca().sslContext());
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        Session s = Session.getInstance(p);
        MimeMessage m = Send.message(s, "ann@example.com", "someone@else.example", "authed", "x");
        Transport.send(m, "ann@example.com", "s3cret");
        CapturedMail got = mail.awaitMessage();
        assertThat(got.authUser()).isEqualTo("ann@example.com");
        assertThat(got.tlsProtocol()).isNotNull();
    }

    @Test
    void implicitTlsWithAuthLogin() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtps.host", mail.host());
        p.put("mail.smtps.port", String.valueOf(mail.submissionsPort()));
        p.put("mail.smtps.auth", "true");
        p.put("mail.smtps.auth.mechanisms", "LOGIN");
        p.put("mail.smtps.ssl.checkserveridentity", "true");
        p.put("mail.smtps.ssl.socketFactory", mail.ca().sslContext().getSocketFactory());
        p.put("mail.smtps.timeout", "5000");
        Session s = Session.getInstance(p);
        MimeMessage m = Send.message(s, "bob@example.com", "x@y.example", "465", "x");
        try (Transport t = s.getTransport("smtps")) {
            t.connect("bob@example.com", "hunter2");
            t.sendMessage(m, m.getAllRecipients());
        }
        assertThat(mail.awaitMessage().authUser()).isEqualTo("bob@example.com");
    }

    @Test
    void aClientTrustingAnotherCaRefusesTheCertificate() {
        TestCa other = TestCa.create();
        assertThatThrownBy(() -> Send.send(Send.startTls(mail, mail.smtpPort(), other.sslContext()),
                "a@b.example", "c@d.example", "nope", "x"))
                .isInstanceOf(MessagingException.class)
                .hasStackTraceContaining(SSLHandshakeException.class.getName())
                .hasStackTraceContaining("PKIX path building failed");
        assertThat(mail.messages()).isEmpty();
    }

    @Test
    void wrongPasswordIsRefused() {
        Properties p = Send.startTls(mail, mail.submissionPort(), mail.ca().sslContext());
        p.put("mail.smtp.auth", "true");
        Session s = Session.getInstance(p);
        assertThatThrownBy(() -> Transport.send(Send.message(s, "ann@example.com", "x@y.example", "no", "x"),
                "ann@example.com", "wrong")).isInstanceOf(AuthenticationFailedException.class);
    }

    @Test
    void trustMaterialComesAsPemKeyStoreAndSslContext() throws Exception {
        TestCa ca = mail.ca();
        assertThat(ca.pem()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat((X509Certificate) ca.trustStore().getCertificate("tern-junit-ca")).isEqualTo(ca.certificate());
        ca.serverCertificate().verify(ca.certificate().getPublicKey());
        assertThat(mail.tern().tls().certificate()).isEqualTo(ca.serverCertificate());
    }

    @Test
    void declaredUsersReadTheirMailOverPop3() throws Exception {
        Send.send(Send.plain(mail), "a@b.example", "ann@example.com", "for Ann", "Hello Ann");
        mail.awaitMessage();
        Properties p = new Properties();
        p.put("mail.pop3.host", mail.host());
        p.put("mail.pop3.port", String.valueOf(mail.pop3Port()));
        p.put("mail.pop3.timeout", "5000");
        Store store = Session.getInstance(p).getStore("pop3");
        store.connect("ann@example.com", "s3cret");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("for Ann");
            inbox.close(false);
        } finally {
            store.close();
        }
    }
}
