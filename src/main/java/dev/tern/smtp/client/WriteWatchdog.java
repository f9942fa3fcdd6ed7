package dev.tern.smtp.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bounds every write to the peer: a socket has read timeouts but no write timeout, so a peer that stops reading
 * would stall a send forever once the TCP buffers are full. Each write to the socket arms a timer that closes the
 * socket after {@code timeout} (RFC 5321 4.5.3.2.5: the data block timeout, per block sent); the stalled write
 * then fails, and is reported as a time-out.
 */
final class WriteWatchdog extends FilterOutputStream {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Socket socket;
    private volatile Duration timeout;
    private volatile boolean fired;

    WriteWatchdog(OutputStream raw, Socket socket, Duration timeout) {
        super(raw);
        this.socket = socket;
        this.timeout = timeout;
    }

    void timeout(Duration d) {
        timeout = d;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Duration t = timeout;
        ScheduledFuture<?> alarm = TIMER.schedule(this::fire, Math.max(1, t.toMillis()), TimeUnit.MILLISECONDS);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            if (fired) {
                throw new SocketTimeoutException("the peer read nothing of what we sent for " + t.toMillis() + " ms");
            }
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }

    private void fire() {
        fired = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("smtp-write-watchdog").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
