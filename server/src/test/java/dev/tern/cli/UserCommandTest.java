package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.auth.UserStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserCommandTest {
    @TempDir
    Path dir;

    private Path config;
    private Path data;

    private final InputStream savedIn = System.in;
    private final PrintStream savedOut = System.out;
    private final PrintStream savedErr = System.err;
    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @BeforeEach
    void setUp() throws Exception {
        data = dir.resolve("data");
        config = dir.resolve("tern.toml");
        Files.writeString(config, """
                data_dir = '%s'
                local_domains = ["example.org", "example.net"]
                """.formatted(data));
    }

    @AfterEach
    void restore() {
        System.setIn(savedIn);
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    /** Runs {@code tern ARGS --config FILE} with {@code stdin} as standard input; returns the exit status. */
    private int tern(String stdin, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = config.toString();
        return ternExactly(stdin, all);
    }

    /** Runs {@code tern ARGS} as given. */
    private int ternExactly(String stdin, String... all) {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return Main.run(all);
        } finally {
            System.setIn(savedIn);
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private UserStore store() {
        return new UserStore(data.resolve("users"));
    }

    @Test
    void addWithPasswordOnStdin() {
        assertThat(tern("s3cret\n", "user", "add", "Alice@Example.org", "--password-stdin")).isZero();
        assertThat(out()).isEqualToIgnoringNewLines("user alice@example.org added");
        assertThat(err()).isEmpty();
        assertThat(store().verify("alice@example.org", "s3cret".toCharArray())).isTrue();
    }

    @Test
    void onlyTheFirstLineIsThePasswordAndCrLfIsStripped() {
        assertThat(tern("pass word\r\nsecond line\n", "user", "add", "alice@example.org", "--password-stdin"))
                .isZero();
        assertThat(store().verify("alice@example.org", "pass word".toCharArray())).isTrue();
    }

    @Test
    void passwordWithoutLineEndIsAccepted() {
        assertThat(tern("pässwörd", "user", "add", "alice@example.net", "--password-stdin")).isZero();
        assertThat(store().verify("alice@example.net", "pässwörd".toCharArray())).isTrue();
    }

    @Test
    void addTwiceFails() {
        assertThat(tern("a\n", "user", "add", "alice@example.org", "--password-stdin")).isZero();
        assertThat(tern("b\n", "user", "add", "ALICE@example.org", "--password-stdin")).isEqualTo(1);
        assertThat(err()).isEqualToIgnoringNewLines("tern: user alice@example.org exists already");
        assertThat(store().verify("alice@example.org", "a".toCharArray())).isTrue();
    }

    @Test
    void domainMustBeLocal() {
        assertThat(tern("pw\n", "user", "add", "alice@other.org", "--password-stdin")).isEqualTo(2);
        assertThat(err()).isEqualToIgnoringNewLines(
                "tern: alice@other.org: domain other.org is not in local_domains (" + config + ")");
        assertThat(out()).isEmpty();
        assertThat(Files.exists(data.resolve("users"))).isFalse();
    }

    @Test
    void malformedAddressIsAUsageError() {
        for (String bad : new String[] {"alice", "@example.org", "alice@", "a:b@example.org", "a@b@example.org",
            "#alice@example.org", "alice@example..org"}) {
            assertThat(tern("pw\n", "user", "add", bad, "--password-stdin")).as(bad).isEqualTo(2);
            assertThat(err()).as(bad).startsWith("tern: ").contains("local@domain");
        }
        assertThat(store().list()).isEmpty();
    }

    @Test
    void emptyPasswordIsRefused() {
        assertThat(tern("\n", "user", "add", "alice@example.org", "--password-stdin")).isEqualTo(2);
        assertThat(err()).isEqualToIgnoringNewLines("tern: empty password refused");
        assertThat(tern("", "user", "add", "alice@example.org", "--password-stdin")).isEqualTo(2);
        assertThat(store().exists("alice@example.org")).isFalse();
    }

    @Test
    void withoutATerminalPromptingIsImpossible() {
        // Under the test runner standard input is not a terminal.
        assertThat(tern("", "user", "add", "alice@example.org")).isEqualTo(2);
        assertThat(err()).isEqualToIgnoringNewLines("tern: no terminal to prompt on; use --password-stdin");
        assertThat(store().exists("alice@example.org")).isFalse();
    }

    @Test
    void passwdChangesThePassword() {
        assertThat(tern("old\n", "user", "add", "alice@example.org", "--password-stdin")).isZero();
        assertThat(tern("new\n", "user", "passwd", "alice@example.org", "--password-stdin")).isZero();
        assertThat(out()).isEqualToIgnoringNewLines("user alice@example.org password changed");
        assertThat(store().verify("alice@example.org", "new".toCharArray())).isTrue();
        assertThat(store().verify("alice@example.org", "old".toCharArray())).isFalse();
    }

    @Test
    void passwdOfAnUnknownUserFails() {
        assertThat(tern("pw\n", "user", "passwd", "bob@example.org", "--password-stdin")).isEqualTo(1);
        assertThat(err()).isEqualToIgnoringNewLines("tern: no user bob@example.org");
    }

    @Test
    void deleteAndList() {
        assertThat(tern("pw\n", "user", "add", "carol@example.org", "--password-stdin")).isZero();
        assertThat(tern("pw\n", "user", "add", "alice@example.org", "--password-stdin")).isZero();
        assertThat(tern("pw\n", "user", "add", "bob@example.net", "--password-stdin")).isZero();

        assertThat(tern("", "user", "list")).isZero();
        assertThat(out().lines()).containsExactly("alice@example.org", "bob@example.net", "carol@example.org");

        assertThat(tern("", "user", "delete", "Carol@Example.org")).isZero();
        assertThat(out()).isEqualToIgnoringNewLines("user carol@example.org deleted");
        assertThat(tern("", "user", "list")).isZero();
        assertThat(out().lines()).containsExactly("alice@example.org", "bob@example.net");

        assertThat(tern("", "user", "delete", "carol@example.org")).isEqualTo(1);
        assertThat(err()).isEqualToIgnoringNewLines("tern: no user carol@example.org");
    }

    @Test
    void listOfNoUsersIsEmpty() {
        assertThat(tern("", "user", "list")).isZero();
        assertThat(out()).isEmpty();
    }

    @Test
    void usersOfADomainNoLongerLocalCanStillBeDeleted() throws Exception {
        assertThat(tern("pw\n", "user", "add", "alice@example.net", "--password-stdin")).isZero();
        Files.writeString(config, """
                data_dir = '%s'
                local_domains = ["example.org"]
                """.formatted(data));
        assertThat(tern("pw\n", "user", "passwd", "alice@example.net", "--password-stdin")).isEqualTo(2);
        assertThat(tern("", "user", "delete", "alice@example.net")).isZero();
        assertThat(store().list()).isEmpty();
    }

    @Test
    void aBrokenConfigIsExit2WithOneLine() throws Exception {
        Files.writeString(config, "local_domains = [\n");
        assertThat(tern("pw\n", "user", "add", "alice@example.org", "--password-stdin")).isEqualTo(2);
        assertThat(err().lines()).hasSize(1);
        assertThat(err()).contains(config.toString());
    }

    @Test
    void userWithoutSubcommandShowsUsage() {
        assertThat(ternExactly("", "user")).isEqualTo(2);
        assertThat(err()).contains("add", "passwd", "delete", "list");
    }

    @Test
    void ioFailureIsExit1() throws Exception {
        // data_dir is a regular file: the users file cannot be created under it
        Files.writeString(data, "not a directory");
        assertThat(tern("pw\n", "user", "add", "alice@example.org", "--password-stdin")).isEqualTo(1);
        assertThat(err()).startsWith("tern: ");
    }

    @Test
    void addKeepsTheOwnerGroupAndModeOfTheUsersFile() throws Exception {
        assertThat(tern("pw\n", "user", "add", "alice@example.org", "--password-stdin")).isZero();
        Path users = data.resolve("users");
        try {
            Files.setAttribute(users, "unix:uid", 4242);
            Files.setAttribute(users, "unix:gid", 4343);
        } catch (IOException e) {
            Assumptions.abort("only root can give a file to another user");
        }
        Files.setPosixFilePermissions(users,
                PosixFilePermissions.fromString("rw-r-----"));
        assertThat(tern("pw\n", "user", "add", "bob@example.org", "--password-stdin")).isZero();
        assertThat(Files.getAttribute(users, "unix:uid")).isEqualTo(4242);
        assertThat(Files.getAttribute(users, "unix:gid")).isEqualTo(4343);
        assertThat(PosixFilePermissions.toString(
                Files.getPosixFilePermissions(users))).isEqualTo("rw-r-----");
        assertThat(store().list()).containsExactly("alice@example.org", "bob@example.org");
    }

    @Test
    void anUnreadableUsersFileIsExit1WithItsReason() throws Exception {
        Files.createDirectories(data.resolve("users"));
        assertThat(tern("", "user", "list")).isEqualTo(1);
        assertThat(err()).isEqualTo("tern: " + data.resolve("users") + ": cannot read the users: it is a directory"
                + System.lineSeparator());
        assertThat(tern("pw\n", "user", "add", "alice@example.org", "--password-stdin")).isEqualTo(1);
        assertThat(err()).startsWith("tern: " + data.resolve("users") + ": cannot read the users: it is a directory");
    }
}
