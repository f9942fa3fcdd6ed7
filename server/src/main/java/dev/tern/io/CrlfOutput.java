package dev.tern.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes what it is given with every bare LF made CRLF, the line end a message has in the mailbox store (what SMTP
 * delivers): a message APPENDed from a Unix file keeps its octets otherwise. A CR already before an LF stays one,
 * also when the two come in different writes; a CR alone stays as it is. Nothing is buffered.
 */
public final class CrlfOutput extends FilterOutputStream {
    private static final byte[] CRLF = {'\r', '\n'};

    /** Whether the last octet written was a CR. */
    private boolean afterCr;

    public CrlfOutput(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        int run = off; // the start of the octets not written yet
        for (int i = off; i < end; i++) {
            if (b[i] == '\n' && !(i > off ? b[i - 1] == '\r' : afterCr)) {
                out.write(b, run, i - run);
                out.write(CRLF);
                run = i + 1;
            }
        }
        out.write(b, run, end - run);
        if (len > 0) {
            afterCr = b[end - 1] == '\r';
        }
    }
}
