package dev.tern.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 hash of a message body in simple or relaxed canonical form (RFC 6376 3.4.3, 3.4.4), computed as
 * the body streams by: {@link #update} takes the body (CRLF line ends, dot-unstuffed) in chunks of any size
 * and cut anywhere, in constant memory; {@link #digest} ends it. Empty lines at the end count only once a
 * later line proves they are not at the end (a count, never a buffer); in relaxed form a run of whitespace is
 * one pending flag, written as one space only when a non-blank octet follows on the same line. A CR not
 * followed by LF and a lone LF are ordinary octets. No {@code l=}: the whole body is hashed.
 */
public final class BodyHasher {
    private final boolean relaxed;
    private final MessageDigest sha256;
    private final byte[] out = new byte[8192];
    private int n;
    private boolean pendingCr;
    private boolean pendingSpace;
    private long pendingCrlf;
    private boolean content;
    private long length;

    public BodyHasher(Canonicalization canonicalization) {
        this.relaxed = canonicalization == Canonicalization.RELAXED;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public void update(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (pendingCr) {
                pendingCr = false;
                if (c == '\n') {
                    pendingSpace = false; // whitespace at the end of a line is dropped (relaxed)
                    pendingCrlf++;
                    continue;
                }
                octet((byte) '\r');
            }
            if (c == '\r') {
                pendingCr = true;
            } else if (relaxed && (c == ' ' || c == '\t')) {
                pendingSpace = true;
            } else {
                octet(c);
            }
        }
    }

    public void update(byte[] b) {
        update(b, 0, b.length);
    }

    /** Ends the body and returns its hash; the hasher is spent afterwards. */
    public byte[] digest() {
        if (pendingCr) {
            pendingCr = false;
            octet((byte) '\r');
        }
        if (content || !relaxed) {
            put((byte) '\r'); // the last line's end; simple: an empty body is one CRLF
            put((byte) '\n');
        }
        flush();
        return sha256.digest();
    }

    /** Octets of canonical body hashed so far (after {@link #digest}: all of them). */
    public long canonicalLength() {
        return length + n;
    }

    private void octet(byte c) {
        for (; pendingCrlf > 0; pendingCrlf--) {
            put((byte) '\r');
            put((byte) '\n');
        }
        if (pendingSpace) {
            pendingSpace = false;
            put((byte) ' ');
        }
        put(c);
        content = true;
    }

    private void put(byte c) {
        if (n == out.length) {
            flush();
        }
        out[n++] = c;
    }

    private void flush() {
        sha256.update(out, 0, n);
        length += n;
        n = 0;
    }
}
