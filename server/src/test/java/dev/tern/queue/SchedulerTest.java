package dev.tern.queue;

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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schedule, backoff, delay notice and lifetime, driven by a clock the test moves (nothing sleeps). */
class SchedulerTest {
    static final class MutableClock extends Clock {
        volatile Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
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

    /** Answers with scripted outcomes for ordinary mail; notices (sender "") are recorded and delivered. */
    static final class FakeTransport implements Transport {
        final Deque<Attempt> script = new ArrayDeque<>();
        final List<QueuedMessage> notices = new CopyOnWriteArrayList<>();
        final Map<String, String> content = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.Set<String> ours = java.util.concurrent.ConcurrentHashMap.newKeySet();
        volatile int calls;

        @Override
        public String route(String address) {
            return address.substring(address.indexOf('@') + 1);
        }

        @Override
        public synchronized List<Attempt> deliver(QueuedMessage m, List<Integer> indices, boolean recovering) {
            if (!ours.contains(m.id())) {
                try {
                    content.put(m.id(), new String(Files.readAllBytes(m.file()), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                notices.add(m);
                return java.util.Collections.nCopies(indices.size(), new Attempt.Delivered("local", "ok"));
            }
            calls++;
            Attempt a = script.isEmpty() ? new Attempt.Deferred("mx[192.0.2.1]:25", "still down", "4.4.1", "mx", null)
                    : script.poll();
            return java.util.Collections.nCopies(indices.size(), a);
        }
    }

    @TempDir
    Path dir;
    MutableClock clock = new MutableClock();
    FakeTransport transport = new FakeTransport();
    Spool spool;
    Scheduler scheduler;

    @BeforeEach
    void setUp() throws IOException {
        spool = new Spool(dir, clock, new DirectorySync());
        scheduler = new Scheduler(spool, transport, clock, new Scheduler.Settings(
                new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15)), Duration.ofHours(4),
                Duration.ofDays(5), 4, "a.test", "postmaster@a.test"));
    }

    @AfterEach
    void tearDown() {
        scheduler.close(Duration.ofSeconds(1));
    }

    QueuedMessage queue(String sender, String notify, int noticeLevel, String... rcpts) throws IOException {
        List<Envelope.Recipient> list = java.util.Arrays.stream(rcpts)
                .map(r -> new Envelope.Recipient(r, r, notify, null)).toList();
        Spool.Incoming in = spool.begin(id -> new Envelope(id, sender, clock.instant(), "192.0.2.9", "c.test",
                "ESMTP", false, null, null, null, list, noticeLevel));
        transport.ours.add(in.id());
        byte[] content = "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        return in.commit(ContentFacts.of(content));
    }

    String text(QueuedMessage m) {
        return transport.content.get(m.id());
    }

    @Test
    void retryBacksOffFromMinToMaxWithJitter() throws IOException {
        QueuedMessage m = queue("c@a.test", null, 0, "u@far.test");
        Duration[] expected = {Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4),
                Duration.ofMinutes(8), Duration.ofMinutes(15), Duration.ofMinutes(15)};
        for (Duration want : expected) {
            scheduler.runDue(m, false);
            RecipientState.Entry e = m.state().get(0);
            assertThat(e.status()).isEqualTo(RecipientState.Status.DEFERRED);
            Duration wait = Duration.between(clock.instant(), e.nextAttempt());
            assertThat(wait.toMillis()).isBetween((long) (want.toMillis() * 0.9), (long) (want.toMillis() * 1.1));
            // not due yet: nothing is attempted
            int calls = transport.calls;
            clock.advance(wait.minusSeconds(1));
            scheduler.runDue(m, false);
            assertThat(transport.calls).isEqualTo(calls);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(m.state().get(0).attempts()).isEqualTo(6);
        assertThat(spool.find(m.id())).isNotNull();
        // the state on disk is what a restart resumes from
        RecipientState saved = RecipientState.read(dir.resolve("queue").resolve(m.id() + ".state"), m.envelope());
        assertThat(saved.get(0)).isEqualTo(m.state().get(0));
    }

    @Test
    void delayNoticeOnceThenBounceAtTheLifetime() throws IOException {
        QueuedMessage m = queue("c@a.test", null, 0, "u@far.test");
        scheduler.runDue(m, false);
        clock.advance(Duration.ofHours(4));
        scheduler.runDue(m, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.notices.size() == 1);
        assertThat(m.state().get(0).delayNotified()).isTrue();
        assertThat(text(transport.notices.get(0))).contains("Action: delayed").contains("Status: 4.4.1");
        clock.advance(Duration.ofHours(1));
        scheduler.runDue(m, false);
        assertThat(transport.notices).hasSize(1); // one delay notice only

        // the next retry never lies beyond the lifetime
        clock.now = m.envelope().arrival().plus(Duration.ofDays(5)).minusSeconds(30);
        scheduler.runDue(m, false);
        assertThat(m.state().get(0).nextAttempt()).isBeforeOrEqualTo(m.envelope().arrival().plus(Duration.ofDays(5)));
        clock.now = m.envelope().arrival().plus(Duration.ofDays(5));
        int calls = transport.calls;
        scheduler.runDue(m, false);
        assertThat(transport.calls).isEqualTo(calls); // expired: no further attempt
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.notices.size() == 2);
        assertThat(text(transport.notices.get(1))).contains("Action: failed").contains("Status: 4.4.1")
                .contains("expired after 5 days");
        assertThat(spool.find(m.id())).isNull();
    }

    @Test
    void permanentFailureBouncesOnlyTheFailedRecipient() throws IOException {
        QueuedMessage m = queue("c@a.test", null, 0, "u@one.test", "v@two.test");
        transport.script.add(new Attempt.Failed("mx[192.0.2.1]:25", "no such user", "5.1.1", "mx.one.test",
                "550 5.1.1 no such user"));
        transport.script.add(new Attempt.Delivered("mx[192.0.2.2]:25", "250 ok", "mx.two.test", true));
        scheduler.runDue(m, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.notices.size() == 1);
        assertThat(text(transport.notices.get(0))).contains("Final-Recipient: rfc822; u@one.test")
                .doesNotContain("Final-Recipient: rfc822; v@two.test");
        assertThat(transport.notices.get(0).envelope().sender()).isEmpty();
        assertThat(transport.notices.get(0).envelope().recipients().get(0).address()).isEqualTo("c@a.test");
        assertThat(spool.find(m.id())).isNull();
    }

    @Test
    void noNoticeToTheNullSenderNorWithNotifyNever() throws IOException {
        QueuedMessage m = queue("", null, 0, "u@one.test");
        transport.script.add(new Attempt.Failed("x", "no", "5.1.1", null, null));
        scheduler.runDue(m, false);
        QueuedMessage n = queue("c@a.test", "NEVER", 0, "u@one.test");
        transport.script.add(new Attempt.Failed("x", "no", "5.1.1", null, null));
        scheduler.runDue(n, false);
        assertThat(spool.find(m.id())).isNull();
        assertThat(spool.find(n.id())).isNull();
        assertThat(transport.notices).isEmpty();
        assertThat(spool.recover()).isEmpty();
    }

    @Test
    void successNoticeOnlyWhenAskedAndNotWhenThePeerTookDsn() throws IOException {
        QueuedMessage asked = queue("c@a.test", "SUCCESS", 0, "u@one.test");
        transport.script.add(new Attempt.Delivered("local", "delivered to maildir"));
        scheduler.runDue(asked, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.notices.size() == 1);
        assertThat(text(transport.notices.get(0))).contains("Action: delivered").contains("Status: 2.0.0");
        QueuedMessage passed = queue("c@a.test", "SUCCESS", 0, "u@one.test");
        transport.script.add(new Attempt.Delivered("mx[192.0.2.1]:25", "250 ok", "mx.one.test", true));
        scheduler.runDue(passed, false);
        QueuedMessage notAsked = queue("c@a.test", null, 0, "u@one.test");
        transport.script.add(new Attempt.Delivered("mx[192.0.2.1]:25", "250 ok", "mx.one.test", false));
        scheduler.runDue(notAsked, false);
        assertThat(transport.notices).hasSize(1);
    }

    @Test
    void aNoticeThatFailsGoesOnceToThePostmasterThenIsDropped() throws IOException {
        QueuedMessage m = queue("", null, Envelope.NOTICE, "c@far.test");
        transport.script.add(new Attempt.Failed("x", "no", "5.1.1", null, null));
        scheduler.runDue(m, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> transport.notices.size() == 1);
        QueuedMessage toPostmaster = transport.notices.get(0);
        assertThat(toPostmaster.envelope().recipients().get(0).address()).isEqualTo("postmaster@a.test");
        assertThat(toPostmaster.envelope().notice()).isEqualTo(Envelope.NOTICE_TO_POSTMASTER);
        QueuedMessage second = queue("", null, Envelope.NOTICE_TO_POSTMASTER, "postmaster@a.test");
        transport.script.add(new Attempt.Failed("x", "no", "5.1.1", null, null));
        int before = transport.notices.size();
        scheduler.runDue(second, false);
        assertThat(spool.find(second.id())).isNull();
        assertThat(transport.notices).hasSize(before); // dropped, with a log line
    }

    @Test
    void retryScheduleNeverOverflowsAndStaysWithinJitter() {
        RetrySchedule s = new RetrySchedule(Duration.ofSeconds(1), Duration.ofMinutes(15));
        SplittableRandom random = new SplittableRandom(1);
        for (int n = 1; n < 2000; n += 37) {
            Duration d = s.delayAfter(n, random);
            assertThat(d.toMillis()).isPositive().isLessThanOrEqualTo((long) (Duration.ofMinutes(15).toMillis() * 1.1));
        }
        assertThat(s.delayAfter(1, random).toMillis()).isBetween(900L, 1100L);
    }

    /**
     * Issue 17: a pass over a message to many domains saves its state between the groups (a restart does not
     * repeat what was recorded), but a bounded number of times: after each group for a small message, after
     * every {@code size / 32} recipients for a big one, not once per domain.
     */
    @Test
    void aPassSavesBetweenGroupsBoundedForABigMessage() throws IOException {
        for (int domains : new int[] {4, 256}) {
            List<Integer> seenOnDisk = new ArrayList<>();
            Transport counting = new Transport() {
                @Override
                public String route(String address) {
                    return address.substring(address.indexOf('@') + 1);
                }

                @Override
                public List<Attempt> deliver(QueuedMessage m, List<Integer> indices, boolean recovering) {
                    try {
                        String onDisk = Files.exists(spool.stateFile(m.id()))
                                ? Files.readString(spool.stateFile(m.id())) : "";
                        seenOnDisk.add(onDisk.split("\"DELIVERED\"", -1).length - 1);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return java.util.Collections.nCopies(indices.size(), new Attempt.Delivered("mx", "ok"));
                }
            };
            try (Scheduler s = new Scheduler(spool, counting, clock, new Scheduler.Settings(
                    new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15)), Duration.ofHours(4),
                    Duration.ofDays(5), 4, "a.test", "postmaster@a.test"))) {
                String[] rcpts = new String[domains];
                for (int i = 0; i < domains; i++) {
                    rcpts[i] = "u" + i + "@d" + i + ".test";
                }
                QueuedMessage m = queue("a@a.test", null, 0, rcpts);
                s.runDue(m, false);
                assertThat(seenOnDisk).hasSize(domains);
                int period = Scheduler.savePeriod(domains);
                for (int k = 0; k < domains; k++) {
                    assertThat(seenOnDisk.get(k)).as("group %d of %d", k, domains).isEqualTo(k - k % period);
                }
                assertThat(seenOnDisk.stream().distinct().count()).isLessThanOrEqualTo(Scheduler.SAVES_PER_PASS + 1);
            }
        }
        assertThat(Scheduler.savePeriod(4)).isEqualTo(1);
        assertThat(Scheduler.savePeriod(100_000)).isEqualTo(3125);
    }

    /**
     * Issue 17: a due message whose route is full waits on the route's list without passes in a loop (the timer
     * used to start its pass again at once, since its recipient was still due: millions of queued passes with a
     * big overdue queue), and the place given back runs it.
     */
    @Test
    void aDueMessageWaitingForItsRouteDoesNotSpin() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger routesAsked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean blockNext = new java.util.concurrent.atomic.AtomicBoolean();
        Transport oneAtATime = new Transport() {
            @Override
            public String route(String address) {
                if (address.startsWith("waits@")) {
                    routesAsked.incrementAndGet();
                }
                return "smtp:d.test";
            }

            @Override
            public int limit(String route) {
                return 1;
            }

            @Override
            public List<Attempt> deliver(QueuedMessage m, List<Integer> indices, boolean recovering) {
                if (blockNext.getAndSet(false)) {
                    try {
                        release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return java.util.Collections.nCopies(indices.size(), new Attempt.Delivered("mx", "ok"));
                }
                return java.util.Collections.nCopies(indices.size(),
                        new Attempt.Deferred("mx[192.0.2.1]:25", "451 later", "4.3.0", "mx", null));
            }
        };
        try (Scheduler s = new Scheduler(spool, oneAtATime, clock, new Scheduler.Settings(
                new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15)), Duration.ofHours(4),
                Duration.ofDays(5), 4, "a.test", "postmaster@a.test"))) {
            QueuedMessage waits = queue("a@a.test", null, 0, "waits@d.test");
            s.submit(waits);
            await().atMost(Duration.ofSeconds(10)).until(() -> waits.state().get(0).attempts() == 1); // deferred
            QueuedMessage holder = queue("a@a.test", null, 0, "holder@d.test");
            blockNext.set(true);
            s.submit(holder); // takes the route's one place and keeps it
            await().atMost(Duration.ofSeconds(10)).until(() -> !blockNext.get());
            clock.advance(Duration.ofMinutes(5)); // the deferred recipient is due
            int before = routesAsked.get();
            s.release(waits.id()); // a pass now, with the recipient overdue (a flush would make it due differently)
            await().atMost(Duration.ofSeconds(10)).until(() -> s.waitingForRoute() == 1);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> routesAsked.get() - before <= 3);
            release.countDown(); // the place given back runs the waiting message
            await().atMost(Duration.ofSeconds(10)).until(() -> waits.state().get(0).attempts() == 2);
        }
    }
}
