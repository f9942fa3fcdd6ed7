package dev.tern.net;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds every write to the peer: a socket has read timeouts but no write timeout, so a peer that stops reading
 * would stall a send forever once the TCP buffers are full. A write that has been under way for {@code timeout}
 * gets its socket closed (RFC 5321 4.5.3.2.5: the data block timeout, per block sent); the stalled write then
 * fails, and is reported as a time-out. Used by the outbound SMTP client and by every inbound connection (SMTP,
 * POP3, IMAP), whose clients may stop reading too.
 *
 * <p>A write arms nothing of its own: it notes when it began, and one timer looks every {@link #SWEEP} at the
 * watchdogs that wrote since its last look, so a write is cut between its time-out and one sweep later. A timer
 * task per write (scheduled, then cancelled) woke the timer thread for most replies: two context switches per
 * reply on a busy server, for a timer that almost never fires.
 */
public final class WriteWatchdog extends FilterOutputStream {
    /** How often writes under way are looked at while there are any. */
    static final Duration SWEEP = Duration.ofMillis(100);
    /** The one timer of the sweeps, this one's and {@link CommandDeadline}'s. */
    static final ScheduledThreadPoolExecutor TIMER = timer();
    /** The writes under way, looked at every {@link #SWEEP}. */
    private static final Sweeper SWEEPER = new Sweeper(TIMER, SWEEP);

    private final Socket socket;
    private volatile Duration timeout;
    private volatile boolean fired;
    /** A write under way for this long counts as stalled: the peer is not reading. */
    private static final long STALLED_NANOS = Duration.ofSeconds(1).toNanos();

    /** System.nanoTime() when the write under way began; 0 when none is (shutdown closes stalled connections). */
    private volatile long writingSince;
    /** True while this watchdog is in {@link #SWEEPER}. */
    private final AtomicBoolean watched = new AtomicBoolean();

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
        long now = System.nanoTime();
        writingSince = now == 0 ? 1 : now;
        watch();
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            if (fired) {
                throw new SocketTimeoutException("the peer read nothing of what we sent for "
                        + timeout.toMillis() + " ms");
            }
            throw e;
        } finally {
            writingSince = 0;
        }
    }

    /** Puts this in the next sweep, once. */
    private void watch() {
        if (!watched.get() && watched.compareAndSet(false, true)) {
            SWEEPER.add(this::stillWatched);
        }
    }

    /** At a sweep: fires when the write under way has lasted the time-out; true while it goes on. */
    private boolean stillWatched(long now) {
        long since = writingSince;
        if (since != 0) {
            if (now - since >= timeout.toNanos()) {
                fire();
                return false; // watched stays set: a closed socket is not watched again
            }
            return true;
        }
        watched.set(false);
        // a write that began after the look above saw watched set and did not add itself: keep it
        return writingSince != 0 && watched.compareAndSet(false, true);
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
        return new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("io-watchdog").factory());
    }
}
