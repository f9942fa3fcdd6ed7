package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.auth.Authenticator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #4: password checks hog a CPU each (Argon2id); here they spin until released, the way a burst of
 * guessers keeps the check pool busy. Sessions waiting for a check must not stall other sessions, and a login
 * that finds the pool full is told 454 4.7.0 at once.
 */
class PasswordPoolTest {
    private volatile boolean released;

    @RegisterExtension
    final TernFixture tern = new TernFixture().submission()
            .toml("[submission]\nauth_requires_tls = false\n")
            .passwords(this::spin);

    /** A password check that keeps its thread busy until the test ends (30 s at most). */
    private boolean spin(String user, char[] password) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!released && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        return false;
    }

    @Test
    void aFullPoolAnswers454AndAPlainSessionIsNotStalled() throws Exception {
        Authenticator.Pool pool = Authenticator.Pool.standard();
        int full = pool.threads() + pool.queue();
        List<RawSmtp> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < full; i++) {
                RawSmtp c = RawSmtp.open(tern.submissionAddress());
                waiting.add(c);
                c.send("AUTH PLAIN " + SubmissionTest.plain(ALICE, "guess" + i));
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> tern.tern().logins().checksUnderWay() == full);

            try (RawSmtp c = RawSmtp.open(tern.submissionAddress())) {
                c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "pw")).expect(454, "4.7.0");
                c.cmd("QUIT").expect(221);
            }
            try (RawSmtp c = RawSmtp.open(tern.smtp())) { // port 25, while every check is still spinning
                String id = c.deliver("<bob@example.org>", "Subject: not stalled\r\n\r\nHello\r\n", "<" + ALICE + ">");
                tern.awaitDelivery(ALICE, id);
            }
            assertThat(tern.tern().logins().checksUnderWay()).isEqualTo(full);
        } finally {
            released = true;
        }
        for (RawSmtp c : waiting) {
            c.read().expect(535, "5.7.8");
            c.close();
        }
    }
}
