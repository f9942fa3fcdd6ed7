package bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GreenMail's JUnit 5 extension, one server for the class, purged before each of 200 tests. */
class GreenMailPerClassBench {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig())
            .withPerMethodLifecycle(false);

    @BeforeEach
    void purge() throws Exception {
        mail.purgeEmailFromAllMailboxes();
    }

    @RepeatedTest(200)
    void sendAndWait(RepetitionInfo r) throws Exception {
        String to = "u" + r.getCurrentRepetition() + "@example.com";
        Mail.send("127.0.0.1", mail.getSmtp().getPort(), to, "n" + r.getCurrentRepetition());
        assertTrue(mail.waitForIncomingEmail(10_000, 1));
        assertEquals("n" + r.getCurrentRepetition(), mail.getReceivedMessages()[0].getSubject());
    }
}
