package dev.tern.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.e2e.RawSmtp;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP to a real {@code tern serve}: the configuration is read again and applied to new sessions; a broken one
 * is refused with its one line in the log, and the server goes on with the old one. (Until reload existed the
 * server ignored SIGHUP; before that, the JVM exited on it with status 129.)
 */
class ReloadSignalTest {

    @Test
    void sighupReloadsAndABrokenFileIsRefusedWhileTheServerGoesOn(@TempDir Path dir) throws Exception {
        Path cfg = ServerProcess.writeConfig(dir, dir.resolve("data"), "[limits]\nmax_recipients = 5\n");
        try (ServerProcess server = ServerProcess.start(cfg);
             RawSmtp open = RawSmtp.open(new InetSocketAddress("127.0.0.1", server.smtpPort()))) {
            InetSocketAddress smtp = new InetSocketAddress("127.0.0.1", server.smtpPort());
            open.cmd("MAIL FROM:<a@remote.test>").expectOk();
            open.cmd("RCPT TO:<postmaster@new.test>").expect(554, "5.7.1");

            Files.writeString(cfg, Files.readString(cfg).replace("[\"example.test\"]", "[\"example.test\", \"new.test\"]"));
            server.sighup();
            await().atMost(Duration.ofSeconds(30)).until(() -> server.output().contains(
                    "reload: local_domains = [example.test, new.test] (was [example.test])"));
            open.cmd("RCPT TO:<postmaster@new.test>").expect(554, "5.7.1"); // an open session keeps its rules
            try (RawSmtp c = RawSmtp.open(smtp)) {
                c.cmd("MAIL FROM:<a@remote.test>").expectOk();
                c.cmd("RCPT TO:<postmaster@new.test>").expectOk();
            }

            Files.writeString(cfg, Files.readString(cfg).replace("max_recipients = 5", "max_recipients = 0"));
            server.sighup();
            await().atMost(Duration.ofSeconds(30)).until(() -> server.output().contains(
                    "reload refused, the running configuration stays: " + cfg
                            + ": limits.max_recipients: must be a whole number from 1 to 100000, not 0"));
            assertThat(server.process().isAlive()).isTrue();
            try (RawSmtp c = RawSmtp.open(smtp)) {
                c.cmd("MAIL FROM:<a@remote.test>").expectOk();
                c.cmd("RCPT TO:<postmaster@new.test>").expectOk();
            }
            open.cmd("QUIT").expect(221);
            assertThat(server.terminate(60)).isZero();
        }
    }
}
