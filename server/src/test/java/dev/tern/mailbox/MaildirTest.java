package dev.tern.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.io.DeferredSyncs;
import dev.tern.io.DirectorySync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaildirTest {
    @TempDir
    Path dir;

    private Maildir maildir() {
        return new Maildir(dir.resolve("mail"), new DirectorySync());
    }

    private static Stream<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    private Path source(String content) throws IOException {
        Path f = dir.resolve("source");
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void inABatchEachNewDirectoryIsFsyncedOnceAtItsEndForEveryDeliveryIntoIt() throws Exception {
        Maildir m = maildir();
        DirectorySync dirSync = new DirectorySync();
        try (FileChannel src = FileChannel.open(source("Subject: x\r\n\r\nhi\r\n"), StandardOpenOption.READ)) {
            DeferredSyncs.begin();
            try {
                for (int i = 0; i < 3; i++) {
                    m.deliver("alice@example.test", "1.Q" + i + ".h", new byte[0], src, 0, src.size(), false);
                }
                m.deliver("bob@example.test", "1.Q9.h", new byte[0], src, 0, src.size(), false);
                assertThat(names(dir.resolve("mail/example.test/alice/new"))).hasSize(3);
            } finally {
                assertThat(DeferredSyncs.finish(dirSync)).as("alice's new/ and bob's").isEqualTo(2);
            }
        }
        assertThat(DeferredSyncs.defer(dir)).as("no batch after finish").isFalse();
        assertThat(DeferredSyncs.finish(dirSync)).isZero();
    }

    @ParameterizedTest(name = "safe({0}) = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "alice           | alice",
            "a.b             | a.b",
            "a/b             | a%2Fb",
            "../../etc       | %2E.%2F..%2Fetc",
            ".hidden         | %2Ehidden",
            "..              | %2E.",
            "x.              | x.",
            "100%            | 100%25",
            "%2F             | %252F",
            "a:b             | a%3Ab",
            "a\\b            | a%5Cb",
            "'a b'           | a%20b",
            "'a\tb'          | a%09b",
            "'a\nb'          | a%0Ab",
            "'a\rb'          | a%0Db",
            "caf\u00e9       | caf\u00e9",
            "\u00fcser       | \u00fcser",
            "a~b_c-d+e=f!#$  | a~b_c-d+e=f!#$",
    })
    void safeEscapesWhatCannotBeInOnePathSegment(String in, String out) {
        assertThat(Maildir.safe(in)).isEqualTo(out);
    }

    @Test
    void safeEscapesAsciiControlCharacters() {
        for (char c = 0; c < 32; c++) {
            assertThat(Maildir.safe("x" + c + "y")).isEqualTo("x%" + String.format("%02X", (int) c) + "y");
        }
        assertThat(Maildir.safe("x\u007fy")).isEqualTo("x%7Fy");
        assertThat(Maildir.safe("\u0000")).isEqualTo("%00");
    }

    @Test
    void safeEscapesC1ControlCharacters() {
        // U+0080..U+009F are control characters too (Character.isISOControl); NEL (U+0085) is a line break
        for (char c = 0x80; c <= 0x9f; c++) {
            assertThat(Maildir.safe("x" + c + "y")).as("U+%04X", (int) c)
                    .isEqualTo("x%" + String.format("%02X", (int) c) + "y");
        }
    }

    @Test
    void safeIsNeverEmptyNorADotName() {
        assertThat(Maildir.safe("")).isNotEmpty();
        assertThat(Maildir.safe(".")).doesNotStartWith(".");
        assertThat(Maildir.safe("..")).doesNotStartWith(".");
    }

    @Test
    void safeKeepsDistinctNamesDistinct() {
        String[] inputs = {"a/b", "a%2Fb", "a:b", "a%3Ab", ".a", "%2Ea", "a b", "a%20b"};
        assertThat(Stream.of(inputs).map(Maildir::safe).distinct().count()).isEqualTo(inputs.length);
    }

    @ParameterizedTest(name = "hostForNames({0}) = {1}")
    @CsvSource(delimiter = '|', value = {
            "mx.example.test    | mx.example.test",
            "a/b                | a\\057b",
            "a:b                | a\\072b",
            "x/y:z/w            | x\\057y\\072z\\057w",
            "[2001:db8::1]      | [2001\\072db8\\072\\0721]",
    })
    void hostForNamesEscapesSlashAndColon(String in, String out) {
        assertThat(Maildir.hostForNames(in)).isEqualTo(out);
    }

    @Test
    void mailboxIsUnderRootByDomainThenLocalPartLowerCased() {
        Maildir m = maildir();
        assertThat(m.mailbox("Alice@Example.Test")).isEqualTo(dir.resolve("mail/example.test/alice"));
        assertThat(m.mailbox("\"a@b\"@example.test")).isEqualTo(dir.resolve("mail/example.test/\"a@b\""));
    }

    @Test
    void mailboxNeverEscapesTheRoot() {
        Maildir m = maildir();
        Path root = dir.resolve("mail");
        for (String a : new String[] {"../../x@example.test", "..@..", "a/../../b@example.test", ".@.", "x@../..",
                "/etc/passwd@example.test"}) {
            Path box = m.mailbox(a);
            assertThat(box.normalize().startsWith(root)).as("%s -> %s", a, box).isTrue();
            assertThat(root.relativize(box.normalize()).getNameCount()).as(a).isEqualTo(2);
        }
    }

    @Test
    void deliverWritesPrefixThenTheSliceIntoNewWithTheTrueSize() throws Exception {
        Maildir m = maildir();
        Path src = source("HEADERJUNKSubject: x\r\n\r\nbody\r\nTRAILER");
        byte[] prefix = "Delivered-To: a@example.test\r\n".getBytes(StandardCharsets.US_ASCII);
        long offset = "HEADERJUNK".length();
        long size = "Subject: x\r\n\r\nbody\r\n".length();
        String name;
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            name = m.deliver("a@example.test", "1700000000.QABCR0.host", prefix, ch, offset, size, false);
        }

        Path box = dir.resolve("mail/example.test/a");
        long total = prefix.length + size;
        assertThat(name).isEqualTo("1700000000.QABCR0.host,S=" + total);
        assertThat(names(box)).containsExactly("cur", "new", "tmp");
        assertThat(names(box.resolve("new"))).containsExactly(name);
        assertThat(names(box.resolve("tmp"))).isEmpty();
        assertThat(names(box.resolve("cur"))).isEmpty();
        Path file = box.resolve("new").resolve(name);
        assertThat(Files.size(file)).isEqualTo(total);
        assertThat(file).hasContent("Delivered-To: a@example.test\r\nSubject: x\r\n\r\nbody\r\n");
    }

    @Test
    void checkExistingFindsTheEarlierCopyInNewOrCur() throws Exception {
        Maildir m = maildir();
        Path src = source("content\r\n");
        byte[] prefix = "P: 1\r\n".getBytes(StandardCharsets.US_ASCII);
        Path box = dir.resolve("mail/example.test/a");
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            String first = m.deliver("a@example.test", "N", prefix, ch, 0, 9, false);
            assertThat(m.deliver("a@example.test", "N", prefix, ch, 0, 9, true)).isEqualTo(first);
            assertThat(names(box.resolve("new"))).containsExactly(first);

            Files.move(box.resolve("new").resolve(first), box.resolve("cur").resolve(first + ":2,S"));
            assertThat(m.deliver("a@example.test", "N", prefix, ch, 0, 9, true)).isEqualTo(first);
            assertThat(names(box.resolve("new"))).isEmpty();
            assertThat(names(box.resolve("cur"))).containsExactly(first + ":2,S");
            assertThat(names(box.resolve("tmp"))).isEmpty();

            // a different name is a different message
            String other = m.deliver("a@example.test", "M", prefix, ch, 0, 9, true);
            assertThat(names(box.resolve("new"))).containsExactly(other);
        }
    }

    /** A delivery repeated after a crash finds its earlier self even when the host's name changed in between. */
    @Test
    void checkExistingFindsTheEarlierCopyUnderAnotherHostName() throws Exception {
        Maildir m = maildir();
        Path src = source("content\r\n");
        byte[] prefix = "P: 1\r\n".getBytes(StandardCharsets.US_ASCII);
        Path box = dir.resolve("mail/example.test/a");
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            String first = m.deliver("a@example.test", "1700000000.QABCR0.old.example", prefix, ch, 0, 9, false);
            assertThat(m.deliver("a@example.test", "1700000000.QABCR0.new.example", prefix, ch, 0, 9, true))
                    .isEqualTo(first);
            assertThat(names(box.resolve("new"))).containsExactly(first);

            Files.move(box.resolve("new").resolve(first), box.resolve("cur").resolve(first + ":2,RS"));
            assertThat(m.deliver("a@example.test", "1700000000.QABCR0.new.example", prefix, ch, 0, 9, true))
                    .isEqualTo(first);
            assertThat(names(box.resolve("new"))).isEmpty();

            // another recipient index or queue ID is another delivery, though the start is alike
            String r1 = m.deliver("a@example.test", "1700000000.QABCR1.new.example", prefix, ch, 0, 9, true);
            String q = m.deliver("a@example.test", "1700000000.QABCDR0.new.example", prefix, ch, 0, 9, true);
            assertThat(names(box.resolve("new"))).containsExactlyInAnyOrder(r1, q);
        }
    }

    @Test
    void aSourceThatEndsEarlyFailsAndLeavesNothingInTmpOrNew() throws Exception {
        Maildir m = maildir();
        Path src = source("short");
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> m.deliver("a@example.test", "N", new byte[0], ch, 0, 100, false))
                    .isInstanceOf(IOException.class);
        }
        Path box = dir.resolve("mail/example.test/a");
        assertThat(names(box.resolve("tmp"))).isEmpty();
        assertThat(names(box.resolve("new"))).isEmpty();
    }

    @Test
    void aMailboxDeletedAfterADeliveryIsMadeAgainByTheNext() throws Exception {
        Maildir m = maildir();
        Path src = source("content\r\n");
        Path box = dir.resolve("mail/example.test/a");
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            m.deliver("a@example.test", "N", new byte[0], ch, 0, 9, false);
            // the first delivery made it and no later one looks for it: the next finds it gone when it writes
            for (String sub : new String[] {"new", "cur", "tmp"}) {
                try (Stream<Path> files = Files.list(box.resolve(sub))) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
                Files.delete(box.resolve(sub));
            }
            Files.delete(box);

            String name = m.deliver("a@example.test", "M", new byte[0], ch, 0, 9, false);
            assertThat(names(box)).containsExactly("cur", "new", "tmp");
            assertThat(names(box.resolve("new"))).containsExactly(name);
            // new/ alone gone: the rename into it fails, and the delivery makes it again
            Files.delete(box.resolve("new").resolve(name));
            Files.delete(box.resolve("new"));
            String again = m.deliver("a@example.test", "L", new byte[0], ch, 0, 9, false);
            assertThat(names(box.resolve("new"))).containsExactly(again);
            assertThat(names(box.resolve("tmp"))).isEmpty();
        }
    }

    @Test
    void aMailboxPathThatIsAFileIsAnIOException() throws Exception {
        Maildir m = maildir();
        Files.createDirectories(dir.resolve("mail/example.test"));
        Files.writeString(dir.resolve("mail/example.test/a"), "not a directory");
        Path src = source("x");
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> m.deliver("a@example.test", "N", new byte[0], ch, 0, 1, false))
                    .isInstanceOf(IOException.class);
        }
    }
}
