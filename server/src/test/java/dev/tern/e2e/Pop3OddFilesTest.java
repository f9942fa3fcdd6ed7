package dev.tern.e2e;

import static dev.tern.e2e.Pop3Fixture.ALICE;
import static dev.tern.e2e.Pop3Fixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #15: what is not a regular file in a Maildir's new/ or cur/ (a directory named like a message, a
 * FIFO, a symbolic link) is not a message. POP3 lists around it, never opens it, and the mailbox lock goes
 * with the session; a message that turns into one after the listing gets -ERR, and the session goes on.
 */
class Pop3OddFilesTest {
    @RegisterExtension
    final Pop3Fixture pop = new Pop3Fixture();

    private static void mkfifo(Path p) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        assertThat(proc.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as("mkfifo %s", p).isZero();
    }

    private void awaitUnlocked() {
        await().atMost(Duration.ofSeconds(5)).until(() -> !pop.locks().isLocked(pop.mailbox(ALICE)));
    }

    @Test
    void directoriesFifosAndLinksAreNotListed() throws Exception {
        String real = pop.deliver(ALICE, message("real", "x\r\n"));
        Path box = pop.mailbox(ALICE);
        Files.createDirectories(box.resolve("cur"));
        Files.createDirectory(box.resolve("new").resolve("1000000000.dir,S=10"));
        Files.createDirectory(box.resolve("cur").resolve("1000000001.dir,S=10:2,S"));
        mkfifo(box.resolve("new").resolve("1000000002.fifo,S=10"));
        mkfifo(box.resolve("cur").resolve("1000000003.fifo"));
        Path outside = Files.writeString(pop.mailbox(ALICE).getParent().resolve("secret"), "not mail\r\n");
        Files.createSymbolicLink(box.resolve("new").resolve("1000000004.link,S=10"), outside);

        try (RawPop3 c = pop.login(ALICE)) {
            long size = Files.size(box.resolve("new").resolve(real));
            assertThat(c.cmd("STAT")).isEqualTo("+OK 1 " + size);
            assertThat(c.multi("UIDL")).hasSize(1);
            assertThat(c.cmd("RETR 1")).startsWith("+OK");
            assertThat(String.join("\n", c.readBody())).contains("Subject: real");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        awaitUnlocked();
        assertThat(pop.files(ALICE)).containsExactlyInAnyOrder("cur/1000000001.dir,S=10:2,S", "cur/1000000003.fifo",
                "new/1000000000.dir,S=10", "new/1000000002.fifo,S=10", "new/1000000004.link,S=10");
        try (RawPop3 c = pop.login(ALICE)) { // not [IN-USE]
            assertThat(c.cmd("STAT")).isEqualTo("+OK 0 0");
        }
    }

    @Test
    void aMessageThatBecomesAFifoOrADirectoryGetsErrAndTheSessionGoesOn() throws Exception {
        String one = pop.deliver(ALICE, message("one", "x\r\n"));
        String two = pop.deliver(ALICE, message("two", "y\r\n"));
        String three = pop.deliver(ALICE, message("three", "z\r\n"));
        Path dir = pop.mailbox(ALICE).resolve("new");
        try (RawPop3 c = pop.login(ALICE)) {
            assertThat(c.cmd("STAT")).startsWith("+OK 3 ");
            Files.delete(dir.resolve(one));
            mkfifo(dir.resolve(one)); // a reader that opened it would wait for a writer forever
            Files.delete(dir.resolve(two));
            Files.createDirectory(dir.resolve(two));
            assertThat(c.cmd("RETR 1")).startsWith("-ERR [SYS/PERM] Cannot read this message");
            assertThat(c.cmd("TOP 1 0")).startsWith("-ERR [SYS/PERM]");
            assertThat(c.cmd("RETR 2")).startsWith("-ERR [SYS/PERM]");
            assertThat(c.cmd("RETR 3")).startsWith("+OK");
            assertThat(String.join("\n", c.readBody())).contains("Subject: three");
            assertThat(c.cmd("NOOP")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        awaitUnlocked();
        assertThat(pop.files(ALICE)).hasSize(3); // the FIFO and the directory are left where they are (or in cur/)
        try (RawPop3 c = pop.login(ALICE)) { // not [IN-USE]; the FIFO and the directory are not listed
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
        }
    }
}
