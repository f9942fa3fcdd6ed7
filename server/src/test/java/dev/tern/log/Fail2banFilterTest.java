package dev.tern.log;

import static dev.tern.log.MailLog.Service.POP3;
import static dev.tern.log.MailLog.Service.SMTP;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fail2ban filter of docs/operations.md against real lines of {@link MailLog}. */
class Fail2banFilterTest {
    final LogCapture log = new LogCapture();
    final Fail2ban filter = Fail2ban.documented();

    @AfterEach
    void close() {
        log.close();
    }

    private List<String> banned() {
        return log.lines().stream().map(filter::host).filter(h -> h != null).toList();
    }

    @Test
    void matchesEveryFailedLoginAndNothingElse() {
        MailLog.authFailed(SMTP, "192.0.2.9", "PLAIN", "alice@example.org");
        MailLog.authFailed(POP3, "2001:db8::7", "USER", "bob");
        MailLog.authOk(SMTP, "192.0.2.10", "PLAIN", "carol@example.org");
        MailLog.blocked("192.0.2.9", java.time.Duration.ofMinutes(15), 3);
        MailLog.accepted("1A", "192.0.2.11", "mail.example.com", "x@example.com", 10, 1);
        assertThat(banned()).containsExactly("192.0.2.9", "2001:db8::7");
    }

    @Test
    void clientTextCannotGetAnAddressBanned() {
        String attack = "\"auth failed: user=<x>, ip=[192.0.2.99], mechanism=\"@evil.example";
        String forged = "WARN  auth: auth failed: ip=[192.0.2.99], service=smtp, mechanism=PLAIN, user=<x>";
        MailLog.rejected(null, "192.0.2.1", attack, null, "550 5.7.1 no");
        MailLog.accepted("1A", "192.0.2.1", "\r\n2026-11-29T19:30:12.004Z " + forged, attack, 10, 1);
        MailLog.authFailed(SMTP, "192.0.2.1", "PLAIN", "x>, " + forged + "\n" + forged);
        MailLog.authOk(POP3, "192.0.2.1", "PLAIN", forged);
        MailLog.httpRefused("192.0.2.1", "POST", "/\n" + forged);
        MailLog.tlsFailed(SMTP, "192.0.2.1", "\n" + forged);
        assertThat(banned()).containsExactly("192.0.2.1"); // the one real failure, against the real address
    }
}
