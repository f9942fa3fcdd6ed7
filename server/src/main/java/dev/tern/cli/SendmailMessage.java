package dev.tern.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The message {@code tern sendmail} reads on standard input, made ready for SMTP. The header section is read
 * into memory (at most {@link #MAX_HEADER} octets); the body is read line by line while it is sent, so memory
 * stays bounded whatever the message's size. Line ends become CRLF. Without {@code -i} a line holding a single
 * dot ends the input, as sendmail(8) does. A leading mbox {@code From } line is dropped; Bcc fields are
 * removed; Date, From and Message-ID are added when missing. No I/O beyond the given stream.
 */
final class SendmailMessage {
    /** RFC 5322 2.1.1: a line is at most 998 octets without its CRLF. */
    static final int MAX_LINE = 998;
    /** The header section held in memory; more is refused as bad data. */
    static final int MAX_HEADER = 1024 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** The input is not a message Tern can send (exit 65); the message says what and where. */
    static final class BadInput extends IOException {
        BadInput(String message) {
            super(message);
        }
    }

    /** One header field as it was written: its name, and its lines without their line ends. */
    record Field(String name, List<byte[]> lines) {
        /** The value, unfolded (continuation lines joined), as UTF-8. */
        String value() {
            StringBuilder sb = new StringBuilder();
            for (byte[] l : lines) {
                sb.append(new String(l, StandardCharsets.UTF_8));
            }
            return sb.substring(sb.indexOf(":") + 1).trim();
        }

        boolean is(String n) {
            return name.equalsIgnoreCase(n);
        }
    }

    private final Lines in;
    private final List<Field> fields;
    /** The first body line when the header section ended without an empty line; else null. */
    private final byte[] firstBodyLine;

    private SendmailMessage(Lines in, List<Field> fields, byte[] firstBodyLine) {
        this.in = in;
        this.fields = fields;
        this.firstBodyLine = firstBodyLine;
    }

    /** Reads the header section; the body stays in the stream until {@link #content} is read. */
    static SendmailMessage read(InputStream stdin, boolean ignoreDots) throws IOException {
        Lines in = new Lines(stdin, ignoreDots);
        List<Field> fields = new ArrayList<>();
        long size = 0;
        byte[] line = in.next();
        if (line != null && startsWith(line, "From ")) { // an mbox separator, not a header field
            line = in.next();
        }
        while (line != null && line.length > 0) {
            size += line.length + 2;
            if (size > MAX_HEADER) {
                throw new BadInput("the header section is larger than " + MAX_HEADER + " octets");
            }
            if ((line[0] == ' ' || line[0] == '\t') && !fields.isEmpty()) {
                fields.get(fields.size() - 1).lines().add(line);
            } else {
                String name = fieldName(line);
                if (name == null) {
                    break; // not a header field: the body starts here (no empty line in between)
                }
                List<byte[]> lines = new ArrayList<>();
                lines.add(line);
                fields.add(new Field(name, lines));
            }
            line = in.next();
        }
        return new SendmailMessage(in, fields, line == null || line.length == 0 ? null : line);
    }

    /** The values of every field with one of these names, in order. */
    List<String> values(String... names) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            for (String n : names) {
                if (f.is(n)) {
                    out.add(f.value());
                }
            }
        }
        return out;
    }

    boolean has(String name) {
        return fields.stream().anyMatch(f -> f.is(name));
    }

    /**
     * The message in wire form (CRLF line ends; not yet dot-stuffed): the header fields without Bcc, then
     * {@code added} fields, an empty line and the body, which is read from standard input as the stream is
     * read. A line too long makes the stream throw {@link BadInput}.
     */
    InputStream content(List<String> added) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (Field f : fields) {
            if (f.is("Bcc")) {
                continue;
            }
            for (byte[] l : f.lines()) {
                head.writeBytes(l);
                head.writeBytes(CRLF);
            }
        }
        for (String a : added) {
            head.writeBytes(a.getBytes(StandardCharsets.UTF_8));
            head.writeBytes(CRLF);
        }
        head.writeBytes(CRLF);
        if (firstBodyLine != null) {
            head.writeBytes(firstBodyLine);
            head.writeBytes(CRLF);
        }
        return new SequenceInputStream(new ByteArrayInputStream(head.toByteArray()), new Body(in));
    }

    /** RFC 5322 3.3 date-time, e.g. {@code Mon, 30 Nov 2026 13:45:00 +0100}. */
    static String date(ZonedDateTime t) {
        return DATE.format(t);
    }

    /**
     * A From field for {@code address}, with {@code fullName} as its display name when given (a quoted string,
     * or an RFC 2047 encoded word when it is not ASCII).
     */
    static String fromField(String address, String fullName) {
        if (fullName == null || fullName.isBlank()) {
            return "From: " + address;
        }
        String name = fullName.replaceAll("[\\r\\n]+", " ").strip();
        boolean ascii = name.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        String phrase = ascii
                ? "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\""
                : "=?UTF-8?B?" + Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8))
                        + "?=";
        return "From: " + phrase + " <" + address + ">";
    }

    private static String fieldName(byte[] line) {
        for (int i = 0; i < line.length; i++) {
            byte b = line[i];
            if (b == ':') {
                return i == 0 ? null : new String(line, 0, i, StandardCharsets.US_ASCII);
            }
            if (b <= 32 || b >= 127) {
                return null;
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] line, String prefix) {
        if (line.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (line[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Lines of standard input without their line ends (LF or CRLF); null at the end of input. */
    static final class Lines {
        private final InputStream in;
        private final boolean ignoreDots;
        private final byte[] buf = new byte[MAX_LINE + 2];
        private long number;
        private boolean ended;

        Lines(InputStream in, boolean ignoreDots) {
            this.in = in;
            this.ignoreDots = ignoreDots;
        }

        byte[] next() throws IOException {
            if (ended) {
                return null;
            }
            int n = 0;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (n == buf.length) {
                    throw new BadInput("line " + (number + 1) + " is longer than " + MAX_LINE
                            + " octets (RFC 5322 2.1.1)");
                }
                buf[n++] = (byte) b;
            }
            if (b == -1 && n == 0) {
                ended = true;
                return null;
            }
            number++;
            if (n > 0 && buf[n - 1] == '\r') {
                n--;
            }
            if (n > MAX_LINE) {
                throw new BadInput("line " + number + " is longer than " + MAX_LINE + " octets (RFC 5322 2.1.1)");
            }
            if (!ignoreDots && n == 1 && buf[0] == '.') {
                ended = true; // sendmail without -i: a lone dot ends the message
                return null;
            }
            byte[] line = new byte[n];
            System.arraycopy(buf, 0, line, 0, n);
            return line;
        }
    }

    /** The body as a stream of CRLF-terminated lines, read from {@link Lines} on demand. */
    private static final class Body extends InputStream {
        private final Lines lines;
        private byte[] current = new byte[0];
        private int pos;

        Body(Lines lines) {
            this.lines = lines;
        }

        private boolean fill() throws IOException {
            while (pos >= current.length) {
                byte[] l = lines.next();
                if (l == null) {
                    return false;
                }
                current = new byte[l.length + 2];
                System.arraycopy(l, 0, current, 0, l.length);
                current[l.length] = '\r';
                current[l.length + 1] = '\n';
                pos = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? current[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
