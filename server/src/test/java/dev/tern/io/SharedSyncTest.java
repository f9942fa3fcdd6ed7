package dev.tern.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SharedSyncTest {
    @TempDir
    Path dir;

    /**
     * Callers that arrive while an fsync runs wait for it and then share the next one; a flight recording says so
     * of each: the first led its own fsync alone, the others were queued behind it and covered together by one.
     */
    @Test
    void callersQueuedBehindARunningFsyncShareTheNextAndTheRecordingSaysSo() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        SharedSync sync = new SharedSync("test", () -> {
            if (runs.incrementAndGet() == 1) {
                first.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS); // the first fsync is slow: the others arrive meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        int followers = 5;
        List<RecordedEvent> events;
        try (Recording rec = new Recording(); ExecutorService pool = Executors.newFixedThreadPool(followers + 1)) {
            rec.enable("dev.tern.SharedSync");
            rec.start();
            List<Future<?>> all = new ArrayList<>();
            all.add(pool.submit(() -> {
                sync.sync();
                return null;
            }));
            assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
            Queue<Thread> waiting = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < followers; i++) {
                all.add(pool.submit(() -> {
                    waiting.add(Thread.currentThread());
                    sync.sync();
                    return null;
                }));
            }
            // every follower parked inside sync(), behind the running fsync
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> waiting.size() == followers
                    && waiting.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
            release.countDown();
            for (Future<?> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
            rec.stop();
            Path file = dir.resolve("sync.jfr");
            rec.dump(file);
            events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.tern.SharedSync")).toList();
        }
        assertThat(runs).hasValue(2);
        assertThat(events).hasSize(followers + 1).allSatisfy(e -> {
            assertThat(e.getString("file")).isEqualTo("test");
            assertThat(e.getDuration("queued").plus(e.getDuration("fsync")).plus(e.getDuration("wakeUp")))
                    .isLessThanOrEqualTo(e.getDuration());
        });
        assertThat(events).filteredOn(e -> e.getLong("covered") == 1).singleElement()
                .satisfies(e -> assertThat(e.getBoolean("leader")).isTrue());
        List<RecordedEvent> shared = events.stream().filter(e -> e.getLong("covered") == followers).toList();
        assertThat(shared).hasSize(followers);
        assertThat(shared).filteredOn(e -> e.getBoolean("leader")).hasSize(1);
        assertThat(shared).allSatisfy(e -> assertThat(e.getDuration("queued")).isPositive());
    }
}
