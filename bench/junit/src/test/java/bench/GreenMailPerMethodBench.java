package bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GreenMail's JUnit 5 extension, a new server for each of 200 tests (its default lifecycle). */
class GreenMailPerMethodBench {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @RepeatedTest(200)
    void sendAndWait(RepetitionInfo r) throws Exception {
        Mail.send("127.0.0.1", mail.getSmtp().getPort(), "u@example.com", "n" + r.getCurrentRepetition());
        assertTrue(mail.waitForIncomingEmail(10_000, 1));
        assertEquals("n" + r.getCurrentRepetition(), mail.getReceivedMessages()[0].getSubject());
    }
}
