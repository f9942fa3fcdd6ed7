package example;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;

/** The code under test: sends a welcome message through an SMTP submission server, STARTTLS and AUTH. */
public final class Welcome {
    private final Session session;
    private final String user;
    private final String password;

    /** @param tls the socket factory that verifies the server's certificate (the platform's in production) */
    public Welcome(String host, int port, String user, String password, SSLSocketFactory tls) {
        Properties p = new Properties();
        p.put("mail.smtp.host", host);
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        p.put("mail.smtp.ssl.socketFactory", tls);
        p.put("mail.smtp.timeout", "5000");
        this.session = Session.getInstance(p);
        this.user = user;
        this.password = password;
    }

    public void send(String to, String name) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("hello@shop.example"));
        m.setRecipients(Message.RecipientType.TO, to);
        m.setRecipients(Message.RecipientType.BCC, "audit@shop.example");
        m.setSubject("Welcome, " + name, "UTF-8");
        m.setText("Hello " + name + ", your account is ready.", "UTF-8");
        Transport.send(m, user, password);
    }
}
