package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.io.AppendLog;
import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which removals write their {@code spool/finished} record without waiting for its fdatasync
 * ({@link Spool#removeRepeatable}): only a message whose every recipient was delivered locally, with no notice
 * queued. A power loss before the log's next fdatasync (simulated: the log cut to what its last fdatasync covered)
 * brings back only such messages, recovered, so that their local deliveries look for their earlier copies.
 */
class RepeatableRemovalTest {
    private static final Duration NEVER = Duration.ofDays(1);

    @TempDir
    Path dir;

    private final SchedulerTest.MutableClock clock = new SchedulerTest.MutableClock();
    /** Per queue ID, the {@code recovering} flag of each delivery of it. */
    private final Map<String, List<Boolean>> deliveries = new ConcurrentHashMap<>();
    /** Notices queued (sender ""), each delivered when its pass comes. */
    private final List<String> notices = new CopyOnWriteArrayList<>();
    private final CountDownLatch noticesMayGo = new CountDownLatch(1);
    private final List<Scheduler> schedulers = new ArrayList<>();

    /** Recipients {@code @local.test} are on the local route; every other one on its domain's, delivered there. */
    private final Transport transport = new Transport() {
        @Override
        public String route(String address) {
            String domain = address.substring(address.indexOf('@') + 1);
            return domain.equals("local.test") ? LOCAL : domain;
        }

        @Override
        public List<Attempt> deliver(QueuedMessage m, List<Integer> indices, boolean recovering) {
            if (m.envelope().sender().isEmpty()) {
                try { // held until the test has looked at the log: its durable removal would fdatasync it
                    noticesMayGo.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                notices.add(m.id());
            } else {
                deliveries.computeIfAbsent(m.id(), k -> new CopyOnWriteArrayList<>()).add(recovering);
            }
            String first = m.envelope().recipients().get(indices.getFirst()).address();
            if (first.startsWith("defer@")) {
                return java.util.Collections.nCopies(indices.size(), new Attempt.Deferred("local", "busy"));
            }
            boolean local = route(first).equals(LOCAL);
            Attempt a = local ? new Attempt.Delivered("local", "delivered to maildir")
                    : new Attempt.Delivered("mx.far.test[192.0.2.1]:25", "250 ok", "mx.far.test", false);
            return java.util.Collections.nCopies(indices.size(), a);
        }
    };

    @AfterEach
    void tearDown() {
        schedulers.forEach(s -> s.close(Duration.ofSeconds(5)));
    }

    private Spool spool(Duration flushAfter) throws IOException {
        return new Spool(dir, clock, new DirectorySync(), Spool.COMPACT_AT, Spool.JOURNAL_MAX, flushAfter);
    }

    private Scheduler scheduler(Spool spool) {
        Scheduler s = new Scheduler(spool, transport, clock, PerRecipient.settings(
                new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15)), 2));
        schedulers.add(s);
        return s;
    }

    private QueuedMessage queue(Spool spool, String notify, String... rcpts) throws IOException {
        List<Envelope.Recipient> list = java.util.Arrays.stream(rcpts)
                .map(r -> new Envelope.Recipient(r, r, notify, null)).toList();
        Spool.Incoming in = spool.begin(id -> new Envelope(id, "sender@far.test", clock.instant(),
                "192.0.2.9", "c.test", "ESMTP", false, null, null, null, list, 0));
        byte[] content = "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        return in.commit(ContentFacts.of(content));
    }

    @Test
    void theRecordOfAMessageDeliveredOnlyLocallyIsMadeDurableByTheDelayedFdatasync() throws Exception {
        Spool spool = spool(Duration.ofMillis(200));
        Scheduler s = scheduler(spool);
        QueuedMessage m = queue(spool, null, "a@local.test", "b@local.test");
        s.runDue(m, false);
        assertThat(spool.find(m.id())).isNull();
        AppendLog log = spool.finishedLog();
        assertThat(log.read()).containsExactly(m.id());
        // nothing else runs an fdatasync of the log here (the record's own wait is the other tests')
        await().atMost(Duration.ofSeconds(30)).until(() -> !log.unsynced());
        assertThat(log.syncedSize()).isEqualTo(log.size());
    }

    @Test
    void aRemoteRecipientANoticeOrTheOperatorsDeleteMakeTheRemovalDurable() throws Exception {
        Spool spool = spool(NEVER);
        Scheduler s = scheduler(spool);
        AppendLog log = spool.finishedLog();

        QueuedMessage remote = queue(spool, null, "r@far.test");
        s.runDue(remote, false);
        assertThat(spool.find(remote.id())).isNull();
        assertThat(log.unsynced()).as("remote only").isFalse();

        QueuedMessage mixed = queue(spool, null, "a@local.test", "r@far.test");
        s.runDue(mixed, false);
        assertThat(spool.find(mixed.id())).isNull();
        assertThat(log.unsynced()).as("local and remote").isFalse();

        QueuedMessage success = queue(spool, "SUCCESS", "a@local.test");
        s.runDue(success, false);
        assertThat(spool.find(success.id())).isNull();
        assertThat(log.unsynced()).as("local, with a success notice queued").isFalse();
        noticesMayGo.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> notices.size() == 1);

        QueuedMessage deleted = queue(spool, null, "defer@local.test");
        s.submit(deleted);
        await().atMost(Duration.ofSeconds(30)).until(() -> deliveries.containsKey(deleted.id()));
        assertThat(s.delete(deleted.id())).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> spool.find(deleted.id()) == null);
        assertThat(log.unsynced()).as("deleted by the operator").isFalse();

        QueuedMessage local = queue(spool, null, "a@local.test");
        s.runDue(local, false);
        assertThat(log.unsynced()).as("local only: the one lazy removal").isTrue();
        s.close(Duration.ofSeconds(5));
        assertThat(log.unsynced()).as("made durable at the stop").isFalse();
    }

    @Test
    void aPowerLossBeforeTheFlushBringsBackOnlyLocalMessagesAndTheirDeliveriesLookForTheEarlierCopy()
            throws Exception {
        Spool spool = spool(NEVER);
        Scheduler s = scheduler(spool);
        QueuedMessage first = queue(spool, null, "a@local.test");
        QueuedMessage remote = queue(spool, null, "r@far.test", "a@local.test");
        QueuedMessage second = queue(spool, null, "a@local.test");
        QueuedMessage third = queue(spool, null, "b@local.test", "c@local.test");
        for (QueuedMessage m : List.of(first, remote, second, third)) {
            s.runDue(m, false);
        }
        AppendLog log = spool.finishedLog();
        assertThat(log.read()).containsExactly(first.id(), remote.id(), second.id(), third.id());
        assertThat(log.unsynced()).isTrue();

        // the power loss: what the last fdatasync (the remote message's) did not cover is gone
        try (FileChannel ch = FileChannel.open(dir.resolve("finished"), StandardOpenOption.WRITE)) {
            ch.truncate(log.syncedSize());
        }
        assertThat(new AppendLog(dir.resolve("finished")).read()).containsExactly(first.id(), remote.id());

        Spool restarted = spool(NEVER);
        List<QueuedMessage> recovered = restarted.recover();
        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(second.id(), third.id());
        scheduler(restarted).recover(recovered);
        await().atMost(Duration.ofSeconds(30)).until(() -> restarted.find(second.id()) == null
                && restarted.find(third.id()) == null);
        assertThat(deliveries.get(second.id())).as("delivered, then repeated as recovered").containsExactly(false, true);
        assertThat(deliveries.get(third.id())).containsExactly(false, true);
        assertThat(deliveries.get(remote.id())).as("never repeated").containsExactly(false, false);
        assertThat(deliveries.get(first.id())).containsExactly(false);
    }
}
