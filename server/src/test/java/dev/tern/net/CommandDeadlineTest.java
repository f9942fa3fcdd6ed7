package dev.tern.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The command deadline over a real loopback connection, read on a virtual thread as the servers do: a silent
 * client and a dripping one are cut (a time-out, with the output still open for the 421); bytes that come in
 * time are read; an input shut down by someone else (a shutdown) is the end of the stream, not a time-out.
 */
class CommandDeadlineTest {

    /** Runs {@code task} on a virtual thread; its result, or what it threw. */
    private static <T> T onVirtualThread(Callable<T> task) throws Exception {
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                return vt.submit(task).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }
    }

    @Test
    void aSilentClientIsCutAfterThePerReadTimeAndCanStillBeTold() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket conn = server.accept()) {
            CommandDeadline in = new CommandDeadline(conn.getInputStream(), conn, Duration.ofMillis(300));
            long start = System.nanoTime();
            assertThatThrownBy(() -> onVirtualThread(() -> in.read(new byte[16], 0, 16)))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class); // and stays cut
            conn.getOutputStream().write("421 Timeout\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(client.getInputStream().readNBytes(13), StandardCharsets.US_ASCII))
                    .isEqualTo("421 Timeout\r\n");
        }
    }

    @Test
    void aClientDrippingACommandIsCutAtTheCommandsDeadline() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket conn = server.accept()) {
            CommandDeadline in = new CommandDeadline(conn.getInputStream(), conn, Duration.ofSeconds(30));
            OutputStream drip = client.getOutputStream();
            Thread dripper = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) { // 20 s at most: far past the deadline
                        drip.write('N');
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    // the connection is gone: done
                }
            });
            in.start(Duration.ofMillis(700));
            int[] read = {0};
            assertThatThrownBy(() -> onVirtualThread(() -> {
                while (in.read() >= 0) {
                    read[0]++;
                }
                return null;
            })).isInstanceOf(SocketTimeoutException.class);
            assertThat(read[0]).isBetween(1, 100); // each byte came well within the 30 s per read
            client.close();
            dripper.join(Duration.ofSeconds(30));
        }
    }

    @Test
    void bytesThatComeInTimeAreReadAndTheConnectionIsLeftAlone() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket conn = server.accept()) {
            CommandDeadline in = new CommandDeadline(conn.getInputStream(), conn, Duration.ofMillis(200));
            OutputStream out = client.getOutputStream();
            for (int i = 0; i < 5; i++) {
                in.start(Duration.ofMillis(200));
                out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] line = onVirtualThread(() -> in.readNBytes(6));
                assertThat(new String(line, StandardCharsets.US_ASCII)).isEqualTo("NOOP\r\n");
                in.clear();
                Thread.sleep(150); // idle between commands, not reading: nothing to cut (the pace of the test)
            }
            out.write('Q');
            int q = onVirtualThread(in::read);
            assertThat(q).isEqualTo('Q');
            assertThat(conn.getSoTimeout()).isZero(); // a plain socket is read without a time-out of its own
        }
    }

    @Test
    void anInputShutDownElsewhereIsTheEndOfTheStream() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket conn = server.accept()) {
            CommandDeadline in = new CommandDeadline(conn.getInputStream(), conn, Duration.ofSeconds(30));
            try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
                var read = vt.submit(() -> in.read()); // blocked or not yet: the end of the stream either way
                conn.shutdownInput();
                assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
            }
        }
    }

    @Test
    void aCommandPastItsDeadlineFailsBeforeReading() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket conn = server.accept()) {
            CommandDeadline in = new CommandDeadline(conn.getInputStream(), conn, Duration.ofSeconds(30));
            in.start(Duration.ZERO);
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
        }
    }

    /**
     * A read with minutes to go (an IMAP IDLE, a quiet SMTP session) wakes no timer while it waits: the sweep of
     * reads used to tick every {@link CommandDeadline#SWEEP} while any read was under way.
     */
    @Test
    void aReadWithMinutesToGoWakesNoTimerWhileItWaits() throws Exception {
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor(); // closed last: the read ends first
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket conn = server.accept()) {
            CommandDeadline in = new CommandDeadline(conn.getInputStream(), conn, Duration.ofMinutes(5));
            long before = WriteWatchdog.TIMER.getCompletedTaskCount();
            var read = vt.submit(() -> in.read());
            Thread.sleep(4 * CommandDeadline.SWEEP.toMillis()); // the time waited is what is tested, not a condition
            // one stray: a wake another test's read left on the timer
            assertThat(WriteWatchdog.TIMER.getCompletedTaskCount() - before).isLessThanOrEqualTo(1);
            client.getOutputStream().write('x');
            assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo('x');
        }
    }
}
