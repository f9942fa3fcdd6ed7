package dev.tern.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.smtp.client.SmtpClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bounds of the session cache, on a fake clock: idle time, messages per connection, idle sessions kept. */
class SessionCacheTest {
    ServerSocket server;
    final List<Socket> accepted = new ArrayList<>();
    final AtomicLong now = new AtomicLong();
    SessionCache cache;

    @BeforeEach
    void setUp() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cache = new SessionCache(Duration.ofSeconds(5), 3, 2, now::get);
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : accepted) {
            s.close(); // QUIT then meets end of file at once
        }
        cache.close();
        server.close();
    }

    SessionCache.Session session(int messages) throws IOException {
        Duration t = Duration.ofSeconds(1);
        SmtpClient c = SmtpClient.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()),
                "mx.test", new SmtpClient.Timeouts(t, t, t, t, t, t, t));
        accepted.add(server.accept());
        return new SessionCache.Session(c, "mx.test", "mx.test[127.0.0.1]:25", messages);
    }

    @Test
    void takesTheParkedSessionWithinTheIdleTime() throws IOException {
        SessionCache.Session s = session(1);
        cache.park("d.test", s);
        assertThat(cache.take("other.test")).isNull();
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(cache.take("d.test")).isSameAs(s);
        assertThat(cache.take("d.test")).isNull(); // taken: no longer idle
    }

    @Test
    void aSessionIdleTooLongIsNotTaken() throws IOException {
        cache.park("d.test", session(1));
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(cache.take("d.test")).isNull();
        assertThat(cache.idleCount("d.test")).isZero();
    }

    @Test
    void theSweepClosesExpiredSessions() throws IOException {
        cache.park("d.test", session(1));
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        cache.sweep();
        assertThat(cache.idleCount("d.test")).isZero();
    }

    @Test
    void boundsMessagesPerConnectionAndIdleSessionsPerDestination() throws IOException {
        cache.park("d.test", session(3)); // carried the maximum: closed, not parked
        assertThat(cache.idleCount("d.test")).isZero();
        cache.park("d.test", session(1));
        cache.park("d.test", session(1));
        cache.park("d.test", session(1)); // a third idle one is one too many
        assertThat(cache.idleCount("d.test")).isEqualTo(2);
    }

    @Test
    void nothingIsParkedAfterClose() throws IOException {
        cache.park("d.test", session(1));
        accepted.get(0).close(); // the peer answers QUIT with end of file: close does not wait
        cache.close();
        assertThat(cache.idleCount("d.test")).isZero();
        cache.park("d.test", session(1));
        assertThat(cache.take("d.test")).isNull();
    }
}
