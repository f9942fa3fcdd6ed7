package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.junit.CaptureTest.Smtp;
import jakarta.mail.MessagingException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Failure scripts per stage and address: replies, N temporary failures, drops, delays, refusals after N messages. */
class ScriptTest {
    @RegisterExtension
    static TernMail mail = new TernMail().withWait(Duration.ofSeconds(5));

    @Test
    void rcptFailsTwiceForOneAddressThenAccepts() throws Exception {
        mail.onRcpt().forAddress("Busy@x.example").times(2).reply(450, "4.2.1", "Mailbox busy, try later");
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("EHLO s.test", 250);
            c.expect("MAIL FROM:<a@b.example>", 250);
            c.expect("RCPT TO:<other@x.example>", 250);
            assertThat(c.expect("RCPT TO:<busy@x.example>", 450)).isEqualTo("450 4.2.1 Mailbox busy, try later");
            c.expect("RCPT TO:<busy@x.example>", 450);
            c.expect("RCPT TO:<busy@x.example>", 250);
            c.expect("DATA", 354);
            c.expect("Subject: s\r\n\r\nx\r\n.", 250);
        }
        assertThat(mail.awaitMessage().envelopeRecipients()).containsExactly("other@x.example", "busy@x.example");
    }

    @Test
    void connectCanBeRefusedOrDropped() throws Exception {
        mail.onConnect().times(1).reply(554, "5.3.2", "No service here");
        mail.onConnect().times(1).drop();
        try (var s = new java.net.Socket(mail.host(), mail.smtpPort())) {
            s.setSoTimeout(5000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream()));
            assertThat(in.readLine()).isEqualTo("554 5.3.2 No service here");
            assertThat(in.readLine()).isNull();
        }
        try (var s = new java.net.Socket(mail.host(), mail.smtpPort())) {
            s.setSoTimeout(5000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("EHLO s.test", 250); // the scripts are used up
        }
    }

    @Test
    void ehloMailAndDataStages() throws Exception {
        mail.onEhlo().times(1).reply(421, "4.3.2", "Going away");
        mail.onMail().forAddress("spammer@b.example").reply(550, "5.7.1", "Sender refused");
        mail.onData().forAddress("full@x.example").reply(452, "4.2.2", "Mailbox full");
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("EHLO s.test", 421);
            assertThat(c.closed()).isTrue();
        }
        try (Smtp c = Smtp.open(mail.host(), mail.smtpPort())) {
            c.expect("EHLO s.test", 250);
            c.expect("MAIL FROM:<spammer@b.example>", 550);
            c.expect("MAIL FROM:<a@b.example>", 250);
            c.expect("RCPT TO:<full@x.example>", 250);
            c.expect("DATA", 452);
            c.expect("MAIL FROM:<a@b.example>", 250); // the refused DATA ended the transaction
        }
        assertThat(mail.messages()).isEmpty();
    }

    @Test
    void endOfDataFailsOnceThenTheRetryIsKept() throws Exception {
        mail.onEndOfData().times(1).reply(451, "4.3.0", "Temporary failure");
        Properties p = Send.plain(mail);
        assertThatThrownBy(() -> Send.send(p, "a@b.example", "c@d.example", "Retry", "x"))
                .isInstanceOf(MessagingException.class).hasMessageContaining("451 4.3.0 Temporary failure");
        assertThat(mail.messages()).isEmpty();
        Send.send(p, "a@b.example", "c@d.example", "Retry", "x");
        assertThat(mail.awaitMessage(Match.subject("Retry")).envelopeRecipients()).containsExactly("c@d.example");
    }

    @Test
    void delayedReplyTripsTheClientsTimeout() throws Exception {
        mail.onEndOfData().times(1).delay(Duration.ofSeconds(3));
        Properties p = Send.plain(mail);
        p.put("mail.smtp.timeout", "300");
        assertThatThrownBy(() -> Send.send(p, "a@b.example", "c@d.example", "Slow", "x"))
                .isInstanceOf(MessagingException.class);
    }

    @Test
    void refusesAfterTwoMessages() throws Exception {
        // 451, not 421: after a 421 the server closes, and Angus may report its failed QUIT instead of the reply
        mail.onMail().afterMessages(2).reply(451, "4.7.1", "Rate limit reached");
        Properties p = Send.plain(mail);
        Send.send(p, "a@b.example", "c@d.example", "1", "x");
        Send.send(p, "a@b.example", "c@d.example", "2", "x");
        assertThatThrownBy(() -> Send.send(p, "a@b.example", "c@d.example", "3", "x"))
                .isInstanceOf(MessagingException.class).hasMessageContaining("Rate limit reached");
        assertThat(mail.messages()).hasSize(2);
    }

    @Test
    void resetForgetsScripts() throws Exception {
        mail.onRcpt().reply(550, "5.1.1", "No such user");
        mail.reset();
        Send.send(Send.plain(mail), "a@b.example", "c@d.example", "after reset", "x");
        assertThat(mail.awaitMessage()).isNotNull();
    }
}
