package dev.tern.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** At most a given number of octets of a stream: a part of a file (a message inside a spool slot, a section). */
public final class BoundedInput extends FilterInputStream {
    private long left;

    /** The next {@code left} octets of {@code in} (fewer when it ends first); closing this closes {@code in}. */
    public BoundedInput(InputStream in, long left) {
        super(in);
        this.left = Math.max(0, left);
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) {
            return -1;
        }
        int b = super.read();
        if (b >= 0) {
            left--;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            return len == 0 ? 0 : -1;
        }
        int n = super.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
            left -= n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long k = super.skip(Math.min(n, left));
        left -= k;
        return k;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(super.available(), left);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
