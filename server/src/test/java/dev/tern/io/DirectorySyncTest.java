package dev.tern.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class DirectorySyncTest {
    @TempDir
    Path dir;

    /** Starts {@code n} callers of {@code sync(target)} at once; one future per caller. */
    private static List<Future<Void>> concurrently(DirectorySync sync, Path target, int n, ExecutorService pool)
            throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                sync.sync(target);
                return null;
            }));
        }
        try {
            assertThat(ready.await(5, TimeUnit.SECONDS)).as("all callers started").isTrue();
        } finally {
            go.countDown(); // never leave callers parked, even when the assertion fails
        }
        return futures;
    }

    @Test
    void aSingleCallerReturns() throws Exception {
        DirectorySync sync = new DirectorySync();
        sync.sync(dir);
        sync.sync(dir); // and again: a later round
    }

    @Test
    void manyConcurrentCallersAllReturn() throws Exception {
        DirectorySync sync = new DirectorySync();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            for (int round = 0; round < 5; round++) {
                for (Future<Void> f : concurrently(sync, dir, 64, pool)) {
                    f.get(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void manyVirtualThreadsOnSeveralDirectoriesAllReturn() throws Exception {
        DirectorySync sync = new DirectorySync();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            dirs.add(Files.createDirectory(dir.resolve("d" + i)));
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> all = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                Path d = dirs.get(i % dirs.size());
                int n = i;
                all.add(pool.submit(() -> {
                    // a rename just before the sync, as the spool does
                    Path tmp = d.resolve("t" + n);
                    Files.writeString(tmp, "x");
                    Durable.moveAtomically(tmp, d.resolve("f" + n));
                    sync.sync(d);
                    return null;
                }));
            }
            for (Future<Void> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        for (Path d : dirs) {
            try (var s = Files.list(d)) {
                assertThat(s.count()).isEqualTo(100);
            }
        }
    }

    @Test
    void aFailingFsyncIsThrownToItsCallersAndALaterRoundSucceeds() throws Exception {
        DirectorySync sync = new DirectorySync();
        Path missing = dir.resolve("not-yet");

        assertThatThrownBy(() -> sync.sync(missing)).isInstanceOf(IOException.class);

        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            List<Future<Void>> failing = concurrently(sync, missing, 32, pool);
            for (Future<Void> f : failing) {
                assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(IOException.class);
            }

            Files.createDirectory(missing);

            sync.sync(missing); // the earlier failure does not stick
            for (Future<Void> f : concurrently(sync, missing, 32, pool)) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aFailureInOneDirectoryDoesNotAffectAnother() throws Exception {
        DirectorySync sync = new DirectorySync();
        assertThatThrownBy(() -> sync.sync(dir.resolve("missing"))).isInstanceOf(IOException.class);
        sync.sync(dir);
    }
}
