package dev.tern.process;

import static dev.tern.process.CrashTest.awaitRecovered;
import static dev.tern.process.CrashTest.markers;
import static dev.tern.process.CrashTest.sendOne;
import static dev.tern.process.CrashTest.spoolEmpty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.auth.UserStore;
import dev.tern.io.AppendLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window of a message delivered only locally, whose record in {@code spool/finished} is written without waiting
 * for an fdatasync (made durable by the delayed flush): a real server is stopped at the crash point before that
 * flush's fdatasync ({@code spool-finished-flush}) and killed there. After SIGKILL the record is kept (the kernel
 * has it) and the message is never delivered again; after a power loss (simulated: the log cut to what an fdatasync
 * covered) the message is recovered and its delivery finds the earlier copy in the Maildir.
 */
class FinishedCrashTest {
    private static final String POINT = "tern: crash point spool-finished-flush reached";

    @TempDir
    Path dir;

    private Path data;

    private Path config(String extra) throws IOException {
        data = dir.resolve("data");
        new UserStore(data.resolve("users")).add(CrashTest.RCPT, "secret".toCharArray());
        return ServerProcess.writeConfig(dir, data, extra);
    }

    private Path inbox() {
        return data.resolve("mail/example.test/alice/new");
    }

    private static long removed(ServerProcess server) {
        return server.output().lines().filter(l -> l.contains(": removed")).count();
    }

    @Test
    void killedBeforeTheDelayedFdatasyncAMessageInTheJournalIsNotDeliveredAgain() throws Exception {
        killedBeforeTheDelayedFdatasync(config(""));
    }

    @Test
    void killedBeforeTheDelayedFdatasyncAMessageInASlotIsNotDeliveredAgain() throws Exception {
        killedBeforeTheDelayedFdatasync(config("[queue]\njournal_max_message = 0"));
    }

    private void killedBeforeTheDelayedFdatasync(Path cfg) throws Exception {
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=spool-finished-flush")) {
            sendOne(server.smtpPort(), "lazy");
            await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains(POINT) && removed(server) == 1);
            server.kill();
        }
        assertThat(markers(inbox())).containsExactlyEntriesOf(Map.of("lazy", 1));
        assertThat(new AppendLog(data.resolve("spool/finished")).read()).as("kept by the kernel").hasSize(1);
        deleteAll(inbox()); // the user fetched it: a second delivery would show

        try (ServerProcess server = ServerProcess.start(cfg)) {
            awaitRecovered(server);
            assertThat(server.output()).contains("recovered 0 message(s)");
            sendOne(server.smtpPort(), "after");
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox()).containsKey("after") && spoolEmpty(data));
            assertThat(markers(inbox())).containsOnlyKeys("after");
            assertThat(server.terminate(60)).isZero();
        }
    }

    @Test
    void afterAPowerLossBeforeTheDelayedFdatasyncEachLocalMessageIsInTheMaildirExactlyOnce() throws Exception {
        Path cfg = config("");
        List<String> sent = List.of("one", "two", "three");
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=spool-finished-flush")) {
            for (String m : sent) {
                sendOne(server.smtpPort(), m);
            }
            // the flush stopped at the crash point schedules no other: nothing fsyncs the log from there on
            await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains(POINT)
                    && removed(server) == sent.size());
            server.kill();
        }
        Path log = data.resolve("spool/finished");
        assertThat(new AppendLog(log).read()).hasSize(sent.size());
        // the power loss: no fdatasync of spool/finished ran (a new spool has none to compact at its start, every
        // removal here was local, the flush never ran it), so none of its records need have reached the disk. The
        // Maildir files did (file and new/ fsynced before each delivery counted), as did the journal's records
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }

        try (ServerProcess server = ServerProcess.start(cfg)) {
            awaitRecovered(server);
            assertThat(server.output()).contains("recovered " + sent.size() + " message(s)");
            await().atMost(Duration.ofSeconds(60)).until(() -> removed(server) == sent.size() && spoolEmpty(data));
            assertThat(markers(inbox())).containsOnlyKeys(sent).allSatisfy((k, n) -> assertThat(n).isOne());
            assertThat(server.terminate(60)).isZero();
        }
        try (ServerProcess server = ServerProcess.start(cfg)) { // the stop made the records durable
            awaitRecovered(server);
            assertThat(server.output()).contains("recovered 0 message(s)");
            assertThat(server.terminate(60)).isZero();
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }
}
