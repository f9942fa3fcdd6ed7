package dev.tern.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserStoreTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("users");
    }

    private static char[] pw(String s) {
        return s.toCharArray();
    }

    @Test
    void emptyWhenTheFileDoesNotExist() {
        UserStore store = new UserStore(file());
        assertThat(store.list()).isEmpty();
        assertThat(store.exists("alice@example.org")).isFalse();
        assertThat(store.verify("alice@example.org", pw("x"))).isFalse();
    }

    @Test
    void addExistsVerifyListDelete() throws Exception {
        UserStore store = new UserStore(file());
        store.add("bob@example.org", pw("hunter2"));
        store.add("alice@example.org", pw("correct horse"));

        assertThat(store.exists("alice@example.org")).isTrue();
        assertThat(store.exists("carol@example.org")).isFalse();
        assertThat(store.verify("alice@example.org", pw("correct horse"))).isTrue();
        assertThat(store.verify("alice@example.org", pw("hunter2"))).isFalse();
        assertThat(store.verify("bob@example.org", pw("hunter2"))).isTrue();
        assertThat(store.verify("carol@example.org", pw("hunter2"))).isFalse();
        assertThat(store.list()).containsExactly("alice@example.org", "bob@example.org");

        store.delete("alice@example.org");
        assertThat(store.exists("alice@example.org")).isFalse();
        assertThat(store.verify("alice@example.org", pw("correct horse"))).isFalse();
        assertThat(store.list()).containsExactly("bob@example.org");
    }

    @Test
    void addressesAreCaseInsensitiveAndStoredLowerCase() throws Exception {
        UserStore store = new UserStore(file());
        store.add("Alice@Example.ORG", pw("pw"));
        assertThat(store.exists("alice@example.org")).isTrue();
        assertThat(store.exists("ALICE@EXAMPLE.ORG")).isTrue();
        assertThat(store.verify("aLiCe@example.org", pw("pw"))).isTrue();
        assertThat(store.list()).containsExactly("alice@example.org");
        assertThat(Files.readString(file())).contains("alice@example.org:$argon2id$").doesNotContain("Alice");
        assertThatThrownBy(() -> store.add("ALICE@example.org", pw("other")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("user alice@example.org exists already");
    }

    @Test
    void setPasswordReplacesTheHash() throws Exception {
        UserStore store = new UserStore(file());
        store.add("alice@example.org", pw("old"));
        store.setPassword("ALICE@example.org", pw("new"));
        assertThat(store.verify("alice@example.org", pw("new"))).isTrue();
        assertThat(store.verify("alice@example.org", pw("old"))).isFalse();
        assertThat(store.list()).containsExactly("alice@example.org");
    }

    @Test
    void unknownUsersAndBadInputAreRefused() throws Exception {
        UserStore store = new UserStore(file());
        assertThatThrownBy(() -> store.setPassword("nobody@example.org", pw("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nobody@example.org");
        assertThatThrownBy(() -> store.delete("nobody@example.org"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nobody@example.org");
        assertThatThrownBy(() -> store.add("no-at-sign", pw("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.add("a:b@example.org", pw("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.add("a b@example.org", pw("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.add("@example.org", pw("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.add("alice@", pw("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.add("alice@example.org", pw(""))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.list()).isEmpty();
    }

    @Test
    void seesChangesMadeByAnotherInstance() throws Exception {
        UserStore server = new UserStore(file());
        UserStore cli = new UserStore(file());
        assertThat(server.exists("alice@example.org")).isFalse();

        cli.add("alice@example.org", pw("one"));
        assertThat(server.exists("alice@example.org")).isTrue();
        assertThat(server.verify("alice@example.org", pw("one"))).isTrue();

        cli.setPassword("alice@example.org", pw("two"));
        assertThat(server.verify("alice@example.org", pw("two"))).isTrue();
        assertThat(server.verify("alice@example.org", pw("one"))).isFalse();

        cli.delete("alice@example.org");
        assertThat(server.exists("alice@example.org")).isFalse();
        assertThat(server.list()).isEmpty();
    }

    /** A clock the test moves by hand. */
    private static final class HandClock extends java.time.Clock {
        private java.time.Instant now = java.time.Instant.parse("2026-12-01T12:00:00Z");

        void move(java.time.Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @Test
    void theServersStoreLooksAtTheFileAtMostOncePerRecheckAndSeesAChangeWithinIt() throws Exception {
        HandClock clock = new HandClock();
        UserStore server = UserStore.watching(file(), clock, UserStore.RECHECK);
        UserStore cli = new UserStore(file());
        assertThat(server.exists("alice@example.org")).isFalse();

        cli.add("alice@example.org", pw("one"));
        clock.move(UserStore.RECHECK.minusMillis(1));
        assertThat(server.exists("alice@example.org")).as("not looked at within the recheck interval").isFalse();
        clock.move(java.time.Duration.ofMillis(1));
        assertThat(server.exists("alice@example.org")).as("looked at once the interval is over").isTrue();

        cli.delete("alice@example.org");
        clock.move(java.time.Duration.ofHours(-1)); // a clock set back: looked at, never stuck on the old answer
        assertThat(server.exists("alice@example.org")).isFalse();

        server.add("bob@example.org", pw("two")); // through the store itself: seen at once
        assertThat(server.exists("bob@example.org")).isTrue();

        cli.add("carol@example.org", pw("three"));
        server.lookAgain(); // a reload
        assertThat(server.exists("carol@example.org")).isTrue();
    }

    @Test
    void theServersStoreLooksAgainAtEveryCallWhileTheFileCannotBeRead() throws Exception {
        new UserStore(file()).add("alice@example.org", pw("pw"));
        AtomicBoolean broken = new AtomicBoolean(true);
        HandClock clock = new HandClock();
        UserStore server = new UserStore(file(), f -> {
            if (broken.get()) {
                throw new AccessDeniedException(f.toString());
            }
            return Files.readAllBytes(f);
        }, clock, UserStore.RECHECK);
        assertThatThrownBy(() -> server.exists("alice@example.org")).isInstanceOf(UncheckedIOException.class);
        broken.set(false);
        assertThat(server.exists("alice@example.org")).as("the clock did not move").isTrue();
    }

    @Test
    void seesAnEditThatKeepsSizeAndModificationTime() throws Exception {
        UserStore store = new UserStore(file());
        store.add("alice@example.org", pw("pw"));
        assertThat(store.exists("alice@example.org")).isTrue();
        String text = Files.readString(file());
        FileTime mtime = Files.getLastModifiedTime(file());

        // Another writer replaces the file (as Durable does) with content of the same size and mtime.
        Path tmp = dir.resolve("users.new");
        Files.writeString(tmp, text.replace("alice@example.org", "alica@example.org"));
        Files.setLastModifiedTime(tmp, mtime);
        Files.move(tmp, file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Assumptions.assumeTrue(Files.readAttributes(file(), BasicFileAttributes.class).fileKey() != null,
                "file system without file keys");

        assertThat(store.exists("alica@example.org")).isTrue();
        assertThat(store.exists("alice@example.org")).isFalse();
    }

    @Test
    void doesNotRereadAnUnchangedFile() throws Exception {
        UserStore store = new UserStore(file());
        store.add("alice@example.org", pw("pw"));
        assertThat(store.exists("alice@example.org")).isTrue();
        // Make the file unreadable without changing size, mtime or inode: lookups still answer from memory.
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        FileTime mtime = Files.getLastModifiedTime(file());
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("---------"));
        Files.setLastModifiedTime(file(), mtime);
        try {
            assertThat(store.exists("alice@example.org")).isTrue();
        } finally {
            Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void fileIsMode0600AndReadableText() throws Exception {
        UserStore store = new UserStore(file());
        store.add("alice@example.org", pw("pw"));
        store.add("bob@example.org", pw("pw"));
        store.delete("bob@example.org");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        }
        List<String> lines = Files.readAllLines(file(), StandardCharsets.UTF_8);
        assertThat(lines).allMatch(l -> l.startsWith("#")
                || l.matches("[a-z@.]+:\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+"));
        assertThat(lines).filteredOn(l -> !l.startsWith("#")).hasSize(1);
        // no temporary files left behind
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("users", "users.lock");
        }
        // and a fresh instance reads it back
        assertThat(new UserStore(file()).verify("alice@example.org", pw("pw"))).isTrue();
    }

    @Test
    void malformedLinesAreSkippedAndKept() throws Exception {
        String good = PasswordHasher.hash(pw("pw"));
        Files.writeString(file(), String.join("\n",
                "# users",
                "",
                "   # indented comment",
                "no colon here",
                "alice@example.org:" + good,
                "missing-at-sign:" + good,
                "bob@example.org:not-a-hash",
                "carol@example.org:",
                ":" + good,
                "Dave@Example.org : " + good + "  ",
                "alice@example.org:" + PasswordHasher.hash(pw("second entry ignored"))) + "\r\n");
        UserStore store = new UserStore(file());
        assertThat(store.list()).containsExactly("alice@example.org", "dave@example.org");
        assertThat(store.verify("alice@example.org", pw("pw"))).isTrue();
        assertThat(store.verify("alice@example.org", pw("second entry ignored"))).isFalse();
        assertThat(store.verify("dave@example.org", pw("pw"))).isTrue();

        // A write keeps the lines it does not understand, so a hand edit is never lost.
        store.add("erin@example.org", pw("pw"));
        String text = Files.readString(file());
        assertThat(text).contains("# users", "   # indented comment", "no colon here", "bob@example.org:not-a-hash");
        assertThat(store.list()).containsExactly("alice@example.org", "dave@example.org", "erin@example.org");

        // delete removes every line of that user
        store.delete("alice@example.org");
        assertThat(Files.readString(file())).doesNotContain("alice@");
        assertThat(new UserStore(file()).list()).containsExactly("dave@example.org", "erin@example.org");
    }

    @Test
    void anEmptyFileHasNoUsers() throws Exception {
        Files.write(file(), new byte[0]);
        UserStore store = new UserStore(file());
        assertThat(store.list()).isEmpty();
        store.add("alice@example.org", pw("pw"));
        assertThat(store.list()).containsExactly("alice@example.org");
    }

    // ---------------------------------------------------------------- a file that cannot be read (issue 10 #3)

    @Test
    void aBinaryFileIsUnreadableNotEmptyAndIsNotOverwritten() throws Exception {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '\n', ':', '\n'};
        Files.write(file(), binary);
        UserStore store = new UserStore(file());
        assertThatThrownBy(() -> store.exists("alice@example.org")).isInstanceOf(UncheckedIOException.class)
                .hasMessage(file() + ": cannot read the users: not UTF-8 text (fix or remove it)");
        assertThatThrownBy(() -> store.add("alice@example.org", pw("pw"))).isInstanceOf(IOException.class)
                .hasMessage("not UTF-8 text (fix or remove it)");
        assertThat(Files.readAllBytes(file())).isEqualTo(binary);
    }

    @Test
    void aDirectoryInPlaceOfTheFileIsUnreadableUntilItIsAFileAgain() throws Exception {
        UserStore writer = new UserStore(file());
        writer.add("alice@example.org", pw("pw"));
        UserStore store = new UserStore(file());
        assertThat(store.exists("alice@example.org")).isTrue();
        Path aside = file().resolveSibling("users.aside");
        Files.move(file(), aside);
        Files.createDirectory(file());
        assertThatThrownBy(() -> store.exists("alice@example.org")).isInstanceOf(UncheckedIOException.class)
                .hasMessage(file() + ": cannot read the users: it is a directory");
        assertThatThrownBy(() -> store.verify("alice@example.org", pw("pw"))).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(store::list).isInstanceOf(UncheckedIOException.class);
        Files.delete(file());
        Files.move(aside, file());
        assertThat(store.exists("alice@example.org")).isTrue();
        assertThat(store.verify("alice@example.org", pw("pw"))).isTrue();
    }

    @Test
    void permissionDeniedIsUnreadableAndTheFileIsUsedAgainOnceReadable() throws Exception {
        new UserStore(file()).add("alice@example.org", pw("pw"));
        AtomicBoolean denied = new AtomicBoolean();
        UserStore store = new UserStore(file(), f -> {
            if (denied.get()) {
                throw new AccessDeniedException(f.toString());
            }
            return Files.readAllBytes(f);
        });
        assertThat(store.exists("alice@example.org")).isTrue();
        denied.set(true);
        Files.setLastModifiedTime(file(), FileTime.fromMillis(0)); // a change, so the file is read again
        assertThatThrownBy(() -> store.exists("bob@example.org")).isInstanceOf(UncheckedIOException.class)
                .hasMessage(file() + ": cannot read the users: permission denied");
        assertThatThrownBy(() -> store.exists("alice@example.org")).isInstanceOf(UncheckedIOException.class);
        denied.set(false); // as after chmod, which changes neither size nor modification time
        assertThat(store.exists("alice@example.org")).isTrue();
        assertThat(store.exists("bob@example.org")).isFalse();
    }

    @Test
    void aRewriteKeepsTheOwnerGroupAndModeOfTheFile() throws Exception {
        new UserStore(file()).add("alice@example.org", pw("pw"));
        try {
            Files.setAttribute(file(), "unix:uid", 4242);
            Files.setAttribute(file(), "unix:gid", 4343);
        } catch (IOException e) {
            Assumptions.abort("only root can give a file to another user");
        }
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r-----"));
        UserStore store = new UserStore(file());
        store.add("bob@example.org", pw("pw"));
        store.setPassword("alice@example.org", pw("new"));
        store.delete("bob@example.org");
        assertThat(Files.getAttribute(file(), "unix:uid")).isEqualTo(4242);
        assertThat(Files.getAttribute(file(), "unix:gid")).isEqualTo(4343);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-r-----");
        assertThat(store.list()).containsExactly("alice@example.org");
    }

    @Test
    void concurrentAddsFromSeveralThreadsAndInstancesAreAllKept() throws Exception {
        UserStore shared = new UserStore(file());
        int n = 16;
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            // half through one shared instance, half through instances of their own (like separate processes)
            UserStore store = k % 2 == 0 ? shared : new UserStore(file());
            tasks.add(() -> {
                store.add("user" + k + "@example.org", pw("pw" + k));
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        }
        UserStore fresh = new UserStore(file());
        assertThat(fresh.list()).hasSize(n);
        assertThat(shared.list()).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(fresh.exists("user" + i + "@example.org")).isTrue();
        }
        assertThat(fresh.verify("user7@example.org", pw("pw7"))).isTrue();
    }

    @Test
    void unknownUserVerificationTakesAboutAsLongAsAKnownOne() throws Exception {
        UserStore store = new UserStore(file());
        store.add("alice@example.org", pw("pw"));
        store.verify("nobody@example.org", pw("warm up"));
        store.verify("alice@example.org", pw("warm up"));
        long known = time(() -> store.verify("alice@example.org", pw("wrong")));
        long unknown = time(() -> store.verify("nobody@example.org", pw("wrong")));
        // Both run one Argon2id with the same parameters; without the dummy hash "unknown" would cost ~0 ms.
        assertThat(unknown).isGreaterThan(known / 4);
    }

    /**
     * The least CPU time of three runs on this thread: the work done, which other processes on a loaded machine
     * do not stretch as they stretch wall-clock time.
     */
    private static long time(Runnable r) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = threads.getCurrentThreadCpuTime();
            r.run();
            best = Math.min(best, threads.getCurrentThreadCpuTime() - t0);
        }
        return best;
    }

    @Test
    void writesCreateTheDataDirectory() throws Exception {
        Path nested = dir.resolve("a/b/users");
        UserStore store = new UserStore(nested);
        store.add("alice@example.org", pw("pw"));
        assertThat(Files.exists(nested)).isTrue();
        assertThat(Files.exists(dir.resolve("a/b/users.lock"))).isTrue();
    }
}
