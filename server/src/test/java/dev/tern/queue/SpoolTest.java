package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    private final DirectorySync dirSync = new DirectorySync();
    private static final Instant ARRIVAL = Instant.parse("2025-03-04T05:06:07.123456Z");

    private Spool spool() throws IOException {
        return new Spool(dir, Clock.systemUTC(), dirSync, 0); // slots: the journal has JournalTest
    }

    static Envelope envelope(String id, String... recipients) {
        List<Envelope.Recipient> rcpts = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(new Envelope.Recipient(r, r, null, null));
        }
        return new Envelope(id, "sender@example.org", ARRIVAL, "192.0.2.1", "client.example.org", "ESMTP",
                false, "8BITMIME", null, null, rcpts);
    }

    static QueuedMessage queue(Spool spool, String content, String... recipients) throws IOException {
        Spool.Incoming in = spool.begin(id -> envelope(id, recipients));
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        in.content().write(bytes);
        return in.commit(ContentFacts.of(bytes));
    }

    private List<String> list(String sub) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve(sub))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String hex16(long v) {
        return java.util.HexFormat.of().toHexDigits(v);
    }

    /** The seal in a slot file's header line. */
    private static String seal(byte[] file) {
        return new String(file, 6, 16, StandardCharsets.US_ASCII);
    }

    @Test
    void createsSlotAndQueueDirectories() throws Exception {
        spool();
        assertThat(dir.resolve("slots")).isDirectory();
        assertThat(dir.resolve("queue")).isDirectory();
    }

    @Test
    void commitWritesHeaderEnvelopeContentAndASealedTrailer() throws Exception {
        Spool spool = spool();
        Envelope[] made = new Envelope[1];
        Spool.Incoming in = spool.begin(id -> made[0] = new Envelope(id, "", ARRIVAL, "2001:db8::1", "héllo",
                "UTF8SMTP", true, null, "HDRS", "env id", List.of(
                        new Envelope.Recipient("bob@example.test", "Bob@Example.Test", "SUCCESS,DELAY", "rfc822;Bob@Example.Test"),
                        new Envelope.Recipient("carol@example.test", "team@example.test", null, null))));
        Envelope env = made[0];
        byte[] content = "Received: from x\r\nSubject: caf\u00e9\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.UTF_8);

        assertThat(in.id()).isEqualTo(env.id());
        in.content().write(content, 0, 10);
        in.content().write(content, 10, content.length - 10);
        QueuedMessage m = in.commit(ContentFacts.of(content));

        assertThat(m.id()).isEqualTo(env.id());
        assertThat(m.envelope()).isEqualTo(env);
        assertThat(m.file().getParent()).isEqualTo(dir.resolve("slots"));
        assertThat(list("slots")).containsExactly(m.file().getFileName().toString());
        assertThat(list("queue")).isEmpty(); // no state file until there is something to record
        assertThat(m.contentSize()).isEqualTo(content.length);
        assertThat(m.state().size()).isEqualTo(2);
        assertThat(m.state().entries()).allMatch(e -> e.status() == RecipientState.Status.PENDING && e.attempts() == 0);

        byte[] file = Files.readAllBytes(m.file());
        assertThat(m.contentOffset() + m.contentSize() + SlotFormat.TRAILER3_LENGTH).isEqualTo(file.length);
        assertThat(Arrays.copyOfRange(file, (int) m.contentOffset(), (int) (m.contentOffset() + m.contentSize())))
                .isEqualTo(content);

        // the header: "TERN3 <seal> <n>\n", n octets of JSON, "\n"
        String head = new String(file, 0, (int) m.contentOffset(), StandardCharsets.UTF_8);
        assertThat(head).matches("(?s)TERN3 [0-9a-f]{16} [0-9]+\n.*\n");
        int nl = head.indexOf('\n');
        int n = Integer.parseInt(head.substring(23, nl));
        assertThat(m.contentOffset()).isEqualTo(nl + 1 + n + 1);
        Envelope parsed = SlotFormat.JSON.readValue(Arrays.copyOfRange(file, nl + 1, nl + 1 + n), Envelope.class);
        assertThat(parsed).isEqualTo(env);
        assertThat(spool().find(env.id()).envelope()).isEqualTo(env);

        // the trailer: the same seal, the content length, what the spool noted about the content (8-bit, the
        // longest line, the header section's length) and the CRC-32C of everything before it and of those facts
        assertThat(m.facts()).isEqualTo(new ContentFacts(true, 16, 36));
        String facts = "1" + "00000010" + hex16(36);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file, 0, file.length - SlotFormat.TRAILER3_LENGTH);
        crc.update(facts.getBytes(StandardCharsets.US_ASCII));
        String trailer = new String(file, file.length - SlotFormat.TRAILER3_LENGTH, SlotFormat.TRAILER3_LENGTH,
                StandardCharsets.US_ASCII);
        assertThat(trailer).isEqualTo("TERN3 END " + seal(file) + " " + hex16(content.length) + " " + facts + " "
                + java.util.HexFormat.of().toHexDigits((int) crc.getValue()) + "\n");
        assertThat(spool().recover()).singleElement().satisfies(r -> assertThat(r.facts()).isEqualTo(m.facts()));

        try (var read = m.openContent()) { // exactly the content: no envelope before it, no trailer after it
            assertThat(read.readAllBytes()).isEqualTo(content);
        }
        try (var read = m.openContent()) {
            assertThat(read.skip(5)).isEqualTo(5);
            assertThat(read.readNBytes(1000)).isEqualTo(Arrays.copyOfRange(content, 5, content.length));
            assertThat(read.read()).isEqualTo(-1);
        }

        QueuedMessage reopened = spool().find(m.id());
        assertThat(reopened.contentOffset()).isEqualTo(m.contentOffset());
        assertThat(reopened.contentSize()).isEqualTo(m.contentSize());
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(env.id());
    }

    @Test
    void largeContentBeyondTheBufferIsKeptExactly() throws Exception {
        Spool spool = spool();
        byte[] content = new byte[1_000_003];
        new java.util.Random(7).nextBytes(content);
        Spool.Incoming in = spool.begin(id -> envelope(id, "a@example.test"));
        for (int off = 0; off < content.length; off += 4096) {
            in.content().write(content, off, Math.min(4096, content.length - off));
        }
        in.content().write(content[0]); // and one octet on its own
        byte[] all = Arrays.copyOf(content, content.length + 1);
        all[content.length] = content[0];
        QueuedMessage m = in.commit(ContentFacts.of(all));

        byte[] file = Files.readAllBytes(m.file());
        assertThat(m.contentSize()).isEqualTo(content.length + 1);
        assertThat(Arrays.copyOfRange(file, (int) m.contentOffset(), (int) m.contentOffset() + content.length))
                .isEqualTo(content);
        assertThat(spool().recover()).singleElement().extracting(QueuedMessage::contentSize)
                .isEqualTo((long) content.length + 1);
    }

    @Test
    void emptyContentGivesSizeZero() throws Exception {
        Spool spool = spool();
        QueuedMessage m = spool.begin(id -> envelope(id, "a@example.test")).commit(ContentFacts.of(new byte[0]));
        assertThat(m.contentSize()).isZero();
        assertThat(Files.size(m.file())).isEqualTo(m.contentOffset() + SlotFormat.TRAILER3_LENGTH);
        assertThat(spool().recover()).singleElement().extracting(QueuedMessage::contentSize).isEqualTo(0L);
    }

    @Test
    void abortEmptiesTheSlotForTheNextMessage() throws Exception {
        Spool spool = spool();
        Spool.Incoming in = spool.begin(id -> envelope(id, "a@example.test"));
        in.content().write("half a message".getBytes(StandardCharsets.US_ASCII));
        in.abort();
        in.abort(); // twice is harmless

        assertThat(list("slots")).singleElement().satisfies(name -> assertThat(dir.resolve("slots").resolve(name)).isEmptyFile());
        assertThat(list("queue")).isEmpty();
        QueuedMessage next = queue(spool, "next\r\n", "b@example.test");
        assertThat(list("slots")).containsExactly(next.file().getFileName().toString()); // the same slot, reused
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(next.id());
    }

    @Test
    void slotsAreReusedAfterRemovalAndCreatedOnlyWhenAllAreTaken() throws Exception {
        Spool spool = spool();
        List<QueuedMessage> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(queue(spool, "m" + i + "\r\n", "a@example.test"));
        }
        assertThat(list("slots")).hasSize(5);
        for (QueuedMessage m : batch) {
            spool.remove(m);
            assertThat(m.file()).isEmptyFile();
        }
        for (int i = 0; i < 7; i++) {
            queue(spool, "again" + i + "\r\n", "a@example.test");
        }
        assertThat(list("slots")).hasSize(7);
        assertThat(spool().recover()).hasSize(7);
    }

    @Test
    void eachMessageBeingReceivedHasItsOwnIdAndAnEnvelopeMustCarryIt() throws Exception {
        Spool spool = spool();
        Spool.Incoming first = spool.begin(id -> envelope(id, "a@example.test"));
        Spool.Incoming second = spool.begin(id -> envelope(id, "b@example.test"));
        assertThat(first.id()).isNotEqualTo(second.id());
        String taken = first.id();
        assertThatThrownBy(() -> spool.begin(id -> envelope(taken, "c@example.test")))
                .isInstanceOf(IllegalArgumentException.class);
        first.abort();
        second.abort();
    }

    @Test
    void aNewMessageNeverReplacesAQueuedOneWhenTheClockStepsBack() throws Exception {
        // QueueIds says: "A clock that steps back is harmless: the spool refuses to reuse an ID in use".
        // Simulate a restart with the clock at the same instant as before: the second process hands out the IDs
        // the first one used, one of which is still queued (e.g. a deferred remote recipient).
        Clock fixed = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);
        Spool first = new Spool(dir, fixed, dirSync, 0);
        for (int i = 0; i < 1500; i++) {
            first.begin(id -> envelope(id, "x@example.test")).abort();
        }
        Spool.Incoming a = first.begin(id -> envelope(id, "a@example.test"));
        String id = a.id();
        byte[] content = "message A\r\n".getBytes(StandardCharsets.US_ASCII);
        a.content().write(content);
        a.commit(ContentFacts.of(content));

        Spool second = new Spool(dir, fixed, dirSync, 0); // after the restart
        assertThat(second.recover()).hasSize(1);
        long target = Long.parseLong(id, 16);
        Spool.Incoming b;
        do {
            b = second.begin(n -> envelope(n, "b@example.test"));
            assertThat(b.id()).as("begin skips the ID of a message still queued").isNotEqualTo(id);
            b.abort();
        } while (Long.parseLong(b.id(), 16) < target);
        assertThat(second.find(id).envelope().recipients().get(0).address())
                .as("acknowledged message A must not be overwritten by a new message with the same ID")
                .isEqualTo("a@example.test");
    }

    @Test
    void recoverDiscardsUnfinishedMessagesAndReturnsCommittedOnesOldestFirstWithTheirState() throws Exception {
        Spool spool = spool();
        QueuedMessage m1 = queue(spool, "one\r\n", "a@example.test", "b@example.test");
        QueuedMessage m2 = queue(spool, "two\r\n", "c@example.test");
        QueuedMessage m3 = queue(spool, "three\r\n", "d@example.test");
        Spool.Incoming half = spool.begin(id -> envelope(id, "e@example.test"));
        half.content().write("never finished".getBytes(StandardCharsets.US_ASCII));
        half.content().flush(); // on disk, but no trailer: the process "dies" here
        Files.createDirectories(dir.resolve("incoming")); // the earlier format's folder, with a leftover
        Files.writeString(dir.resolve("incoming").resolve("stray"), "x");

        Instant at = Instant.parse("2025-03-04T06:00:00Z");
        RecipientState s = m1.state();
        s.set(0, new RecipientState.Entry(RecipientState.Status.DELIVERED, 1, null, at, null));
        s.set(1, new RecipientState.Entry(RecipientState.Status.DEFERRED, 2, "452 4.2.2 mailbox full", at,
                at.plusSeconds(120)));
        spool.saveState(s);
        assertThat(dir.resolve("queue").resolve(m1.id() + ".state")).exists();

        Spool restarted = spool(); // a new process
        List<QueuedMessage> recovered = restarted.recover();

        assertThat(list("incoming")).isEmpty();
        assertThat(list("slots")).hasSize(4);
        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(m1.id(), m2.id(), m3.id());
        QueuedMessage r1 = recovered.get(0);
        assertThat(r1.envelope()).isEqualTo(m1.envelope());
        assertThat(r1.file()).isEqualTo(m1.file());
        assertThat(r1.contentOffset()).isEqualTo(m1.contentOffset());
        assertThat(r1.contentSize()).isEqualTo(m1.contentSize());
        assertThat(r1.state().id()).isEqualTo(m1.id());
        assertThat(r1.state().entries()).isEqualTo(s.entries());
        assertThat(r1.state().allDone()).isFalse();
        assertThat(recovered.get(1).state().entries())
                .containsExactly(new RecipientState.Entry(RecipientState.Status.PENDING, 0, null, null, null));
        assertThat(recovered.get(2).contentSize()).isEqualTo("three\r\n".length());

        // the half-written slot was emptied and is the first to be reused
        Path halfSlot = dir.resolve("slots").resolve(list("slots").stream()
                .filter(n -> !n.equals(m1.file().getFileName().toString()) && !n.equals(m2.file().getFileName().toString())
                        && !n.equals(m3.file().getFileName().toString()))
                .findFirst().orElseThrow());
        assertThat(halfSlot).isEmptyFile();
        assertThat(queue(restarted, "after\r\n", "f@example.test").file()).isEqualTo(halfSlot);
    }

    /** A committed message in slot {@code name}, then {@code damage} applied to its bytes. */
    private Path damaged(String content, java.util.function.UnaryOperator<byte[]> damage) throws IOException {
        Spool spool = spool();
        QueuedMessage m = queue(spool, content, "a@example.test");
        Files.write(m.file(), damage.apply(Files.readAllBytes(m.file())));
        return m.file();
    }

    @Test
    void aTornWriteIsNeverTakenForAMessage() throws Exception {
        // a crash before the fsync returned may keep any subset of the blocks: every cut is "not acknowledged"
        byte[] whole;
        {
            Spool spool = spool();
            QueuedMessage m = queue(spool, "Subject: x\r\n\r\n" + "y".repeat(300) + "\r\n", "a@example.test");
            whole = Files.readAllBytes(m.file());
            spool.remove(m);
        }
        for (int cut = 1; cut < whole.length; cut += 7) {
            Path slot = dir.resolve("slots").resolve("00000000");
            Files.write(slot, Arrays.copyOf(whole, cut));
            assertThat(spool().recover()).as("cut at %d", cut).isEmpty();
            assertThat(slot).isEmptyFile();
        }
    }

    @Test
    void contentEndingInAForgedTrailerDoesNotPassForAMessage() throws Exception {
        // the client cannot know the seal: a trailer inside the content, then a crash, is still "cut off"
        Spool spool = spool();
        Spool.Incoming in = spool.begin(id -> envelope(id, "a@example.test"));
        byte[] body = "hello\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(body);
        in.content().flush();
        Path slot = dir.resolve("slots").resolve("00000000");
        byte[] sofar = Files.readAllBytes(slot);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(sofar);
        String forged = "TERN2 END " + hex16(0x0123456789abcdefL) + " " + hex16(body.length) + " "
                + java.util.HexFormat.of().toHexDigits((int) crc.getValue()) + "\n";
        in.content().write(forged.getBytes(StandardCharsets.US_ASCII));
        in.content().flush(); // and the process dies

        assertThat(spool().recover()).isEmpty();
        assertThat(slot).isEmptyFile();
    }

    @Test
    void headerFieldsAddedAtCommitAreKeptUnderATern4TrailerAndDeliveredFirst() throws Exception {
        Spool.Incoming in = spool().begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] added = "Authentication-Results: mx.test;\r\n\tspf=pass smtp.mailfrom=a@example.org\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        QueuedMessage m = in.commit(ContentFacts.of(content), added);
        byte[] whole = (new String(added, StandardCharsets.US_ASCII) + new String(content, StandardCharsets.US_ASCII))
                .getBytes(StandardCharsets.US_ASCII);

        byte[] file = Files.readAllBytes(m.file());
        assertThat(new String(file, 0, 6, StandardCharsets.US_ASCII)).isEqualTo("TERN3 "); // the head is unchanged
        assertThat(m.contentOffset() + content.length + added.length + SlotFormat.TRAILER4_LENGTH)
                .isEqualTo(file.length);
        assertThat(Arrays.copyOfRange(file, (int) (m.contentOffset() + content.length),
                (int) (m.contentOffset() + content.length + added.length))).isEqualTo(added);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file, 0, file.length - SlotFormat.TRAILER4_LENGTH);
        crc.update(("0" + "0000000b" + hex16(15)).getBytes(StandardCharsets.US_ASCII)); // the stored content's facts
        String trailer = new String(file, file.length - SlotFormat.TRAILER4_LENGTH, SlotFormat.TRAILER4_LENGTH,
                StandardCharsets.US_ASCII);
        assertThat(trailer).isEqualTo("TERN4 END " + seal(file) + " " + hex16(content.length) + " 0" + "0000000b"
                + hex16(15) + " " + java.util.HexFormat.of().toHexDigits(added.length) + " "
                + java.util.HexFormat.of().toHexDigits((int) crc.getValue()) + "\n");

        // as delivered: the added fields, then the content; the facts count them in
        assertThat(m.contentSize()).isEqualTo(whole.length);
        assertThat(m.storedSize()).isEqualTo(content.length);
        assertThat(m.facts()).isEqualTo(new ContentFacts(false, 37, 15 + added.length));
        try (var read = m.openContent()) {
            assertThat(read.readAllBytes()).isEqualTo(whole);
        }
        List<QueuedMessage> recovered = spool().recover();
        assertThat(recovered).singleElement().satisfies(r -> {
            assertThat(r.addedHeader()).isEqualTo(added);
            assertThat(r.contentSize()).isEqualTo(whole.length);
            assertThat(r.facts()).isEqualTo(m.facts());
            try (var read = r.openContent()) {
                assertThat(read.readAllBytes()).isEqualTo(whole);
            }
        });
        assertThat(spool().find(m.id()).addedHeader()).isEqualTo(added);
        assertThat(recovered.getFirst().marks()).isEmpty(); // a TERN4 trailer has no marks
    }

    @Test
    void aDamagedAddedHeaderIsCaughtByTheChecksum() throws Exception {
        Spool.Incoming in = spool().begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: x\r\n\r\nprecious\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        Path slot = in.commit(ContentFacts.of(content),
                "Authentication-Results: mx.test; none\r\n".getBytes(StandardCharsets.US_ASCII)).file();
        byte[] b = Files.readAllBytes(slot);
        b[b.length - SlotFormat.TRAILER4_LENGTH - 5] ^= 0x20;
        Files.write(slot, b);
        Spool spool = spool();
        QueuedMessage m = spool.recover().getFirst(); // the start reads trailers only: verified before first read
        assertThat(spool.verify(m)).isFalse();
        assertThat(slot.resolveSibling(slot.getFileName() + ".corrupt")).exists();
    }

    @Test
    void aTern4SlotCutOffBeforeItsTrailerCountsForNothing() throws Exception {
        Spool.Incoming in = spool().begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        Path slot = in.commit(ContentFacts.of(content),
                "Authentication-Results: mx.test; none\r\n".getBytes(StandardCharsets.US_ASCII)).file();
        byte[] b = Files.readAllBytes(slot);
        Files.write(slot, Arrays.copyOf(b, b.length - 3)); // the last octets never reached the disk
        assertThat(spool().recover()).isEmpty();
        assertThat(slot).isEmptyFile();
    }

    @Test
    void aMarkIsSealedInATern5TrailerAndReadBackAfterARestart() throws Exception {
        Spool.Incoming in = spool().begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] added = "Authentication-Results: mx.test; dmarc=fail\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        QueuedMessage m = in.commit(ContentFacts.of(content), added, Set.of(Mark.JUNK));
        assertThat(m.marks()).containsExactly(Mark.JUNK);

        byte[] file = Files.readAllBytes(m.file());
        assertThat(m.contentOffset() + content.length + added.length + SlotFormat.TRAILER5_LENGTH)
                .isEqualTo(file.length);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file, 0, file.length - SlotFormat.TRAILER5_LENGTH);
        crc.update(("0" + "0000000b" + hex16(15)).getBytes(StandardCharsets.US_ASCII)); // the facts
        crc.update("00000001".getBytes(StandardCharsets.US_ASCII)); // then the marks
        String trailer = new String(file, file.length - SlotFormat.TRAILER5_LENGTH, SlotFormat.TRAILER5_LENGTH,
                StandardCharsets.US_ASCII);
        assertThat(trailer).isEqualTo("TERN5 END " + seal(file) + " " + hex16(content.length) + " 0" + "0000000b"
                + hex16(15) + " " + java.util.HexFormat.of().toHexDigits(added.length) + " 00000001 "
                + java.util.HexFormat.of().toHexDigits((int) crc.getValue()) + "\n");

        Spool again = spool();
        QueuedMessage r = again.recover().getFirst();
        assertThat(r.marks()).containsExactly(Mark.JUNK);
        assertThat(again.verify(r)).isTrue(); // the checksum, marks included, is right
        assertThat(r.addedHeader()).isEqualTo(added);
        try (var read = r.openContent()) {
            assertThat(read.readAllBytes()).isEqualTo((new String(added, StandardCharsets.US_ASCII)
                    + new String(content, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(spool().find(m.id()).marks()).containsExactly(Mark.JUNK);
        assertThat(spool().messages()).singleElement().satisfies(q -> assertThat(q.marks()).containsExactly(Mark.JUNK));
    }

    @Test
    void aMarkedMessageWithoutAddedFieldsAndUnmarkedOnesKeepTheirForms() throws Exception {
        Spool spool = spool();
        Spool.Incoming in = spool.begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        QueuedMessage marked = in.commit(ContentFacts.of(content), new byte[0], Set.of(Mark.JUNK));
        QueuedMessage plain = queue(spool, "Subject: y\r\n\r\ny\r\n", "a@example.test");
        Spool.Incoming in3 = spool.begin(id -> envelope(id, "a@example.test"));
        in3.content().write(content);
        QueuedMessage withResults = in3.commit(ContentFacts.of(content),
                "Authentication-Results: mx.test; none\r\n".getBytes(StandardCharsets.US_ASCII), Set.of());

        assertThat(new String(Files.readAllBytes(marked.file()), StandardCharsets.US_ASCII))
                .contains("TERN5 END ").endsWith(" 00000000 00000001 " + crcOf(marked.file()) + "\n");
        assertThat(new String(Files.readAllBytes(plain.file()), StandardCharsets.US_ASCII)).contains("TERN3 END ");
        assertThat(new String(Files.readAllBytes(withResults.file()), StandardCharsets.US_ASCII))
                .contains("TERN4 END ");
        Spool again = spool();
        List<QueuedMessage> recovered = again.recover();
        assertThat(recovered).extracting(QueuedMessage::id)
                .containsExactly(marked.id(), plain.id(), withResults.id());
        assertThat(recovered).extracting(QueuedMessage::marks).containsExactly(Set.of(Mark.JUNK), Set.of(), Set.of());
        for (QueuedMessage q : recovered) {
            assertThat(again.verify(q)).isTrue();
        }
        try (var read = recovered.getFirst().openContent()) {
            assertThat(read.readAllBytes()).isEqualTo(content);
        }
    }

    /** The CRC field of a slot's trailer (its last 8 characters before the newline). */
    private static String crcOf(Path slot) throws IOException {
        byte[] b = Files.readAllBytes(slot);
        return new String(b, b.length - 9, 8, StandardCharsets.US_ASCII);
    }

    @Test
    void aChangedMarkIsCaughtByTheChecksumAndUnknownBitsAreIgnored() throws Exception {
        Spool.Incoming in = spool().begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        Path slot = in.commit(ContentFacts.of(content), new byte[0], Set.of(Mark.JUNK)).file();
        byte[] good = Files.readAllBytes(slot);
        int marksAt = good.length - 18; // "<marks 8 hex> <crc 8 hex>\n"
        assertThat(new String(good, marksAt, 8, StandardCharsets.US_ASCII)).isEqualTo("00000001");

        byte[] b = good.clone();
        b[marksAt + 7] = '0'; // the junk mark lost, as a bad disk might
        Files.write(slot, b);
        Spool spool = spool();
        QueuedMessage m = spool.recover().getFirst();
        assertThat(spool.verify(m)).isFalse();
        assertThat(slot.resolveSibling(slot.getFileName() + ".corrupt")).exists();

        // a mark a later Tern knows and this one does not: read without it (its checksum still holds)
        Files.delete(slot.resolveSibling(slot.getFileName() + ".corrupt"));
        b = good.clone();
        String withUnknown = "80000001";
        System.arraycopy(withUnknown.getBytes(StandardCharsets.US_ASCII), 0, b, marksAt, 8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, 0, good.length - SlotFormat.TRAILER5_LENGTH);
        crc.update(ContentFacts.of(content).bytes());
        crc.update(withUnknown.getBytes(StandardCharsets.US_ASCII));
        System.arraycopy(java.util.HexFormat.of().toHexDigits((int) crc.getValue()).getBytes(StandardCharsets.US_ASCII),
                0, b, b.length - 9, 8);
        Files.write(slot, b);
        spool = spool();
        m = spool.recover().getFirst();
        assertThat(spool.verify(m)).isTrue();
        assertThat(m.marks()).containsExactly(Mark.JUNK);
    }

    @Test
    void aTern5SlotCutOffInItsTrailerCountsForNothing() throws Exception {
        Spool.Incoming in = spool().begin(id -> envelope(id, "a@example.test"));
        byte[] content = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        Path slot = in.commit(ContentFacts.of(content), new byte[0], Set.of(Mark.JUNK)).file();
        byte[] b = Files.readAllBytes(slot);
        for (int cut : new int[] {1, 12, 20, SlotFormat.TRAILER5_LENGTH}) { // in the CRC, the marks, the head
            Files.write(slot, Arrays.copyOf(b, b.length - cut)); // never reached the disk: never acknowledged
            assertThat(spool().recover()).as("cut %d", cut).isEmpty();
            assertThat(slot).isEmptyFile();
        }
    }

    @Test
    void aSealedMessageWithDamagedContentIsMovedAsideBeforeItIsRead() throws Exception {
        Path flipped = damaged("precious\r\n", b -> {
            b[b.length - SlotFormat.TRAILER3_LENGTH - 3] ^= 0x20; // one bit of the content
            return b;
        });
        // the start reads trailers only: the checksum is verified before the content is first read
        Spool spool = spool();
        QueuedMessage m = spool.recover().getFirst();
        Files.writeString(spool.stateFile(m.id()), "[]");
        assertThat(spool.verify(m)).isFalse();
        assertThat(spool.stateFile(m.id())).doesNotExist();
        assertThat(flipped).doesNotExist();
        assertThat(flipped.resolveSibling(flipped.getFileName() + ".corrupt")).exists();
        // a second recovery leaves it alone, and new slots do not take its name
        assertThat(spool().recover()).isEmpty();
        Spool after = spool();
        after.recover();
        assertThat(queue(after, "new\r\n", "b@example.test").file().getFileName().toString())
                .isNotEqualTo(flipped.getFileName().toString());
    }

    @Test
    void aSealedMessageWithMissingBytesIsMovedAside() throws Exception {
        Path shortened = damaged("precious content\r\n", b -> {
            byte[] out = new byte[b.length - 4];
            int cut = b.length - SlotFormat.TRAILER3_LENGTH - 8;
            System.arraycopy(b, 0, out, 0, cut);
            System.arraycopy(b, cut + 4, out, cut, b.length - cut - 4);
            return out;
        });
        assertThat(spool().recover()).isEmpty();
        assertThat(shortened.resolveSibling(shortened.getFileName() + ".corrupt")).exists();
    }

    @Test
    void recoverStillReadsMessagesInTheEarlierOneFilePerMessageFormat() throws Exception {
        Envelope env = envelope("18F0000000ABC", "a@example.test");
        byte[] json = SlotFormat.JSON.writeValueAsBytes(env);
        Path queue = dir.resolve("queue");
        Files.createDirectories(queue);
        try (var out = Files.newOutputStream(queue.resolve(env.id()))) {
            out.write(("TERN1 " + json.length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.write("\nold content\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        Spool spool = spool();
        List<QueuedMessage> recovered = spool.recover();
        assertThat(recovered).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(env.id());
            assertThat(m.contentSize()).isEqualTo("old content\r\n".length());
        });
        spool.remove(recovered.get(0));
        assertThat(list("queue")).isEmpty();
        assertThat(spool().recover()).isEmpty();
    }

    @Test
    void recoverMovesACorruptEarlierFormatQueueFileAside() throws Exception {
        Spool spool = spool();
        QueuedMessage good = queue(spool, "good\r\n", "a@example.test");
        Path queue = dir.resolve("queue");
        Files.writeString(queue.resolve("0000BAD0000001"), "garbage, not a queue file");
        Files.writeString(queue.resolve("0000BAD0000002"), "TERN1 500\n{\"id\":\"0000BAD0000002\""); // truncated
        Files.writeString(queue.resolve("0000BAD0000003"), "TERN1 4\n{}}}\ncontent"); // not an envelope
        Files.writeString(queue.resolve("0000BAD0000004"), "TERN1 12x\n");
        Files.write(queue.resolve("0000BAD0000005"), new byte[0]);

        List<QueuedMessage> recovered = spool().recover();

        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(good.id());
        assertThat(list("queue")).containsExactlyInAnyOrder(
                "0000BAD0000001.corrupt", "0000BAD0000002.corrupt", "0000BAD0000003.corrupt",
                "0000BAD0000004.corrupt", "0000BAD0000005.corrupt");
        assertThat(queue.resolve("0000BAD0000001.corrupt")).hasContent("garbage, not a queue file");
        // a second recovery leaves the corrupt files alone
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(good.id());
        assertThat(list("queue")).hasSize(5);
    }

    @Test
    void recoverDeletesOrphanStateFilesAndLeftoverTempFiles() throws Exception {
        Spool spool = spool();
        QueuedMessage kept = queue(spool, "kept\r\n", "a@example.test");
        spool.saveState(kept.state());
        Path queue = dir.resolve("queue");
        Files.writeString(queue.resolve("18F00000000AA.state"), "[]"); // message already removed
        Files.writeString(queue.resolve("18F00000000AA.hold"), "");
        Files.writeString(queue.resolve("." + kept.id() + ".state.tmp-1b4e28ba-2fa1-11d2-883f-0016d3cca427"), "[");
        Files.writeString(queue.resolve(".18F00000000AB.state.tmp-0"), "");

        List<QueuedMessage> recovered = spool().recover();

        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(kept.id());
        assertThat(list("queue")).containsExactly(kept.id() + ".state");
    }

    @Test
    void saveStateReplacesTheStateFile() throws Exception {
        Spool spool = spool();
        QueuedMessage m = queue(spool, "x\r\n", "a@example.test");
        RecipientState s = m.state();
        Instant at = Instant.parse("2025-03-04T06:00:00Z");
        for (int i = 1; i <= 3; i++) {
            s.set(0, new RecipientState.Entry(RecipientState.Status.DEFERRED, i, "try " + i, at, at.plusSeconds(i)));
            spool.saveState(s);
        }
        RecipientState read = RecipientState.read(spool.stateFile(m.id()), m.envelope());
        assertThat(read.get(0)).isEqualTo(new RecipientState.Entry(RecipientState.Status.DEFERRED, 3, "try 3", at,
                at.plusSeconds(3)));
        assertThat(list("queue")).containsExactly(m.id() + ".state");
    }

    @Test
    void removeEmptiesTheSlotAndDeletesTheState() throws Exception {
        Spool spool = spool();
        QueuedMessage m = queue(spool, "x\r\n", "a@example.test");
        QueuedMessage other = queue(spool, "y\r\n", "a@example.test");
        spool.saveState(m.state());
        spool.setHeld(m.id(), true);

        spool.remove(m);

        assertThat(m.file()).isEmptyFile();
        assertThat(list("queue")).isEmpty();
        assertThat(spool.find(m.id())).isNull();
        assertThat(spool.find(other.id())).isNotNull();
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(other.id());
    }

    @Test
    void removeDeletesTheStateAndHoldMarkerOfAMessageQueuedBeforeTheStart() throws Exception {
        Spool spool = spool();
        QueuedMessage m = queue(spool, "x\r\n", "a@example.test");
        spool.saveState(m.state());
        spool.setHeld(m.id(), true);

        Spool after = spool();
        QueuedMessage recovered = after.recover().getFirst();
        after.remove(recovered);

        assertThat(list("queue")).isEmpty();
        assertThat(spool().recover()).isEmpty();
    }

    @Test
    void aFinishedMessageWhoseTruncationAPowerLossUndidIsNeitherRecoveredNorListed() throws Exception {
        Spool spool = spool();
        QueuedMessage m = queue(spool, "x\r\n", "a@example.test");
        QueuedMessage other = queue(spool, "y\r\n", "a@example.test");
        byte[] before = Files.readAllBytes(m.file());
        spool.remove(m);
        assertThat(m.file()).isEmptyFile();
        Files.write(m.file(), before); // the truncation had no fsync of its own: a power loss may undo it

        Spool offline = spool();
        assertThat(offline.find(m.id())).isNull();
        assertThat(offline.messages()).extracting(QueuedMessage::id).containsExactly(other.id());
        Spool restarted = spool();
        assertThat(restarted.recover()).extracting(QueuedMessage::id).containsExactly(other.id());
        assertThat(m.file()).isEmptyFile();
        assertThat(dir.resolve("finished")).isEmptyFile(); // every slot fsynced: the record is needed no more
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(other.id());
    }

    @Test
    void theFinishedLogIsEmptiedWhenItGrowsLongAndNothingFinishedComesBack() throws Exception {
        Spool spool = new Spool(dir, Clock.systemUTC(), dirSync, 100L, 0);
        List<String> kept = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int n = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        QueuedMessage m = queue(spool, "m" + n + "-" + i + "\r\n", "a@example.test");
                        if (i == 9) {
                            kept.add(m.id());
                        } else {
                            spool.remove(m);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        // emptied each time it passed 100 octets; at most one record per thread can come after the last time
        assertThat(Files.size(dir.resolve("finished"))).isLessThan(100 + 8 * 24);
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactlyInAnyOrderElementsOf(kept);
    }

    @Test
    void findAndMessagesReadWithoutChangingAnything() throws Exception {
        Spool spool = spool();
        QueuedMessage a = queue(spool, "a\r\n", "a@example.test");
        QueuedMessage b = queue(spool, "b\r\n", "b@example.test");
        Spool.Incoming half = spool.begin(id -> envelope(id, "c@example.test"));
        half.content().write("half".getBytes(StandardCharsets.US_ASCII));
        half.content().flush();
        long halfSize = Files.size(dir.resolve("slots").resolve("00000002"));

        Spool reader = spool();
        assertThat(reader.messages()).extracting(QueuedMessage::id).containsExactly(a.id(), b.id());
        assertThat(reader.find(b.id()).contentSize()).isEqualTo(3);
        assertThat(reader.find("18F0000000FFF")).isNull();
        assertThat(Files.size(dir.resolve("slots").resolve("00000002"))).isEqualTo(halfSize); // left as it was
    }

    @Test
    void aSlotOfTheEarlierFormatWithoutFactsIsStillRecovered() throws Exception {
        Spool spool = spool();
        Envelope env = envelope("6617EB23E43F8", "a@example.test");
        byte[] json = SlotFormat.JSON.writeValueAsBytes(env);
        byte[] body = "Subject: old\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream();
        f.write(("TERN2 0123456789abcdef " + json.length + "\n").getBytes(StandardCharsets.US_ASCII));
        f.write(json);
        f.write('\n');
        f.write(body);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(f.toByteArray());
        f.write(("TERN2 END 0123456789abcdef " + hex16(body.length) + " "
                + java.util.HexFormat.of().toHexDigits((int) crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("slots").resolve("00000007"), f.toByteArray());

        QueuedMessage m = spool().recover().getFirst();
        assertThat(m.envelope()).isEqualTo(env);
        assertThat(m.facts()).isNull(); // remote delivery reads the content to learn them
        assertThat(m.marks()).isEmpty();
        try (var in = m.openContent()) {
            assertThat(in.readAllBytes()).isEqualTo(body);
        }
        assertThat(spool).isNotNull();
    }

    @Test
    void idsAreUniqueAndIncreasing() throws Exception {
        QueueIds spool = new QueueIds(Clock.systemUTC());
        String prev = spool.next();
        for (int i = 0; i < 20_000; i++) {
            String id = spool.next();
            if (!id.matches("[0-9A-F]+") || Long.parseLong(id, 16) <= Long.parseLong(prev, 16)
                    || id.compareTo(prev) <= 0) { // IDs also sort by name, as recover() sorts them
                throw new AssertionError("ID " + id + " after " + prev);
            }
            prev = id;
        }
    }

    @Test
    void idsAreUniqueAndIncreasingAcrossThreads() throws Exception {
        QueueIds spool = new QueueIds(Clock.systemUTC());
        int threads = 8;
        int each = 5_000;
        List<Future<List<String>>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>(each);
                    for (int i = 0; i < each; i++) {
                        mine.add(spool.next());
                    }
                    return mine;
                }));
            }
        }
        Set<String> all = new HashSet<>();
        for (Future<List<String>> f : futures) {
            List<String> mine = f.get();
            for (int i = 1; i < mine.size(); i++) {
                assertThat(Long.parseLong(mine.get(i), 16)).isGreaterThan(Long.parseLong(mine.get(i - 1), 16));
            }
            all.addAll(mine);
        }
        assertThat(all).hasSize(threads * each);
    }

    @Test
    void idsFollowTheClock() throws Exception {
        Instant t = Instant.parse("2025-06-01T12:00:00Z");
        Spool spool = new Spool(dir, Clock.fixed(t, ZoneOffset.UTC), dirSync, 0);
        Spool.Incoming in = spool.begin(n -> envelope(n, "a@example.test"));
        in.abort();
        long id = Long.parseLong(in.id(), 16);
        long micros = t.toEpochMilli() * 1000;
        assertThat(id).isBetween(micros, micros + 999);
    }

    /**
     * While a restarted server still recovers its spool in the background, a new message must not take the ID of
     * a queued one not yet read, even with the clock stepped back: IDs start above the lease the last process left.
     */
    @Test
    void afterARestartIdsAreAboveEveryIdHandedOutBeforeEvenWhenTheClockSteppedBack() throws Exception {
        Instant t = Instant.parse("2025-06-01T12:00:00Z");
        Spool first = new Spool(dir, Clock.fixed(t, ZoneOffset.UTC), dirSync);
        long last = 0;
        for (int i = 0; i < 3; i++) {
            Spool.Incoming in = first.begin(n -> envelope(n, "a@example.test"));
            in.abort();
            last = Long.parseLong(in.id(), 16);
        }

        // a restart an hour earlier by the clock
        Spool second = new Spool(dir, Clock.fixed(t.minusSeconds(3600), ZoneOffset.UTC), dirSync);
        assertThat(second.startRecovery().background()).isTrue();
        Spool.Incoming in = second.begin(n -> envelope(n, "b@example.test"));
        in.abort();
        assertThat(Long.parseLong(in.id(), 16)).isGreaterThan(last);
        assertThat(Long.parseLong(Files.readString(dir.resolve("ids")).strip(), 16))
                .as("the lease, moved past the new ID").isGreaterThan(Long.parseLong(in.id(), 16));
    }

    @Test
    void aSpoolWithMessagesAndNoLeaseIsRecoveredBeforeNewMailIsTaken() throws Exception {
        Spool first = new Spool(dir, Clock.systemUTC(), dirSync, 0); // a slot, as an older Tern wrote
        Spool.Incoming in = first.begin(n -> envelope(n, "a@example.test"));
        byte[] content = "x\r\n".getBytes(StandardCharsets.US_ASCII);
        in.content().write(content);
        in.commit(ContentFacts.of(content));
        Files.delete(dir.resolve("ids")); // as an older Tern left it

        Spool.Recovery r = new Spool(dir, Clock.systemUTC(), dirSync).startRecovery();
        assertThat(r.background()).isFalse();
        assertThat(r.run()).hasSize(1);
    }
}
