package dev.tern.smtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A tarpit peer: {@code 220-} and then one byte at a time, each well within the time-out. The time-out bounds the
 * whole reply (RFC 5321 4.5.3.2), so the greeting fails once it is spent, however often a byte arrives.
 */
class SmtpClientReplyTimeoutTest {

    @Test
    void aReplyDrippedByteByByteFailsWhenTheWholeReplyIsLate() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    OutputStream o = s.getOutputStream();
                    o.write("220-".getBytes(StandardCharsets.US_ASCII));
                    o.flush();
                    // one byte every 100 ms, for up to 30 s: each read returns long before the time-out
                    for (int i = 0; i < 300 && !stop.await(100, TimeUnit.MILLISECONDS); i++) {
                        o.write('x');
                        o.flush();
                    }
                } catch (Exception e) {
                    // the client gave up and closed
                }
            });
            Duration t = Duration.ofMillis(700);
            SmtpClient c = SmtpClient.connect((InetSocketAddress) server.getLocalSocketAddress(), "tarpit.test",
                    new SmtpClient.Timeouts(Duration.ofSeconds(5), t, t, t, t, t, t));
            try {
                assertThatThrownBy(c::greeting)
                        .isInstanceOf(SocketTimeoutException.class)
                        .hasMessageContaining("no complete reply within 700 ms");
            } finally {
                c.close();
                stop.countDown();
                peer.join(Duration.ofSeconds(10));
            }
            assertThat(peer.isAlive()).isFalse();
        }
    }

    @Test
    void aSlowButCompleteReplyWithinTheLimitIsRead() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    OutputStream o = s.getOutputStream();
                    for (byte b : "220-slow.test\r\n220 ESMTP\r\n".getBytes(StandardCharsets.US_ASCII)) {
                        o.write(b);
                        o.flush();
                    }
                    s.getInputStream().read(); // until the client closes
                } catch (Exception e) {
                    // closed
                }
            });
            Duration t = Duration.ofSeconds(10);
            try (SmtpClient c = SmtpClient.connect((InetSocketAddress) server.getLocalSocketAddress(), "slow.test",
                    new SmtpClient.Timeouts(t, t, t, t, t, t, t))) {
                assertThat(c.greeting().code()).isEqualTo(220);
            }
            peer.join(Duration.ofSeconds(10));
        }
    }
}
