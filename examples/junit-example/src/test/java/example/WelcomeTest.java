package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.junit.CapturedMail;
import dev.tern.junit.Match;
import dev.tern.junit.TernMail;
import jakarta.mail.MessagingException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WelcomeTest {
    @RegisterExtension
    static TernMail mail = new TernMail().withUser("app@shop.example", "app-password");

    private Welcome welcome() {
        return new Welcome(mail.host(), mail.submissionPort(), "app@shop.example", "app-password",
                mail.ca().sslContext().getSocketFactory());
    }

    @Test
    void sendsTheWelcomeOverTlsWithABccToAudit() throws Exception {
        welcome().send("ann@example.com", "Ann");

        CapturedMail m = mail.awaitMessage(Match.to("ann@example.com"));
        assertEquals("Welcome, Ann", m.subject());
        assertTrue(m.text().contains("your account is ready"));
        assertEquals(List.of("ann@example.com", "audit@shop.example"), m.envelopeRecipients());
        assertEquals("app@shop.example", m.authUser());
        assertEquals("TLSv1.3", m.tlsProtocol());
    }

    @Test
    void aFullMailboxIsReportedToTheCaller() {
        mail.onRcpt().forAddress("full@example.com").reply(552, "5.2.2", "Mailbox full");

        assertThrows(MessagingException.class, () -> welcome().send("full@example.com", "Full"));
        assertTrue(mail.messages().isEmpty());
    }
}
