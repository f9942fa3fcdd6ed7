package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static dev.tern.e2e.TernFixture.BOB;
import static dev.tern.e2e.TernFixture.JOSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.activation.DataHandler;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Random;
import java.util.regex.Matcher;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real SMTP client (Eclipse Angus Mail) sends to the inbound server; the delivered files are parsed back. */
class AngusMailTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture();

    private Session session(String... extra) {
        Properties p = new Properties();
        p.put("mail.smtp.host", tern.smtp().getAddress().getHostAddress());
        p.put("mail.smtp.port", Integer.toString(tern.smtp().getPort()));
        p.put("mail.smtp.localhost", "client.test");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        for (int i = 0; i < extra.length; i += 2) {
            p.put(extra[i], extra[i + 1]);
        }
        return Session.getInstance(p);
    }

    /** Sends {@code m} in its own connection and returns the queue ID from the server's last reply. */
    private static String send(Session s, MimeMessage m, Address... to) throws Exception {
        m.saveChanges();
        try (SMTPTransport t = (SMTPTransport) s.getTransport("smtp")) {
            t.connect();
            t.sendMessage(m, to.length == 0 ? m.getAllRecipients() : to);
            assertThat(t.getLastReturnCode()).isEqualTo(250);
            String last = t.getLastServerResponse().strip();
            Matcher q = RawSmtp.QUEUED.matcher(last);
            assertThat(q.matches()).as("last server response %s", last).isTrue();
            return q.group(1);
        }
    }

    private static MimeMessage parse(Session s, Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return new MimeMessage(s, in);
        }
    }

    @Test
    void plainTextMessageWithLeadingDots() throws Exception {
        Session s = session();
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress("sender@remote.example", "Sender"));
        m.setRecipients(Message.RecipientType.TO, ALICE);
        m.setSubject("dots");
        String body = "Hello Alice\r\n.leading dot\r\n.\r\n..two dots\r\n. space\r\nbye\r\n";
        m.setText(body, "us-ascii");
        String id = send(s, m);

        Path file = tern.awaitDelivery(ALICE, id);
        String raw = TernFixture.read(file);
        assertThat(raw).startsWith("Return-Path: <sender@remote.example>\r\nDelivered-To: alice@example.test\r\n");
        assertThat(TernFixture.unfoldedHeader(raw)).containsPattern(
                "(?m)^Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\) by mx\\.test \\(Tern\\) with ESMTP id "
                        + id + " for <alice@example\\.test>; ");
        assertThat(raw).contains("\r\n\r\n" + body);
        MimeMessage got = parse(s, file);
        assertThat(got.getSubject()).isEqualTo("dots");
        assertThat(got.getContent()).isEqualTo(body);
        assertThat(got.getHeader("Delivered-To", null)).isEqualTo("alice@example.test");
    }

    @Test
    void multipartWithABinaryAttachment() throws Exception {
        Session s = session();
        byte[] data = new byte[100_000];
        new Random(1).nextBytes(data);
        MimeMessage m = new MimeMessage(s);
        m.setFrom("sender@remote.example");
        m.setRecipients(Message.RecipientType.TO, ALICE + ", " + BOB);
        m.setSubject("attachment");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("see attached\r\n", "utf-8");
        MimeBodyPart att = new MimeBodyPart();
        att.setDataHandler(new DataHandler(new ByteArrayDataSource(data, "application/octet-stream")));
        att.setFileName("data.bin");
        att.setDisposition(Part.ATTACHMENT);
        m.setContent(new MimeMultipart(text, att));
        String id = send(s, m);

        for (String who : new String[] {ALICE, BOB}) {
            MimeMessage got = parse(s, tern.awaitDelivery(who, id));
            Multipart mp = (Multipart) got.getContent();
            assertThat(mp.getCount()).isEqualTo(2);
            assertThat(mp.getBodyPart(0).getContent()).isEqualTo("see attached\r\n");
            Part a = mp.getBodyPart(1);
            assertThat(a.getFileName()).isEqualTo("data.bin");
            try (InputStream in = a.getInputStream()) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
        }
    }

    @Test
    void eightBitUtf8Body() throws Exception {
        Session s = session("mail.smtp.allow8bitmime", "true");
        String body = "Grüße aus Köln — 日本語のテキスト — emoji 😀\r\nzweite Zeile: ÄÖÜ äöü ß\r\n";
        MimeMessage m = new MimeMessage(s);
        m.setFrom("sender@remote.example");
        m.setRecipients(Message.RecipientType.TO, ALICE);
        m.setSubject("8bit");
        m.setText(body, "UTF-8");
        String id = send(s, m);

        Path file = tern.awaitDelivery(ALICE, id);
        byte[] raw = Files.readAllBytes(file);
        String text = new String(raw, StandardCharsets.UTF_8);
        assertThat(text).as("Angus sent the body as 8bit because the server offers 8BITMIME")
                .containsIgnoringCase("Content-Transfer-Encoding: 8bit");
        assertThat(text).contains(body);
        assertThat(parse(s, file).getContent()).isEqualTo(body);
    }

    @Test
    void smtpUtf8ToANonAsciiLocalPart() throws Exception {
        Session s = session("mail.mime.allowutf8", "true", "mail.smtp.allow8bitmime", "true");
        InternetAddress to = new InternetAddress();
        to.setAddress(JOSE); // set directly: jakarta.mail checks non-ASCII only against a system property
        InternetAddress from = new InternetAddress();
        from.setAddress("renée@remote.example");
        MimeMessage m = new MimeMessage(s);
        m.setFrom(from);
        m.setRecipient(Message.RecipientType.TO, to);
        m.setSubject("Grüße, jösé", "UTF-8");
        m.setText("Hallo jösé!\r\n", "UTF-8");
        String id = send(s, m, to);

        Path file = tern.awaitDelivery(JOSE, id);
        String raw = TernFixture.read(file);
        assertThat(raw).startsWith("Return-Path: <renée@remote.example>\r\nDelivered-To: jösé@example.test\r\n");
        assertThat(TernFixture.unfoldedHeader(raw)).contains("with UTF8SMTP id " + id, "for <jösé@example.test>");
        MimeMessage got = parse(session("mail.mime.allowutf8", "true"), file);
        assertThat(got.getContent()).isEqualTo("Hallo jösé!\r\n");
        assertThat(got.getSubject()).isEqualTo("Grüße, jösé");
    }

    @Test
    void unknownRecipientIsRefusedAndPartialSendDeliversTheRest() throws Exception {
        Session strict = session();
        MimeMessage m = new MimeMessage(strict);
        m.setFrom("sender@remote.example");
        m.setRecipients(Message.RecipientType.TO, "nobody@example.test");
        m.setText("x\r\n");
        assertThatThrownBy(() -> send(strict, m)).isInstanceOf(SendFailedException.class)
                .satisfies(e -> assertThat(((SendFailedException) e).getInvalidAddresses())
                        .extracting(Object::toString).containsExactly("nobody@example.test"));

        Session partial = session("mail.smtp.sendpartial", "true");
        MimeMessage m2 = new MimeMessage(partial);
        m2.setFrom("sender@remote.example");
        m2.setRecipients(Message.RecipientType.TO, "nobody@example.test, " + ALICE + ", other@elsewhere.example");
        m2.setSubject("partial");
        m2.setText("partial\r\n");
        m2.saveChanges();
        try (SMTPTransport t = (SMTPTransport) partial.getTransport("smtp")) {
            t.connect();
            assertThatThrownBy(() -> t.sendMessage(m2, m2.getAllRecipients())).isInstanceOf(SendFailedException.class)
                    .satisfies(e -> {
                        SendFailedException f = (SendFailedException) e;
                        assertThat(f.getValidSentAddresses()).extracting(Object::toString).containsExactly(ALICE);
                        assertThat(f.getInvalidAddresses()).extracting(Object::toString)
                                .containsExactlyInAnyOrder("nobody@example.test", "other@elsewhere.example");
                    });
        }
        Path file = tern.awaitDeliveries(ALICE, 1).get(0);
        assertThat(parse(partial, file).getSubject()).isEqualTo("partial");
    }

    @Test
    void severalMessagesOverOneConnection() throws Exception {
        Session s = session();
        try (SMTPTransport t = (SMTPTransport) s.getTransport("smtp")) {
            t.connect();
            for (int i = 0; i < 5; i++) {
                MimeMessage m = new MimeMessage(s);
                m.setFrom("sender@remote.example");
                m.setRecipients(Message.RecipientType.TO, i % 2 == 0 ? ALICE : "team@example.test");
                m.setSubject("message " + i);
                m.setText("number " + i + "\r\n");
                m.saveChanges();
                t.sendMessage(m, m.getAllRecipients());
                assertThat(t.getLastServerResponse().strip()).matches(RawSmtp.QUEUED);
            }
        }
        tern.awaitDeliveries(ALICE, 5);
        tern.awaitDeliveries(BOB, 2);
        tern.awaitSpoolEmpty();
        assertThat(tern.delivered(ALICE)).hasSize(5);
        assertThat(tern.delivered(BOB)).hasSize(2);
    }
}
