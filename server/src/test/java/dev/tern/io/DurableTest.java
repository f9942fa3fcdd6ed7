package dev.tern.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assumePosix() {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    }

    @Test
    void createsTheFileAndLeavesNoTempFileBehind() throws Exception {
        Path target = dir.resolve("state");
        Durable.writeAtomically(target, "one".getBytes(StandardCharsets.US_ASCII));

        assertThat(target).hasContent("one");
        assertThat(names()).containsExactly("state");
    }

    @Test
    void replacesExistingContentWhole() throws Exception {
        Path target = dir.resolve("state");
        Durable.writeAtomically(target, "a much longer old content".getBytes(StandardCharsets.US_ASCII));
        Durable.writeAtomically(target, "new".getBytes(StandardCharsets.US_ASCII));

        assertThat(target).hasContent("new");
        assertThat(names()).containsExactly("state");
    }

    @Test
    void emptyContentIsAFile() throws Exception {
        Path target = dir.resolve("empty");
        Durable.writeAtomically(target, new byte[0]);
        assertThat(target).isRegularFile();
        assertThat(Files.size(target)).isZero();
        assertThat(names()).containsExactly("empty");
    }

    @Test
    void createsMissingParentDirectories() throws Exception {
        Path target = dir.resolve("a/b/c/file");
        Durable.writeAtomically(target, new byte[] {1, 2, 3});
        assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
        try (Stream<Path> s = Files.list(target.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("file");
        }
    }

    @Test
    void aFailedRenameThrowsAndLeavesNoTempFile() throws Exception {
        // the target is a non-empty directory: the rename over it must fail
        Path target = dir.resolve("busy");
        Files.createDirectories(target.resolve("inside"));

        assertThatThrownBy(() -> Durable.writeAtomically(target, "x".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IOException.class);

        assertThat(names()).containsExactly("busy");
        assertThat(target.resolve("inside")).isDirectory();
    }

    @Test
    void readersSeeTheOldOrTheNewContentNeverAnythingElse() throws Exception {
        Path target = dir.resolve("state");
        byte[] a = new byte[256 * 1024];
        byte[] b = new byte[64 * 1024 + 17];
        Arrays.fill(a, (byte) 'a');
        Arrays.fill(b, (byte) 'b');
        Durable.writeAtomically(target, a);

        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        int[] reads = new int[1];
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try {
                    byte[] got = Files.readAllBytes(target);
                    reads[0]++;
                    if (!Arrays.equals(got, a) && !Arrays.equals(got, b)) {
                        problems.add("read " + got.length + " octets that are neither version");
                    }
                } catch (NoSuchFileException e) {
                    problems.add("target missing during replace");
                } catch (IOException e) {
                    problems.add(e.toString());
                }
            }
        });
        try {
            for (int i = 0; i < 30; i++) {
                Durable.writeAtomically(target, i % 2 == 0 ? b : a);
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertThat(problems).isEmpty();
        assertThat(reads[0]).isPositive();
        assertThat(Files.readAllBytes(target)).isEqualTo(a);
        assertThat(names()).containsExactly("state");
    }

    @Test
    void secretFilesAreOwnerOnly() throws Exception {
        assumePosix();
        Path target = dir.resolve("users");
        Durable.writeAtomically(target, "secret".getBytes(StandardCharsets.US_ASCII), true);

        assertThat(Files.getPosixFilePermissions(target))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(names()).containsExactly("users");
    }

    @Test
    void aSecretReplacingAWorldReadableFileIsOwnerOnly() throws Exception {
        assumePosix();
        Path target = dir.resolve("users");
        Files.writeString(target, "old");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));

        Durable.writeAtomically(target, "new".getBytes(StandardCharsets.US_ASCII), true);

        assertThat(target).hasContent("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
    }

    @Test
    void aSecretIsOwnerOnlyFromItsFirstByte() throws Exception {
        // Watch the directory while large secret files are written: every temp file seen must already be 0600.
        assumePosix();
        Path target = dir.resolve("users");
        byte[] big = new byte[4 * 1024 * 1024];
        AtomicBoolean stop = new AtomicBoolean();
        List<String> seen = new ArrayList<>();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        try {
                            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                            String text = PosixFilePermissions.toString(perms);
                            synchronized (seen) {
                                seen.add(p.getFileName() + " " + text);
                            }
                            if (!text.equals("rw-------")) {
                                wrong.add(p.getFileName() + " " + text);
                            }
                        } catch (NoSuchFileException gone) {
                            // renamed or removed between list and stat
                        }
                    }
                } catch (IOException e) {
                    wrong.add(e.toString());
                }
            }
        });
        try {
            for (int i = 0; i < 3; i++) {
                Durable.writeAtomically(target, big, true);
            }
        } finally {
            stop.set(true);
            watcher.join();
        }
        assertThat(wrong).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
    }

    @Test
    void moveAtomicallyReplacesTheTarget() throws Exception {
        Path from = dir.resolve("from");
        Path to = dir.resolve("to");
        Files.writeString(from, "new");
        Files.writeString(to, "old");

        Durable.moveAtomically(from, to);

        assertThat(to).hasContent("new");
        assertThat(from).doesNotExist();
    }

    @Test
    void syncDirectoryOfAMissingDirectoryThrows() {
        assertThatThrownBy(() -> Durable.syncDirectory(dir.resolve("missing")))
                .isInstanceOf(IOException.class);
    }
}
