package dev.tern.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LoginGuardTest {
    /** A clock that moves only when told to. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    final TestClock clock = new TestClock();
    final LoginGuard guard = new LoginGuard(3, Duration.ofMinutes(15), Duration.ofSeconds(1), clock);
    final InetAddress a = InetAddress.getLoopbackAddress();
    final InetAddress b;

    LoginGuardTest() throws Exception {
        b = InetAddress.getByName("192.0.2.7");
    }

    @Test
    void blocksAfterTheLimitForTheBlockTime() {
        guard.failure(a);
        guard.failure(a);
        assertThat(guard.isBlocked(a)).isFalse();
        guard.failure(a);
        assertThat(guard.isBlocked(a)).isTrue();
        assertThat(guard.isBlocked(b)).isFalse();
        clock.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertThat(guard.isBlocked(a)).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.isBlocked(a)).isFalse();
        guard.failure(a); // counting starts afresh after a block
        assertThat(guard.isBlocked(a)).isFalse();
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() {
        guard.failure(a);
        guard.failure(a);
        clock.advance(Duration.ofMinutes(16));
        guard.failure(a);
        assertThat(guard.isBlocked(a)).isFalse();
        guard.failure(a);
        guard.failure(a);
        assertThat(guard.isBlocked(a)).isTrue();
    }

    @Test
    void delayDoublesPerFailureInASessionUpToEightTimes() {
        assertThat(guard.delay(0)).isEqualTo(Duration.ZERO);
        assertThat(guard.delay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(guard.delay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(guard.delay(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(guard.delay(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(guard.delay(40)).isEqualTo(Duration.ofSeconds(8));
    }

}
