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
        return new Spool(dir, Clock.systemUTC(), dirSync);
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
        Spool.Incoming in = spool.begin(envelope(spool.newId(), recipients));
        in.content().write(content.getBytes(StandardCharsets.UTF_8));
        return in.commit();
    }

    private List<String> list(String sub) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve(sub))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void createsIncomingAndQueueDirectories() throws Exception {
        spool();
        assertThat(dir.resolve("incoming")).isDirectory();
        assertThat(dir.resolve("queue")).isDirectory();
    }

    @Test
    void commitWritesTheEnvelopeHeaderThenExactlyTheContent() throws Exception {
        Spool spool = spool();
        Envelope env = new Envelope(spool.newId(), "", ARRIVAL, "2001:db8::1", "héllo", "UTF8SMTP", true,
                null, "HDRS", "env id", List.of(
                        new Envelope.Recipient("bob@example.test", "Bob@Example.Test", "SUCCESS,DELAY", "rfc822;Bob@Example.Test"),
                        new Envelope.Recipient("carol@example.test", "team@example.test", null, null)));
        byte[] content = "Received: from x\r\nSubject: caf\u00e9\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.UTF_8);

        Spool.Incoming in = spool.begin(env);
        assertThat(in.id()).isEqualTo(env.id());
        assertThat(dir.resolve("incoming").resolve(env.id())).exists();
        in.content().write(content, 0, 10);
        in.content().write(content, 10, content.length - 10);
        QueuedMessage m = in.commit();

        assertThat(m.id()).isEqualTo(env.id());
        assertThat(m.envelope()).isEqualTo(env);
        assertThat(m.file()).isEqualTo(dir.resolve("queue").resolve(env.id())).isEqualTo(spool.file(env.id()));
        assertThat(m.contentSize()).isEqualTo(content.length);
        assertThat(m.state().size()).isEqualTo(2);
        assertThat(m.state().entries()).allMatch(e -> e.status() == RecipientState.Status.PENDING && e.attempts() == 0);
        assertThat(list("incoming")).isEmpty();
        assertThat(list("queue")).containsExactly(env.id());

        byte[] file = Files.readAllBytes(m.file());
        assertThat(m.contentOffset() + m.contentSize()).isEqualTo(file.length);
        assertThat(Arrays.copyOfRange(file, (int) m.contentOffset(), file.length)).isEqualTo(content);

        // the header: "TERN1 <n>\n", n octets of JSON, "\n"
        String head = new String(file, 0, (int) m.contentOffset(), StandardCharsets.UTF_8);
        assertThat(head).startsWith("TERN1 ").endsWith("\n");
        int nl = head.indexOf('\n');
        int n = Integer.parseInt(head.substring(6, nl));
        assertThat(m.contentOffset()).isEqualTo(nl + 1 + n + 1);
        Envelope parsed = Spool.JSON.readValue(Arrays.copyOfRange(file, nl + 1, nl + 1 + n), Envelope.class);
        assertThat(parsed).isEqualTo(env);
        assertThat(Spool.readEnvelope(m.file())).isEqualTo(env);

        QueuedMessage reopened = QueuedMessage.open(m.file(), m.state());
        assertThat(reopened.contentOffset()).isEqualTo(m.contentOffset());
        assertThat(reopened.contentSize()).isEqualTo(m.contentSize());
    }

    @Test
    void largeContentBeyondTheBufferIsKeptExactly() throws Exception {
        Spool spool = spool();
        byte[] content = new byte[1_000_003];
        new java.util.Random(7).nextBytes(content);
        Spool.Incoming in = spool.begin(envelope(spool.newId(), "a@example.test"));
        for (int off = 0; off < content.length; off += 4096) {
            in.content().write(content, off, Math.min(4096, content.length - off));
        }
        QueuedMessage m = in.commit();

        byte[] file = Files.readAllBytes(m.file());
        assertThat(m.contentSize()).isEqualTo(content.length);
        assertThat(Arrays.copyOfRange(file, (int) m.contentOffset(), file.length)).isEqualTo(content);
    }

    @Test
    void emptyContentGivesSizeZero() throws Exception {
        Spool spool = spool();
        QueuedMessage m = spool.begin(envelope(spool.newId(), "a@example.test")).commit();
        assertThat(m.contentSize()).isZero();
        assertThat(Files.size(m.file())).isEqualTo(m.contentOffset());
    }

    @Test
    void abortLeavesNothing() throws Exception {
        Spool spool = spool();
        Spool.Incoming in = spool.begin(envelope(spool.newId(), "a@example.test"));
        in.content().write("half a message".getBytes(StandardCharsets.US_ASCII));
        in.abort();
        in.abort(); // twice is harmless

        assertThat(list("incoming")).isEmpty();
        assertThat(list("queue")).isEmpty();
        assertThat(spool.recover()).isEmpty();
    }

    @Test
    void anIdInUseIsRefused() throws Exception {
        Spool spool = spool();
        Envelope env = envelope(spool.newId(), "a@example.test");
        Spool.Incoming first = spool.begin(env);
        assertThatThrownBy(() -> spool.begin(env)).isInstanceOf(IOException.class).hasMessageContaining("in use");
        first.abort();
    }

    @Test
    void aNewMessageNeverReplacesAQueuedOneWhenTheClockStepsBack() throws Exception {
        // QueueIds says: "A clock that steps back is harmless: the spool refuses to reuse a name that exists".
        // Simulate a restart with the clock at the same instant as before: the second process hands out the IDs
        // the first one used, one of which is still queued (e.g. a deferred remote recipient).
        Clock fixed = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);
        Spool first = new Spool(dir, fixed, dirSync);
        String id = null;
        for (int i = 0; i < 1500; i++) {
            id = first.newId();
        }
        Spool.Incoming a = first.begin(envelope(id, "a@example.test"));
        a.content().write("message A\r\n".getBytes(StandardCharsets.US_ASCII));
        a.commit();

        Spool second = new Spool(dir, fixed, dirSync); // after the restart
        assertThat(second.recover()).hasSize(1);
        long target = Long.parseLong(id, 16);
        String next = second.newId();
        while (Long.parseLong(next, 16) < target) {
            next = second.newId();
        }
        assertThat(next).as("newId skips the ID of a message still queued").isNotEqualTo(id);

        // and an envelope that names a queued ID anyway is refused, not written over it
        String queuedId = id;
        assertThatThrownBy(() -> second.begin(envelope(queuedId, "b@example.test"))).isInstanceOf(IOException.class);
        QueuedMessage stillA = QueuedMessage.open(dir.resolve("queue").resolve(id), null);
        assertThat(stillA.envelope().recipients().get(0).address())
                .as("acknowledged message A must not be overwritten by a new message with the same ID")
                .isEqualTo("a@example.test");
    }

    @Test
    void recoverRemovesIncomingFilesAndReturnsCommittedMessagesOldestFirstWithTheirState() throws Exception {
        Spool spool = spool();
        QueuedMessage m1 = queue(spool, "one\r\n", "a@example.test", "b@example.test");
        QueuedMessage m2 = queue(spool, "two\r\n", "c@example.test");
        QueuedMessage m3 = queue(spool, "three\r\n", "d@example.test");
        Spool.Incoming half = spool.begin(envelope(spool.newId(), "e@example.test"));
        half.content().write("never finished".getBytes(StandardCharsets.US_ASCII));
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
        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(m1.id(), m2.id(), m3.id());
        QueuedMessage r1 = recovered.get(0);
        assertThat(r1.envelope()).isEqualTo(m1.envelope());
        assertThat(r1.contentOffset()).isEqualTo(m1.contentOffset());
        assertThat(r1.contentSize()).isEqualTo(m1.contentSize());
        assertThat(r1.state().id()).isEqualTo(m1.id());
        assertThat(r1.state().entries()).isEqualTo(s.entries());
        assertThat(r1.state().allDone()).isFalse();
        assertThat(recovered.get(1).state().entries())
                .containsExactly(new RecipientState.Entry(RecipientState.Status.PENDING, 0, null, null, null));
        assertThat(recovered.get(2).contentSize()).isEqualTo("three\r\n".length());
    }

    @Test
    void recoverOrdersByIdNotByDirectoryOrder() throws Exception {
        Spool spool = spool();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(queue(spool, "m" + i + "\r\n", "a@example.test").id());
        }
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactlyElementsOf(ids);
    }

    @Test
    void recoverMovesACorruptQueueFileAside() throws Exception {
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
        assertThat(list("queue")).containsExactlyInAnyOrder(good.id(),
                "0000BAD0000001.corrupt", "0000BAD0000002.corrupt", "0000BAD0000003.corrupt",
                "0000BAD0000004.corrupt", "0000BAD0000005.corrupt");
        assertThat(queue.resolve("0000BAD0000001.corrupt")).hasContent("garbage, not a queue file");
        // a second recovery leaves the corrupt files alone
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(good.id());
        assertThat(list("queue")).hasSize(6);
    }

    @Test
    void recoverDeletesOrphanStateFilesAndLeftoverTempFiles() throws Exception {
        Spool spool = spool();
        QueuedMessage kept = queue(spool, "kept\r\n", "a@example.test");
        spool.saveState(kept.state());
        Path queue = dir.resolve("queue");
        Files.writeString(queue.resolve("18F00000000AA.state"), "[]"); // message already removed
        Files.writeString(queue.resolve("." + kept.id() + ".state.tmp-1b4e28ba-2fa1-11d2-883f-0016d3cca427"), "[");
        Files.writeString(queue.resolve(".18F00000000AB.state.tmp-0"), "");

        List<QueuedMessage> recovered = spool().recover();

        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(kept.id());
        assertThat(list("queue")).containsExactlyInAnyOrder(kept.id(), kept.id() + ".state");
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
        RecipientState read = RecipientState.read(dir.resolve("queue").resolve(m.id() + ".state"), m.envelope());
        assertThat(read.get(0)).isEqualTo(new RecipientState.Entry(RecipientState.Status.DEFERRED, 3, "try 3", at,
                at.plusSeconds(3)));
        assertThat(list("queue")).containsExactlyInAnyOrder(m.id(), m.id() + ".state");
    }

    @Test
    void removeDeletesTheMessageAndItsState() throws Exception {
        Spool spool = spool();
        QueuedMessage m = queue(spool, "x\r\n", "a@example.test");
        QueuedMessage other = queue(spool, "y\r\n", "a@example.test");
        spool.saveState(m.state());

        spool.remove(m.id());
        spool.remove(m.id()); // again: nothing to do, no error

        assertThat(list("queue")).containsExactly(other.id());
        assertThat(spool().recover()).extracting(QueuedMessage::id).containsExactly(other.id());
    }

    @Test
    void idsAreUniqueAndIncreasing() throws Exception {
        Spool spool = spool();
        String prev = spool.newId();
        for (int i = 0; i < 20_000; i++) {
            String id = spool.newId();
            if (!id.matches("[0-9A-F]+") || Long.parseLong(id, 16) <= Long.parseLong(prev, 16)
                    || id.compareTo(prev) <= 0) { // IDs also sort by name, as recover() sorts them
                throw new AssertionError("ID " + id + " after " + prev);
            }
            prev = id;
        }
    }

    @Test
    void idsAreUniqueAndIncreasingAcrossThreads() throws Exception {
        Spool spool = spool();
        int threads = 8;
        int each = 5_000;
        List<Future<List<String>>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>(each);
                    for (int i = 0; i < each; i++) {
                        mine.add(spool.newId());
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
        Spool spool = new Spool(dir, Clock.fixed(t, ZoneOffset.UTC), dirSync);
        long id = Long.parseLong(spool.newId(), 16);
        long micros = t.toEpochMilli() * 1000;
        assertThat(id).isBetween(micros, micros + 999);
    }
}
