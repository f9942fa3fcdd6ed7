package dev.tern.net;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Bounds how long a client may take over one whole command, not only each read: a socket's read timeout
 * starts again with every byte, so a client dripping one byte every few seconds would hold its connection
 * forever. While a deadline is set ({@link #start}), each read waits at most until it, and a read past it
 * fails with a {@link SocketTimeoutException}; without one ({@link #clear}, e.g. while message content
 * streams in) each read waits at most {@code perRead}.
 */
public final class CommandDeadline extends FilterInputStream {
    private final Socket socket;
    private final int perReadMillis;
    /** System.nanoTime() by which the current command must be complete; 0 for none. */
    private long deadline;

    /**
     * @param in      the stream to read (the socket's, or a TLS socket's over it)
     * @param socket  the socket whose read timeout is set before each read (the TLS one when there is one)
     * @param perRead the longest wait for one read
     */
    public CommandDeadline(InputStream in, Socket socket, Duration perRead) {
        super(in);
        this.socket = socket;
        this.perReadMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, perRead.toMillis()));
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

    private void arm() throws IOException {
        int wait = perReadMillis;
        if (deadline != 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("command not complete within its time");
            }
            wait = (int) Math.min(wait, Math.max(1, (left + 999_999) / 1_000_000));
        }
        socket.setSoTimeout(wait);
    }

    @Override
    public int read() throws IOException {
        arm();
        return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        return in.read(b, off, len);
    }
}
