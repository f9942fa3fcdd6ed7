package dev.tern.imap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes one response (RFC 9051 section 7): untagged ({@code *}), tagged, or a continuation ({@code +}), item by
 * item, with the spaces between items put in by itself. Strings go out as an atom, a quoted string or a literal as
 * their content needs: a literal for CR, LF, NUL, for 8-bit octets unless the client enabled UTF-8, and for long
 * strings; {@code literal8} ({@code ~{n}}) for BINARY content with NUL (RFC 3516). Message content is not copied
 * in: {@link #literal(long, Output.Opener, boolean)} leaves it to be streamed when the response is written
 * ({@link #outputs()}). One writer per response; FETCH's stream writes many into one {@link Octets} ({@link
 * #untagged(boolean, Octets)}).
 */
public final class ResponseWriter {

    /** The status of a tagged response or an untagged status response. */
    public enum Status { OK, NO, BAD, PREAUTH, BYE }

    /** Strings longer than this are sent as literals (quoted strings are for short text). */
    static final int MAX_QUOTED = 1024;

    private final Octets out;
    /** What comes before {@link #out}: octets and streamed literals, when the response has any. */
    private final List<Output> pieces = new ArrayList<>();
    private final boolean utf8;
    private boolean needSpace;

    private ResponseWriter(String start, boolean utf8) {
        this(start, utf8, new Octets(256));
    }

    private ResponseWriter(String start, boolean utf8, Octets out) {
        this.utf8 = utf8;
        this.out = out;
        ascii(start);
        needSpace = true;
    }

    /**
     * An untagged response, {@code * …}.
     *
     * @param utf8 the client enabled IMAP4rev2 or UTF8=ACCEPT: UTF-8 text may be quoted
     */
    public static ResponseWriter untagged(boolean utf8) {
        return new ResponseWriter("*", utf8);
    }

    /**
     * An untagged response written after what {@code into} holds already (FETCH's stream); ended by {@link #end()},
     * never by {@link #outputs()}, and without streamed literals.
     */
    static ResponseWriter untagged(boolean utf8, Octets into) {
        return new ResponseWriter("*", utf8, into);
    }

    /** Ends a response made by {@link #untagged(boolean, Octets)}: its CRLF. */
    void end() {
        if (!pieces.isEmpty()) {
            throw new IllegalStateException("a streamed literal in a response written into shared octets");
        }
        out.write('\r');
        out.write('\n');
    }

    /** A part of a response with nothing before it (for tests and for values built on their own). */
    public static ResponseWriter fragment(boolean utf8) {
        ResponseWriter w = new ResponseWriter("", utf8);
        w.needSpace = false;
        return w;
    }

    /** A whole status response: {@code tag OK [CODE] text} (tag {@code *} for an untagged one). */
    public static byte[] status(String tag, Status status, ResponseCode code, String text) {
        ResponseWriter w = new ResponseWriter(tag, true);
        w.atom(status.name());
        if (code != null) {
            w.atom("[" + code.text() + "]");
        }
        if (!text.isEmpty()) {
            w.atom(text.replace('\r', ' ').replace('\n', ' '));
        }
        return w.bytes();
    }

    /** A continuation request: {@code + text}. */
    public static byte[] continuation(String text) {
        return ("+ " + text + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private void space() {
        if (needSpace) {
            out.write(' ');
        }
        needSpace = true;
    }

    private void ascii(String s) {
        out.text(s);
    }

    /** An atom or other text written as it is (a number, a flag, {@code FETCH}). */
    public ResponseWriter atom(String atom) {
        space();
        ascii(atom);
        return this;
    }

    public ResponseWriter number(long n) {
        space();
        out.number(n);
        return this;
    }

    public ResponseWriter nil() {
        return atom("NIL");
    }

    /** The next item follows the last one with no space (lists of bodies and of addresses, RFC 9051 9). */
    public ResponseWriter joined() {
        needSpace = false;
        return this;
    }

    /** {@code (} — the items that follow go inside until {@link #close()}. */
    public ResponseWriter open() {
        space();
        out.write('(');
        needSpace = false;
        return this;
    }

    public ResponseWriter close() {
        out.write(')');
        needSpace = true;
        return this;
    }

    /** A string (quoted or literal), or NIL for null. */
    public ResponseWriter nstring(String s) {
        return s == null ? nil() : string(s.getBytes(StandardCharsets.UTF_8));
    }

    public ResponseWriter string(String s) {
        return string(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A string: quoted when it can be, else a literal. */
    public ResponseWriter string(byte[] b) {
        return string(b, 0, b.length);
    }

    /** A string of the {@code len} octets of {@code b} from {@code off}: quoted when it can be, else a literal. */
    public ResponseWriter string(byte[] b, int off, int len) {
        space();
        int end = off + len;
        if (plain(b, off, end)) { // the common case in one pass: quoted as it is
            out.write('"');
            out.write(b, off, len);
            out.write('"');
        } else if (quotable(b, off, end)) {
            out.write('"');
            int from = off; // written in runs between the octets to escape, not octet by octet (FETCH ENVELOPE's profile)
            for (int k = off; k < end; k++) {
                if (b[k] == '"' || b[k] == '\\') {
                    out.write(b, from, k - from);
                    out.write('\\');
                    from = k;
                }
            }
            out.write(b, from, end - from);
            out.write('"');
        } else {
            ascii("{" + len + "}\r\n");
            out.write(b, off, len);
        }
        return this;
    }

    /** An astring: an atom when every octet may be in one, else a string (mailbox names, flags in LIST). */
    public ResponseWriter astring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        boolean atom = b.length > 0 && b.length <= MAX_QUOTED;
        for (byte x : b) {
            atom &= Args.atomChar(x & 0xff) || x == ']';
        }
        return atom ? atom(s) : string(b);
    }

    /** Always a literal (message content in FETCH). */
    public ResponseWriter literal(byte[] b) {
        space();
        literalBytes(b, false);
        return this;
    }

    /** BINARY content: a literal, {@code literal8} when it holds NUL. */
    public ResponseWriter binary(byte[] b) {
        space();
        boolean nul = false;
        for (byte x : b) {
            nul |= x == 0;
        }
        literalBytes(b, nul);
        return this;
    }

    /**
     * A literal of {@code size} octets whose content is read through {@code content} only when the response is
     * written ({@code ~{n}}, literal8, when {@code literal8}): message content in FETCH.
     */
    public ResponseWriter literal(long size, Output.Opener content, boolean literal8) {
        space();
        ascii((literal8 ? "~{" : "{") + size + "}\r\n");
        pieces.add(new Output.Octets(out.toByteArray()));
        out.reset();
        pieces.add(new Output.Content(size, content));
        return this;
    }

    private void literalBytes(byte[] b, boolean literal8) {
        ascii((literal8 ? "~{" : "{") + b.length + "}\r\n");
        out.write(b, 0, b.length);
    }

    /** Whether a string can be quoted as it is: short, US-ASCII without controls, {@code "} or {@code \\}. */
    private static boolean plain(byte[] b, int from, int to) {
        if (to - from > MAX_QUOTED) {
            return false;
        }
        for (int k = from; k < to; k++) {
            byte c = b[k];
            if (c < 0x20 || c == '"' || c == '\\') { // 8-bit octets are negative
                return false;
            }
        }
        return true;
    }

    private boolean quotable(byte[] b, int from, int to) {
        if (to - from > MAX_QUOTED) {
            return false;
        }
        boolean ascii = true;
        for (int k = from; k < to; k++) {
            int c = b[k] & 0xff;
            if (c == 0 || c == '\r' || c == '\n' || (c >= 0x80 && !utf8)) {
                return false;
            }
            ascii &= c < 0x80;
        }
        return ascii || validUtf8(b, from, to);
    }

    /** The response, ended with CRLF, as pieces to write in order (streamed literals among them). */
    public List<Output> outputs() {
        if (pieces.isEmpty()) {
            return List.of(new Output.Octets(crlfEnded())); // FETCH without a literal: one array, no list to grow
        }
        List<Output> all = new ArrayList<>(pieces);
        all.add(new Output.Octets(crlfEnded()));
        return all;
    }

    /** The response so far, ended with CRLF; only for a response without a streamed literal. */
    public byte[] bytes() {
        if (!pieces.isEmpty()) {
            throw new IllegalStateException("the response has a streamed literal: use outputs()");
        }
        return crlfEnded();
    }

    private byte[] crlfEnded() {
        return out.crlfEnded();
    }

    /**
     * A growing array of octets: what a {@code java.io.ByteArrayOutputStream} does without its lock on every write (a FETCH
     * response is some forty writes), and with text and numbers written without a String's array in between.
     */
    static final class Octets {
        private byte[] buf;
        private int count;

        Octets(int size) {
            buf = new byte[size];
        }

        int size() {
            return count;
        }

        void write(int b) {
            if (count == buf.length) {
                grow(1);
            }
            buf[count++] = (byte) b;
        }

        void write(byte[] b, int off, int len) {
            if (buf.length - count < len) {
                grow(len);
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        /** Text as UTF-8 (atoms and the like are ASCII: one octet per char, no array made). */
        void text(String s) {
            int n = s.length();
            if (buf.length - count < n) {
                grow(n);
            }
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    byte[] b = s.substring(i).getBytes(StandardCharsets.UTF_8);
                    write(b, 0, b.length);
                    return;
                }
                buf[count++] = (byte) c;
            }
        }

        /** A number in decimal. */
        void number(long n) {
            if (n < 0 || n >= 1_000_000_000_000_000_000L) {
                text(Long.toString(n));
                return;
            }
            int digits = 1;
            for (long x = n; x >= 10; x /= 10) {
                digits++;
            }
            if (buf.length - count < digits) {
                grow(digits);
            }
            for (int k = count + digits - 1; k >= count; k--) {
                buf[k] = (byte) ('0' + n % 10);
                n /= 10;
            }
            count += digits;
        }

        private void grow(int more) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
        }

        /** Back to {@code size} octets (what was written after is dropped). */
        void truncate(int size) {
            count = size;
        }

        void reset() {
            count = 0;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }

        void writeTo(OutputStream to) throws IOException {
            to.write(buf, 0, count);
        }

        /** The octets written and a CRLF, in one copy. */
        byte[] crlfEnded() {
            byte[] line = Arrays.copyOf(buf, count + 2);
            line[count] = '\r';
            line[count + 1] = '\n';
            return line;
        }
    }

    /** The octets since the last streamed literal (all of them when there is none), without a CRLF. */
    public byte[] bytesSoFar() {
        return out.toByteArray();
    }

    /** Strict UTF-8 validity (quoted strings of a UTF-8 client must hold valid UTF-8). */
    private static boolean validUtf8(byte[] b, int from, int to) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
