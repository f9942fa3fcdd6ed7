package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.queue.SpoolFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * relay.trusted_networks = ["127.0.0.0/8"]: loopback clients may relay; remote mail stays queued, because the
 * fixture's smarthost (127.0.0.1:9) refuses connections. Outbound delivery itself: dev.tern.outbound.OutboundTest.
 */
class RelayTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().trustedNetworks("127.0.0.0/8");

    @Test
    void trustedClientMayRelayAndTheMessageStaysQueued() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.cmd("RCPT TO:<someone@elsewhere.example>").expectOk();
            id = RawSmtp.queueId(c.data("Subject: relay\r\n\r\nto the world\r\n"));
        }
        Path spool = tern.dataDir().resolve("spool");
        Path state = spool.resolve("queue").resolve(id + ".state");
        assertThat(tern.queuedIds()).contains(id);
        // the first attempt is recorded as deferred; the message itself stays in the queue
        await("the first attempt recorded").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> Files.exists(state));
        assertThat(Files.readString(state)).contains("DEFERRED");
        assertThat(SpoolFiles.content(spool, id)).contains("Received: from").endsWith("\r\n\r\nto the world\r\n");
    }

    @Test
    void localRecipientsAreStillCheckedAndDeliveredForTrustedClients() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.cmd("RCPT TO:<nobody@example.test>").expect(550, "5.1.1");
            c.rcptTo("<alice@example.test>");
            c.rcptTo("<someone@elsewhere.example>");
            id = RawSmtp.queueId(c.data("Subject: mixed\r\n\r\nmixed\r\n"));
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        assertThat(msg).endsWith("\r\n\r\nmixed\r\n");
        assertThat(TernFixture.unfoldedHeader(msg)).doesNotContain("for <"); // two recipients: no "for" clause
        Path state = tern.dataDir().resolve("spool").resolve("queue").resolve(id + ".state");
        await("the remote recipient deferred").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> Files.exists(state));
        assertThat(tern.queuedIds()).contains(id);
    }
}
