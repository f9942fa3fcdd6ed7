package dev.tern.junit;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.util.Properties;

/** The only class that needs jakarta.mail, loaded only when a test asks for a {@link MimeMessage}. */
final class Mime {
    private Mime() {
    }

    static MimeMessage parse(byte[] raw) {
        try {
            return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        } catch (MessagingException e) {
            throw new IllegalStateException("jakarta.mail cannot parse the message: " + e.getMessage(), e);
        }
    }
}
