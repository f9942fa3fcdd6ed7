package dev.tern.delivery;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.io.DirectorySync;
import dev.tern.mailbox.Maildir;
import dev.tern.mailbox.MaildirStore;
import dev.tern.queue.Attempt;
import dev.tern.queue.ContentFacts;
import dev.tern.queue.Envelope;
import dev.tern.queue.Mark;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.RetrySchedule;
import dev.tern.queue.Scheduler;
import dev.tern.queue.Spool;
import dev.tern.queue.PerRecipient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterMaildirTest {
    @TempDir
    Path data;

    private static final String HOST = "mx.example.test";
    private static final String CONTENT = "Received: from client\r\nSubject: hello\r\n\r\nHi Bob.\r\n";
    private static final Instant ARRIVAL = Instant.parse("2025-03-04T05:06:07.250Z");

    private final DirectorySync dirSync = new DirectorySync();
    private Spool spool;
    private Maildir maildir;
    private Router router;

    @BeforeEach
    void setUp() throws IOException {
        spool = new Spool(data.resolve("spool"), Clock.systemUTC(), dirSync);
        maildir = new Maildir(data.resolve("mail"), dirSync);
        router = new Router(List.of("example.test", "other.test"), store(HOST), HOST, null, "Junk");
    }

    private MaildirStore store(String host) {
        return new MaildirStore(maildir, dirSync, host, Clock.systemUTC(), Duration.ZERO);
    }

    private QueuedMessage queue(String sender, String... recipients) throws IOException {
        List<Envelope.Recipient> rcpts = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(new Envelope.Recipient(r, r, null, null));
        }
        Spool.Incoming in = spool.begin(id -> new Envelope(id, sender, ARRIVAL, "192.0.2.1", "client.example.org",
                "ESMTP", false, null, null, null, rcpts));
        byte[] content = CONTENT.getBytes(StandardCharsets.UTF_8);
        in.content().write(content);
        return in.commit(ContentFacts.of(content));
    }

    private Path box(String domain, String user) {
        return data.resolve("mail").resolve(domain).resolve(user);
    }

    private static List<String> names(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void localDeliveryWritesTraceHeadersThenTheContentIntoNew() throws Exception {
        QueuedMessage m = queue("alice@example.org", "bob@example.test");

        Attempt a = one(router, m, 0, false);

        assertThat(a).isInstanceOf(Attempt.Delivered.class);
        assertThat(((Attempt.Delivered) a).relay()).isEqualTo("local");
        Path box = box("example.test", "bob");
        List<String> inNew = names(box.resolve("new"));
        assertThat(inNew).hasSize(1);
        assertThat(names(box.resolve("tmp"))).isEmpty();
        assertThat(names(box.resolve("cur"))).isEmpty();

        String name = inNew.get(0);
        Matcher nm = Pattern.compile("(\\d+)\\.Q([0-9A-F]+)R(\\d+)\\.(.+),S=(\\d+)").matcher(name);
        assertThat(nm.matches()).as(name).isTrue();
        assertThat(Long.parseLong(nm.group(1))).isEqualTo(ARRIVAL.getEpochSecond());
        assertThat(nm.group(2)).isEqualTo(m.id());
        assertThat(nm.group(3)).isEqualTo("0");
        assertThat(nm.group(4)).isEqualTo(HOST);
        Path file = box.resolve("new").resolve(name);
        assertThat(Long.parseLong(nm.group(5))).isEqualTo(Files.size(file));
        assertThat(((Attempt.Delivered) a).detail()).contains(name);

        assertThat(file).hasContent("Return-Path: <alice@example.org>\r\n"
                + "Delivered-To: bob@example.test\r\n" + CONTENT);
    }

    @Test
    void eachRecipientGetsItsOwnIndexInTheName() throws Exception {
        QueuedMessage m = queue("", "bob@example.test", "carol@other.test", "Dave@Example.Test");

        for (int i = 0; i < 3; i++) {
            assertThat(one(router, m, i, false)).isInstanceOf(Attempt.Delivered.class);
        }

        String bob = names(box("example.test", "bob").resolve("new")).get(0);
        String carol = names(box("other.test", "carol").resolve("new")).get(0);
        List<String> dave = names(box("example.test", "dave").resolve("new"));
        assertThat(bob).contains(".Q" + m.id() + "R0.");
        assertThat(carol).contains(".Q" + m.id() + "R1.");
        assertThat(dave).singleElement().asString().contains(".Q" + m.id() + "R2.");
        assertThat(box("example.test", "dave").resolve("new").resolve(dave.get(0)))
                .hasContent("Return-Path: <>\r\nDelivered-To: Dave@Example.Test\r\n" + CONTENT);
    }

    @Test
    void oneCallDeliversEveryLocalRecipientOfTheGroupFromOneOpenOfTheQueuedContent() throws Exception {
        QueuedMessage m = queue("", "bob@example.test", "carol@other.test");

        List<Attempt> out = router.deliver(m, List.of(0, 1), false);

        assertThat(out).hasSize(2).allSatisfy(a -> assertThat(a).isInstanceOf(Attempt.Delivered.class));
        assertThat(box("example.test", "bob").resolve("new").resolve(names(box("example.test", "bob").resolve("new"))
                .getFirst())).hasContent("Return-Path: <>\r\nDelivered-To: bob@example.test\r\n" + CONTENT);
        assertThat(names(box("other.test", "carol").resolve("new"))).singleElement().asString()
                .contains(".Q" + m.id() + "R1.");
    }

    @Test
    void aQueuedContentThatCannotBeOpenedDefersEveryRecipientOfTheGroup() throws Exception {
        QueuedMessage m = queue("", "bob@example.test", "dave@example.test");
        Files.move(m.file(), m.file().resolveSibling("moved-away"));

        List<Attempt> out = router.deliver(m, List.of(0, 1), false);

        assertThat(out).hasSize(2).allSatisfy(a -> assertThat(((Attempt.Deferred) a).reason())
                .startsWith("cannot deliver to maildir: java.nio.file.NoSuchFileException"));
        assertThat(names(box("example.test", "bob").resolve("new"))).isEmpty();
    }

    /** A message the MX quarantined: marked JUNK, with its Authentication-Results field added at commit. */
    private QueuedMessage quarantined(String... recipients) throws IOException {
        List<Envelope.Recipient> rcpts = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(new Envelope.Recipient(r, r, null, null));
        }
        Spool.Incoming in = spool.begin(id -> new Envelope(id, "ceo@bank.test", ARRIVAL, "192.0.2.1",
                "client.example.org", "ESMTP", false, null, null, null, rcpts));
        byte[] content = CONTENT.getBytes(StandardCharsets.UTF_8);
        in.content().write(content);
        return in.commit(ContentFacts.of(content), RESULTS.getBytes(StandardCharsets.US_ASCII), Set.of(Mark.JUNK));
    }

    private static final String RESULTS = "Authentication-Results: mx.example.test; dmarc=fail header.from=bank.test\r\n";

    @Test
    void aQuarantinedMessageGoesIntoJunkAndAnotherIntoInbox() throws Exception {
        QueuedMessage q = quarantined("bob@example.test");
        QueuedMessage plain = queue("alice@example.org", "bob@example.test");

        Attempt a = one(router, q, 0, false);
        Path junk = box("example.test", "bob").resolve(".Junk").resolve("new");
        assertThat(names(junk)).singleElement().asString().contains(".Q" + q.id() + "R0.");
        assertThat(((Attempt.Delivered) a).detail())
                .isEqualTo("delivered to maildir folder Junk as " + names(junk).getFirst() + " (quarantined)");
        assertThat(junk.resolve(names(junk).getFirst())).hasContent("Return-Path: <ceo@bank.test>\r\n"
                + "Delivered-To: bob@example.test\r\n" + RESULTS + CONTENT);
        assertThat(names(box("example.test", "bob").resolve("new"))).isEmpty();

        Attempt b = one(router, plain, 0, false);
        assertThat(((Attempt.Delivered) b).detail()).startsWith("delivered to maildir as ").doesNotContain("quarantined");
        assertThat(names(box("example.test", "bob").resolve("new"))).singleElement().asString()
                .contains(".Q" + plain.id() + "R0.");
        assertThat(names(junk)).hasSize(1);
        assertThat(router.quarantined().get(Router.Quarantined.FOLDER)).isEqualTo(1);
        assertThat(router.quarantined().get(Router.Quarantined.INBOX)).isZero();
    }

    @Test
    void anEmptyQuarantineFolderOrAMissingJunkKeepsQuarantinedMailInInbox() throws Exception {
        Router inInbox = new Router(List.of("example.test"), store(HOST), HOST, null, "");
        QueuedMessage q = quarantined("bob@example.test", "carol@example.test");
        Attempt a = one(inInbox, q, 0, false);
        assertThat(((Attempt.Delivered) a).detail()).matches("delivered to maildir as \\S+ \\(quarantined\\)");
        assertThat(names(box("example.test", "bob").resolve("new"))).hasSize(1);
        assertThat(box("example.test", "bob").resolve(".Junk")).doesNotExist(); // nothing asked for a folder

        store(HOST).account("carol@example.test").delete("Junk"); // carol does not want one
        Attempt b = one(router, q, 1, false);
        assertThat(((Attempt.Delivered) b).detail())
                .matches("delivered to maildir as \\S+ \\(quarantined; no folder Junk\\)");
        assertThat(names(box("example.test", "carol").resolve("new"))).hasSize(1);
        assertThat(inInbox.quarantined().get(Router.Quarantined.INBOX)).isEqualTo(1);
        assertThat(router.quarantined().get(Router.Quarantined.INBOX)).isEqualTo(1);
    }

    @Test
    void aQuarantinedMessageRecoveredAfterARestartStillGoesIntoJunk() throws Exception {
        QueuedMessage q = quarantined("bob@example.test");
        Spool restarted = new Spool(data.resolve("spool"), Clock.systemUTC(), dirSync);
        QueuedMessage r = restarted.recover().getFirst();
        assertThat(r.id()).isEqualTo(q.id());
        assertThat(one(router, r, 0, true)).isInstanceOf(Attempt.Delivered.class);
        assertThat(names(box("example.test", "bob").resolve(".Junk").resolve("new"))).hasSize(1);
        assertThat(names(box("example.test", "bob").resolve("new"))).isEmpty();
    }

    @Test
    void aQuarantinedMessageDeliveredBeforeACrashIsNotDeliveredAgainWhenTheQuarantineFolderChanged() throws Exception {
        QueuedMessage q = quarantined("bob@example.test", "carol@example.test");
        // both delivered into Junk, then the process died before the state was saved; carol has read hers since
        assertThat(one(router, q, 0, false)).isInstanceOf(Attempt.Delivered.class);
        assertThat(one(router, q, 1, false)).isInstanceOf(Attempt.Delivered.class);
        Path carolJunk = box("example.test", "carol").resolve(".Junk");
        String read = names(carolJunk.resolve("new")).getFirst();
        Files.move(carolJunk.resolve("new").resolve(read), carolJunk.resolve("cur").resolve(read + ":2,S"));
        QueuedMessage r = new Spool(data.resolve("spool"), Clock.systemUTC(), dirSync).recover().getFirst();

        // restarted with quarantine_folder = "" (bob) and = "Archive" (carol): the copy in Junk is found
        Router intoInbox = new Router(List.of("example.test"), store(HOST), HOST, null, "");
        Router intoArchive = new Router(List.of("example.test"), store(HOST), HOST, null, "Archive");
        Attempt bob = one(intoInbox, r, 0, true);
        Attempt carol = one(intoArchive, r, 1, true);

        Path bobJunk = box("example.test", "bob").resolve(".Junk").resolve("new");
        assertThat(names(bobJunk)).hasSize(1);
        assertThat(names(box("example.test", "bob").resolve("new"))).isEmpty();
        assertThat(((Attempt.Delivered) bob).detail())
                .isEqualTo("delivered to maildir folder Junk as " + names(bobJunk).getFirst() + " (quarantined)");
        assertThat(names(carolJunk.resolve("cur"))).containsExactly(read + ":2,S");
        assertThat(names(carolJunk.resolve("new"))).isEmpty();
        assertThat(names(box("example.test", "carol").resolve(".Archive").resolve("new"))).isEmpty();
        assertThat(((Attempt.Delivered) carol).detail()).contains("folder Junk as " + read);
    }

    @Test
    void theHostInNamesIsEscaped() throws Exception {
        Router r = new Router(List.of("example.test"), store("odd/host:name"), "odd/host:name", null, "Junk");
        QueuedMessage m = queue("a@example.org", "bob@example.test");
        assertThat(one(r, m, 0, false)).isInstanceOf(Attempt.Delivered.class);
        assertThat(names(box("example.test", "bob").resolve("new")))
                .singleElement().asString().contains(".odd\\057host\\072name,S=");
    }

    @Test
    void redeliveryWhenRecoveringFindsTheCopyInNew() throws Exception {
        QueuedMessage m = queue("a@example.org", "bob@example.test");
        Attempt first = one(router, m, 0, false);

        Attempt again = one(router, m, 0, true);

        assertThat(again).isInstanceOf(Attempt.Delivered.class);
        assertThat(((Attempt.Delivered) again).detail()).isEqualTo(((Attempt.Delivered) first).detail());
        Path box = box("example.test", "bob");
        assertThat(names(box.resolve("new"))).hasSize(1);
        assertThat(names(box.resolve("tmp"))).isEmpty();
        assertThat(names(box.resolve("cur"))).isEmpty();
    }

    @Test
    void redeliveryWhenRecoveringFindsTheCopyAlreadyReadInCur() throws Exception {
        QueuedMessage m = queue("a@example.org", "bob@example.test");
        one(router, m, 0, false);
        Path box = box("example.test", "bob");
        String name = names(box.resolve("new")).get(0);
        Files.move(box.resolve("new").resolve(name), box.resolve("cur").resolve(name + ":2,S")); // a client read it

        Attempt again = one(router, m, 0, true);

        assertThat(again).isInstanceOf(Attempt.Delivered.class);
        assertThat(names(box.resolve("new"))).isEmpty();
        assertThat(names(box.resolve("tmp"))).isEmpty();
        assertThat(names(box.resolve("cur"))).containsExactly(name + ":2,S");
    }

    @Test
    void recoveringWithNoEarlierCopyDelivers() throws Exception {
        QueuedMessage m = queue("a@example.org", "bob@example.test");
        assertThat(one(router, m, 0, true)).isInstanceOf(Attempt.Delivered.class);
        assertThat(names(box("example.test", "bob").resolve("new"))).hasSize(1);
    }

    @Test
    void aMailboxThatCannotBeCreatedIsDeferredAndTheNextAttemptSucceeds() throws Exception {
        Path blocker = box("example.test", "bob");
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "a regular file where the Maildir should be");
        QueuedMessage m = queue("a@example.org", "bob@example.test");

        Attempt a = one(router, m, 0, false);

        assertThat(a).isInstanceOf(Attempt.Deferred.class);
        assertThat(((Attempt.Deferred) a).relay()).isEqualTo("local");
        assertThat(((Attempt.Deferred) a).reason()).startsWith("cannot deliver to maildir");

        Files.delete(blocker);
        Attempt b = one(router, m, 0, false);

        assertThat(b).isInstanceOf(Attempt.Delivered.class);
        assertThat(names(blocker.resolve("new"))).hasSize(1);
    }

    @Test
    void remoteAddressesGoToTheirDomainsRouteAndNeverIntoAMaildir() {
        assertThat(router.route("a@example.test")).isEqualTo("local");
        assertThat(router.route("someone@remote.test")).isEqualTo("smtp:remote.test");
        assertThat(router.route("x@example.test.evil")).isEqualTo("smtp:example.test.evil");
        assertThat(data.resolve("mail/remote.test")).doesNotExist();
    }

    @Test
    void isLocalComparesTheDomainWithoutCase() {
        assertThat(router.isLocal("a@example.test")).isTrue();
        assertThat(router.isLocal("a@EXAMPLE.TEST")).isTrue();
        assertThat(router.isLocal("a@sub.example.test")).isFalse();
        assertThat(router.isLocal("\"x@example.test\"@remote.test")).isFalse();
    }

    @Test
    void theSchedulerRetriesATemporaryFailureFromTheQueueUntilItIsDelivered() throws Exception {
        Path blocker = box("example.test", "bob");
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "in the way");
        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        PerRecipient watched = (message, index, recovering) -> {
            Attempt a = one(router, message, index, recovering);
            attempts.add(a);
            return a;
        };
        RetrySchedule fast = new RetrySchedule(Duration.ofMillis(50), Duration.ofMillis(200));
        try (Scheduler scheduler = new Scheduler(spool, watched.transport(), Clock.systemUTC(), PerRecipient.settings(fast, 2))) {
            QueuedMessage m = queue("a@example.org", "bob@example.test", "carol@example.test");
            Path state = spool.stateFile(m.id());

            scheduler.submit(m);

            // carol is delivered at once; bob is deferred and the state says so
            await().atMost(5, SECONDS).pollInterval(Duration.ofMillis(5)).until(() -> Files.exists(state));
            JsonNode entries = new ObjectMapper().readTree(Files.readAllBytes(state));
            assertThat(entries.get(0).get("status").asText()).isEqualTo("DEFERRED");
            assertThat(entries.get(0).get("attempts").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(entries.get(0).get("lastError").asText()).startsWith("cannot deliver to maildir");
            assertThat(entries.get(1).get("status").asText()).isEqualTo("DELIVERED");
            assertThat(names(box("example.test", "carol").resolve("new"))).hasSize(1);
            await().atMost(5, SECONDS).until(() -> attempts.size() >= 3); // retried, still deferred
            assertThat(spool.find(m.id())).isNotNull();

            Files.delete(blocker);

            await().atMost(5, SECONDS).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
                assertThat(spool.find(m.id())).isNull();
                assertThat(state).doesNotExist();
                // the scheduler forgets the message just after it removes the file
                assertThat(scheduler.messages()).isEmpty();
            });
            assertThat(names(blocker.resolve("new"))).singleElement().asString()
                    .contains(".Q" + m.id() + "R0.");
            assertThat(names(box("example.test", "carol").resolve("new"))).hasSize(1);
            assertThat(attempts.stream().filter(a -> a instanceof Attempt.Delivered)).hasSize(2);
        }
    }

    @Test
    void messagesSubmittedTogetherAreEachDeliveredOnceRecordedAndRemoved() throws Exception {
        RetrySchedule fast = new RetrySchedule(Duration.ofMillis(50), Duration.ofMillis(200));
        try (Scheduler scheduler = new Scheduler(spool, router, Clock.systemUTC(), PerRecipient.settings(fast, 4))) {
            List<QueuedMessage> sent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                sent.add(queue("a@example.org", "bob@example.test", i % 2 == 0 ? "carol@other.test" : "x@remote.test"));
            }
            sent.forEach(scheduler::submit); // the local lane takes them in batches of whatever is queued

            await().atMost(30, SECONDS).pollInterval(Duration.ofMillis(10)).until(() ->
                    names(box("example.test", "bob").resolve("new")).size() == 40
                            && scheduler.counts().get(Scheduler.Event.SENT) == 60);
            for (QueuedMessage m : sent.subList(0, 20)) {
                int i = sent.indexOf(m);
                await().atMost(5, SECONDS).until(() -> (i % 2 == 0) == (spool.find(m.id()) == null));
            }
            assertThat(names(box("other.test", "carol").resolve("new"))).hasSize(20);
            assertThat(scheduler.size()).as("the 20 with a remote recipient stay, deferred").isEqualTo(20);
            assertThat(scheduler.counts().get(Scheduler.Event.DEFERRED)).isGreaterThanOrEqualTo(20);
        }
    }

    @Test
    void aRecoveredMessageDeliveredBeforeTheCrashIsNotDeliveredTwice() throws Exception {
        QueuedMessage m = queue("a@example.org", "bob@example.test");
        // delivered, then the process died before the state was saved
        assertThat(one(router, m, 0, false)).isInstanceOf(Attempt.Delivered.class);

        Spool restarted = new Spool(data.resolve("spool"), Clock.systemUTC(), dirSync);
        List<QueuedMessage> recovered = restarted.recover();
        assertThat(recovered).extracting(QueuedMessage::id).containsExactly(m.id());
        RetrySchedule fast = new RetrySchedule(Duration.ofMillis(50), Duration.ofMillis(200));
        try (Scheduler scheduler = new Scheduler(restarted, router, Clock.systemUTC(), PerRecipient.settings(fast, 2))) {
            scheduler.recover(recovered);
            await().atMost(5, SECONDS).pollInterval(Duration.ofMillis(10))
                    .until(() -> restarted.find(m.id()) == null);
        }
        assertThat(names(box("example.test", "bob").resolve("new"))).hasSize(1);
    }

    /** Delivers one recipient through the router and returns its outcome. */
    private static Attempt one(Router router, QueuedMessage m, int index, boolean recovering) {
        return router.deliver(m, List.of(index), recovering).getFirst();
    }
}
