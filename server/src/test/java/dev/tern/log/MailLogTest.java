package dev.tern.log;

import static dev.tern.log.MailLog.Service.POP3;
import static dev.tern.log.MailLog.Service.SMTP;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each mail-log line on its exact text, as the shipped logback pattern writes it (without the timestamp). */
class MailLogTest {
    final LogCapture log = new LogCapture();

    @AfterEach
    void close() {
        log.close();
    }

    /** The lines so far without their timestamp. */
    private List<String> lines() {
        return log.lines().stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

    private String last() {
        List<String> l = lines();
        return l.get(l.size() - 1);
    }

    @Test
    void connectionLines() {
        MailLog.refusedBusy(SMTP, "192.0.2.1");
        assertThat(last()).isEqualTo("WARN  smtp: connect from [192.0.2.1]: refused, too many connections");
        MailLog.refusedBusy(POP3, "192.0.2.1");
        assertThat(last()).isEqualTo("WARN  pop3: connect from [192.0.2.1]: refused, too many connections");
        MailLog.refusedBlocked(SMTP, "2001:db8::1", "submission");
        assertThat(last()).isEqualTo("INFO  smtp: connect from [2001:db8::1] on submission: refused, blocked after failed logins");
        MailLog.timeout(SMTP, "192.0.2.1", "command");
        assertThat(last()).isEqualTo("INFO  smtp: timeout after command from [192.0.2.1]");
        MailLog.tlsFailed(POP3, "192.0.2.1", "bad\r\nrecord (x)");
        assertThat(last()).isEqualTo("INFO  pop3: TLS handshake with [192.0.2.1] failed: (bad\\x0d\\x0arecord (x\\x29)");
        MailLog.httpOnSmtpPort("192.0.2.1");
        assertThat(last()).isEqualTo("INFO  smtp: HTTP request from [192.0.2.1] on the SMTP port; closed");
    }

    @Test
    void authLinesAreTheSameForEveryProtocol() {
        MailLog.authOk(SMTP, "192.0.2.1", "PLAIN", "alice@example.org");
        assertThat(last()).isEqualTo("INFO  auth: auth ok: ip=[192.0.2.1], service=smtp, mechanism=PLAIN, user=<alice@example.org>");
        MailLog.authFailed(SMTP, "192.0.2.1", "LOGIN", "alice@example.org");
        assertThat(last()).isEqualTo("WARN  auth: auth failed: ip=[192.0.2.1], service=smtp, mechanism=LOGIN, user=<alice@example.org>");
        MailLog.authFailed(POP3, "192.0.2.1", "USER", "alice");
        assertThat(last()).isEqualTo("WARN  auth: auth failed: ip=[192.0.2.1], service=pop3, mechanism=USER, user=<alice>");
        MailLog.authRefusedBlocked(POP3, "192.0.2.1", "bob");
        assertThat(last()).isEqualTo("INFO  auth: auth refused: ip=[192.0.2.1], service=pop3, user=<bob>: address blocked after failed logins");
        MailLog.authBusy(SMTP, "192.0.2.1");
        assertThat(last()).isEqualTo("INFO  auth: auth busy: ip=[192.0.2.1], service=smtp: too many password checks waiting");
        MailLog.blocked("192.0.2.1", Duration.ofMinutes(90), 10);
        assertThat(last()).isEqualTo("WARN  auth: ip [192.0.2.1] blocked for 1h30m after 10 failed logins");
    }

    @Test
    void messageLines() {
        MailLog.accepted("6616F3C4C0309", "192.0.2.7", "mail.example.com", "bob@example.com", 2931, 1);
        assertThat(last()).isEqualTo("INFO  smtp: 6616F3C4C0309: client=[192.0.2.7], helo=<mail.example.com>, from=<bob@example.com>, size=2931, nrcpt=1");
        MailLog.rejected(null, "192.0.2.9", "a@b.example", null, "550 5.6.0 Bare CR");
        assertThat(last()).isEqualTo("INFO  smtp: NOQUEUE: reject: client=[192.0.2.9], from=<a@b.example>: 550 5.6.0 Bare CR");
        MailLog.rejected("1A2B", "192.0.2.9", "", "alice@example.org", "553 5.7.1 no");
        assertThat(last()).isEqualTo("INFO  smtp: 1A2B: reject: client=[192.0.2.9], from=<>, user=<alice@example.org>: 553 5.7.1 no");
        MailLog.accepted("1A2C", "192.0.2.7", "mx.example.com", "a@example.com", 10, 1,
                "spf=pass dkim=pass:example.com dmarc=fail:ex>ample\n.com action=quarantine");
        assertThat(last()).isEqualTo("INFO  smtp: 1A2C: client=[192.0.2.7], helo=<mx.example.com>, from=<a@example.com>,"
                + " size=10, nrcpt=1, checks=<spf=pass dkim=pass:example.com dmarc=fail:ex\\x3eample\\x0a.com action=quarantine>");
        MailLog.rejected("1A2D", "192.0.2.7", "ceo@bank.test", null, "spf=fail dkim=none dmarc=fail:bank.test action=reject",
                "550 5.7.1 Message rejected");
        assertThat(last()).isEqualTo("INFO  smtp: 1A2D: reject: client=[192.0.2.7], from=<ceo@bank.test>,"
                + " checks=<spf=fail dkim=none dmarc=fail:bank.test action=reject>: 550 5.7.1 Message rejected");
    }

    @Test
    void pop3SessionLines() {
        MailLog.pop3Login("192.0.2.1", "alice@example.org", "PLAIN", true, 3);
        assertThat(last()).isEqualTo("INFO  pop3: login: ip=[192.0.2.1], user=<alice@example.org>, method=PLAIN, tls=yes, messages=3");
        MailLog.pop3InUse("192.0.2.1", "alice@example.org");
        assertThat(last()).isEqualTo("INFO  pop3: login refused: ip=[192.0.2.1], user=<alice@example.org>: mailbox in use by another session");
        MailLog.pop3Logout("192.0.2.1", "alice@example.org", 2, 1, 0);
        assertThat(last()).isEqualTo("INFO  pop3: logout: ip=[192.0.2.1], user=<alice@example.org>, deleted=2, seen=1");
        MailLog.pop3Logout("192.0.2.1", "alice@example.org", 2, 1, 1);
        assertThat(last()).isEqualTo("INFO  pop3: logout: ip=[192.0.2.1], user=<alice@example.org>, deleted=2, seen=1, not deleted=1");
        MailLog.pop3Ended("192.0.2.1", "alice@example.org", "idle timeout");
        assertThat(last()).isEqualTo("INFO  pop3: ended: ip=[192.0.2.1], user=<alice@example.org>: idle timeout; nothing deleted");
        MailLog.imapEnded("192.0.2.1", "alice@example.org", "LOGOUT");
        assertThat(last()).isEqualTo("INFO  imap: ended: ip=[192.0.2.1], user=<alice@example.org>: LOGOUT");
    }

    @Test
    void httpRefusalEscapesThePath() {
        MailLog.httpRefused("192.0.2.1", "POST", "/queue/x\r\nWARN  auth: auth failed: ip=[192.0.2.99],>");
        assertThat(lines()).hasSize(1);
        assertThat(last()).isEqualTo("WARN  queue: refused: ip=[192.0.2.1], method=<POST>, "
                + "path=</queue/x\\x0d\\x0aWARN  auth: auth failed: ip=[192.0.2.99],\\x3e> (not in http.admin_networks)");
    }

    @Test
    void hostOrOriginRefusalEscapesThePathAndReason() {
        MailLog.httpGuardRefused("192.0.2.1", "POST", "/queue/x\r\nWARN", "Host \"evil\u001b\" is not this server");
        assertThat(lines()).hasSize(1);
        assertThat(last()).isEqualTo("WARN  queue: http refused: ip=[192.0.2.1], method=<POST>, "
                + "path=</queue/x\\x0d\\x0aWARN> (Host \"evil\\x1b\" is not this server)");
    }

    @Test
    void clientTextCanNeitherBreakTheLineNorLeaveItsField() {
        assertThat(MailLog.quote("a\r\nb\u001b[2J\bc\u007f\u0085\u2028\u202e", '>'))
                .isEqualTo("a\\x0d\\x0ab\\x1b[2J\\x08c\\x7f\\x85\\x{2028}\\x{202e}");
        assertThat(MailLog.quote("\"x>y\"@a\\b", '>')).isEqualTo("\"x\\x3ey\"@a\\x5cb");
        assertThat(MailLog.quote("bj\u00f6rn@\u00e9xample.org", '>')).isEqualTo("bj\u00f6rn@\u00e9xample.org");
        assertThat(MailLog.quote(null, '>')).isEmpty();
        assertThat(MailLog.quote("x".repeat(300), '>')).isEqualTo("x".repeat(MailLog.MAX_FIELD) + "...");
        MailLog.accepted("1", "192.0.2.1", "evil\r\n2026-01-01T00:00:00Z WARN  auth: auth failed: ip=[192.0.2.99],",
                "a@b", 1, 1);
        assertThat(lines()).hasSize(1);
    }

    @Test
    void queueLines() {
        MailLog.delivery("1A", "alice@example.org", null, "local", "0.08", "sent", "delivered to maildir as x");
        assertThat(last()).isEqualTo("INFO  queue: 1A: to=<alice@example.org>, relay=local, delay=0.08, status=sent (delivered to maildir as x)");
        MailLog.delivery("1A", "c@d", "postmaster@d", "mx.d[192.0.2.1]:25", "4.2", "deferred", "451 4.3.0 try\r\nlater (x)");
        assertThat(last()).isEqualTo("WARN  queue: 1A: to=<c@d>, orig_to=<postmaster@d>, relay=mx.d[192.0.2.1]:25, delay=4.2, status=deferred (451 4.3.0 try\\x0d\\x0alater (x))");
        MailLog.queued("1A", "removed");
        assertThat(last()).isEqualTo("INFO  queue: 1A: removed");
        MailLog.noticeQueued("2B", 1234, "failure", "1A");
        assertThat(last()).isEqualTo("INFO  queue: 2B: from=<>, size=1234, nrcpt=1 (failure notice for 1A)");
        MailLog.noticeFor("1A", "failure", "2B");
        assertThat(last()).isEqualTo("INFO  queue: 1A: sender failure notification: 2B");
        MailLog.tlsFallback("1A", "mx.d[192.0.2.1]:25", "bad cert");
        assertThat(last()).isEqualTo("INFO  RemoteDelivery: 1A: TLS with mx.d[192.0.2.1]:25 failed (bad cert); trying without TLS");
    }

    @Test
    void dkimSigningLines() {
        MailLog.dkimSigned("1A", "example.org", "tern,tern-ed");
        assertThat(last()).isEqualTo("INFO  RemoteDelivery: 1A: DKIM-signed d=example.org s=tern,tern-ed");
        MailLog.dkimUnsigned("1A", "no domain in From: a\r\nb");
        assertThat(last()).isEqualTo("INFO  RemoteDelivery: 1A: not DKIM-signed: no domain in From: a\\x0d\\x0ab");
        MailLog.dkimKeyUnusable("1A", "/var/lib/tern/dkim/example.org/tern.pem: permission denied");
        assertThat(last()).isEqualTo("WARN  RemoteDelivery: 1A: DKIM key unusable: /var/lib/tern/dkim/example.org/tern.pem: permission denied");
        MailLog.dkimFailed("1A", "cannot read (the spool)");
        assertThat(last()).isEqualTo("WARN  RemoteDelivery: 1A: DKIM signing failed (cannot read (the spool\\x29); sending unsigned");
    }
}
