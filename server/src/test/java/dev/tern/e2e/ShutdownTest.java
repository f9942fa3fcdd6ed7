package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Orderly shutdown as a client sees it: idle clients are told 421, a message under way may finish, nothing is lost. */
class ShutdownTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().limit("command_timeout", "\"10s\"");

    @Test
    void idleClientIsTold421AndNewClientsAreTurnedAway() throws Exception {
        InetSocketAddress address = tern.smtp();
        try (RawSmtp c = tern.open()) {
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> tern.tern().shutdown(Duration.ofSeconds(5)));
            c.read().expect(421, "4.3.2");
            assertThat(c.readUntilClosed()).isEmpty();
            stop.get();
        }
        assertThatThrownBy(() -> {
            try (RawSmtp c = RawSmtp.connect(address)) {
                c.read();
            }
        }).isInstanceOf(IOException.class);
    }

    @Test
    void messageUnderWayMayFinishAndIsKept() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: during shutdown\r\n\r\nfirst half\r\n");
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> tern.tern().shutdown(Duration.ofSeconds(5)));
            await("the listener closed").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        try {
                            RawSmtp.connect(tern.smtp()).close();
                            return false;
                        } catch (IOException e) {
                            return true;
                        }
                    });
            c.write("second half\r\n.\r\n");
            id = RawSmtp.queueId(c.read());
            c.read().expect(421, "4.3.2"); // the transaction is over: now the client is told to go
            assertThat(c.readUntilClosed()).isEmpty();
            stop.get();
        }
        boolean delivered = tern.delivered(ALICE).stream().anyMatch(p -> p.getFileName().toString().contains(".Q" + id + "R"));
        boolean queued = tern.queuedIds().contains(id);
        assertThat(delivered || queued).as("message %s delivered or still in spool/queue", id).isTrue();
    }
}
