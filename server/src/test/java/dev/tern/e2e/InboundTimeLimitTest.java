package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 #2 over raw sockets: a client that pipelines commands and never reads the replies, and one that
 * drips a command a byte at a time, are both cut after the command time-out; neither holds up a shutdown.
 */
class InboundTimeLimitTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().limit("command_timeout", "\"1s\"");

    /** Sends HELP after HELP and reads nothing, until the server closes the connection (or 50 MB). */
    static final class NeverReads implements AutoCloseable {
        final Socket socket = new Socket();
        final AtomicLong written = new AtomicLong();
        final CompletableFuture<IOException> ended;

        NeverReads(InetSocketAddress server) throws IOException {
            socket.setReceiveBufferSize(4096);
            socket.connect(server, 5000);
            OutputStream out = socket.getOutputStream();
            byte[] help = "HELP\r\n".repeat(100).getBytes(StandardCharsets.US_ASCII);
            ended = CompletableFuture.supplyAsync(() -> {
                try {
                    while (written.get() < 50_000_000) {
                        out.write(help);
                        written.addAndGet(help.length);
                    }
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, r -> Thread.ofVirtual().start(r));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aClientThatNeverReadsIsCut() throws Exception {
        try (NeverReads c = new NeverReads(tern.smtp())) {
            await("the server closed the connection").atMost(Duration.ofSeconds(30))
                    .until(() -> tern.tern().openConnections() == 0);
            assertThat(c.ended.get(30, TimeUnit.SECONDS)).isNotNull(); // its writes failed: the server hung up
        }
    }

    @Test
    void aClientDrippingACommandIsTold421AndCut() throws Exception {
        try (RawSmtp c = RawSmtp.connect(tern.smtp())) {
            c.read().expect(220);
            InputStream in = c.in();
            byte[] drip = "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < drip.length && in.available() == 0; i++) {
                c.write(new byte[] {drip[i]});
                Thread.sleep(250); // the pace of the attack: each byte well within the per-read time-out
            }
            c.read().expect(421, "4.4.2");
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void aShutdownIsNotHeldUpByAClientThatNeverReads() throws Exception {
        tern.tern().close();
        TernFixture slow = new TernFixture().limit("command_timeout", "\"60s\"");
        slow.beforeEach(null);
        try (NeverReads c = new NeverReads(slow.smtp())) {
            AtomicLong seen = new AtomicLong(-1);
            await("the client's writes are stuck").pollInterval(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(30))
                    .until(() -> seen.getAndSet(c.written.get()) == c.written.get());
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> slow.tern().shutdown(Duration.ofSeconds(60)));
            stop.get(30, TimeUnit.SECONDS); // without the fix: the whole 60 s grace period
            assertThat(slow.tern().openConnections()).isZero();
        } finally {
            slow.afterEach(null);
        }
    }
}
