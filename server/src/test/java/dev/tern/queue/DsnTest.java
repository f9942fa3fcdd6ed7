package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Notices built by {@link Dsn} and read back with Angus Mail, field by field. */
class DsnTest {
    static final Instant ARRIVAL = Instant.parse("2025-03-01T10:00:00Z");
    static final Instant NOW = Instant.parse("2025-03-01T10:05:00Z");

    static MimeMessage parse(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }

    static List<InternetHeaders> groups(MimeMessage m) throws Exception {
        Multipart mp = (Multipart) m.getContent();
        String text = new String(mp.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<InternetHeaders> out = new java.util.ArrayList<>();
        for (String g : text.split("\r\n\r\n")) {
            if (!g.isBlank()) {
                out.add(new InternetHeaders(new ByteArrayInputStream((g.strip() + "\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8))));
            }
        }
        return out;
    }

    @Test
    void failureWithTheWholeMessage() throws Exception {
        Envelope.Recipient r1 = new Envelope.Recipient("u@far.test", "u@far.test", "FAILURE", "rfc822;U@far.test");
        Envelope.Recipient r2 = new Envelope.Recipient("v@far.test", "v@far.test", null, null);
        Envelope env = new Envelope("ABC123", "s@a.test", ARRIVAL, "192.0.2.1", "c.test", "ESMTP", false, null,
                "FULL", "env-1", List.of(r1, r2));
        byte[] original = "Subject: hello\r\nMessage-ID: <x@a.test>\r\n\r\nthe body\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] dsn = Dsn.build("mx.a.test", Dsn.Kind.FAILURE, env, List.of(
                new Dsn.Report(r1, "failed", "5.1.1", "mx.far.test", "550 5.1.1 no such user", "host said", NOW),
                new Dsn.Report(r2, "failed", "5.4.6", null, null, "mail for far.test loops back to myself", NOW)),
                "s@a.test", original, true, NOW, ZoneOffset.UTC, "N1.1@mx.a.test");
        MimeMessage m = parse(dsn);
        assertThat(m.getHeader("From")[0]).startsWith("MAILER-DAEMON@mx.a.test");
        assertThat(m.getHeader("To")[0]).isEqualTo("<s@a.test>");
        assertThat(m.getMessageID()).isEqualTo("<N1.1@mx.a.test>");
        assertThat(m.getHeader("Auto-Submitted")[0]).isEqualTo("auto-replied");
        assertThat(m.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(m.getSentDate().toInstant()).isEqualTo(NOW);
        assertThat(m.getContentType()).contains("multipart/report").contains("report-type=delivery-status");
        Multipart mp = (Multipart) m.getContent();
        assertThat(mp.getCount()).isEqualTo(3);
        assertThat((String) mp.getBodyPart(0).getContent()).contains("<u@far.test>: host mx.far.test said: 550 5.1.1")
                .contains("<v@far.test>: mail for far.test loops back to myself");
        List<InternetHeaders> g = groups(m);
        assertThat(g).hasSize(3);
        assertThat(g.get(0).getHeader("Reporting-MTA")[0]).isEqualTo("dns; mx.a.test");
        assertThat(g.get(0).getHeader("Original-Envelope-Id")[0]).isEqualTo("env-1");
        assertThat(g.get(0).getHeader("Arrival-Date")[0]).isEqualTo("Sat, 1 Mar 2025 10:00:00 +0000");
        assertThat(g.get(1).getHeader("Final-Recipient")[0]).isEqualTo("rfc822; u@far.test");
        assertThat(g.get(1).getHeader("Original-Recipient")[0]).isEqualTo("rfc822; U@far.test");
        assertThat(g.get(1).getHeader("Action")[0]).isEqualTo("failed");
        assertThat(g.get(1).getHeader("Status")[0]).isEqualTo("5.1.1");
        assertThat(g.get(1).getHeader("Remote-MTA")[0]).isEqualTo("dns; mx.far.test");
        assertThat(g.get(1).getHeader("Diagnostic-Code")[0]).isEqualTo("smtp; 550 5.1.1 no such user");
        assertThat(g.get(1).getHeader("Last-Attempt-Date")[0]).isEqualTo("Sat, 1 Mar 2025 10:05:00 +0000");
        assertThat(g.get(2).getHeader("Original-Recipient")).isNull();
        assertThat(g.get(2).getHeader("Remote-MTA")).isNull();
        assertThat(g.get(2).getHeader("Status")[0]).isEqualTo("5.4.6");
        assertThat(g.get(2).getHeader("Diagnostic-Code")[0]).isEqualTo("X-Tern; mail for far.test loops back to myself");
        // RET=FULL: the whole message, readable as a message
        assertThat(mp.getBodyPart(2).getContentType()).startsWith("message/rfc822");
        MimeMessage inner = (MimeMessage) mp.getBodyPart(2).getContent();
        assertThat(inner.getSubject()).isEqualTo("hello");
        assertThat(inner.getContent().toString()).isEqualTo("the body\r\n");
    }

    @Test
    void delayNoticeWithHeadersOnlyAndEightBitOriginal() throws Exception {
        Envelope.Recipient r = new Envelope.Recipient("u@far.test", "u@far.test", null, null);
        Envelope env = new Envelope("ABC124", "s@a.test", ARRIVAL, "192.0.2.1", "c.test", "ESMTP", false, "8BITMIME",
                null, null, List.of(r));
        byte[] headers = "Subject: caf\u00e9\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] dsn = Dsn.build("mx.a.test", Dsn.Kind.DELAY, env, List.of(
                new Dsn.Report(r, "delayed", "4.4.1", null, null, "connect to mx: Connection refused", NOW)),
                "s@a.test", headers, false, NOW, ZoneOffset.UTC, "N2@mx.a.test");
        MimeMessage m = parse(dsn);
        assertThat(m.getSubject()).startsWith("Delayed Mail");
        Multipart mp = (Multipart) m.getContent();
        assertThat(mp.getBodyPart(2).getContentType()).startsWith("text/rfc822-headers");
        InternetHeaders r1 = groups(m).get(1);
        assertThat(r1.getHeader("Action")[0]).isEqualTo("delayed");
        assertThat(r1.getHeader("Status")[0]).isEqualTo("4.4.1");
        assertThat(groups(m).get(0).getHeader("Original-Envelope-Id")).isNull();
        assertThat(new String(dsn, StandardCharsets.UTF_8)).contains("Content-Transfer-Encoding: 8bit");
    }
}
