package dev.tern.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * How many times each event of a service has happened since it started: one counter per constant of
 * {@code E}, cheap to bump from many threads at once. The service owns it; {@link Metrics} reads it.
 */
public final class Counts<E extends Enum<E>> {
    private final LongAdder[] counters;

    public Counts(Class<E> events) {
        counters = new LongAdder[events.getEnumConstants().length];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
    }

    public void add(E event) {
        counters[event.ordinal()].increment();
    }

    public long get(E event) {
        return counters[event.ordinal()].sum();
    }
}
