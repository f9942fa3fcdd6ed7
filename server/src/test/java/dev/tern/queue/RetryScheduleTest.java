package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    static Stream<Arguments> table() {
        RetrySchedule def = RetrySchedule.DEFAULT;
        RetrySchedule shortOne = new RetrySchedule(Duration.ofMillis(50), Duration.ofMillis(200));
        RetrySchedule odd = new RetrySchedule(Duration.ofSeconds(7), Duration.ofSeconds(100));
        return Stream.of(
                // schedule, failures, base delay before jitter
                Arguments.of(def, 0, Duration.ofMinutes(1)),
                Arguments.of(def, 1, Duration.ofMinutes(1)),
                Arguments.of(def, 2, Duration.ofMinutes(2)),
                Arguments.of(def, 3, Duration.ofMinutes(4)),
                Arguments.of(def, 4, Duration.ofMinutes(8)),
                Arguments.of(def, 5, Duration.ofMinutes(15)),
                Arguments.of(def, 6, Duration.ofMinutes(15)),
                Arguments.of(def, 100, Duration.ofMinutes(15)),
                Arguments.of(def, Integer.MAX_VALUE, Duration.ofMinutes(15)),
                Arguments.of(shortOne, 1, Duration.ofMillis(50)),
                Arguments.of(shortOne, 2, Duration.ofMillis(100)),
                Arguments.of(shortOne, 3, Duration.ofMillis(200)),
                Arguments.of(shortOne, 4, Duration.ofMillis(200)),
                Arguments.of(odd, 1, Duration.ofSeconds(7)),
                Arguments.of(odd, 2, Duration.ofSeconds(14)),
                Arguments.of(odd, 4, Duration.ofSeconds(56)),
                Arguments.of(odd, 5, Duration.ofSeconds(100)),
                Arguments.of(odd, 9, Duration.ofSeconds(100)),
                Arguments.of(new RetrySchedule(Duration.ofMinutes(10), Duration.ofMinutes(1)), 1, Duration.ofMinutes(1)),
                Arguments.of(new RetrySchedule(Duration.ofHours(1), Duration.ofHours(1)), 3, Duration.ofHours(1)));
    }

    @ParameterizedTest(name = "{0} after {1} failures ≈ {2}")
    @MethodSource("table")
    void delaysDoubleFromMinToMaxWithinTenPercentJitter(RetrySchedule s, int failures, Duration base) {
        Random random = new Random(42L + failures);
        long b = base.toMillis();
        long lo = b - b / 10;
        long hi = b + b / 10;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 2000; i++) {
            long d = s.delayAfter(failures, random).toMillis();
            assertThat(d).isBetween(lo, hi);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        // the jitter spreads both ways and uses most of its range
        assertThat(min).isLessThanOrEqualTo(b - b / 20);
        assertThat(max).isGreaterThanOrEqualTo(b + b / 20);
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        RetrySchedule s = RetrySchedule.DEFAULT;
        Random a = new Random(1234);
        Random b = new Random(1234);
        for (int f = 1; f < 10; f++) {
            assertThat(s.delayAfter(f, a)).isEqualTo(s.delayAfter(f, b));
        }
    }

    @Test
    void neverBelowOneMillisecond() {
        Random random = new Random(9);
        for (RetrySchedule s : new RetrySchedule[] {
                new RetrySchedule(Duration.ZERO, Duration.ZERO),
                new RetrySchedule(Duration.ZERO, Duration.ofMillis(5)),
                new RetrySchedule(Duration.ofMillis(1), Duration.ofMillis(1)),
                new RetrySchedule(Duration.ofMillis(1), Duration.ofMillis(2)),
                new RetrySchedule(Duration.ofNanos(10), Duration.ofNanos(900))}) {
            for (int f = 0; f < 20; f++) {
                for (int i = 0; i < 100; i++) {
                    assertThat(s.delayAfter(f, random)).as("%s after %d failures", s, f)
                            .isGreaterThanOrEqualTo(Duration.ofMillis(1));
                }
            }
        }
    }

    @Test
    void extremesOfTheRandomSourceStayInRange() {
        RetrySchedule s = new RetrySchedule(Duration.ofSeconds(10), Duration.ofSeconds(100));
        java.util.random.RandomGenerator zero = () -> 0L; // nextDouble() == 0.0
        java.util.random.RandomGenerator top = () -> -1L; // nextDouble() just below 1.0
        assertThat(s.delayAfter(1, zero)).isEqualTo(Duration.ofSeconds(9));
        assertThat(s.delayAfter(1, top).toMillis()).isBetween(10_999L, 11_000L);
    }
}
