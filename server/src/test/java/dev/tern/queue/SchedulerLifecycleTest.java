package dev.tern.queue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SchedulerLifecycleTest {
    @TempDir
    Path dir;

    private static final RetrySchedule FAST = new RetrySchedule(Duration.ofMillis(50), Duration.ofMillis(200));
    private final Clock clock = Clock.systemUTC();
    private final List<Scheduler> schedulers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        schedulers.forEach(s -> s.close(Duration.ofSeconds(1)));
    }

    private Scheduler scheduler(Spool spool, PerRecipient t, RetrySchedule schedule, int concurrency) {
        Scheduler s = new Scheduler(spool, t.transport(), clock, PerRecipient.settings(schedule, concurrency));
        schedulers.add(s);
        return s;
    }

    private Spool spool() throws IOException {
        return new Spool(dir, clock, new DirectorySync());
    }

    private static QueuedMessage queue(Spool spool, String... recipients) throws IOException {
        return SpoolTest.queue(spool, "Subject: t\r\n\r\nhello\r\n", recipients);
    }

    /** One call the scheduler made. */
    record Call(String id, int index, boolean recovering, Instant at) {
    }

    /**
     * A transport that answers from a script per recipient index (the last answer repeats) and records each call.
     * An answer may be a function of the message, so that the test can look at the spool during an attempt.
     */
    static final class Scripted implements PerRecipient {
        final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        private final Map<Integer, Deque<Function<QueuedMessage, Attempt>>> script = new HashMap<>();

        @SafeVarargs
        final Scripted on(int index, Function<QueuedMessage, Attempt>... answers) {
            script.put(index, new ArrayDeque<>(List.of(answers)));
            return this;
        }

        Scripted on(int index, Attempt... answers) {
            Deque<Function<QueuedMessage, Attempt>> d = new ArrayDeque<>();
            for (Attempt a : answers) {
                d.add(m -> a);
            }
            script.put(index, d);
            return this;
        }

        @Override
        public synchronized Attempt deliver(QueuedMessage message, int index, boolean recovering) {
            calls.add(new Call(message.id(), index, recovering, Instant.now()));
            Deque<Function<QueuedMessage, Attempt>> d = script.get(index);
            Function<QueuedMessage, Attempt> next = d.size() > 1 ? d.poll() : d.peek();
            return next.apply(message);
        }

        List<Call> calls(int index) {
            return calls.stream().filter(c -> c.index() == index).toList();
        }

        /** The calls for one message (a failure also queues a bounce, which the transport sees too). */
        List<Call> of(String id) {
            return calls.stream().filter(c -> c.id().equals(id)).toList();
        }
    }

    static Attempt delivered() {
        return new Attempt.Delivered("test", "250 2.0.0 OK");
    }

    static Attempt deferred(String why) {
        return new Attempt.Deferred("test", why);
    }

    static Attempt failed(String why) {
        return new Attempt.Failed("test", why);
    }

    private static void awaitGone(Spool spool, Scheduler s, String id) {
        await().atMost(5, SECONDS).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            assertThat(spool.find(id)).isNull();
            assertThat(s.messages()).extracting(QueuedMessage::id).doesNotContain(id);
        });
        assertThat(spool.stateFile(id)).doesNotExist();
    }

    @Test
    void aDeliveredMessageIsRemovedFromTheSpool() throws Exception {
        Spool spool = spool();
        Scripted t = new Scripted().on(0, delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test");

        s.submit(m);

        awaitGone(spool, s, m.id());
        assertThat(t.calls).extracting(Call::id, Call::index, Call::recovering)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(m.id(), 0, false));
        try (var files = Files.list(dir.resolve("queue"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aDeferredRecipientIsRetriedThenDeliveredAndTheMessageRemoved() throws Exception {
        Spool spool = spool();
        Scripted t = new Scripted().on(0, deferred("451 4.3.0 try later"), deferred("451 4.3.0 again"), delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test");

        s.submit(m);

        awaitGone(spool, s, m.id());
        List<Call> calls = t.calls(0);
        assertThat(calls).hasSize(3);
        assertThat(calls).noneMatch(Call::recovering);
        // 50 ms then 100 ms, each with at most 10% jitter
        assertThat(Duration.between(calls.get(0).at(), calls.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(44));
        assertThat(Duration.between(calls.get(1).at(), calls.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(89));
    }

    @Test
    void theStateFileRecordsTheDeferralBetweenTries() throws Exception {
        Spool spool = spool();
        List<RecipientState> seenOnDisk = new ArrayList<>();
        Function<QueuedMessage, Attempt> lookThenDeliver = m -> {
            try {
                seenOnDisk.add(RecipientState.read(spool.stateFile(m.id()), m.envelope()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return delivered();
        };
        Scripted t = new Scripted()
                .on(0, m -> deferred("452 4.2.2 mailbox full"), lookThenDeliver)
                .on(1, delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test", "b@example.test");
        Instant before = Instant.now();

        s.submit(m);

        awaitGone(spool, s, m.id());
        assertThat(seenOnDisk).hasSize(1);
        RecipientState onDisk = seenOnDisk.get(0);
        RecipientState.Entry e0 = onDisk.get(0);
        assertThat(e0.status()).isEqualTo(RecipientState.Status.DEFERRED);
        assertThat(e0.attempts()).isEqualTo(1);
        assertThat(e0.lastError()).isEqualTo("452 4.2.2 mailbox full");
        assertThat(e0.lastAttempt()).isAfterOrEqualTo(before.minusMillis(1));
        assertThat(Duration.between(e0.lastAttempt(), e0.nextAttempt()))
                .isBetween(Duration.ofMillis(45), Duration.ofMillis(55));
        RecipientState.Entry e1 = onDisk.get(1);
        assertThat(e1.status()).isEqualTo(RecipientState.Status.DELIVERED);
        assertThat(e1.attempts()).isEqualTo(1);
        assertThat(e1.lastError()).isNull();
        assertThat(e1.nextAttempt()).isNull();
        // the delivered recipient was not tried again
        assertThat(t.calls(1)).hasSize(1);
        assertThat(t.calls(0)).hasSize(2);
    }

    @Test
    void attemptsCountUpAcrossDeferrals() throws Exception {
        Spool spool = spool();
        CountDownLatch third = new CountDownLatch(1);
        Scripted t = new Scripted().on(0, deferred("one"), deferred("two"), deferred("three"));
        Scheduler s = scheduler(spool, new PerRecipient() {
            final AtomicInteger n = new AtomicInteger();

            @Override
            public Attempt deliver(QueuedMessage message, int index, boolean recovering) {
                Attempt a = t.deliver(message, index, recovering);
                if (n.incrementAndGet() == 3) {
                    third.countDown();
                }
                return a;
            }
        }, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test");

        s.submit(m);

        assertThat(third.await(5, SECONDS)).isTrue();
        Path state = spool.stateFile(m.id());
        await().atMost(5, SECONDS).untilAsserted(() -> {
            RecipientState.Entry e = RecipientState.read(state, m.envelope()).get(0);
            assertThat(e.attempts()).isGreaterThanOrEqualTo(3);
        });
        assertThat(t.calls.size()).isGreaterThanOrEqualTo(3);
        RecipientState.Entry e = RecipientState.read(state, m.envelope()).get(0);
        assertThat(e.status()).isEqualTo(RecipientState.Status.DEFERRED);
        assertThat(e.lastError()).isEqualTo("three"); // the third answer, repeated from then on
        assertThat(spool.find(m.id())).isNotNull();
        assertThat(s.messages()).extracting(QueuedMessage::id).containsExactly(m.id());
    }

    @Test
    void oneDeliveredAndOneFailedRecipientRemovesTheMessage() throws Exception {
        Spool spool = spool();
        Scripted t = new Scripted().on(0, delivered()).on(1, failed("550 5.1.1 no such user"));
        Scheduler s = scheduler(spool, t, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test", "b@example.test");

        s.submit(m);

        awaitGone(spool, s, m.id());
        Thread.sleep(250); // longer than the longest retry: nobody is tried again
        assertThat(t.of(m.id())).extracting(Call::index).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void aFailedOnlyMessageIsRemovedWithoutRetry() throws Exception {
        Spool spool = spool();
        Scripted t = new Scripted().on(0, failed("554 5.7.1 rejected"));
        Scheduler s = scheduler(spool, t, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test");

        s.submit(m);

        awaitGone(spool, s, m.id());
        assertThat(t.of(m.id())).hasSize(1);
    }

    @Test
    void aTransportThatThrowsIsRetried() throws Exception {
        Spool spool = spool();
        Scripted t = new Scripted().on(0, m -> {
            throw new IllegalStateException("bug in the transport");
        }, m -> delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test");

        s.submit(m);

        awaitGone(spool, s, m.id());
        assertThat(t.calls).hasSize(2);
    }

    @Test
    void aRecoveredMessageIsAttemptedWithRecoveringTrue() throws Exception {
        Spool first = spool();
        QueuedMessage m = queue(first, "a@example.test");

        Spool spool = spool(); // restart
        List<QueuedMessage> recovered = spool.recover();
        Scripted t = new Scripted().on(0, delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);

        s.recover(recovered);

        awaitGone(spool, s, m.id());
        assertThat(t.calls).extracting(Call::id, Call::index, Call::recovering)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(m.id(), 0, true));
    }

    @Test
    void aRecoveredMessageSkipsRecipientsRecordedAsDone() throws Exception {
        Spool first = spool();
        QueuedMessage m = queue(first, "a@example.test", "b@example.test", "c@example.test");
        Instant past = Instant.now().minusSeconds(60);
        RecipientState st = m.state();
        st.set(0, new RecipientState.Entry(RecipientState.Status.DELIVERED, 1, null, past, null));
        st.set(1, new RecipientState.Entry(RecipientState.Status.DEFERRED, 1, "busy", past, past.plusSeconds(1)));
        st.set(2, new RecipientState.Entry(RecipientState.Status.FAILED, 1, "550", past, null));
        first.saveState(st);

        Spool spool = spool();
        Scripted t = new Scripted().on(1, delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);

        s.recover(spool.recover());

        awaitGone(spool, s, m.id());
        assertThat(t.of(m.id())).extracting(Call::index, Call::recovering)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, true));
    }

    @Test
    void aRecoveredDeferralIsKeptUntilItsTime() throws Exception {
        Spool first = spool();
        QueuedMessage m = queue(first, "a@example.test");
        Instant now = Instant.now();
        m.state().set(0, new RecipientState.Entry(RecipientState.Status.DEFERRED, 2, "busy", now,
                now.plusMillis(300)));
        first.saveState(m.state());

        Spool spool = spool();
        Scripted t = new Scripted().on(0, delivered());
        Scheduler s = scheduler(spool, t, FAST, 4);

        s.recover(spool.recover());

        awaitGone(spool, s, m.id());
        assertThat(t.calls).hasSize(1);
        assertThat(t.calls.peek().at()).isAfterOrEqualTo(now.plusMillis(299));
    }

    @Test
    void manyMessagesAreEachDeliveredOnceWithLimitedConcurrency() throws Exception {
        Spool spool = spool();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        ConcurrentLinkedQueue<String> delivered = new ConcurrentLinkedQueue<>();
        PerRecipient t = (message, index, recovering) -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            delivered.add(message.id() + "/" + index);
            return delivered();
        };
        Scheduler s = scheduler(spool, t, FAST, 3);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            QueuedMessage m = queue(spool, "a@example.test", "b@example.test");
            expected.add(m.id() + "/0");
            expected.add(m.id() + "/1");
            s.submit(m);
        }

        await().atMost(10, SECONDS).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            assertThat(s.messages()).isEmpty();
            try (var files = Files.list(dir.resolve("queue"))) {
                assertThat(files).isEmpty();
            }
        });
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(maxInFlight.get()).isBetween(1, 3);
    }

    @Test
    void closeReturnsPromptlyAndLeavesWaitingMessagesInTheSpool() throws Exception {
        Spool spool = spool();
        Scripted t = new Scripted().on(0, deferred("later"));
        Scheduler s = new Scheduler(spool, t.transport(), clock, PerRecipient.settings(new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15)), 4));
        QueuedMessage m = queue(spool, "a@example.test");
        s.submit(m);
        await().atMost(5, SECONDS).until(() -> Files.exists(spool.stateFile(m.id())));

        long start = System.nanoTime();
        s.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

        assertThat(spool.find(m.id())).isNotNull();
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(m.id());
    }

    @Test
    void closeWithAnAttemptUnderWayWaitsAtMostTheGrace() throws Exception {
        // the interrupted attempt goes on writing after close() returns: give it a directory JUnit does not
        // delete under it (it is in the system temp dir and small)
        Spool spool = new Spool(Files.createTempDirectory("tern-close-test-"), clock, new DirectorySync());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        PerRecipient stuck = (message, index, recovering) -> {
            entered.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                // woken by close(); return normally so the outcome is recorded
            }
            return deferred("interrupted");
        };
        Scheduler s = new Scheduler(spool, stuck.transport(), clock, PerRecipient.settings(FAST, 4));
        QueuedMessage m = queue(spool, "a@example.test");
        s.submit(m);
        assertThat(entered.await(5, SECONDS)).isTrue();

        long start = System.nanoTime();
        s.close(Duration.ofMillis(200));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(spool.find(m.id())).isNotNull();
    }

    @Test
    void deleteDuringAStuckAttemptAnswersAtOnceAndTheAttemptRemovesTheMessageAsItEnds() throws Exception {
        Spool spool = spool();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        PerRecipient stuck = (message, index, recovering) -> {
            entered.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return deferred("slow peer");
        };
        Scheduler s = scheduler(spool, stuck, FAST, 4);
        QueuedMessage m = queue(spool, "a@example.test");
        s.submit(m);
        assertThat(entered.await(5, SECONDS)).isTrue();

        assertThat(s.delete(m.id())).isTrue(); // the attempt holds the message: delete does not wait for it
        assertThat(s.messages()).isEmpty();
        assertThat(spool.find(m.id())).isNotNull();

        letGo.countDown();
        awaitGone(spool, s, m.id());
    }

    @Test
    void aFullRouteParksTheMessageWithoutAThreadAndAFreedPlaceWakesIt() throws Exception {
        Spool spool = spool();
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        Transport oneAtATime = new Transport() {
            @Override
            public String route(String address) {
                return "smtp:example.test";
            }

            @Override
            public int limit(String route) {
                return 1;
            }

            @Override
            public List<Attempt> deliver(QueuedMessage message, List<Integer> indices, boolean recovering) {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    letGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.decrementAndGet();
                }
                return List.of(delivered());
            }
        };
        // two threads per lane: one stuck in the delivery, and one that takes every other message in turn, which
        // it could not if a message waiting for the route held it
        Scheduler s = new Scheduler(spool, oneAtATime, clock, PerRecipient.settings(FAST, 2));
        schedulers.add(s);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            QueuedMessage m = queue(spool, "a@example.test");
            ids.add(m.id());
            s.submit(m);
        }
        await().atMost(5, SECONDS).until(() -> s.waitingForRoute() == 4);
        letGo.countDown();
        for (String id : ids) {
            awaitGone(spool, s, id);
        }
        assertThat(maxInFlight.get()).isEqualTo(1);
    }

    @Test
    void closeOfAnIdleSchedulerIsImmediate() {
        Scheduler s = new Scheduler(null, ((PerRecipient) (m, i, r) -> delivered()).transport(), clock, PerRecipient.settings(FAST, 1));
        long start = System.nanoTime();
        s.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
    }

    @Test
    void contentIsReadableThroughTheQueuedMessage() throws Exception {
        Spool spool = spool();
        ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        PerRecipient t = (message, index, recovering) -> {
            try {
                byte[] all = Files.readAllBytes(message.file());
                bodies.add(new String(all, (int) message.contentOffset(), (int) message.contentSize(),
                        StandardCharsets.UTF_8));
            } catch (IOException e) {
                return deferred(e.toString());
            }
            return delivered();
        };
        Scheduler s = scheduler(spool, t, FAST, 1);
        QueuedMessage m = queue(spool, "a@example.test");
        s.submit(m);
        awaitGone(spool, s, m.id());
        assertThat(bodies).containsExactly("Subject: t\r\n\r\nhello\r\n");
    }
}
