package dev.tern.queue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works the queue: each accepted message is attempted at once; recipients that fail temporarily are tried
 * again on the {@link RetrySchedule}; a message leaves the spool when every recipient is delivered or has
 * failed for good. The state of each recipient is saved after each attempt.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("dev.tern.queue");

    private final Spool spool;
    private final Transport transport;
    private final Clock clock;
    private final RetrySchedule schedule;
    private final RandomGenerator random = RandomGenerator.getDefault();
    /**
     * Platform threads, not virtual ones: a delivery is file work (open, write, fsync, rename), and every such
     * call on a virtual thread pins its carrier and makes the scheduler wake or start a compensating carrier,
     * which cost more CPU than the delivery itself on a small machine.
     */
    private final ExecutorService workers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("queue-timer").factory());
    private final Semaphore slots;
    /** Every message in the queue, by ID. */
    private final ConcurrentHashMap<String, QueuedMessage> queued = new ConcurrentHashMap<>();

    /** @param concurrency how many messages are delivered at once */
    public Scheduler(Spool spool, Transport transport, Clock clock, RetrySchedule schedule, int concurrency) {
        this.spool = spool;
        this.transport = transport;
        this.clock = clock;
        this.schedule = schedule;
        this.slots = new Semaphore(concurrency);
        this.workers = Executors.newFixedThreadPool(concurrency,
                Thread.ofPlatform().daemon().name("delivery-", 0).factory());
    }

    /** A message was just accepted: deliver it now. */
    public void submit(QueuedMessage message) {
        queued.put(message.id(), message);
        workers.execute(() -> attempt(message, false));
    }

    /** Messages found in the spool at start: deliver them, looking first whether that happened already. */
    public void recover(List<QueuedMessage> messages) {
        for (QueuedMessage m : messages) {
            queued.put(m.id(), m);
            workers.execute(() -> attempt(m, true));
        }
    }

    /** The messages now in the queue. */
    public Collection<QueuedMessage> messages() {
        return List.copyOf(queued.values());
    }

    private void attempt(QueuedMessage m, boolean recovering) {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            return; // shutting down; the message stays in the spool
        }
        try {
            attemptDue(m, recovering);
        } catch (RuntimeException e) {
            log.error("{}: delivery attempt failed unexpectedly; will retry", m.id(), e);
            retryAt(m, clock.instant().plus(schedule.max()));
        } finally {
            slots.release();
        }
    }

    private void attemptDue(QueuedMessage m, boolean recovering) {
        Instant now = clock.instant();
        RecipientState state = m.state();
        boolean changed = false;
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.done() || e.nextAttempt() != null && e.nextAttempt().isAfter(now)) {
                continue;
            }
            Attempt a = transport.deliver(m, i, recovering);
            Instant at = clock.instant();
            RecipientState.Entry next = switch (a) {
                case Attempt.Delivered d -> new RecipientState.Entry(RecipientState.Status.DELIVERED,
                        e.attempts() + 1, null, at, null);
                case Attempt.Deferred d -> new RecipientState.Entry(RecipientState.Status.DEFERRED,
                        e.attempts() + 1, d.reason(), at, at.plus(schedule.delayAfter(e.attempts() + 1, random)));
                case Attempt.Failed f -> new RecipientState.Entry(RecipientState.Status.FAILED,
                        e.attempts() + 1, f.reason(), at, null);
            };
            state.set(i, next);
            changed = true;
            logAttempt(m, i, a, at);
        }
        if (state.allDone()) {
            try {
                spool.remove(m.id());
                queued.remove(m.id());
                log.info("{}: removed", m.id());
            } catch (IOException e) {
                log.error("{}: cannot remove from the queue: {}", m.id(), e.toString());
            }
            return;
        }
        if (changed) {
            try {
                spool.saveState(state);
            } catch (IOException e) {
                log.error("{}: cannot save delivery state: {}", m.id(), e.toString());
            }
        }
        Instant next = null;
        for (RecipientState.Entry e : state.entries()) {
            if (!e.done() && e.nextAttempt() != null && (next == null || e.nextAttempt().isBefore(next))) {
                next = e.nextAttempt();
            }
        }
        retryAt(m, next == null ? clock.instant().plus(schedule.max()) : next);
    }

    private void retryAt(QueuedMessage m, Instant when) {
        long delay = Math.max(0, Duration.between(clock.instant(), when).toMillis());
        try {
            timer.schedule(() -> workers.execute(() -> attempt(m, false)), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: the message stays in the spool and is picked up at the next start
        }
    }

    private void logAttempt(QueuedMessage m, int i, Attempt a, Instant at) {
        Envelope.Recipient r = m.envelope().recipients().get(i);
        String delay = String.format(Locale.ROOT, "%.2f",
                Duration.between(m.envelope().arrival(), at).toMillis() / 1000.0);
        String orig = r.original().equalsIgnoreCase(r.address()) ? "" : ", orig_to=<" + r.original() + ">";
        switch (a) {
            case Attempt.Delivered d -> log.info("{}: to=<{}>{}, relay={}, delay={}, status=sent ({})",
                    m.id(), r.address(), orig, d.relay(), delay, d.detail());
            case Attempt.Deferred d -> log.warn("{}: to=<{}>{}, relay={}, delay={}, status=deferred ({})",
                    m.id(), r.address(), orig, d.relay(), delay, d.reason());
            case Attempt.Failed f -> log.warn("{}: to=<{}>{}, relay={}, delay={}, status=bounced ({})",
                    m.id(), r.address(), orig, f.relay(), delay, f.reason());
        }
    }

    /** Stops taking work and waits up to {@code grace} for attempts under way; what is left stays in the spool. */
    public void close(Duration grace) {
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
