package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Failed logins from one address block it on the submission ports; the delay per failure grows. */
class LoginBlockTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission()
            .toml("[auth]\nmax_failures_per_ip = 3\nblock_time = \"1h\"\nfailure_delay = \"200ms\"");

    private RawSmtp tlsSession() throws Exception {
        RawSmtp c = RawSmtp.open(tern.submissionAddress());
        c.cmd("STARTTLS").expect(220);
        c.startTls(tern.trustingContext());
        c.cmd("EHLO client.test").expect(250);
        return c;
    }

    @Test
    void failuresAreSlowedAndThenTheAddressIsBlocked() throws Exception {
        try (RawSmtp c = tlsSession()) {
            long t0 = System.nanoTime();
            c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "wrong")).expect(535, "5.7.8");
            long first = System.nanoTime() - t0;
            t0 = System.nanoTime();
            c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "wrong")).expect(535, "5.7.8");
            long second = System.nanoTime() - t0;
            assertThat(Duration.ofNanos(first)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
            assertThat(Duration.ofNanos(second)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
        try (RawSmtp c = tlsSession()) {
            // the third failure from this address blocks it; the right password no longer helps
            c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "wrong")).expect(535, "5.7.8");
            c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "pw")).expect(535, "5.7.8");
        }
        try (RawSmtp c = RawSmtp.connect(tern.submissionAddress())) {
            c.read().expect(421, "4.7.0");
            assertThat(c.readUntilClosed()).isEmpty();
        }
        try (RawSmtp c = RawSmtp.connectTls(tern.submissionsAddress(), tern.trustingContext())) {
            c.read().expect(421, "4.7.0");
        }
        try (RawSmtp c = tern.open()) { // the MX port does not care: other servers must reach us
            c.cmd("QUIT").expect(221);
        }
    }
}
