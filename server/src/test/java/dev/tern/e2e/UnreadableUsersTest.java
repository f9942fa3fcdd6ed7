package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #3: while the users file cannot be read, recipients get 451 4.3.0 and logins a temporary failure,
 * never "no such user"; once it can be read again it is used, without a restart. Tests run as root, which
 * reads any file, so the file is made unreadable by a directory in its place and by bytes that are not UTF-8.
 */
class UnreadableUsersTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission().pop3(false)
            .toml("[submission]\nauth_requires_tls = false");

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private void expectTemporaryFailures() throws Exception {
        try (RawSmtp c = RawSmtp.open(tern.smtp())) {
            c.mailFrom("<sender@remote.example>");
            c.cmd("RCPT TO:<" + ALICE + ">").expect(451, "4.3.0");
            c.cmd("RCPT TO:<nobody@example.test>").expect(451, "4.3.0");
            c.cmd("RCPT TO:<postmaster@example.test>").expect(250); // an alias of alice: no lookup needed
        }
        try (RawSmtp c = RawSmtp.open(tern.submissionAddress())) {
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(454, "4.7.0");
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(454, "4.7.0");
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(454, "4.7.0"); // not counted as failures: no 421
        }
        try (RawPop3 c = RawPop3.open(tern.tern().address("pop3"))) {
            c.cmd("USER " + ALICE);
            assertThat(c.cmd("PASS pw")).startsWith("-ERR [SYS/TEMP] ");
        }
    }

    /** The server looks at the users file once a second (UserStore.RECHECK): until then it answers as before. */
    private void awaitSeen() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            try (RawSmtp c = RawSmtp.open(tern.smtp())) {
                c.mailFrom("<sender@remote.example>");
                c.cmd("RCPT TO:<" + ALICE + ">").expect(451, "4.3.0");
            }
        });
    }

    private void expectWorking() throws Exception {
        try (RawSmtp c = RawSmtp.open(tern.smtp())) {
            c.mailFrom("<sender@remote.example>");
            c.cmd("RCPT TO:<" + ALICE + ">").expect(250);
            c.cmd("RCPT TO:<nobody@example.test>").expect(550, "5.1.1");
        }
        try (RawSmtp c = RawSmtp.open(tern.submissionAddress())) {
            c.cmd("AUTH PLAIN " + plain(ALICE, "pw")).expect(235, "2.7.0");
        }
        try (RawPop3 c = RawPop3.open(tern.tern().address("pop3"))) {
            c.login(ALICE, "pw");
        }
    }

    @Test
    void aDirectoryInPlaceOfTheUsersFile() throws Exception {
        Path users = tern.dataDir().resolve("users");
        Path aside = tern.dataDir().resolve("users.aside");
        expectWorking();
        Files.move(users, aside);
        Files.createDirectory(users);
        awaitSeen();
        expectTemporaryFailures();
        Files.delete(users);
        Files.move(aside, users);
        expectWorking();
    }

    @Test
    void aUsersFileThatIsNotText() throws Exception {
        Path users = tern.dataDir().resolve("users");
        byte[] good = Files.readAllBytes(users);
        byte[] bad = good.clone();
        bad[bad.length / 2] = (byte) 0xff;
        Files.write(users, bad);
        awaitSeen();
        expectTemporaryFailures();
        Files.write(users, good);
        expectWorking();
    }
}
