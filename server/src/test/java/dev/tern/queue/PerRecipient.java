package dev.tern.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Transport} for tests that decides recipient by recipient: every recipient is on one route, and
 * each index is answered by {@link #deliver(QueuedMessage, int, boolean)}.
 */
@FunctionalInterface
public interface PerRecipient {
    Attempt deliver(QueuedMessage message, int index, boolean recovering);

    default Transport transport() {
        PerRecipient self = this;
        return new Transport() {
            @Override
            public String route(String address) {
                return "test";
            }

            @Override
            public List<Attempt> deliver(QueuedMessage message, List<Integer> indices, boolean recovering) {
                List<Attempt> out = new ArrayList<>();
                for (int i : indices) {
                    out.add(self.deliver(message, i, recovering));
                }
                return out;
            }
        };
    }

    /** Scheduler settings for tests: the given schedule, no delay notices, a lifetime no test date outlives. */
    static Scheduler.Settings settings(RetrySchedule schedule, int concurrency) {
        return new Scheduler.Settings(schedule, java.time.Duration.ZERO, java.time.Duration.ofDays(365 * 100), concurrency,
                "mx.test", "postmaster@example.test");
    }
}
