package dev.tern.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.auth.UserStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM: the server stops taking connections, tells idle clients 421, lets a transaction under way finish
 * (its message is acknowledged and delivered), then exits 0; the next start works on the same data.
 */
class SigtermTest {

    @Test
    void sigtermFinishesTransactionsAnswersIdleClients421AndExitsZero(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add("alice@example.test", "pw".toCharArray());
        Path cfg = ServerProcess.writeConfig(dir, data, "");
        try (ServerProcess server = ServerProcess.start(cfg);
             Socket idle = new Socket("127.0.0.1", server.smtpPort());
             Socket busy = new Socket("127.0.0.1", server.smtpPort())) {
            idle.setSoTimeout(20_000);
            busy.setSoTimeout(20_000);
            BufferedReader idleIn = reader(idle);
            BufferedReader busyIn = reader(busy);
            OutputStream busyOut = busy.getOutputStream();
            assertThat(idleIn.readLine()).startsWith("220 ");
            assertThat(busyIn.readLine()).startsWith("220 ");
            idle.getOutputStream().write("EHLO idle.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(lastLine(idleIn)).startsWith("250 ");
            busyOut.write("EHLO busy.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(lastLine(busyIn)).startsWith("250 ");
            assertThat(busyIn.readLine()).startsWith("250 ");
            assertThat(busyIn.readLine()).startsWith("250 ");
            assertThat(busyIn.readLine()).startsWith("354 ");
            busyOut.write("Subject: half\r\n\r\nfirst half\r\n".getBytes(StandardCharsets.US_ASCII));
            busyOut.flush();

            server.sigterm();
            assertThat(idleIn.readLine()).startsWith("421 4.3.2");
            // the transaction under way may finish
            busyOut.write("second half\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(busyIn.readLine()).matches("250 2\\.0\\.0 Ok: queued as [0-9A-F]+");
            assertThat(busyIn.readLine()).startsWith("421 4.3.2");
            assertThat(server.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(server.process().exitValue()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.output().contains("stopped"));
            assertThat(server.output()).contains("shutting down");
        }
        // the message is there, now or after the next start
        try (ServerProcess again = ServerProcess.start(cfg)) {
            Path newDir = data.resolve("mail/example.test/alice/new");
            await().atMost(Duration.ofSeconds(20)).until(() -> java.nio.file.Files.list(newDir).count() == 1);
            assertThat(again.terminate(60)).isZero();
        }
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static String lastLine(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
}
