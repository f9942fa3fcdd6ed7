package dev.tern.checks;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Passes a message's content through as it streams in, leaving out every Authentication-Results header field
 * that claims our authserv-id ({@link AuthenticationResults#claims}; RFC 8601 5), so that a sender cannot forge
 * the results Tern adds. One pass, bounded memory: an Authentication-Results field is held until it ends, at most
 * {@link #MAX_FIELD} octets (one longer than that is left out unless those octets already name another
 * authserv-id); any other field passes as soon as its name is known. After the header section everything passes
 * straight through. Call {@link #end} when the content is complete.
 */
public final class ForgedResultsFilter extends FilterOutputStream {
    /** The most octets of one Authentication-Results field held to find its authserv-id. */
    public static final int MAX_FIELD = 16 * 1024;
    private static final byte[] NAME = AuthenticationResults.NAME.toLowerCase(Locale.ROOT)
            .getBytes(StandardCharsets.US_ASCII);

    private enum State {
        /** At the start of a header line. */
        LINE_START,
        /** Reading a field name that may be Authentication-Results (held). */
        NAME,
        /** Inside a field that passes. */
        PASS,
        /** Inside an Authentication-Results field, held until it ends. */
        HOLD,
        /** Inside a field left out. */
        DROP,
        /** After the header section: everything passes. */
        BODY
    }

    private final String authservId;
    /** The field (or name) being held. */
    private final ByteArrayOutputStream held = new ByteArrayOutputStream(256);
    /** Octets that pass, written out at the end of each write. */
    private final ByteArrayOutputStream passing = new ByteArrayOutputStream(1024);
    private State state = State.LINE_START;
    /** What the current field is: PASS, HOLD or DROP (a continuation line goes the same way). */
    private State field = State.PASS;
    private int removed;
    /** Octets written to this filter, and octets it passed on: the difference was left out. */
    private long in;
    private long passed;

    /** @param authservId our authserv-id ({@code hostname}) */
    public ForgedResultsFilter(OutputStream out, String authservId) {
        super(out);
        this.authservId = authservId;
    }

    /** How many fields were left out so far. */
    public int removed() {
        return removed;
    }

    /** How many octets were left out (all within the header section); exact after {@link #end}. */
    public long removedOctets() {
        return in - passed;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        in += len;
        int end = off + len;
        int i = off;
        while (i < end && state != State.BODY) {
            step(b[i++]);
        }
        flushPassing();
        if (i < end) {
            passed += end - i;
            out.write(b, i, end - i);
        }
    }

    private void step(byte c) throws IOException {
        if (state == State.LINE_START) {
            if (c == ' ' || c == '\t') {
                state = field; // a continuation line of the field before
            } else {
                endField();
                if (c == '\r' || c == '\n') {
                    state = State.BODY; // the empty line: the header section ends
                    passing.write(c);
                    return;
                }
                state = State.NAME;
            }
        }
        switch (state) {
            case NAME -> name(c);
            case HOLD -> {
                held.write(c);
                if (held.size() > MAX_FIELD) {
                    if (namesAnother(held.toString(StandardCharsets.ISO_8859_1))) {
                        release(State.PASS);
                    } else {
                        held.reset();
                        removed++;
                        field = State.DROP;
                    }
                    state = field;
                }
            }
            case PASS -> passing.write(c);
            default -> {
                // DROP: left out
            }
        }
        if (c == '\n' && state != State.BODY) {
            state = State.LINE_START;
        }
    }

    /** One octet of a field name: "authentication-results" (any case), then optional blanks, then ':'. */
    private void name(byte c) throws IOException {
        int n = held.size();
        held.write(c);
        boolean more;
        if (n < NAME.length) {
            more = (c >= 'A' && c <= 'Z' ? c | 0x20 : c) == NAME[n];
        } else if (c == ':') {
            state = State.HOLD;
            field = State.HOLD;
            return;
        } else {
            more = (c == ' ' || c == '\t') && n < NAME.length + 16;
        }
        if (!more) {
            release(State.PASS);
        }
    }

    /** The held octets pass; the field goes on as {@code next}. */
    private void release(State next) {
        passing.writeBytes(held.toByteArray());
        held.reset();
        state = next;
        field = next;
    }

    /** At the end of a field: a held Authentication-Results field is left out when it claims our authserv-id. */
    private void endField() {
        if (field == State.HOLD) {
            if (AuthenticationResults.claims(held.toString(StandardCharsets.ISO_8859_1), authservId)) {
                removed++;
            } else {
                passing.writeBytes(held.toByteArray());
            }
            held.reset();
        }
        field = State.PASS;
    }

    /** True when the start of a (long) field already holds a whole authserv-id, and it is not ours. */
    private boolean namesAnother(String start) {
        String body = start.substring(start.indexOf(':') + 1);
        String id = AuthenticationResults.authservId(body);
        if (id == null) {
            return false;
        }
        int at = body.toLowerCase(Locale.ROOT).lastIndexOf(id);
        return at >= 0 && at + id.length() < body.length() && !id.equalsIgnoreCase(authservId);
    }

    private void flushPassing() throws IOException {
        if (passing.size() > 0) {
            passed += passing.size();
            passing.writeTo(out);
            passing.reset();
        }
    }

    /** The content is complete: a field still held is decided and written. */
    public void end() throws IOException {
        if (state == State.NAME) {
            release(State.PASS);
        }
        endField();
        state = State.BODY;
        flushPassing();
    }
}
