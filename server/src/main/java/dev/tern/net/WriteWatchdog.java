package dev.tern.net;

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
 * then fails, and is reported as a time-out. Used by the outbound SMTP client and by every inbound connection
 * (SMTP, POP3), whose clients may stop reading too.
 */
public final class WriteWatchdog extends FilterOutputStream {
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Socket socket;
    private volatile Duration timeout;
    private volatile boolean fired;
    /** A write under way for this long counts as stalled: the peer is not reading. */
    private static final long STALLED_NANOS = Duration.ofSeconds(1).toNanos();

    /** System.nanoTime() when the write under way began; 0 when none is (shutdown closes stalled connections). */
    private volatile long writingSince;

    /**
     * @param raw     the stream to write to (a socket's, or a TLS socket's over it)
     * @param socket  what to close when a write makes no progress: the accepted (plain) socket
     */
    public WriteWatchdog(OutputStream raw, Socket socket, Duration timeout) {
        super(raw);
        this.socket = socket;
        this.timeout = timeout;
    }

    public void timeout(Duration d) {
        timeout = d;
    }

    /** True when a write has been under way for a second or more: the peer is not reading what we send. */
    public boolean stalled() {
        long since = writingSince;
        return since != 0 && System.nanoTime() - since >= STALLED_NANOS;
    }

    /** True once a write made no progress within the time-out and the socket was closed. */
    public boolean fired() {
        return fired;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Duration t = timeout;
        ScheduledFuture<?> alarm = TIMER.schedule(this::fire, Math.max(1, t.toMillis()), TimeUnit.MILLISECONDS);
        long now = System.nanoTime();
        writingSince = now == 0 ? 1 : now;
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            if (fired) {
                throw new SocketTimeoutException("the peer read nothing of what we sent for " + t.toMillis() + " ms");
            }
            throw e;
        } finally {
            writingSince = 0;
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
                Thread.ofPlatform().daemon().name("write-watchdog").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }
}
