package dev.tern.queue;

import static dev.tern.queue.SpoolTest.envelope;
import static dev.tern.queue.SpoolTest.queue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.io.AppendLog;
import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small messages in the spool's shared journal ({@link Journal}), through the {@link Spool} that owns it. */
class JournalTest {
    @TempDir
    Path dir;

    private final DirectorySync dirSync = new DirectorySync();

    private Spool spool() throws IOException {
        return new Spool(dir, Clock.systemUTC(), dirSync, 1024);
    }

    private List<String> journalFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("journal"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String read(QueuedMessage m) throws IOException {
        try (InputStream in = m.openContent()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aSmallMessageGoesIntoTheJournalAndALargerOneIntoASlot() throws Exception {
        Spool spool = spool();
        QueuedMessage small = queue(spool, "x".repeat(1024), "a@example.test");
        QueuedMessage large = queue(spool, "y".repeat(1025), "b@example.test");

        assertThat(small.file().getParent()).isEqualTo(dir.resolve("journal"));
        assertThat(large.file().getParent()).isEqualTo(dir.resolve("slots"));
        assertThat(read(small)).isEqualTo("x".repeat(1024));
        assertThat(read(large)).isEqualTo("y".repeat(1025));
        assertThat(SpoolFiles.queuedIds(dir)).containsExactlyInAnyOrder(small.id(), large.id());
    }

    @Test
    void aMessageWrittenInPiecesPastTheLimitMovesIntoASlotWhole() throws Exception {
        Spool spool = spool();
        Spool.Incoming in = spool.begin(id -> envelope(id, "a@example.test"));
        byte[] part = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 100; i++) {
            in.content().write(part);
        }
        QueuedMessage m = in.commit(ContentFacts.of(part));
        assertThat(m.file().getParent()).isEqualTo(dir.resolve("slots"));
        assertThat(read(m)).isEqualTo("0123456789abcdef".repeat(100));
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(m.id());
    }

    @Test
    void recoveryGivesBackEveryQueuedRecordWithItsAddedFieldsMarksAndFactsAndNotTheFinishedOnes() throws Exception {
        Spool spool = spool();
        byte[] content = "Subject: hi\r\n\r\ncaf\u00e9\r\n".getBytes(StandardCharsets.UTF_8);
        Spool.Incoming in = spool.begin(id -> envelope(id, "a@example.test", "b@example.test"));
        in.content().write(content);
        byte[] added = "Authentication-Results: mx.test; none\r\n".getBytes(StandardCharsets.US_ASCII);
        QueuedMessage marked = in.commit(ContentFacts.of(content), added, Set.of(Mark.JUNK));
        QueuedMessage done = queue(spool, "done\r\n", "c@example.test");
        QueuedMessage plain = queue(spool, "plain\r\n", "d@example.test");
        spool.remove(done);
        Spool.Incoming aborted = spool.begin(id -> envelope(id, "e@example.test"));
        aborted.content().write("never".getBytes(StandardCharsets.US_ASCII));
        aborted.abort();

        List<QueuedMessage> back = spool().recover();
        assertThat(back).extracting(QueuedMessage::id).containsExactly(marked.id(), plain.id());
        QueuedMessage m = back.get(0);
        assertThat(m.envelope()).isEqualTo(marked.envelope());
        assertThat(m.marks()).containsExactly(Mark.JUNK);
        assertThat(m.addedHeader()).isEqualTo(added);
        assertThat(m.facts()).isEqualTo(marked.facts());
        assertThat(read(m)).isEqualTo(new String(added, StandardCharsets.US_ASCII)
                + "Subject: hi\r\n\r\ncaf\u00e9\r\n");
        assertThat(m.state().size()).isEqualTo(2);
        assertThat(read(back.get(1))).isEqualTo("plain\r\n");
    }

    @Test
    void aRecordCutOffByACrashCountsForNothingAndTheNextStartWritesANewFile() throws Exception {
        Spool spool = spool();
        QueuedMessage kept = queue(spool, "kept\r\n", "a@example.test");
        QueuedMessage cut = queue(spool, "cut off in the middle\r\n", "b@example.test");
        Path file = cut.file();
        long end = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(end - 10); // what a power loss before the fsync could leave
        }

        Spool restarted = spool();
        assertThat(restarted.recover()).extracting(QueuedMessage::id).containsExactly(kept.id());
        QueuedMessage next = queue(restarted, "next\r\n", "c@example.test");
        assertThat(next.file()).isNotEqualTo(file); // never appended after a cut record: it could not be found
        assertThat(journalFiles()).hasSize(2);
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(kept.id(), next.id());
    }

    @Test
    void zerosAfterTheLastRecordEndTheFileWithoutACutOff() throws Exception {
        Spool spool = spool();
        QueuedMessage a = queue(spool, "a\r\n", "a@example.test");
        QueuedMessage b = queue(spool, "b\r\n", "b@example.test");
        long end = Files.size(a.file());
        zeroFill(a.file(), Journal.FILE_LENGTH); // as a spare's fill past the records

        Journal.Scan scan = Journal.read(a.file());
        assertThat(scan.cutOff()).isNull();
        assertThat(scan.cutAt()).isEqualTo(end);
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(a.id(), b.id());
    }

    @Test
    void aTornRecordFollowedByZerosEndsTheFileAndCountsForNothing() throws Exception {
        Spool spool = spool();
        QueuedMessage kept = queue(spool, "kept\r\n", "a@example.test");
        QueuedMessage torn = queue(spool, "torn in the middle of its write\r\n", "b@example.test");
        try (FileChannel ch = FileChannel.open(torn.file(), StandardOpenOption.WRITE)) {
            ch.truncate(torn.contentOffset() + 5); // its frame whole, its body cut: what a power loss can leave
        }
        zeroFill(torn.file(), Journal.FILE_LENGTH); // and the spare's zeros after it

        Journal.Scan scan = Journal.read(torn.file());
        assertThat(scan.records()).extracting(r -> r.envelope().id()).containsExactly(kept.id());
        assertThat(scan.cutOff()).isEqualTo("checksum mismatch");
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(kept.id());
    }

    @Test
    void aFileOfZerosOnlyOrAFillCutByACrashHoldsNothingAndIsDeletedByTheRecovery() throws Exception {
        Path journal = Files.createDirectories(dir.resolve("journal"));
        Path whole = journal.resolve("00000000");
        Path half = journal.resolve("00000001");
        Path empty = journal.resolve("00000002");
        zeroFill(whole, Journal.FILE_LENGTH); // a spare made and never used
        zeroFill(half, Journal.FILE_LENGTH / 2 + 1000); // a spare whose fill a kill cut off
        Files.createFile(empty); // killed right after its creation
        for (Path p : List.of(whole, half, empty)) {
            Journal.Scan scan = Journal.read(p);
            assertThat(scan.records()).isEmpty();
            assertThat(scan.cutOff()).isNull();
        }

        Spool restarted = spool();
        assertThat(restarted.recover()).isEmpty();
        assertThat(journalFiles()).as("no record in them: deleted").isEmpty();
        QueuedMessage next = queue(restarted, "next\r\n", "a@example.test");
        assertThat(next.file().getFileName()).hasToString("00000003");
    }

    /** Extends {@code file} with zeros to {@code length} octets. */
    private static void zeroFill(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            ch.write(java.nio.ByteBuffer.allocate((int) (length - ch.size())), ch.size());
        }
    }

    @Test
    void mailTakenWhileTheRecoveryRunsInTheBackgroundIsNotReadBackAsRecovered() throws Exception {
        QueuedMessage old = queue(spool(), "queued before the restart\r\n", "a@example.test");

        Spool restarted = spool();
        Spool.Recovery r = restarted.startRecovery();
        assertThat(r.background()).isTrue();
        assertThat(r.journalFiles()).isOne();
        QueuedMessage fresh = queue(restarted, "taken meanwhile\r\n", "b@example.test"); // before run()
        assertThat(fresh.file()).isNotEqualTo(old.file());
        assertThat(r.run()).extracting(QueuedMessage::id).containsExactly(old.id());
    }

    @Test
    void aRecordWithADamagedOctetFailsItsChecksumAndSoDoEveryRecordAfterIt() throws Exception {
        Spool spool = spool();
        QueuedMessage first = queue(spool, "first\r\n", "a@example.test");
        QueuedMessage second = queue(spool, "second\r\n", "b@example.test");
        queue(spool, "third\r\n", "c@example.test");
        byte[] all = Files.readAllBytes(second.file());
        all[(int) second.contentOffset()] ^= 0x20; // an octet garbled in the second record's content
        Files.write(second.file(), all);

        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(first.id());
    }

    @Test
    void aJournalFileGoesWhenNothingInItIsQueuedAndItsFinishedIdsStayNamedWhileItIsThere() throws Exception {
        Spool spool = new Spool(dir, Clock.systemUTC(), dirSync, 50L, 1024);
        QueuedMessage deferred = queue(spool, "deferred\r\n", "a@example.test");
        List<String> finished = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // the log passes 50 octets: compacted, keeping the journal file's IDs
            QueuedMessage m = queue(spool, "m" + i + "\r\n", "b@example.test");
            spool.remove(m);
            finished.add(m.id());
        }
        assertThat(new AppendLog(dir.resolve("finished")).read()).containsAll(finished);
        assertThat(journalFiles()).hasSize(1);

        Spool restarted = spool();
        assertThat(restarted.recover()).extracting(QueuedMessage::id).containsExactly(deferred.id());
        restarted.remove(deferred);
        assertThat(journalFiles()).isEmpty(); // retired at the restart, and nothing in it is queued now
        assertThat(spool().recover()).isEmpty();
        assertThat(new AppendLog(dir.resolve("finished")).read()).isEmpty(); // compacted at that start
    }

    @Test
    void aCompactionBeforeRecoveryKeepsTheFinishedIdsOfJournalFilesOnDisk() throws Exception {
        Spool spool = spool();
        QueuedMessage a = queue(spool, "a\r\n", "a@example.test");
        QueuedMessage b = queue(spool, "b\r\n", "b@example.test");

        Spool offline = new Spool(dir, Clock.systemUTC(), dirSync, 10L, 1024); // tern queue delete, server stopped
        offline.remove(offline.find(a.id())); // past 10 octets: compacted at once
        assertThat(new AppendLog(dir.resolve("finished")).read()).containsExactly(a.id());
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(b.id());
    }

    @Test
    void aFullFileIsNoLongerAppendedToAndGoesOnceNothingInItIsQueued() throws Exception {
        Spool spool = new Spool(dir, Clock.systemUTC(), dirSync, Spool.JOURNAL_MAX);
        List<QueuedMessage> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // 20 records of 60 KB: past the 1 MB of a file
            queued.add(queue(spool, ("m" + i + " ").repeat(20_000).substring(0, 60_000) + "\r\n", "a@example.test"));
            if (i == 9) { // past half the file: the next one is made ahead of need, by a thread of its own
                await().atMost(Duration.ofSeconds(30)).until(() -> journalFiles().size() == 2);
                assertThat(queued).allSatisfy(m -> assertThat(m.file().getFileName()).hasToString("00000000"));
            }
        }
        assertThat(journalFiles()).containsExactly("00000000", "00000001"); // the rotation took the one made ahead
        Path spare = dir.resolve("journal/00000001");
        assertThat(Files.size(spare)).as("zero-filled to its length ahead: appends never grow it")
                .isEqualTo(Journal.FILE_LENGTH);
        assertThat(queued.get(19).file()).isEqualTo(spare);
        assertThat(Journal.read(spare).cutOff()).as("the zeros after the last record are its end, no cut-off").isNull();
        assertThat(spool().recover()).hasSize(20);
        for (QueuedMessage m : queued.subList(0, 19)) {
            spool.remove(m);
        }
        assertThat(journalFiles()).containsExactly("00000001"); // the full one, retired, is gone; the current stays
        assertThat(read(queued.get(19))).startsWith("m19 m19");
    }

    @Test
    void sessionsCommittingAtOnceAllGetTheirMessagesBack() throws Exception {
        Spool spool = spool();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int n = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        ids.add(queue(spool, "m" + n + "-" + i + "\r\n", "a@example.test").id());
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        List<QueuedMessage> back = spool().recover();
        assertThat(back).extracting(QueuedMessage::id).containsExactlyInAnyOrderElementsOf(ids);
        for (QueuedMessage m : back) {
            assertThat(read(m)).matches("m\\d-\\d+\r\n");
        }
    }

    @Test
    void findAndMessagesSeeJournalMessages() throws Exception {
        Spool spool = spool();
        QueuedMessage a = queue(spool, "a\r\n", "a@example.test");
        QueuedMessage b = queue(spool, "Subject: b\r\n\r\nbody\r\n", "b@example.test");
        spool.remove(a);

        Spool reader = spool();
        assertThat(reader.messages()).extracting(QueuedMessage::id).containsExactly(b.id());
        assertThat(reader.find(b.id()).contentSize()).isEqualTo(20);
        assertThat(reader.find(a.id())).isNull();
        assertThat(QueueReport.headers(reader.find(b.id()))).isEqualTo("Subject: b\n");
    }
}
