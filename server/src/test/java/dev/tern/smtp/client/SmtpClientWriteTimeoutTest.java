package dev.tern.smtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A peer that says 354 and then never reads: the send must fail after the data-block timeout, not hang. */
class SmtpClientWriteTimeoutTest {

    @Test
    void aPeerThatStopsReadingEndsTheSendAfterTheDataBlockTimeout() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    s.setReceiveBufferSize(4096);
                    OutputStream o = s.getOutputStream();
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.US_ASCII));
                    o.write("220 stall.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    o.flush();
                    for (String reply : List.of("250 stall.test", "250 2.1.0 Ok", "250 2.1.5 Ok",
                            "354 go ahead")) {
                        r.readLine();
                        o.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        o.flush();
                    }
                    done.await(30, TimeUnit.SECONDS); // and read nothing more
                } catch (Exception e) {
                    // the client closed
                }
            });
            Duration t = Duration.ofSeconds(5);
            Duration block = Duration.ofMillis(500);
            SmtpClient c = SmtpClient.connect((InetSocketAddress) server.getLocalSocketAddress(), "stall.test",
                    new SmtpClient.Timeouts(t, t, t, t, t, block, t));
            try {
                c.greeting();
                c.hello("a.test");
                InputStream huge = new InputStream() { // 256 MiB of "x...x\r\n", far beyond any socket buffer
                    long left = 256L << 20;

                    @Override
                    public int read() {
                        if (left-- <= 0) {
                            return -1;
                        }
                        return left % 80 == 1 ? '\r' : left % 80 == 0 ? '\n' : 'x';
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (left <= 0) {
                            return -1;
                        }
                        int n = (int) Math.min(len, left);
                        for (int i = 0; i < n; i++) {
                            b[off + i] = (byte) read();
                        }
                        return n;
                    }
                };
                long start = System.nanoTime();
                assertThatThrownBy(() -> c.send("MAIL FROM:<a@a.test>", List.of("RCPT TO:<b@stall.test>"), huge))
                        .isInstanceOf(SocketTimeoutException.class)
                        .hasMessageContaining("read nothing");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            } finally {
                c.close();
                done.countDown();
                peer.join(5000);
            }
        }
    }
}
