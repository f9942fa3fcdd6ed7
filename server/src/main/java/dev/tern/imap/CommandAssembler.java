package dev.tern.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gathers one command from the connection, line by line and literal by literal, and tells the connection what it
 * needs next, so that the connection only reads, writes and calls (RFC 9051 section 4.3, RFC 7888):
 * <ul>
 * <li>a line ending in {@code {n}} is followed by a synchronizing literal: the connection sends
 * {@code + Ready for literal data} and reads {@code n} octets;</li>
 * <li>{@code {n+}} (LITERAL+, or LITERAL- up to 4096 octets) is followed by the octets at once;</li>
 * <li>a literal over its limit is refused before the client sends it (synchronizing), or its octets are read and
 * dropped, not kept (non-synchronizing), and the command gets its tagged BAD (or NO [TOOBIG] for APPEND).</li>
 * </ul>
 * Everything it keeps is bounded: the lines and in-memory literals of a command by {@link Limits#maxCommand()}; the
 * message of an APPEND, up to {@link Limits#maxAppend()}, is handed to the connection to stream where it likes.
 * One instance per connection, used by one thread.
 */
public final class CommandAssembler {

    /**
     * @param maxLine     longest command line in octets, without CRLF (RFC 9051 asks for at least 8192)
     * @param maxCommand  all the lines and in-memory literals of one command together
     * @param maxAppend   the largest APPEND message (the server's {@code limits.max_message_size})
     * @param literalPlus true: LITERAL+ (non-synchronizing literals of any size up to the limits); false: LITERAL-
     *                    (RFC 7888: non-synchronizing literals of at most 4096 octets)
     */
    public record Limits(int maxLine, int maxCommand, long maxAppend, boolean literalPlus) {

        public static Limits defaults(long maxAppend) {
            return new Limits(8192, 65_536, maxAppend, true);
        }
    }

    /** The largest non-synchronizing literal under LITERAL- (RFC 7888 section 4). */
    public static final int LITERAL_MINUS_MAX = 4096;

    /** What the connection does next. */
    public sealed interface Step {
    }

    /** The command is whole: answer it (an error gets its tagged BAD/NO). */
    public record Done(ParseResult result) implements Step {
    }

    /**
     * Read a literal of {@code size} octets and hand it to {@link #literal}. When {@code synchronizing}, first send
     * {@code + Ready for literal data}. When {@code streamed} (an APPEND message), the connection may keep the
     * octets outside memory; else it reads them into memory ({@code size} is within the command limit).
     */
    public record NeedLiteral(long size, boolean synchronizing, boolean streamed) implements Step {
    }

    /** Read and drop {@code size} octets (a non-synchronizing literal refused), then read the next line. */
    public record Discard(long size) implements Step {
    }

    /** Send the error, then {@code * BYE} and close: the input can no longer be followed (e.g. a line too long). */
    public record Close(ParseResult.Error error) implements Step {
    }

    private final Limits limits;
    private final List<byte[]> lines = new ArrayList<>();
    private final List<Literal> literals = new ArrayList<>();
    private long held;
    private boolean append;
    /** Set when the command is refused but its remaining input must still be read through. */
    private ParseResult.Error refused;
    private boolean utf8Names;

    public CommandAssembler(Limits limits) {
        this.limits = limits;
    }

    /** Mailbox names are UTF-8 from now on (after ENABLE IMAP4rev2 or UTF8=ACCEPT). */
    public void utf8Names(boolean on) {
        utf8Names = on;
    }

    /** A line longer than {@link Limits#maxLine()} was cut short by the connection; its rest was not read. */
    public Step lineTooLong(byte[] start) {
        String tag = lines.isEmpty() ? tagOf(start) : tagOf(lines.get(0));
        reset();
        return new Close(new ParseResult.Error(tag, true, null, "Command line too long"));
    }

    /** One line read, without its CRLF, at most {@link Limits#maxLine()} octets. */
    public Step line(byte[] line) {
        if (line.length > limits.maxLine()) {
            return lineTooLong(line);
        }
        if (lines.isEmpty()) {
            append = "APPEND".equals(commandName(line));
        }
        lines.add(line);
        held += line.length;
        long[] marker = literalMarker(line);
        if (marker == null) {
            return finish();
        }
        long size = marker[0];
        boolean sync = marker[1] == 0;
        if (refused != null) {
            return sync ? finish() : discardOrClose(size);
        }
        if (size < 0) {
            return refuse(sync, size, "Literal too long");
        }
        if (!sync && !limits.literalPlus() && size > LITERAL_MINUS_MAX) {
            return refuse(false, size, "Non-synchronizing literal over " + LITERAL_MINUS_MAX
                    + " octets (LITERAL-): use {" + size + "}");
        }
        if (append && size > limits.maxCommand() - held) {
            if (size > limits.maxAppend()) {
                ParseResult.Error e = new ParseResult.Error(tagOf(lines.get(0)), false, "TOOBIG",
                        "Message larger than " + limits.maxAppend() + " octets");
                return refuse(e, sync, size);
            }
            return new NeedLiteral(size, sync, true);
        }
        if (size > limits.maxCommand() - held) {
            return refuse(sync, size, "Command too long (literal of " + size + " octets)");
        }
        return new NeedLiteral(size, sync, false);
    }

    /** The literal asked for by the last {@link NeedLiteral}; then the line that follows it is read. */
    public void literal(Literal literal) {
        if (literal.inMemory().isPresent()) {
            held += literal.size();
        }
        literals.add(literal);
    }

    private Step refuse(boolean sync, long size, String text) {
        return refuse(ParseResult.Error.bad(tagOf(lines.get(0)), text), sync, size);
    }

    private Step refuse(ParseResult.Error error, boolean sync, long size) {
        refused = error;
        if (sync) {
            return finish(); // the client waits for "+" and, getting the BAD, sends nothing more
        }
        return discardOrClose(size);
    }

    private Step discardOrClose(long size) {
        if (size < 0 || size > Math.max(limits.maxAppend(), limits.maxCommand())) {
            ParseResult.Error e = refused;
            reset();
            return new Close(e);
        }
        return new Discard(size);
    }

    private Step finish() {
        ParseResult result = refused != null ? refused : CommandParser.parse(lines, literals, utf8Names);
        reset();
        return new Done(result);
    }

    private void reset() {
        lines.clear();
        literals.clear();
        held = 0;
        append = false;
        refused = null;
    }

    /** {size, 0 sync / 1 non-sync} of a literal marker ending the line, size -1 when too large; null if none. */
    static long[] literalMarker(byte[] line) {
        int n = line.length;
        if (n < 3 || line[n - 1] != '}') {
            return null;
        }
        int end = n - 1;
        boolean plus = line[end - 1] == '+';
        if (plus) {
            end--;
        }
        int start = end;
        while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') {
            start--;
        }
        if (start == end || start == 0 || line[start - 1] != '{') {
            return null;
        }
        long size = end - start > 18 ? -1 : Long.parseLong(new String(line, start, end - start,
                StandardCharsets.US_ASCII));
        return new long[] {size, plus ? 1 : 0};
    }

    private static String tagOf(byte[] line) {
        int i = 0;
        while (i < line.length && i < 64 && Args.atomChar(line[i] & 0xff) && line[i] != '+') {
            i++;
        }
        return i == 0 || (i < line.length && line[i] != ' ') ? "*" : new String(line, 0, i, StandardCharsets.US_ASCII);
    }

    private static String commandName(byte[] line) {
        String s = new String(line, 0, Math.min(line.length, 200), StandardCharsets.US_ASCII);
        String[] p = s.split(" ", 3);
        return p.length < 2 ? "" : p[1].toUpperCase(Locale.ROOT);
    }
}
