package dev.tern.net;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocket;

/**
 * Bounds how long a client may take over one whole command, not only each read: a socket's read timeout
 * starts again with every byte, so a client dripping one byte every few seconds would hold its connection
 * forever. While a deadline is set ({@link #start}), each read waits at most until it, and a read past it
 * fails with a {@link SocketTimeoutException}; without one ({@link #clear}, e.g. while message content
 * streams in) each read waits at most {@code perRead}.
 *
 * <p>Over a plain socket a read waits without a socket time-out: it notes when it must end, and one timer
 * ({@link WriteWatchdog}'s) wakes when the earliest read under way can be past its time (on a grid of
 * {@link #SWEEP}: never while every read has minutes to go) and shuts down the input of a socket whose read is
 * past its time, so that the read ends and fails with a {@link SocketTimeoutException}; the output stays open for
 * the 421. A read is cut between its time and one {@link #SWEEP} later. A timed read of a
 * virtual thread schedules a timer task and cancels it when data comes, waking the JDK's timer thread: several
 * futex calls per read on a busy server, for a time-out that almost never happens. Over TLS the read keeps the
 * socket's time-out: shutting the input down under a TLS socket would end its session with a fatal alert, and
 * the client could not be told why.
 */
public final class CommandDeadline extends FilterInputStream {
    /** The grid of the times reads under way over plain sockets are looked at: how late a cut may be. */
    static final Duration SWEEP = Duration.ofMillis(250);
    /** The reads under way over plain sockets, looked at when one can be past its time, on WriteWatchdog's timer. */
    private static final Sweeper SWEEPER = new Sweeper(WriteWatchdog.TIMER, SWEEP);

    private final Socket socket;
    private final int perReadMillis;
    /** False over TLS: each read then waits with the socket's own time-out. */
    private final boolean swept;
    /** System.nanoTime() by which the current command must be complete; 0 for none. */
    private long deadline;
    /** System.nanoTime() by which the read under way must end; 0 when none is under way. */
    private volatile long readUntil;
    /** True once a sweep found a read past its time and shut the input down. */
    private volatile boolean fired;
    /** True while this deadline is in {@link #SWEEPER}. */
    private final AtomicBoolean watched = new AtomicBoolean();
    /**
     * True once the socket's own time-out is 0. Whatever sets one (the connection's start, a greet pause) does it
     * before the first read through this; nothing after, so one clearing does for the connection.
     */
    private boolean untimed;

    /**
     * @param in      the stream to read (the socket's, or a TLS socket's over it)
     * @param socket  the socket read from (the TLS one when there is one): its input is shut down when a read
     *                is past its time, or its read timeout set before each read over TLS
     * @param perRead the longest wait for one read
     */
    public CommandDeadline(InputStream in, Socket socket, Duration perRead) {
        super(in);
        this.socket = socket;
        this.perReadMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, perRead.toMillis()));
        this.swept = !(socket instanceof SSLSocket);
    }

    /** The next command must be complete within {@code d} from now. */
    public void start(Duration d) {
        deadline = System.nanoTime() + d.toNanos();
        if (deadline == 0) {
            deadline = 1;
        }
    }

    /** No deadline: each read waits at most the per-read timeout. */
    public void clear() {
        deadline = 0;
    }

    /** Nanoseconds the next read may wait; throws when the command's deadline has passed. */
    private long arm() throws IOException {
        if (fired) {
            throw timedOut();
        }
        long wait = perReadMillis * 1_000_000L;
        if (deadline != 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("command not complete within its time");
            }
            wait = Math.min(wait, left);
        }
        if (swept) {
            if (!untimed) {
                socket.setSoTimeout(0);
                untimed = true;
            }
            long until = System.nanoTime() + wait;
            readUntil = until == 0 ? 1 : until;
            watch(readUntil);
        } else {
            socket.setSoTimeout((int) Math.max(1, (wait + 999_999) / 1_000_000));
        }
        return wait;
    }

    @Override
    public int read() throws IOException {
        arm();
        try {
            int b = in.read();
            if (b < 0 && fired) {
                throw timedOut();
            }
            return b;
        } catch (IOException e) {
            throw fired ? timedOut() : e;
        } finally {
            readUntil = 0;
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        try {
            int n = in.read(b, off, len);
            if (n < 0 && fired) {
                throw timedOut();
            }
            return n;
        } catch (IOException e) {
            throw fired ? timedOut() : e;
        } finally {
            readUntil = 0;
        }
    }

    private static SocketTimeoutException timedOut() {
        return new SocketTimeoutException("read not complete within its time");
    }

    /** Puts this in the sweeper, once, or tells it of the read's time when it is in already. */
    private void watch(long until) {
        if (!watched.get() && watched.compareAndSet(false, true)) {
            SWEEPER.add(this::look, until);
        } else {
            SWEEPER.due(until);
        }
    }

    /** At a sweep: fires when the read under way is past its time; else when to look again, or let go. */
    private long look(long now) {
        long until = readUntil;
        if (until != 0) {
            if (now - until >= 0) {
                fire();
                return Sweeper.DONE; // watched stays set: a socket whose input is shut is not read again
            }
            return until;
        }
        watched.set(false);
        // a read that began after the look above saw watched set and did not add itself: keep it
        until = readUntil;
        return until != 0 && watched.compareAndSet(false, true) ? until : Sweeper.DONE;
    }

    private void fire() {
        fired = true;
        try {
            socket.shutdownInput(); // the blocked read sees the end of the stream, and fails as timed out
        } catch (IOException e) {
            // closed already: the read has failed
        }
    }
}
