package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A queue found at start: what is not due waits without a pass, what is due is spread out, damage is caught. */
class SchedulerRecoveryTest {
    /** Defers everything, noting when each message was attempted. */
    static final class Recorder implements Transport {
        final ConcurrentLinkedQueue<Long> at = new ConcurrentLinkedQueue<>();
        final java.util.Set<String> ids = ConcurrentHashMap.newKeySet();

        @Override
        public String route(String address) {
            return address.substring(address.indexOf('@') + 1);
        }

        @Override
        public List<Attempt> deliver(QueuedMessage m, List<Integer> indices, boolean recovering) {
            at.add(System.nanoTime());
            ids.add(m.id());
            return Collections.nCopies(indices.size(), new Attempt.Deferred("none", "451 4.3.0 still down"));
        }
    }

    @TempDir
    Path dir;
    final Recorder transport = new Recorder();
    Scheduler scheduler;

    private Spool spool() throws IOException {
        return new Spool(dir.resolve("spool"), Clock.systemUTC(), new DirectorySync());
    }

    private Scheduler scheduler(Spool spool) {
        scheduler = new Scheduler(spool, transport, Clock.systemUTC(), new Scheduler.Settings(
                new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(15)), Duration.ofHours(4),
                Duration.ofDays(5), 4, "a.test", "postmaster@a.test"));
        return scheduler;
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void aDeferredMessageWaitsForItsRetryWithoutAPassAtStart() throws Exception {
        SpoolBuilder.build(dir, 20, 1024, Instant.now()); // next attempts 1 to 15 minutes from now
        Spool spool = spool();
        List<QueuedMessage> recovered = spool.recover();
        byte[] state = Files.readAllBytes(spool.stateFile(recovered.getFirst().id()));
        scheduler(spool).recover(recovered);

        assertThat(scheduler.size()).isEqualTo(20);
        for (QueuedMessage m : recovered) {
            Instant next = m.state().get(0).nextAttempt();
            assertThat((Object) m.nextPass).as("its next pass is on the timer").isNotNull();
            long wait = Duration.between(Instant.now(), next).toMillis();
            assertThat(m.nextPass.getDelay(TimeUnit.MILLISECONDS)).isBetween(wait - 60_000, wait + 1_000);
            assertThat(m.unverified).as("its content was not read").isTrue();
        }
        assertThat(transport.at).isEmpty();
        assertThat(spool.stateFile(recovered.getFirst().id())).hasBinaryContent(state);
    }

    @Test
    void messagesDueAtStartAreSpreadOutRatherThanAllAtOnce() throws Exception {
        int n = 400;
        SpoolBuilder.build(dir, n, 300, Instant.now().minus(Duration.ofHours(1))); // all due for an hour
        Spool spool = spool();
        List<QueuedMessage> recovered = spool.recover();
        long start = System.nanoTime();
        scheduler(spool).recover(recovered);

        // the timers as set: one due now, the others up to (n - 1) paces later, not all at once (each one's delay
        // read after the recovery, so up to the time since then short; one already tried waits a minute or more
        // for its retry, and is left out)
        long latest = recovered.stream().mapToLong(m -> m.nextPass.getDelay(TimeUnit.MILLISECONDS))
                .filter(d -> d < 30_000).max().orElseThrow();
        long since = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(latest).isGreaterThanOrEqualTo(Scheduler.RECOVERY_PACE.multipliedBy(n - 1).toMillis() - since - 2);
        await().atMost(Duration.ofSeconds(60)).until(() -> transport.ids.size() == n);
        long last = transport.at.stream().mapToLong(Long::longValue).max().orElseThrow();
        // RECOVERY_PACE apart from the recovery on: the last starts no sooner than (n - 1) paces after it (measured
        // from the recovery, not from the first attempt, which a loaded machine may start late)
        assertThat(Duration.ofNanos(last - start))
                .isGreaterThanOrEqualTo(Scheduler.RECOVERY_PACE.multipliedBy(n - 1).minusMillis(20));
    }

    @Test
    void aRecoveredMessageWhoseContentWasDamagedIsMovedAsideBeforeAnyDelivery() throws Exception {
        SpoolBuilder.build(dir, 2, 1024, Instant.now().minus(Duration.ofHours(1)));
        Path slot = dir.resolve("spool").resolve("slots").resolve(SlotFormat.slotName(1));
        byte[] b = Files.readAllBytes(slot);
        b[b.length - 200] ^= 0x01; // one bit of the content, after the 250: the trailer still looks right
        Files.write(slot, b);
        Spool spool = spool();
        List<QueuedMessage> recovered = spool.recover();
        assertThat(recovered).hasSize(2); // the start reads trailers only
        scheduler(spool).recover(recovered);

        await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.size() == 1 && transport.ids.size() == 1);
        assertThat(transport.ids).containsExactly(recovered.get(0).id());
        assertThat(slot).doesNotExist();
        assertThat(slot.resolveSibling(slot.getFileName() + ".corrupt")).exists();
        assertThat(spool.stateFile(recovered.get(1).id())).doesNotExist();
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(recovered.get(0).id());
    }
}
