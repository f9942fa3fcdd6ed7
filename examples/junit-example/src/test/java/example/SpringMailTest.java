package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.junit.CapturedMail;
import dev.tern.junit.Match;
import dev.tern.junit.TernMail;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The Spring Boot recipe of docs/testing.md: JavaMailSender over submission, STARTTLS verified, AUTH. */
@SpringBootTest(classes = SpringMailTest.App.class, properties = "logging.level.dev.tern=WARN")
class SpringMailTest {
    @RegisterExtension
    static TernMail mail = new TernMail().withUser("app@shop.example", "secret");

    @DynamicPropertySource
    static void mailProperties(DynamicPropertyRegistry r) {
        r.add("spring.mail.host", mail::host);
        r.add("spring.mail.port", mail::submissionPort);
        r.add("spring.mail.username", () -> "app@shop.example");
        r.add("spring.mail.password", () -> "secret");
        r.add("spring.mail.properties.mail.smtp.auth", () -> "true");
        r.add("spring.mail.properties.mail.smtp.starttls.enable", () -> "true");
        r.add("spring.mail.properties.mail.smtp.starttls.required", () -> "true");
        // trust the test CA, and only it: an SSL bundle from its PEM
        r.add("spring.ssl.bundle.pem.tern.truststore.certificate", () -> mail.ca().pem());
        r.add("spring.mail.ssl.bundle", () -> "tern");
    }

    @Autowired
    JavaMailSender sender;

    @Test
    void sendsThroughJavaMailSender() {
        SimpleMailMessage m = new SimpleMailMessage();
        m.setFrom("app@shop.example");
        m.setTo("ann@example.com");
        m.setSubject("Your order");
        m.setText("It ships today.");
        sender.send(m);

        CapturedMail got = mail.awaitMessage(Match.to("ann@example.com"));
        assertEquals("Your order", got.subject());
        assertEquals("app@shop.example", got.authUser());
        assertEquals("TLSv1.3", got.tlsProtocol());
    }

    /** The application: here only Spring Boot's mail auto-configuration. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
