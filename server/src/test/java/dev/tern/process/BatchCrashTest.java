package dev.tern.process;

import static dev.tern.process.CrashTest.awaitRecovered;
import static dev.tern.process.CrashTest.markers;
import static dev.tern.process.CrashTest.sendOne;
import static dev.tern.process.CrashTest.spoolEmpty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.auth.UserStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window of a local-lane batch between its Maildir copies made durable (file and new/ fsynced) and their
 * passes recording them: a real server is stopped at the crash point {@code local-batch-synced} and killed there.
 * The message is still queued (nothing recorded it as delivered), its copy is in new/; the next start recovers it
 * and its delivery finds that copy, so the mailbox holds it exactly once.
 */
class BatchCrashTest {
    private static final String POINT = "tern: crash point local-batch-synced reached";

    @TempDir
    Path dir;

    @Test
    void killedAfterTheBatchSyncedNewButBeforeItRecordedAnythingTheMessageIsDeliveredOnce() throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add(CrashTest.RCPT, "secret".toCharArray());
        Path cfg = ServerProcess.writeConfig(dir, data, "");
        Path inbox = data.resolve("mail/example.test/alice/new");
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=local-batch-synced")) {
            sendOne(server.smtpPort(), "batched");
            await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains(POINT));
            assertThat(server.output()).doesNotContain("status=sent").doesNotContain(": removed");
            server.kill();
        }
        assertThat(markers(inbox)).containsExactlyEntriesOf(Map.of("batched", 1));
        assertThat(spoolEmpty(data)).as("still queued").isFalse();

        try (ServerProcess server = ServerProcess.start(cfg)) {
            awaitRecovered(server);
            assertThat(server.output()).contains("recovered 1 message(s)");
            await().atMost(Duration.ofSeconds(60)).until(() -> spoolEmpty(data));
            assertThat(markers(inbox)).containsExactlyEntriesOf(Map.of("batched", 1));
            assertThat(server.terminate(60)).isZero();
        }
    }
}
