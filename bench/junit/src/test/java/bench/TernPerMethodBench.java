package bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.junit.TernMail;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** tern-junit, a new server for each of 200 tests. */
class TernPerMethodBench {
    @RegisterExtension
    TernMail mail = new TernMail();

    @RepeatedTest(200)
    void sendAndWait(RepetitionInfo r) throws Exception {
        Mail.send(mail.host(), mail.smtpPort(), "u@example.com", "n" + r.getCurrentRepetition());
        assertEquals("n" + r.getCurrentRepetition(), mail.awaitMessage().subject());
        if (r.getCurrentRepetition() == r.getTotalRepetitions()) {
            Mail.report("tern-junit start (warm, the 200th)", mail.startupTime().toNanos());
        }
    }
}
