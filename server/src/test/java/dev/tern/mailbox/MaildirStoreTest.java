package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.StructureCodec;
import dev.tern.imap.mime.StructureParser;
import dev.tern.io.DirectorySync;
import dev.tern.mailbox.Flags.Flag;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirStoreTest {
    static final String USER = "alice@example.test";

    @TempDir
    Path dir;

    private final DirectorySync dirSync = new DirectorySync();
    private final List<MaildirStore> stores = new ArrayList<>();
    private Path source;

    /** A store as after a restart: nothing in memory but what is on disk. */
    private MaildirStore store(Duration poll) {
        MaildirStore s = new MaildirStore(new Maildir(dir.resolve("mail"), dirSync), dirSync, "mx.test",
                Clock.systemUTC(), poll);
        stores.add(s);
        return s;
    }

    private MaildirStore store() {
        return store(Duration.ZERO);
    }

    @AfterEach
    void closeStores() {
        stores.forEach(MaildirStore::close);
    }

    private Path inbox() {
        return new Maildir(dir.resolve("mail"), dirSync).mailbox(USER);
    }

    private String deliver(MailStore s, String name, String content) throws IOException {
        source = dir.resolve("source");
        Files.writeString(source, content, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ)) {
            return s.deliver(USER, MailStore.INBOX, name, new byte[0], ch, 0, ch.size(), false).file();
        }
    }

    private static List<Long> uids(FolderView v) {
        FolderView.Snapshot s = v.snapshot();
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            out.add(s.uid(i));
        }
        return out;
    }

    private static InputStream text(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> files(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---- UIDs ----

    @Test
    void deliveredMailGetsUidsInArrivalOrderThatSurviveARestart() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "Subject: a\r\n\r\na\r\n");
        deliver(s, "1001.B.mx", "Subject: b\r\n\r\nb\r\n");
        long validity;
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(uids(v)).containsExactly(1L, 2L);
            validity = v.snapshot().uidValidity();
            assertThat(v.snapshot().octets(0)).isEqualTo(17);
        }
        deliver(s, "1002.C.mx", "Subject: c\r\n\r\nc\r\n");
        try (FolderView v = store().account(USER).open("inbox", null).orElseThrow()) {
            assertThat(uids(v)).containsExactly(1L, 2L, 3L);
            assertThat(v.snapshot().uidValidity()).isEqualTo(validity);
            assertThat(v.snapshot().uidNext()).isEqualTo(4);
            try (InputStream in = v.content(3)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("Subject: c");
            }
        }
    }

    @Test
    void anExpungedUidIsNeverGivenAgainAfterARestart() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        deliver(s, "1001.B.mx", "b\r\n");
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            v.store(List.of(2L), Flags.Mode.ADD, Flags.of(Flag.DELETED));
            assertThat(v.expunge(Optional.empty())).containsExactly(2L);
        }
        deliver(store(), "1002.C.mx", "c\r\n");
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(uids(v)).containsExactly(1L, 3L);
        }
    }

    @Test
    void aCorruptListMeansANewUidValidityAndFreshUids() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        deliver(s, "1001.B.mx", "b\r\n");
        long validity;
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            validity = v.snapshot().uidValidity();
        }
        Path list = inbox().resolve(UidList.FILE);
        String text = Files.readString(list);
        Files.writeString(list, text.replaceFirst("\\+ 1 ", "+ 7 "));
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(v.snapshot().uidValidity()).isGreaterThan(validity);
            assertThat(uids(v)).containsExactly(1L, 2L);
        }
        Files.delete(list);
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(v.snapshot().uidValidity()).isGreaterThan(validity + 1);
        }
    }

    @Test
    void concurrentDeliveriesWhileSessionsWatchGetUniqueUidsKeptAfterARestart() throws Exception {
        MaildirStore s = store(Duration.ofMillis(50));
        ConcurrentLinkedQueue<Long> heard = new ConcurrentLinkedQueue<>();
        FolderView watcher = s.account(USER).open("INBOX", c -> {
            if (c instanceof Change.Appended a) {
                heard.addAll(a.uids());
            }
        }).orElseThrow();
        int threads = 4;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int k = 0; k < each; k++) {
                    Path src = dir.resolve("src-" + thread);
                    Files.writeString(src, "Subject: " + thread + "/" + k + "\r\n\r\nx\r\n");
                    try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
                        s.deliver(USER, MailStore.INBOX, "2000.T" + thread + "K" + k + ".mx", new byte[0], ch, 0, ch.size(), false);
                    }
                    if (k % 5 == 0) {
                        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
                            v.refresh();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        int total = threads * each;
        await().atMost(Duration.ofSeconds(30)).until(() -> heard.size() == total);
        assertThat(heard).doesNotHaveDuplicates();
        List<Long> now = uids(watcher);
        assertThat(now).hasSize(total).doesNotHaveDuplicates().isSorted();
        watcher.close();
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(uids(v)).isEqualTo(now);
            assertThat(v.snapshot().uidNext()).isEqualTo(total + 1);
        }
    }

    // ---- flags ----

    @Test
    void flagsAndKeywordsRoundTripThroughFileNames() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            List<Change.MessageFlags> changed = v.store(List.of(1L), Flags.Mode.ADD,
                    new Flags(Set.of(Flag.SEEN, Flag.FLAGGED, Flag.DRAFT), Set.of("$Forwarded", "Work")));
            assertThat(changed).singleElement().extracting(Change.MessageFlags::uid).isEqualTo(1L);
            assertThat(files(inbox().resolve("new"))).isEmpty();
            assertThat(files(inbox().resolve("cur"))).containsExactly("1000.A.mx,S=3:2,DFSab");
            assertThat(Files.readString(inbox().resolve(Keywords.FILE))).isEqualTo("0 $Forwarded\n1 Work\n");
            assertThat(v.store(List.of(1L), Flags.Mode.ADD, Flags.of(Flag.SEEN))).isEmpty(); // no change
            v.store(List.of(1L), Flags.Mode.REMOVE, new Flags(Set.of(Flag.DRAFT), Set.of("$forwarded")));
            assertThat(files(inbox().resolve("cur"))).containsExactly("1000.A.mx,S=3:2,FSb");
        }
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            Flags f = v.snapshot().flags(0);
            assertThat(f.system()).containsExactlyInAnyOrder(Flag.SEEN, Flag.FLAGGED);
            assertThat(f.keywords()).containsExactly("Work");
            assertThat(v.snapshot().keywords()).containsExactly("$Forwarded", "Work");
            v.store(List.of(1L), Flags.Mode.REPLACE, Flags.of(Flag.ANSWERED, Flag.DELETED));
            assertThat(files(inbox().resolve("cur"))).containsExactly("1000.A.mx,S=3:2,RT");
            assertThat(v.message(1).orElseThrow().flags().system()).containsExactlyInAnyOrder(Flag.ANSWERED,
                    Flag.DELETED);
        }
    }

    @Test
    void aTwentySeventhKeywordIsRefused() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            for (int k = 0; k < 26; k++) {
                v.store(List.of(1L), Flags.Mode.ADD, new Flags(Set.of(), Set.of("k" + k)));
            }
            assertThatThrownBy(() -> v.store(List.of(1L), Flags.Mode.ADD, new Flags(Set.of(), Set.of("k26"))))
                    .isInstanceOf(FolderView.KeywordLimitException.class);
            assertThat(v.snapshot().flags(0).keywords()).hasSize(26);
        }
    }

    // ---- the change feed ----

    @Test
    void otherViewsHearOfDeliveriesFlagsAndExpungesButNotOfTheirOwnChanges() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        List<Change> toA = new ArrayList<>();
        List<Change> toB = new ArrayList<>();
        try (FolderView a = s.account(USER).open("INBOX", toA::add).orElseThrow();
             FolderView b = s.account(USER).open("INBOX", toB::add).orElseThrow()) {
            deliver(s, "1001.B.mx", "b\r\n");
            assertThat(toA).containsExactly(new Change.Appended(List.of(2L), 3));
            assertThat(toB).containsExactly(new Change.Appended(List.of(2L), 3));
            a.store(List.of(1L), Flags.Mode.ADD, Flags.of(Flag.DELETED));
            a.expunge(Optional.of(List.of(1L, 2L)));
            assertThat(toA).hasSize(1);
            assertThat(toB).containsExactly(new Change.Appended(List.of(2L), 3),
                    new Change.FlagsChanged(List.of(new Change.MessageFlags(1, Flags.of(Flag.DELETED)))),
                    new Change.Expunged(List.of(1L)));
            b.append(text("Subject: mine\r\n\r\n"), Flags.of(Flag.SEEN), Instant.parse("2020-01-02T03:04:05Z"));
            assertThat(toB.getLast()).isEqualTo(new Change.Appended(List.of(3L), 4)); // its own too: EXISTS
        }
    }

    @Test
    void changesByOtherProgramsAreFoundByThePoll() throws IOException {
        MaildirStore s = store(Duration.ofMillis(100));
        deliver(s, "1000.A.mx", "a\r\n");
        ConcurrentLinkedQueue<Change> heard = new ConcurrentLinkedQueue<>();
        try (FolderView v = s.account(USER).open("INBOX", heard::add).orElseThrow()) {
            Files.writeString(inbox().resolve("new").resolve("1001.other.host"), "b\r\n"); // another MDA
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains(new Change.Appended(List.of(2L), 3)));
            Files.move(inbox().resolve("new").resolve("1000.A.mx,S=3"), inbox().resolve("cur").resolve(
                    "1000.A.mx,S=3:2,S")); // a reader marking it seen
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains(new Change.FlagsChanged(
                    List.of(new Change.MessageFlags(1, Flags.of(Flag.SEEN))))));
            Files.delete(inbox().resolve("new").resolve("1001.other.host"));
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains(new Change.Expunged(List.of(2L))));
            assertThat(uids(v)).containsExactly(1L);
        }
    }

    // ---- delivery into a folder (the MX's quarantine) ----

    private MailStore.Delivered deliverTo(MailStore s, String folder, String name, String content, boolean check)
            throws IOException {
        source = dir.resolve("source");
        Files.writeString(source, content, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ)) {
            return s.deliver(USER, folder, name, "X-Trace: 1\r\n".getBytes(StandardCharsets.US_ASCII), ch, 0,
                    ch.size(), check);
        }
    }

    @Test
    void deliveryIntoJunkOfAnAccountNeverOpenedMakesTheSpecialUseFoldersFirst() throws IOException {
        MaildirStore s = store();
        MailStore.Delivered d = deliverTo(s, "Junk", "1000.QJR0.mx", "Subject: junk\r\n\r\nx\r\n", false);
        assertThat(d).isEqualTo(new MailStore.Delivered("Junk", "1000.QJR0.mx,S=32"));
        assertThat(inbox().resolve(".Junk").resolve("new").resolve(d.file()))
                .hasContent("X-Trace: 1\r\nSubject: junk\r\n\r\nx\r\n");
        assertThat(files(inbox().resolve("new"))).isEmpty();
        assertThat(inbox().resolve(".Junk").resolve("maildirfolder")).exists();

        Account a = store().account(USER); // after a restart: the folders are there, subscribed, Junk holds it
        assertThat(a.folders()).extracting(Account.FolderInfo::name)
                .containsExactly("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash");
        assertThat(a.subscriptions()).contains("INBOX", "Junk");
        assertThat(a.status("Junk").orElseThrow().messages()).isEqualTo(1);
        assertThat(a.status("INBOX").orElseThrow().messages()).isZero();
    }

    @Test
    void aSessionWatchingJunkHearsOfTheDeliveryAndARepeatedOneDeliversNothing() throws IOException {
        MaildirStore s = store();
        List<Change> junk = new ArrayList<>();
        List<Change> inboxHeard = new ArrayList<>();
        try (FolderView j = s.account(USER).open("Junk", junk::add).orElseThrow();
             FolderView i = s.account(USER).open("INBOX", inboxHeard::add).orElseThrow()) {
            MailStore.Delivered d = deliverTo(s, "Junk", "1000.QJR0.mx", "a\r\n", false);
            assertThat(junk).containsExactly(new Change.Appended(List.of(1L), 2));
            assertThat(inboxHeard).isEmpty();
            // after a crash the delivery is repeated: it finds the earlier copy in Junk (moved to cur/ meanwhile)
            j.store(List.of(1L), Flags.Mode.ADD, Flags.of(Flag.SEEN));
            assertThat(deliverTo(s, "Junk", "1000.QJR0.mx", "a\r\n", true)).isEqualTo(d);
            assertThat(uids(j)).containsExactly(1L);
            assertThat(files(inbox().resolve(".Junk").resolve("new"))).isEmpty();
            assertThat(junk).hasSize(1);
            assertThat(uids(i)).isEmpty();
        }
    }

    @Test
    void aUserWhoDeletedJunkGetsQuarantinedMailInInboxAndJunkIsNotMadeAgain() throws IOException {
        MaildirStore s = store();
        assertThat(s.account(USER).delete("Junk")).isEqualTo(Account.DONE);
        MailStore.Delivered d = deliverTo(s, "Junk", "1000.QJR0.mx", "a\r\n", false);
        assertThat(d.folder()).isEqualTo("INBOX");
        assertThat(inbox().resolve("new").resolve(d.file())).exists();
        assertThat(inbox().resolve(".Junk")).doesNotExist();
        // a folder the user never had goes to INBOX too; INBOX asked in any case is INBOX
        assertThat(deliverTo(s, "Spam", "1001.QSR0.mx", "b\r\n", false).folder()).isEqualTo("INBOX");
        assertThat(deliverTo(s, "inbox", "1002.QIR0.mx", "c\r\n", false).folder()).isEqualTo("INBOX");
        assertThat(files(inbox().resolve("new"))).hasSize(3);
        // one the user made is used: a nested one too
        assertThat(s.account(USER).create("Lists/Spam")).isEqualTo(Account.DONE);
        MailStore.Delivered nested = deliverTo(s, "Lists/Spam", "1003.QLR0.mx", "d\r\n", false);
        assertThat(nested.folder()).isEqualTo("Lists/Spam");
        assertThat(inbox().resolve(".Lists.Spam").resolve("new").resolve(nested.file())).exists();
    }

    // ---- POP3 beside IMAP ----

    @Test
    void pop3DeletesReachImapAsExpungesAndUidlStaysStableWhenImapChangesFlags() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        deliver(s, "1001.B.mx", "b\r\n");
        List<Change> heard = new ArrayList<>();
        try (FolderView v = s.account(USER).open("INBOX", heard::add).orElseThrow()) {
            Maildrop drop = Maildrop.open(inbox());
            List<String> uidl = drop.messages().stream().map(Maildrop.Message::uid).toList();
            v.store(List.of(1L, 2L), Flags.Mode.ADD, Flags.of(Flag.FLAGGED)); // renames both files
            try (InputStream in = drop.read(drop.messages().get(0))) { // found under its new name
                assertThat(in.readAllBytes()).isEqualTo("a\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(Maildrop.open(inbox()).messages()).extracting(Maildrop.Message::uid).isEqualTo(uidl);
            Maildrop.Outcome o = drop.commit(List.of(drop.messages().get(1)), List.of(drop.messages().get(0)));
            assertThat(o.deleted()).isEqualTo(1);
            assertThat(o.markedSeen()).isEqualTo(1);
            s.inboxChanged(USER); // what POP3 calls after QUIT
            assertThat(heard).contains(new Change.Expunged(List.of(2L)), new Change.FlagsChanged(List.of(
                    new Change.MessageFlags(1, Flags.of(Flag.FLAGGED, Flag.SEEN)))));
            assertThat(files(inbox().resolve("cur"))).containsExactly("1000.A.mx,S=3:2,FS");
        }
    }

    // ---- folders ----

    @Test
    void specialUseFoldersAreMadeOnceAndListedWithTheirAttributes() throws IOException {
        Account a = store().account(USER);
        assertThat(a.folders()).extracting(Account.FolderInfo::name)
                .containsExactly("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash");
        assertThat(a.folders()).filteredOn(f -> f.name().equals("Sent")).singleElement()
                .extracting(f -> f.specialUse().orElseThrow()).isEqualTo(Account.SpecialUse.SENT);
        assertThat(inbox().resolve(".Sent").resolve("cur")).isDirectory();
        assertThat(inbox().resolve(".Sent").resolve("maildirfolder")).exists();
        assertThat(a.delete("Junk")).isEqualTo(Account.DONE);
        assertThat(store().account(USER).folders()).extracting(Account.FolderInfo::name).doesNotContain("Junk");
    }

    @Test
    void createRenameDeleteAndSubscribe() throws IOException {
        Account a = store().account(USER);
        assertThat(a.create("Work/2026.Q1")).isEqualTo(Account.DONE);
        assertThat(inbox().resolve(".Work.2026%2EQ1").resolve("cur")).isDirectory();
        assertThat(a.create("R\u00e9sum\u00e9s/")).isEqualTo(Account.DONE);
        assertThat(inbox().resolve(".R\u00e9sum\u00e9s")).isDirectory();
        assertThat(a.create("work/2026.Q1")).isEqualTo(Account.DONE); // names are case-sensitive but INBOX
        assertThat(a.create("inbox")).isInstanceOf(Account.Result.Refused.class);
        assertThat(((Account.Result.Refused) a.create("Work/2026.Q1")).reason()).isEqualTo(Account.Reason.ALREADYEXISTS);
        assertThat(((Account.Result.Refused) a.create("a//b")).reason()).isEqualTo(Account.Reason.CANNOT);
        assertThat(a.folders()).filteredOn(f -> f.name().equals("Work")).singleElement()
                .satisfies(f -> {
                    assertThat(f.exists()).isFalse(); // implied by its child: \NonExistent
                    assertThat(f.hasChildren()).isTrue();
                });
        try (FolderView v = a.open("Work/2026.Q1", null).orElseThrow()) {
            v.append(text("Subject: q1\r\n\r\n"), Flags.NONE, null);
            assertThat(((Account.Result.Refused) a.rename("Work/2026.Q1", "Old")).reason())
                    .isEqualTo(Account.Reason.INUSE);
        }
        long validity = a.status("Work/2026.Q1").orElseThrow().uidValidity();
        assertThat(a.create("Work/x")).isEqualTo(Account.DONE);
        assertThat(a.rename("Work", "Old/Work")).isInstanceOf(Account.Result.Refused.class); // Work is implied only
        assertThat(a.create("Work")).isEqualTo(Account.DONE);
        assertThat(a.rename("Work", "Old/Work")).isEqualTo(Account.DONE);
        assertThat(a.folders()).extracting(Account.FolderInfo::name)
                .contains("Old", "Old/Work", "Old/Work/2026.Q1", "Old/Work/x").doesNotContain("Work");
        Account.Status st = a.status("Old/Work/2026.Q1").orElseThrow();
        assertThat(st.messages()).isEqualTo(1);
        assertThat(st.uidValidity()).isEqualTo(validity); // its UID list moved with it
        assertThat(((Account.Result.Refused) a.delete("INBOX")).reason()).isEqualTo(Account.Reason.CANNOT);
        assertThat(((Account.Result.Refused) a.delete("Nope")).reason()).isEqualTo(Account.Reason.NONEXISTENT);
        assertThat(a.delete("Old/Work")).isEqualTo(Account.DONE); // its children stay
        assertThat(a.folders()).extracting(Account.FolderInfo::name).contains("Old/Work/x");
        assertThat(a.create("Old/Work")).isEqualTo(Account.DONE);
        assertThat(a.status("Old/Work").orElseThrow().uidValidity()).isGreaterThan(validity);

        // INBOX and the special-use folders come subscribed, for clients that show only subscribed folders
        assertThat(a.subscriptions()).containsExactly("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash");
        for (String made : List.of("INBOX", "Archive", "Drafts", "Junk", "Trash")) {
            assertThat(a.unsubscribe(made)).isEqualTo(Account.DONE);
        }
        assertThat(a.subscribe("Sent")).isEqualTo(Account.DONE);
        assertThat(a.subscribe("Gone")).isEqualTo(Account.DONE);
        assertThat(a.subscribe("sent")).isEqualTo(Account.DONE);
        assertThat(store().account(USER).subscriptions()).containsExactly("Sent", "Gone", "sent");
        assertThat(a.unsubscribe("sent")).isEqualTo(Account.DONE);
        assertThat(((Account.Result.Refused) a.unsubscribe("sent")).reason()).isEqualTo(Account.Reason.NONEXISTENT);
        assertThat(a.folders()).filteredOn(Account.FolderInfo::subscribed).extracting(Account.FolderInfo::name)
                .containsExactly("Sent");
    }

    @Test
    void appendCopyAndMoveKeepFlagsDatesAndAnswerWithUids() throws IOException {
        MaildirStore s = store();
        Account a = s.account(USER);
        Instant date = Instant.parse("2021-06-07T08:09:10Z");
        FolderView.Appended ap = a.append("Drafts", text("Subject: d\r\n\r\nbody\r\n"),
                new Flags(Set.of(Flag.DRAFT), Set.of("$Todo")), date).orElseThrow();
        assertThat(ap.uid()).isEqualTo(1);
        assertThat(a.append("Nope", text("x"), Flags.NONE, date)).isEmpty();
        List<Change> inSent = new ArrayList<>();
        try (FolderView drafts = a.open("Drafts", null).orElseThrow();
             FolderView sent = a.open("Sent", inSent::add).orElseThrow()) {
            FolderView.Message m = drafts.message(1).orElseThrow();
            assertThat(m.size()).isEqualTo(20);
            assertThat(m.internalDate()).isEqualTo(date);
            assertThat(drafts.copy(List.of(1L, 99L), "Nope")).isEmpty();
            FolderView.Copied c = drafts.copy(List.of(1L, 99L), "Sent").orElseThrow();
            assertThat(c.sourceUids()).containsExactly(1L);
            assertThat(c.targetUids()).containsExactly(1L);
            assertThat(c.targetUidValidity()).isEqualTo(sent.snapshot().uidValidity());
            assertThat(inSent).containsExactly(new Change.Appended(List.of(1L), 2));
            assertThat(sent.message(1).orElseThrow()).satisfies(x -> {
                assertThat(x.flags().keywords()).containsExactly("$Todo");
                assertThat(x.internalDate()).isEqualTo(date);
            });
            FolderView.Copied moved = drafts.move(List.of(1L), "Trash").orElseThrow();
            assertThat(moved.targetUids()).containsExactly(1L);
            assertThat(uids(drafts)).isEmpty();
            assertThat(files(inbox().resolve(".Drafts").resolve("cur"))).isEmpty();
        }
        assertThat(a.status("Trash").orElseThrow().messages()).isEqualTo(1);
        assertThat(a.status("Sent").orElseThrow().unseen()).isEqualTo(1);
    }

    @Test
    void factsAreComputedOncePerMessageAndKeptAcrossRestarts() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "Subject: a\r\n\r\na\r\n");
        AtomicInteger computed = new AtomicInteger();
        java.util.function.Function<InputStream, byte[]> parse = in -> {
            computed.incrementAndGet();
            try {
                return ("parsed " + in.readAllBytes().length).getBytes(StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(v.facts(1, "test-1", parse).orElseThrow()).asString(StandardCharsets.US_ASCII)
                    .isEqualTo("parsed 17");
            assertThat(v.facts(1, "test-1", parse)).isPresent();
            assertThat(v.facts(7, "test-1", parse)).isEmpty();
        }
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(v.facts(1, "test-1", parse)).isPresent();
            assertThat(computed).hasValue(1);
            assertThat(v.facts(1, "test-2", parse)).isPresent(); // another form: computed again
            assertThat(computed).hasValue(2);
        }
    }

    @Test
    void factsRefusedByTheCallerAreComputedAgainAndReplaceTheOldOnesAcrossRestarts() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "Subject: a\r\n\r\na\r\n");
        byte[] one = "header only".getBytes(StandardCharsets.US_ASCII);
        byte[] two = "whole structure".getBytes(StandardCharsets.US_ASCII);
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(v.facts(1, "k-1", f -> true, in -> one)).hasValue(one);
            assertThat(v.facts(1, "k-1", f -> true, in -> two)).hasValue(one); // kept: not computed again
            assertThat(v.facts(1, "k-1", f -> f.length > 11, in -> two)).hasValue(two); // refused: replaced
            assertThat(v.facts(1, "k-1", f -> true, in -> one)).hasValue(two);
        }
        s.close();
        try (FolderView v = store().account(USER).open("INBOX", null).orElseThrow()) {
            assertThat(v.facts(1, "k-1", f -> true, in -> one)).hasValue(two); // the last record counts
        }
    }

    @Test
    void theImapStructureIsCachedThroughFactsAsAnAdapterWould() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "From: a@example.org\r\nSubject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n");
        java.util.function.Function<InputStream, byte[]> parse = in -> {
            try {
                return StructureCodec.encode(StructureParser.parse(in));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            BodyPart p = StructureCodec.decode(v.facts(1, "structure-1", parse).orElseThrow()).orElseThrow();
            assertThat(p.envelope().subject()).isEqualTo("hi");
            assertThat(p.type() + "/" + p.subtype()).isEqualTo("text/plain");
        }
        assertThat(inbox().resolve(FactCache.FILE)).isNotEmptyFile();
    }

    @Test
    void aDeleteCutShortByACrashIsFinishedAtTheNextOpen() throws IOException {
        store().account(USER);
        Path leftover = inbox().resolve(MaildirAccount.DELETING + "x").resolve("cur");
        Files.createDirectories(leftover);
        Files.writeString(leftover.resolve("1.a:2,"), "x");
        store().account(USER);
        assertThat(inbox().resolve(MaildirAccount.DELETING + "x")).doesNotExist();
    }

    @Test
    void recentIsClaimedByTheFirstSessionOnly() throws IOException {
        MaildirStore s = store();
        deliver(s, "1000.A.mx", "a\r\n");
        try (FolderView a = s.account(USER).open("INBOX", null).orElseThrow()) {
            deliver(s, "1001.B.mx", "b\r\n");
            try (FolderView b = s.account(USER).open("INBOX", null).orElseThrow()) {
                assertThat(b.recentFrom()).isEqualTo(2);
                assertThat(a.recentFrom()).isEqualTo(3);
                assertThat(s.account(USER).status("INBOX").orElseThrow().recent()).isZero();
            }
        }
    }
}
