package dev.tern.imap;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Reads the arguments of one command: the text of its lines and the literals between them (literal i comes after
 * line i, whose text ends with the literal's {@code {n}}). One token at a time, by the RFC 9051 grammar; every
 * error is a {@link Bad} with the text the client will see.
 */
final class Args {

    /** A grammar error; the parser turns it into a tagged BAD. */
    static final class Bad extends Exception {
        Bad(String text) {
            super(text, null, false, false);
        }
    }

    private final List<byte[]> lines;
    private final List<Literal> literals;
    private int line;
    private int pos;

    Args(List<byte[]> lines, List<Literal> literals) {
        this.lines = lines;
        this.literals = literals;
    }

    private byte[] cur() {
        return lines.get(line);
    }

    /** The next octet of the current line, or -1 at its end (where a literal or the command's end follows). */
    int peek() {
        return pos < cur().length ? cur()[pos] & 0xff : -1;
    }

    boolean atEnd() {
        return line == lines.size() - 1 && pos >= cur().length;
    }

    boolean peekIs(char c) {
        return peek() == c;
    }

    void expect(char c) throws Bad {
        if (peek() != c) {
            throw new Bad(c == ' ' ? "Missing space or argument" : "Expected '" + c + "'");
        }
        pos++;
    }

    boolean accept(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** Consumes {@code word} (any case) when it comes next and is followed by a space, {@code )} or the end. */
    boolean acceptWord(String word) {
        byte[] b = cur();
        int end = pos + word.length();
        if (end > b.length || !new String(b, pos, word.length(), StandardCharsets.US_ASCII).equalsIgnoreCase(word)) {
            return false;
        }
        if (end < b.length && b[end] != ' ' && b[end] != ')') {
            return false;
        }
        pos = end;
        return true;
    }

    /** Consumes a {@code .} when a digit follows it (the dot between part numbers). */
    boolean acceptDotDigit() {
        byte[] b = cur();
        if (pos + 1 < b.length && b[pos] == '.' && b[pos + 1] >= '0' && b[pos + 1] <= '9') {
            pos++;
            return true;
        }
        return false;
    }

    void sp() throws Bad {
        expect(' ');
    }

    void end() throws Bad {
        if (!atEnd()) {
            throw new Bad("Unexpected text after the arguments");
        }
    }

    static boolean atomChar(int c) {
        return c > 0x20 && c < 0x7f && "(){%*\"\\]".indexOf(c) < 0;
    }

    /** An atom: one or more ATOM-CHARs. */
    String atom() throws Bad {
        return chars(Args::atomChar, "atom");
    }

    /** Chars matching {@code ok}, at least one. */
    String chars(java.util.function.IntPredicate ok, String what) throws Bad {
        int start = pos;
        while (pos < cur().length && ok.test(cur()[pos] & 0xff)) {
            pos++;
        }
        if (pos == start) {
            throw new Bad("Expected " + what);
        }
        return new String(cur(), start, pos - start, StandardCharsets.US_ASCII);
    }

    /** An atom upper-cased, for keywords. */
    String keyword() throws Bad {
        return chars(c -> atomChar(c) && c != '[' && c != '<', "a keyword").toUpperCase(Locale.ROOT);
    }

    long number() throws Bad {
        String digits = chars(c -> c >= '0' && c <= '9', "a number");
        if (digits.length() > 10 || Long.parseLong(digits) > SequenceSet.MAX) {
            throw new Bad("Number too large: " + digits);
        }
        return Long.parseLong(digits);
    }

    long nzNumber() throws Bad {
        long n = number();
        if (n == 0) {
            throw new Bad("Number must not be 0");
        }
        return n;
    }

    /** A quoted string or a literal, as octets. */
    byte[] string() throws Bad {
        if (peek() == '"') {
            return quoted();
        }
        if (peek() == '{') {
            return literal().inMemory().orElseThrow(() -> new Bad("Literal too long here"));
        }
        throw new Bad("Expected a string");
    }

    private byte[] quoted() throws Bad {
        pos++;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int c = peek();
            if (c < 0) {
                throw new Bad("Unterminated quoted string");
            }
            pos++;
            if (c == '"') {
                return out.toByteArray();
            }
            if (c == '\\') {
                int e = peek();
                if (e != '"' && e != '\\') {
                    throw new Bad("Only \\\" and \\\\ may be escaped in a quoted string");
                }
                pos++;
                c = e;
            } else if (c == 0) {
                throw new Bad("NUL in a quoted string");
            }
            out.write(c);
        }
    }

    /** A literal marker at the end of this line, and the literal after it; moves on to the next line. */
    Literal literal() throws Bad {
        int start = pos;
        pos++;
        while (pos < cur().length && cur()[pos] != '}') {
            pos++;
        }
        if (pos != cur().length - 1 || line >= literals.size()) {
            pos = start;
            throw new Bad("Bad literal marker");
        }
        Literal lit = literals.get(line);
        line++;
        pos = 0;
        return lit;
    }

    /** An astring: ASTRING-CHARs (atom chars and {@code ]}) or a string. */
    byte[] astring() throws Bad {
        int c = peek();
        if (c == '"' || c == '{') {
            return string();
        }
        return chars(x -> atomChar(x) || x == ']', "an atom or string").getBytes(StandardCharsets.US_ASCII);
    }

    /** An astring as strict UTF-8 text. */
    String astringText() throws Bad {
        return utf8(astring());
    }

    /** A list-mailbox: list-chars (atom chars, {@code %}, {@code *}, {@code ]}) or a string. */
    byte[] listMailbox() throws Bad {
        int c = peek();
        if (c == '"' || c == '{') {
            return string();
        }
        return chars(x -> atomChar(x) || x == '%' || x == '*' || x == ']', "a mailbox pattern")
                .getBytes(StandardCharsets.US_ASCII);
    }

    static String utf8(byte[] b) throws Bad {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new Bad("Not valid UTF-8");
        }
    }

    /** A sequence set, or {@code $}. */
    SequenceSet sequenceSet() throws Bad {
        if (accept('$')) {
            return SequenceSet.savedResult();
        }
        List<SequenceSet.Range> ranges = new java.util.ArrayList<>();
        do {
            long a = seqNumber();
            long b = accept(':') ? seqNumber() : a;
            ranges.add(new SequenceSet.Range(a, b));
        } while (accept(','));
        return new SequenceSet(ranges, false);
    }

    private long seqNumber() throws Bad {
        if (accept('*')) {
            return SequenceSet.STAR;
        }
        int c = peek();
        if (c < '0' || c > '9') {
            throw new Bad("Invalid sequence set");
        }
        String digits = chars(x -> x >= '0' && x <= '9', "a number");
        if (digits.length() > 10 || Long.parseLong(digits) > SequenceSet.MAX) {
            throw new Bad("Invalid sequence set: " + digits + " is over 4294967295");
        }
        long n = Long.parseLong(digits);
        if (n == 0) {
            throw new Bad("Invalid sequence set: 0 is not a message number");
        }
        return n;
    }

    /** A flag: {@code \Name} or a keyword atom. */
    String flag() throws Bad {
        if (accept('\\')) {
            return "\\" + atom();
        }
        return atom();
    }

    /** {@code (flag *(SP flag))}, possibly empty. */
    List<String> flagList() throws Bad {
        expect('(');
        List<String> flags = new java.util.ArrayList<>();
        while (!accept(')')) {
            if (!flags.isEmpty()) {
                sp();
            }
            flags.add(flag());
        }
        return flags;
    }
}
