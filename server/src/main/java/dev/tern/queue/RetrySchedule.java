package dev.tern.queue;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When to try a deferred recipient again: {@code min} after the first failure, doubling with each further
 * failure up to {@code max}, with up to 10% jitter either way so that retries of many messages spread out.
 */
public record RetrySchedule(Duration min, Duration max) {
    public static final RetrySchedule DEFAULT = new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15));

    /** The wait after the {@code failures}-th failure (1 for the first). */
    public Duration delayAfter(int failures, RandomGenerator random) {
        long base = min.toMillis();
        for (int i = 1; i < failures && base < max.toMillis(); i++) {
            base *= 2;
        }
        base = Math.min(base, max.toMillis());
        long jitter = (long) (base * 0.1 * (random.nextDouble() * 2 - 1));
        return Duration.ofMillis(Math.max(1, base + jitter));
    }
}
