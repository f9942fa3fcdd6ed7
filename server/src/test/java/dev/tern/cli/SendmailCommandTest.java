package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.e2e.TernFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tern sendmail} against a real server: what arrives in the Maildir, and each exit status. */
class SendmailCommandTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture();

    @TempDir
    Path tmp;

    private String err;

    private int sendmail(String input, String... args) throws IOException {
        Path config = tmp.resolve("tern.toml");
        Files.writeString(config, tern.toml());
        InetSocketAddress a = tern.smtp();
        return run(input, config, "127.0.0.1:" + a.getPort(), args);
    }

    private int run(String input, Path config, String smtp, String... args) {
        SendmailCommand cmd = new SendmailCommand();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        cmd.stdin = new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
        cmd.stderr = new PrintStream(e, true, StandardCharsets.UTF_8);
        cmd.clock = Clock.fixed(Instant.parse("2026-11-30T13:45:00Z"), ZoneOffset.ofHours(1));
        cmd.userName = "alice";
        List<String> all = new ArrayList<>(List.of("--config", config.toString(), "--smtp", smtp));
        all.addAll(List.of(args));
        int rc = new CommandLine(cmd).execute(all.toArray(String[]::new));
        err = e.toString(StandardCharsets.UTF_8);
        return rc;
    }

    private String delivered(String address) {
        List<Path> files = tern.awaitDeliveries(address, 1);
        return TernFixture.read(files.get(0));
    }

    @Test
    void recipientsAsArgumentsAndMissingHeadersAdded() throws Exception {
        int rc = sendmail("Subject: cron\n\nline one\n.\nnot reached\n", "bob", "-F", "Cron Daemon");
        assertThat(rc).as(err).isZero();
        String m = delivered(TernFixture.BOB);
        assertThat(m).contains("Subject: cron\r\n")
                .contains("Date: Mon, 30 Nov 2026 14:45:00 +0100\r\n")
                .contains("From: \"Cron Daemon\" <alice@example.test>\r\n")
                .containsPattern("Message-ID: <[0-9]+\\.[0-9a-f]{24}@mx\\.test>\r\n")
                .contains("\r\n\r\nline one\r\n")
                .doesNotContain("not reached"); // without -i a lone dot ends the message
    }

    @Test
    void minusTReadsToCcBccAndRemovesBcc() throws Exception {
        String msg = """
                From: Alice <alice@example.test>
                To: "Bob, the builder" <bob@example.test>
                Cc: (a comment) team-less: ;
                Bcc: alice
                Subject: hello
                Date: Mon, 1 Jan 2024 00:00:00 +0000
                Message-ID: <given@example.test>

                .
                a dot line above, kept with -i
                """;
        int rc = sendmail(msg, "-t", "-oi", "-odi", "-oem", "-bm", "-f", "alice@example.test");
        assertThat(rc).as(err).isZero();
        for (String who : List.of(TernFixture.BOB, TernFixture.ALICE)) {
            String m = delivered(who);
            assertThat(m).doesNotContain("Bcc:").contains("Message-ID: <given@example.test>\r\n")
                    .contains("Date: Mon, 1 Jan 2024").contains("\r\n.\r\na dot line above, kept with -i\r\n");
            assertThat(m.split("\r\nFrom: ", -1)).hasSize(2);
        }
    }

    @Test
    void aBodyWithoutHeadersGetsThem() throws Exception {
        int rc = sendmail("just a line, no header\n", "-i", "alice@example.test");
        assertThat(rc).as(err).isZero();
        String m = delivered(TernFixture.ALICE);
        assertThat(m).contains("From: alice@example.test\r\n").contains("\r\n\r\njust a line, no header\r\n");
    }

    @Test
    void unknownLocalUserIs67AndTheOthersStillGetIt() throws Exception {
        int rc = sendmail("Subject: x\n\nbody\n", "nobody-here@example.test", "bob@example.test");
        assertThat(rc).isEqualTo(SendmailCommand.EX_NOUSER);
        assertThat(err).contains("<nobody-here@example.test>: 550").contains("for the other recipients only");
        delivered(TernFixture.BOB);
    }

    @Test
    void onlyUnknownUsersIs67AndNothingQueued() throws Exception {
        assertThat(sendmail("Subject: x\n\nbody\n", "nobody-here")).isEqualTo(SendmailCommand.EX_NOUSER);
        assertThat(err).contains("no recipient accepted; nothing was sent");
        assertThat(tern.queuedIds()).isEmpty();
    }

    @Test
    void remoteRecipientWithoutTrustedLoopbackIsRefused() throws Exception {
        assertThat(sendmail("Subject: x\n\nbody\n", "carol@remote.test")).isEqualTo(SendmailCommand.EX_NOUSER);
        assertThat(err).contains("<carol@remote.test>: 5");
    }

    @Test
    void usageErrorsAre64() throws Exception {
        assertThat(sendmail("x\n")).isEqualTo(SendmailCommand.EX_USAGE); // no recipients, no -t
        assertThat(sendmail("x\n", "--no-such-option", "bob")).isEqualTo(SendmailCommand.EX_USAGE);
        assertThat(sendmail("x\n", "-bs")).isEqualTo(SendmailCommand.EX_USAGE);
        assertThat(err).contains("-bs is not supported");
        assertThat(sendmail("x\n", "not an address@@x")).isEqualTo(SendmailCommand.EX_USAGE);
    }

    @Test
    void badDataIs65AndNothingIsQueued() throws Exception {
        String longLine = "Subject: x\n\n" + "a".repeat(SendmailMessage.MAX_LINE + 1) + "\n";
        assertThat(sendmail(longLine, "bob")).isEqualTo(SendmailCommand.EX_DATAERR);
        assertThat(err).contains("line 3 is longer than 998 octets");
        assertThat(sendmail("Subject: no recipients\n\nx\n", "-t")).isEqualTo(SendmailCommand.EX_DATAERR);
        assertThat(tern.queuedIds()).isEmpty();
    }

    @Test
    void noServerIs75() throws Exception {
        Path config = tmp.resolve("tern.toml");
        Files.writeString(config, tern.toml());
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(run("Subject: x\n\nbody\n", config, "127.0.0.1:" + port, "bob"))
                .isEqualTo(SendmailCommand.EX_TEMPFAIL);
        assertThat(err).contains("cannot hand the message to the server at 127.0.0.1:" + port)
                .contains("try again later");
    }
}
