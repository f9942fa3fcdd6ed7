package dev.tern.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The watchdog over a real loopback connection: a peer that stops reading is cut; an idle one never is. */
class WriteWatchdogTest {

    @Test
    void aWriteThePeerNeverReadsFailsAsATimeOut() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket peer = server.accept()) { // reads nothing
            WriteWatchdog w = new WriteWatchdog(client.getOutputStream(), client, Duration.ofMillis(300));
            byte[] block = new byte[64 * 1024];
            long start = System.nanoTime();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 16 * 1024; i++) { // 1 GB at most: far more than any socket buffer
                    w.write(block, 0, block.length);
                }
            }).isInstanceOf(SocketTimeoutException.class);
            assertThat(w.fired()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(client.isClosed()).isTrue();
        }
    }

    @Test
    void writesThatCompleteLeaveTheConnectionAloneHoweverLongItIsIdleAfter() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            WriteWatchdog w = new WriteWatchdog(client.getOutputStream(), client, Duration.ofMillis(100));
            InputStream in = peer.getInputStream();
            for (int i = 0; i < 3; i++) {
                w.write("250 OK\r\n".getBytes(), 0, 8);
                assertThat(in.readNBytes(8)).hasSize(8);
            }
            assertThat(w.stalled()).isFalse();
            // several sweeps and time-outs pass with no write under way
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !w.fired());
            w.write("221 Bye\r\n".getBytes(), 0, 9);
            assertThat(in.readNBytes(9)).hasSize(9);
            assertThat(client.isClosed()).isFalse();
        }
    }
}
