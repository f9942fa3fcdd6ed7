package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.junit.CapturedMail;
import dev.tern.junit.Match;
import dev.tern.junit.TernMail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.simplejavamail.api.email.Email;
import org.simplejavamail.api.mailer.Mailer;
import org.simplejavamail.api.mailer.config.TransportStrategy;
import org.simplejavamail.email.EmailBuilder;
import org.simplejavamail.mailer.MailerBuilder;

/** The Simple Java Mail recipe of docs/testing.md: submission, STARTTLS verified against the test CA, AUTH. */
class SimpleJavaMailTest {
    @RegisterExtension
    static TernMail mail = new TernMail().withUser("app@shop.example", "secret");

    @Test
    void sendsWithSimpleJavaMail() throws Exception {
        Email email = EmailBuilder.startingBlank()
                .from("app@shop.example")
                .to("ann@example.com")
                .bcc("audit@shop.example")
                .withSubject("Your invoice")
                .withPlainText("Attached.")
                .buildEmail();
        try (Mailer mailer = MailerBuilder
                .withSMTPServer(mail.host(), mail.submissionPort(), "app@shop.example", "secret")
                .withTransportStrategy(TransportStrategy.SMTP_TLS)
                .withCustomSSLFactoryInstance(mail.ca().sslContext().getSocketFactory())
                .buildMailer()) {
            mailer.sendMail(email);
        }

        CapturedMail got = mail.awaitMessage(Match.to("ann@example.com"));
        assertEquals("Your invoice", got.subject());
        assertEquals("[ann@example.com, audit@shop.example]", got.envelopeRecipients().toString());
        assertEquals("TLSv1.3", got.tlsProtocol());
    }
}
