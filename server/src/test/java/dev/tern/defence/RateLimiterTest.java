package dev.tern.defence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final TestClock clock = new TestClock();

    @Test
    void refusesAtTheLimitAndForgetsAfterTwoWindows() {
        RateLimiter r = new RateLimiter(3, Duration.ofMinutes(1), 100, clock);
        for (int i = 0; i < 3; i++) {
            assertThat(r.tryRecord("a")).isTrue();
        }
        assertThat(r.tryRecord("a")).isFalse();
        assertThat(r.over("a")).isTrue();
        assertThat(r.over("b")).isFalse(); // per key
        clock.advance(Duration.ofMinutes(2));
        assertThat(r.over("a")).isFalse();
        assertThat(r.tryRecord("a")).isTrue();
    }

    @Test
    void theWindowSlides() {
        RateLimiter r = new RateLimiter(10, Duration.ofMinutes(1), 100, clock);
        for (int i = 0; i < 10; i++) {
            r.record("a");
        }
        clock.advance(Duration.ofSeconds(60)); // the next window: the previous 10 still weigh fully
        assertThat(r.over("a")).isTrue();
        clock.advance(Duration.ofSeconds(30)); // half of them still inside the sliding minute: 5
        assertThat(r.over("a")).isFalse();
        for (int i = 0; i < 4; i++) {
            r.record("a");
        }
        assertThat(r.over("a")).isFalse(); // 5 + 4
        r.record("a");
        assertThat(r.over("a")).isTrue(); // 5 + 5
    }

    @Test
    void zeroIsOff() {
        RateLimiter r = new RateLimiter(0, Duration.ofMinutes(1), 10, clock);
        for (int i = 0; i < 1000; i++) {
            assertThat(r.tryRecord("a")).isTrue();
        }
        assertThat(r.keys()).isZero();
    }

    @Test
    void aFloodFromAMillionAddressesKeepsOnlyTheBound() {
        RateLimiter r = new RateLimiter(5, Duration.ofHours(1), 1000, clock);
        for (int i = 0; i < 1_000_000; i++) {
            r.record("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255));
        }
        assertThat(r.keys()).isEqualTo(1000);
        for (int i = 0; i < 5; i++) {
            r.record("192.0.2.1"); // a recent heavy sender stays among the kept keys
        }
        assertThat(r.over("192.0.2.1")).isTrue();
    }
}
