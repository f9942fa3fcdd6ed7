package dev.tern.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SharedSyncHandOffTest {

    /** A slow first fsync, released by the test; later ones return at once. */
    private static final class Gate implements SharedSync.Action {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        volatile IOException failFirst;
        volatile RuntimeException bugFirst;

        @Override
        public void run() throws IOException {
            if (runs.incrementAndGet() == 1) {
                started.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (failFirst != null) {
                    throw failFirst;
                }
                if (bugFirst != null) {
                    throw bugFirst;
                }
            }
        }
    }

    /** Starts {@code followers} callers once the first fsync runs, and waits until each is parked in sync(). */
    private static List<Future<?>> behindTheFirst(SharedSync sync, Gate gate, ExecutorService pool, int followers)
            throws InterruptedException {
        List<Future<?>> all = new ArrayList<>();
        all.add(pool.submit(() -> {
            sync.sync();
            return null;
        }));
        assertThat(gate.started.await(10, TimeUnit.SECONDS)).isTrue();
        Queue<Thread> waiting = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < followers; i++) {
            all.add(pool.submit(() -> {
                waiting.add(Thread.currentThread());
                sync.sync();
                return null;
            }));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> waiting.size() == followers
                && waiting.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        return all;
    }

    @Test
    void callersQueuedBehindARunningFsyncShareTheNextOne() throws Exception {
        Gate gate = new Gate();
        SharedSync sync = new SharedSync("test", gate);
        int followers = 5;
        try (ExecutorService pool = Executors.newFixedThreadPool(followers + 1)) {
            List<Future<?>> all = behindTheFirst(sync, gate, pool, followers);
            gate.release.countDown();
            for (Future<?> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(gate.runs).hasValue(2);
        sync.sync(); // nothing running: the caller leads at once
        assertThat(gate.runs).hasValue(3);
    }

    /** The failed fsync fails the caller that ran it; those queued behind it get one of their own. */
    @Test
    void aFailedFsyncFailsOnlyTheCallersItWasToCover() throws Exception {
        Gate gate = new Gate();
        gate.failFirst = new IOException("disk on fire");
        SharedSync sync = new SharedSync("new/", gate);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> all = behindTheFirst(sync, gate, pool, 3);
            gate.release.countDown();
            assertThatThrownBy(() -> all.getFirst().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause()
                    .hasMessage("fsync of new/ failed: disk on fire");
            for (Future<?> f : all.subList(1, all.size())) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(gate.runs).hasValue(2);
    }

    /** A bug in the fsync (an unchecked exception) reaches its leader as it is, and stops no one behind it. */
    @Test
    void aBugInTheFsyncFailsItsLeaderAndHandsTheLeadOn() throws Exception {
        Gate gate = new Gate();
        gate.bugFirst = new IllegalStateException("bug");
        SharedSync sync = new SharedSync("new/", gate);
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            List<Future<?>> all = behindTheFirst(sync, gate, pool, 2);
            gate.release.countDown();
            assertThatThrownBy(() -> all.getFirst().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isSameAs(gate.bugFirst);
            for (Future<?> f : all.subList(1, all.size())) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(gate.runs).hasValue(2);
        sync.sync();
        assertThat(gate.runs).hasValue(3);
    }

    /**
     * Many callers at once: each returns only after an fsync that started after its own write has ended, however
     * the lead is handed on; fewer fsyncs than callers run.
     */
    @Test
    void everyCallerReturnsOnlyAfterAnFsyncThatStartedAfterItsWrite() throws Exception {
        AtomicLong written = new AtomicLong(); // writes made so far
        AtomicLong durable = new AtomicLong(); // every write up to this one is covered by an ended fsync
        AtomicInteger runs = new AtomicInteger();
        SharedSync sync = new SharedSync("test", () -> {
            long upTo = written.get(); // the writes this fsync covers
            runs.incrementAndGet();
            Thread.onSpinWait();
            durable.accumulateAndGet(upTo, Math::max);
        });
        int threads = 8;
        int each = 500;
        List<String> wrong = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<List<Long>>> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                all.add(pool.submit(() -> {
                    List<Long> early = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        long mine = written.incrementAndGet();
                        sync.sync();
                        if (durable.get() < mine) {
                            early.add(mine);
                        }
                    }
                    return early;
                }));
            }
            for (Future<List<Long>> f : all) {
                f.get(20, TimeUnit.SECONDS).forEach(w -> wrong.add("write " + w + " returned before its fsync"));
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(runs.get()).isBetween(1, threads * each);
    }

    @Test
    void anInterruptDoesNotEndTheWaitAndIsKept() throws Exception {
        Gate gate = new Gate();
        SharedSync sync = new SharedSync("test", gate);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            pool.submit(() -> {
                sync.sync();
                return null;
            });
            assertThat(gate.started.await(10, TimeUnit.SECONDS)).isTrue();
            CountDownLatch returned = new CountDownLatch(1);
            AtomicInteger flagKept = new AtomicInteger();
            Thread follower = Thread.ofPlatform().start(() -> {
                try {
                    sync.sync();
                    flagKept.set(Thread.currentThread().isInterrupted() ? 1 : 2);
                } catch (IOException e) {
                    flagKept.set(3);
                }
                returned.countDown();
            });
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> follower.getState() == Thread.State.WAITING);
            follower.interrupt();
            assertThat(returned.await(200, TimeUnit.MILLISECONDS)).isFalse(); // still behind the running fsync
            gate.release.countDown();
            assertThat(returned.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(flagKept).hasValue(1);
        }
        assertThat(gate.runs).hasValue(2);
    }
}
