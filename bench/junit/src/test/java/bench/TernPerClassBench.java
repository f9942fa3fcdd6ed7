package bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.junit.Match;
import dev.tern.junit.TernMail;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** tern-junit, one server for the class, emptied before each of 200 tests. */
class TernPerClassBench {
    @RegisterExtension
    static TernMail mail = new TernMail();

    @RepeatedTest(200)
    void sendAndWait(RepetitionInfo r) throws Exception {
        String to = "u" + r.getCurrentRepetition() + "@example.com";
        Mail.send(mail.host(), mail.smtpPort(), to, "n" + r.getCurrentRepetition());
        assertEquals("n" + r.getCurrentRepetition(), mail.awaitMessage(Match.to(to)).subject());
    }
}
