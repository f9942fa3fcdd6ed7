package dev.tern.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class AppendLogTest {
    @TempDir
    Path dir;

    @Test
    void recordsAreReadBackInOrderAndNoFileMeansNone() throws Exception {
        AppendLog log = new AppendLog(dir.resolve("log"));
        assertThat(log.read()).isEmpty();
        assertThat(Files.exists(dir.resolve("log"))).isFalse();
        log.append("18F0000000001");
        log.append("18F0000000002");
        assertThat(new AppendLog(dir.resolve("log")).read()).containsExactly("18F0000000001", "18F0000000002");
        assertThat(log.size()).isEqualTo(Files.size(dir.resolve("log")));
    }

    @Test
    void aLineACrashCutOffOrGarbledIsSkippedAndLaterRecordsStillCount() throws Exception {
        Path file = dir.resolve("log");
        AppendLog log = new AppendLog(file);
        log.append("first");
        String whole = Files.readString(file);
        // a record cut off, then zeros (an append whose length reached the disk but not its data), then a flipped one
        Files.writeString(file, whole.substring(0, whole.length() - 3) + "\n", StandardOpenOption.APPEND);
        Files.write(file, new byte[12], StandardOpenOption.APPEND);
        Files.writeString(file, whole.replace("first", "firsT"), StandardOpenOption.APPEND);
        AppendLog reopened = new AppendLog(file);
        reopened.append("second");
        assertThat(reopened.read()).containsExactly("first", "second");
    }

    @Test
    void aRecordIsOneLine() {
        AppendLog log = new AppendLog(dir.resolve("log"));
        assertThatThrownBy(() -> log.append("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resetEmptiesTheFileAndAppendsGoOn() throws Exception {
        AppendLog log = new AppendLog(dir.resolve("log"));
        log.reset(); // no file yet: nothing to do
        log.append("a");
        log.reset();
        assertThat(log.read()).isEmpty();
        assertThat(log.size()).isZero();
        log.append("b");
        assertThat(log.read()).containsExactly("b");
        new AppendLog(dir.resolve("log")).reset(); // another process' view of it
        assertThat(Files.readString(dir.resolve("log"), StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void replaceKeepsOnlyTheGivenRecordsAndAppendsGoOnAfterThem() throws Exception {
        AppendLog log = new AppendLog(dir.resolve("log"));
        log.append("a");
        log.append("b");
        log.append("c");
        log.replace(List.of("b"));
        assertThat(log.read()).containsExactly("b");
        assertThat(log.size()).isEqualTo(Files.size(dir.resolve("log")));
        log.append("d");
        assertThat(new AppendLog(dir.resolve("log")).read()).containsExactly("b", "d");
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).hasSize(1); // no temporary file left beside it
        }
    }

    @Test
    void concurrentAppendsAreAllKeptWhole() throws Exception {
        AppendLog log = new AppendLog(dir.resolve("log"));
        List<String> expected = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "record-" + i;
                expected.add(id);
                all.add(pool.submit(() -> {
                    log.append(id);
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(log.read()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void anUnsyncedRecordIsReadBackAtOnceAndCoveredByTheNextFdatasync() throws Exception {
        Path file = dir.resolve("log");
        AppendLog log = new AppendLog(file);
        log.flush(); // nothing written: nothing to do, no file made
        assertThat(file).doesNotExist();
        log.append("durable");
        long synced = log.syncedSize();
        assertThat(synced).isEqualTo(log.size());
        log.appendUnsynced("lazy-1");
        log.appendUnsynced("lazy-2");
        assertThat(log.unsynced()).isTrue();
        assertThat(log.syncedSize()).as("what a power loss now leaves").isEqualTo(synced);
        assertThat(new AppendLog(file).read()).as("another process, or the next start, sees them")
                .containsExactly("durable", "lazy-1", "lazy-2");
        log.append("durable-2"); // its fdatasync covers every record written before it
        assertThat(log.unsynced()).isFalse();
        assertThat(log.syncedSize()).isEqualTo(Files.size(file));
        log.appendUnsynced("lazy-3");
        log.flush();
        assertThat(log.unsynced()).isFalse();
        assertThat(log.syncedSize()).isEqualTo(Files.size(file));
    }

    @Test
    void resetAndReplaceLeaveNothingUnsynced() throws Exception {
        AppendLog log = new AppendLog(dir.resolve("log"));
        log.appendUnsynced("a");
        log.replace(List.of("a"));
        assertThat(log.unsynced()).isFalse();
        log.flush(); // no channel open after the replace: nothing to do
        log.appendUnsynced("b");
        log.reset();
        assertThat(log.unsynced()).isFalse();
        assertThat(log.syncedSize()).isZero();
    }

    @Test
    void recordsOfAnEarlierProcessAreNotThisOnesToFlush() throws Exception {
        new AppendLog(dir.resolve("log")).appendUnsynced("earlier");
        AppendLog log = new AppendLog(dir.resolve("log"));
        log.appendUnsynced("mine");
        assertThat(log.syncedSize()).isEqualTo(Files.size(dir.resolve("log")) - "mine 12345678\n".length());
    }
}
