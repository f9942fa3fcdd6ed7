package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real JVM (SIGKILL) while it appends to and rewrites a UID list, at several points, and checks after
 * each kill that the list opens whole: the same UIDVALIDITY (not lost), the last UIDs the writer had called durable
 * there, none it had called removed, and the next UID past all of them.
 */
class UidListCrashTest {
    @TempDir
    Path dir;

    @Test
    void everyKillLeavesAValidList() throws Exception {
        Path file = dir.resolve(UidList.FILE);
        Random random = new Random(14);
        for (int run = 0; run < 4; run++) {
            int linesBeforeKill = 20 + random.nextInt(200);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    UidListWriter.class.getName(), file.toString()).redirectErrorStream(true).start();
            long durable = 0;
            long removedThrough = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                int n = 0;
                // the writer runs ahead of this reader: what it printed before it died is read too (the pipe keeps
                // it), since the list on disk may be that far on (later batches added, the one read last removed)
                while ((line = r.readLine()) != null) {
                    if (++n == linesBeforeKill) {
                        p.toHandle().destroyForcibly(); // SIGKILL, leaving our end of the pipe open
                    }
                    if (line.startsWith("durable ")) {
                        durable = Long.parseLong(line.substring(8));
                    } else if (line.startsWith("removed-through ")) {
                        removedThrough = Long.parseLong(line.substring(16));
                    } else if (!line.startsWith("ready ")) {
                        throw new AssertionError("writer: " + line);
                    }
                }
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
            UidList.Loaded l = UidList.open(file, () -> {
                throw new IOException("the list was lost after a kill");
            });
            assertThat(l.lost()).isFalse();
            assertThat(l.list().validity()).isEqualTo(4242);
            assertThat(l.list().uidNext()).isGreaterThan(durable);
            // the last batch called durable is never removed at once (the writer removes its oldest 80 of over 100)
            if (durable > 0) {
                assertThat(l.entries()).extracting(UidList.Entry::uid)
                        .as("run %d: killed after %d lines", run, linesBeforeKill)
                        .containsAll(LongStream.rangeClosed(durable - 19, durable).boxed().toList());
            }
            long removed = removedThrough;
            assertThat(l.entries()).allSatisfy(e -> assertThat(e.uid()).isGreaterThan(removed));
            assertThat(l.entries()).extracting(UidList.Entry::uid).isSorted().doesNotHaveDuplicates();
            l.list().close();
        }
    }
}
