package bench;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

/** What every benchmark test does: one message over plain SMTP with Angus Mail. */
final class Mail {
    private Mail() {
    }

    static void send(String host, int port, String to, String subject) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", host);
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.timeout", "10000");
        MimeMessage m = new MimeMessage(Session.getInstance(p));
        m.setFrom(new InternetAddress("app@shop.example"));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject(subject);
        m.setText("Hello");
        Transport.send(m);
    }

    /** One line the run script collects: what started, and how long it took. */
    static void report(String what, long nanos) {
        System.out.println("BENCH " + what + " " + nanos / 1_000_000 + " ms");
    }
}
