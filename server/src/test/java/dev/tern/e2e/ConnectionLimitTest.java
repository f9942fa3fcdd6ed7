package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.e2e.RawSmtp.Reply;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** limits.max_connections_per_ip = 3: the fourth connection from one address is told 421 at the greeting. */
class ConnectionLimitTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission().limit("max_connections_per_ip", "3");

    @Test
    void onTheImplicitTlsPortARefusedConnectionIsClosedWithoutPlainText() throws Exception {
        List<RawSmtp> open = takeAllPlaces();
        try {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(tern.submissionsAddress(), 5000);
                s.setSoTimeout(5000);
                assertThat(s.getInputStream().readAllBytes()).as("bytes before a TLS handshake").isEmpty();
            }
            // a TLS client sees a closed connection, not a protocol error
            try (java.net.Socket s = tern.trustingContext().getSocketFactory().createSocket()) {
                s.connect(tern.submissionsAddress(), 5000);
                s.setSoTimeout(5000);
                javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) s;
                org.assertj.core.api.Assertions.assertThatThrownBy(ssl::startHandshake)
                        .isInstanceOf(IOException.class)
                        .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain("plaintext"));
            }
        } finally {
            for (RawSmtp c : open) {
                c.close();
            }
        }
    }

    @Test
    void fourthConnectionGets421AndAFreedPlaceIsTakenAgain() throws Exception {
        List<RawSmtp> open = takeAllPlaces();
        try {
            try (RawSmtp fourth = tern.connect()) {
                Reply r = fourth.read().expect(421, "4.7.0");
                assertThat(r.text(0)).contains("mx.test");
                assertThat(fourth.readUntilClosed()).isEmpty();
            }
            open.get(0).cmd("QUIT").expect(221);
            open.remove(0).close();
            RawSmtp again = awaitGreeting220();
            open.add(again);
            again.cmd("EHLO client.test").expect(250);
            // the three places are taken again
            try (RawSmtp extra = tern.connect()) {
                extra.read().expect(421, "4.7.0");
            }
            // the earlier connections were not disturbed
            open.get(0).cmd("NOOP").expectOk();
            open.get(1).cmd("NOOP").expectOk();
        } finally {
            for (RawSmtp c : open) {
                c.close();
            }
        }
    }

    @Test
    void refusedAndAbruptlyClosedConnectionsDoNotLeakPlaces() throws Exception {
        List<RawSmtp> open = takeAllPlaces();
        try {
            for (int i = 0; i < 10; i++) {
                try (RawSmtp refused = tern.connect()) {
                    refused.read().expect(421, "4.7.0");
                }
            }
            for (RawSmtp c : open) {
                c.close(); // no QUIT
            }
            open.clear();
            for (int i = 0; i < 3; i++) {
                open.add(awaitGreeting220());
            }
            try (RawSmtp extra = tern.connect()) {
                extra.read().expect(421, "4.7.0");
            }
        } finally {
            for (RawSmtp c : open) {
                c.close();
            }
        }
    }

    /** Opens (and keeps open) the three connections the limit allows, each greeted with 220. */
    private List<RawSmtp> takeAllPlaces() throws IOException {
        List<RawSmtp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawSmtp c = tern.connect();
                open.add(c);
                c.read().expect(220);
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            for (RawSmtp c : open) {
                c.close();
            }
            throw e;
        }
        return open;
    }

    /** Connects until a connection is greeted with 220 (a place is released shortly after a close); returns it open. */
    private RawSmtp awaitGreeting220() {
        return await("a connection greeted with 220").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    RawSmtp c = tern.connect();
                    Reply r;
                    try {
                        r = c.read();
                    } catch (IOException | RuntimeException | AssertionError e) {
                        c.close();
                        return null;
                    }
                    if (r.code() == 220) {
                        return c;
                    }
                    c.close();
                    return null;
                }, c -> c != null);
    }
}
