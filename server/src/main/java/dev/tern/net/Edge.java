package dev.tern.net;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * What every connection type (SMTP, POP3, IMAP) does at its edge the same way: refuse a connection before
 * anything else happens, send a last reply that may fail, close without caring. Each returns the failure, if
 * any, for the caller to log; none throws.
 */
public final class Edge {
    private Edge() {
    }

    /**
     * Writes {@code reply} (null: nothing, e.g. on an implicit-TLS port, where the client expects a handshake
     * and plain text would only make it report a protocol error) to a just-accepted socket, then closes it.
     */
    public static IOException refuse(Socket socket, byte[] reply) {
        try (socket) {
            if (reply != null) {
                socket.getOutputStream().write(reply);
                socket.getOutputStream().flush();
            }
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** Writes and flushes {@code reply} if there is a stream to write to. */
    public static IOException trySend(OutputStream out, byte[] reply) {
        if (out == null) {
            return null;
        }
        try {
            out.write(reply);
            out.flush();
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** Closes {@code c}. */
    public static IOException close(Closeable c) {
        try {
            c.close();
            return null;
        } catch (IOException e) {
            return e;
        }
    }
}
