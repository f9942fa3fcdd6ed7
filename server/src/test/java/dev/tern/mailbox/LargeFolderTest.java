package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 100,000-message INBOX made on disk (empty files with Dovecot-like names and sizes), opened, restarted and
 * changed: UIDs stay, and the memory the open folder keeps is measured per message (printed, and bounded loosely).
 */
class LargeFolderTest {
    static final int MESSAGES = 100_000;
    static final String USER = "big@example.test";

    @TempDir
    Path dir;

    private MaildirStore store() {
        DirectorySync sync = new DirectorySync();
        return new MaildirStore(new Maildir(dir.resolve("mail"), sync), sync, "mx.test", Clock.systemUTC(),
                Duration.ZERO);
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aHundredThousandMessagesOpenInBoundedMemoryAndKeepTheirUids() throws IOException {
        Path inbox = new Maildir(dir.resolve("mail"), new DirectorySync()).mailbox(USER);
        Path cur = inbox.resolve("cur");
        Files.createDirectories(cur);
        Files.createDirectories(inbox.resolve("new"));
        Files.createDirectories(inbox.resolve("tmp"));
        long t0 = System.nanoTime();
        for (int i = 0; i < MESSAGES; i++) {
            String base = (1_700_000_000L + i) + ".M" + i + "P4242Q" + i + ".mail.example.test,S=" + (2000 + i % 5000);
            Files.createFile(cur.resolve(base + (i % 3 == 0 ? ":2,S" : ":2,")));
        }
        long t1 = System.nanoTime();
        long validity;
        try (MaildirStore s = store()) {
            try (FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
                FolderView.Snapshot snap = v.snapshot();
                assertThat(snap.size()).isEqualTo(MESSAGES);
                assertThat(snap.uid(MESSAGES - 1)).isEqualTo(MESSAGES);
                validity = snap.uidValidity();
            }
        }
        long t2 = System.nanoTime();
        System.out.printf("LargeFolderTest: files made in %d ms, first open (UIDs given) in %d ms%n",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        try (MaildirStore s = store()) {
            long before = usedHeap();
            long t3 = System.nanoTime();
            FolderView v = s.account(USER).open("INBOX", null).orElseThrow();
            long t4 = System.nanoTime();
            long after = usedHeap();
            System.out.printf("LargeFolderTest: reopened from its UID list in %d ms%n", (t4 - t3) / 1_000_000);
            long perMessage = (after - before) / MESSAGES;
            System.out.println("LargeFolderTest: an open folder of " + MESSAGES + " messages keeps "
                    + (after - before) + " bytes of heap, " + perMessage + " per message");
            assertThat(perMessage).isLessThan(400);
            FolderView.Snapshot snap = v.snapshot();
            assertThat(snap.uidValidity()).isEqualTo(validity);
            assertThat(snap.uid(12_345)).isEqualTo(12_346);
            assertThat(snap.octets(12_345)).isEqualTo(2000 + 12_345 % 5000);
            assertThat(snap.flags(12_345).has(Flags.Flag.SEEN)).isTrue();
            assertThat(s.account(USER).status("INBOX").orElseThrow().unseen()).isEqualTo(MESSAGES - 33_334);
            v.store(List.of(50_000L), Flags.Mode.ADD, Flags.of(Flags.Flag.DELETED));
            assertThat(v.expunge(java.util.Optional.empty())).containsExactly(50_000L);
            v.close();
        }
        try (MaildirStore s = store(); FolderView v = s.account(USER).open("INBOX", null).orElseThrow()) {
            FolderView.Snapshot snap = v.snapshot();
            assertThat(snap.size()).isEqualTo(MESSAGES - 1);
            assertThat(snap.uid(MESSAGES - 2)).isEqualTo(MESSAGES);
            assertThat(snap.uidNext()).isEqualTo(MESSAGES + 1);
        }
    }
}
