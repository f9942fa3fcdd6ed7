package dev.tern.process;

import static dev.tern.process.CrashTest.markers;
import static dev.tern.process.CrashTest.message;
import static dev.tern.process.CrashTest.sendOne;
import static dev.tern.process.CrashTest.spoolEmpty;
import static dev.tern.process.CrashTest.startData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tern.auth.UserStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash windows of the spool's journal (small messages sharing the fsync before their 250), each against a real
 * server stopped at a crash point ({@code -Dtern.test.crash_point}) and killed with SIGKILL there: in the middle of
 * a record's write, after the write and before its fsync, after the fsync and before the 250, with the next journal
 * file made ahead of need and holding no record (its zero-fill done or cut), and while {@code spool/finished} is
 * compacted. After a restart an acknowledged message is delivered exactly once, a record cut off counts for nothing,
 * and a finished message never comes back.
 */
class JournalCrashTest {
    private static final String ALICE = "alice@example.test";
    private static final String BOB = "bob@example.test";
    private static final String FAST_RETRY = "[queue]\nretry_min = \"100ms\"\nretry_max = \"1s\"";

    @TempDir
    Path dir;

    private Path data;
    private Path cfg;

    private void setUp(String extra) throws IOException {
        data = dir.resolve("data");
        UserStore users = new UserStore(data.resolve("users"));
        users.add(ALICE, "secret".toCharArray());
        users.add(BOB, "secret".toCharArray());
        cfg = ServerProcess.writeConfig(dir, data, extra);
    }

    private Path inbox(String user) {
        return data.resolve("mail/example.test/" + user + "/new");
    }

    private static void awaitLine(ServerProcess server, String text) {
        await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains(text));
    }

    private static String point(String name) {
        return "tern: crash point " + name + " reached";
    }

    /** Sends a message whose 250 never comes: the server stops at the crash point first, and is killed there. */
    private static void sendUntilStopped(ServerProcess server, String marker, String point) throws Exception {
        try (CrashTest.Data d = startData(server.smtpPort())) {
            d.out().write(message(marker, 2));
            d.out().flush();
            awaitLine(server, point(point));
            server.kill();
            assertThatThrownBy(() -> CrashTest.expect(d.in(), "250")).isInstanceOf(IOException.class);
        }
    }

    private long journalFiles() throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("spool/journal"))) {
            return s.count();
        }
    }

    @Test
    void aRecordCutOffInTheMiddleOfItsWriteCountsForNothing() throws Exception {
        setUp("");
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=journal-mid-append:2")) {
            sendOne(server.smtpPort(), "first");
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox("alice")).containsKey("first")
                    && spoolEmpty(data));
            sendUntilStopped(server, "cut", "journal-mid-append");
        }
        try (ServerProcess server = ServerProcess.start(cfg)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains("message(s) from the spool in"));
            assertThat(server.output()).contains("cut off by a stop before it was acknowledged (short record");
            sendOne(server.smtpPort(), "second");
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox("alice")).containsKey("second")
                    && spoolEmpty(data));
            assertThat(markers(inbox("alice"))).containsOnlyKeys("first", "second")
                    .allSatisfy((k, n) -> assertThat(n).isOne());
            assertThat(journalFiles()).as("the cut file is gone; the new one is appended to").isOne();
            assertThat(server.terminate(60)).isZero();
        }
    }

    @Test
    void aRecordWrittenButNotYetFsyncedWhenKilledIsDeliveredOnceOrNotAtAll() throws Exception {
        setUp("");
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=journal-appended")) {
            sendUntilStopped(server, "unsure", "journal-appended");
        }
        // SIGKILL keeps what the process wrote (the kernel has it): the record is whole, and is delivered once,
        // although its client never got a 250 (a power loss could have cut it: JournalTest covers that)
        for (int start = 0; start < 2; start++) {
            try (ServerProcess server = ServerProcess.start(cfg)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox("alice")).containsKey("unsure")
                        && spoolEmpty(data));
                assertThat(markers(inbox("alice"))).containsExactlyEntriesOf(java.util.Map.of("unsure", 1));
                assertThat(server.terminate(60)).isZero();
            }
        }
    }

    @Test
    void aRecordFsyncedButNotYetAcknowledgedIsDeliveredExactlyOnce() throws Exception {
        setUp("");
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=journal-synced:2")) {
            sendOne(server.smtpPort(), "acked");
            sendUntilStopped(server, "synced", "journal-synced");
        }
        for (int start = 0; start < 2; start++) {
            try (ServerProcess server = ServerProcess.start(cfg)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox("alice")).containsKey("synced")
                        && markers(inbox("alice")).containsKey("acked") && spoolEmpty(data));
                assertThat(markers(inbox("alice"))).containsOnlyKeys("acked", "synced")
                        .allSatisfy((k, n) -> assertThat(n).isOne());
                assertThat(server.terminate(60)).isZero();
            }
        }
    }

    /**
     * The next journal file is made ahead of need by a thread of its own once the current one is half full, written
     * full of zeros and fsynced: killed with that spare on disk, holding no record (whole, or its fill cut in the
     * middle), the server starts again, delivers every acknowledged message once, and deletes the spare.
     */
    @Test
    void aSpareJournalFileLeftWithoutARecordByAKillIsDeletedAtTheNextStart() throws Exception {
        killWithASpare("journal-spare-made");
    }

    @Test
    void aSpareJournalFileWhoseZeroFillAKillCutIsDeletedAtTheNextStart() throws Exception {
        killWithASpare("journal-spare-filling");
    }

    private void killWithASpare(String crashPoint) throws Exception {
        setUp("");
        List<String> acked = new ArrayList<>();
        try (ServerProcess server = ServerProcess.start(cfg, "-Dtern.test.crash_point=" + crashPoint)) {
            // 60 KB each (under the journal's 64 KB): the ninth passes half of the file's 1 MB
            for (int i = 0; i < 30 && !server.output().contains(point(crashPoint)); i++) {
                try (CrashTest.Data d = startData(server.smtpPort())) {
                    d.out().write(message("m" + i, 60));
                    CrashTest.expect(d.in(), "250");
                }
                acked.add("m" + i);
            }
            awaitLine(server, point(crashPoint));
            server.kill();
        }
        List<Path> spares;
        try (Stream<Path> s = Files.list(data.resolve("spool/journal"))) {
            spares = s.filter(JournalCrashTest::zeros).toList();
        }
        assertThat(spares).as("the spare, left without a record").hasSize(1);
        try (ServerProcess server = ServerProcess.start(cfg)) {
            // most were delivered before the kill: wait for the recovery itself, which reads (and deletes) the spare
            CrashTest.awaitRecovered(server);
            await().atMost(Duration.ofSeconds(60)).until(() -> markers(inbox("alice")).keySet().containsAll(acked)
                    && spoolEmpty(data));
            assertThat(markers(inbox("alice"))).containsOnlyKeys(acked).allSatisfy((k, n) -> assertThat(n).isOne());
            assertThat(spares.get(0)).as("a journal file without a record is deleted by the recovery").doesNotExist();
            assertThat(server.output()).as("zeros are a file's end, not a cut-off record").doesNotContain("cut off");
            assertThat(server.terminate(60)).isZero();
        }
    }

    /** True when {@code file} holds zeros only (or nothing). */
    private static boolean zeros(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            for (byte b : all) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A journal file stays while any message in it is queued (here one to a mailbox that defers); the finished
     * messages beside it must stay named in {@code spool/finished} through every compaction, a killed one too, or a
     * restart would deliver them again.
     */
    @Test
    void aCompactionKilledOrDoneNeverBringsBackAFinishedMessageOfAJournalFileStillInUse() throws Exception {
        setUp(FAST_RETRY);
        Path aliceBox = data.resolve("mail/example.test/alice");
        Files.createDirectories(aliceBox.getParent());
        Files.writeString(aliceBox, "not a directory: local delivery is deferred");

        try (ServerProcess server = ServerProcess.start(cfg)) {
            sendOne(server.smtpPort(), "deferred", ALICE);
            sendOne(server.smtpPort(), "finished", BOB);
            // "removed" once spool/finished names it: a kill between its rename into new/ and that record (a window
            // a loaded machine makes wide) would leave no spool/finished, so nothing to compact at the next start
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox("bob")).containsKey("finished")
                    && server.output().contains(": removed") && server.output().contains("status=deferred"));
            server.kill();
        }
        deleteAll(inbox("bob")); // the user fetched it: a second delivery would show
        // the start compacts spool/finished: killed in the middle of it
        try (ServerProcess server = ServerProcess.launch(cfg, "-Dtern.test.crash_point=spool-compacting")) {
            awaitLine(server, point("spool-compacting"));
            server.kill();
        }
        try (ServerProcess server = ServerProcess.start(cfg)) { // compacts, keeping the ID: the file is still there
            await().atMost(Duration.ofSeconds(30)).until(() -> server.output().contains("status=deferred"));
            server.kill();
        }
        assertThat(journalFiles()).isOne();
        Files.delete(aliceBox);
        try (ServerProcess server = ServerProcess.start(cfg)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(inbox("alice")).containsKey("deferred")
                    && spoolEmpty(data));
            assertThat(markers(inbox("alice"))).containsExactlyEntriesOf(java.util.Map.of("deferred", 1));
            assertThat(markers(inbox("bob"))).as("the finished message, not delivered again").isEmpty();
            assertThat(journalFiles()).as("nothing queued in it any more: deleted").isZero();
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
