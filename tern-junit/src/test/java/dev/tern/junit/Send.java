package dev.tern.junit;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import javax.net.ssl.SSLContext;

/** Sends mail with Angus Mail, as code under test would. */
final class Send {
    private Send() {
    }

    /** Plain SMTP to the server's smtp port, no TLS, no AUTH. */
    static Properties plain(TernMail mail) {
        Properties p = new Properties();
        p.put("mail.smtp.host", mail.host());
        p.put("mail.smtp.port", String.valueOf(mail.smtpPort()));
        p.put("mail.smtp.localhost", "client.test");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        return p;
    }

    /** STARTTLS required on {@code port}, verifying the certificate with {@code trust}. */
    static Properties startTls(TernMail mail, int port, SSLContext trust) {
        Properties p = plain(mail);
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        p.put("mail.smtp.ssl.socketFactory", trust.getSocketFactory());
        return p;
    }

    static MimeMessage message(Session s, String from, String to, String subject, String text) throws MessagingException {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(from));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject(subject, "UTF-8");
        m.setText(text, "UTF-8");
        return m;
    }

    static void send(Properties p, String from, String to, String subject, String text) throws MessagingException {
        Session s = Session.getInstance(p);
        Transport.send(message(s, from, to, subject, text));
    }
}
