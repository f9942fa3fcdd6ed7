package dev.tern.e2e;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately dumb SMTP client over a plain socket, for end-to-end tests: it sends exactly the bytes it is
 * told to and parses replies strictly (every line must end with CRLF, every line of a reply must carry the same
 * code, continuation lines use '-'). Every read has a socket timeout, so a test never hangs.
 */
public final class RawSmtp implements Closeable {
    /**
     * How long any single read may block before the server is taken for hung: a bound for hangs, never for speed.
     * On the shared 2-core machine at load 25 to 77, cold replies measured up to 5 s (the first greeting of a
     * freshly started server process; a POP3 PASS that runs Argon2 on an unwarmed JIT and lists 10,000 messages),
     * so a 5-second bound failed correct servers. A test that expects silence sets its own, shorter timeout.
     */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The end-of-DATA reply (RFC 5321 4.1.1.4, with our queue ID). */
    public static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)");
    /** An RFC 3463 enhanced status code at the start of a reply text. */
    public static final Pattern ENHANCED = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private RawSmtp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects, without reading the greeting. */
    public static RawSmtp connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, (int) TIMEOUT.toMillis());
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            return new RawSmtp(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Connects from the local address {@code from} (127.0.0.2, say: loopback has all of 127.0.0.0/8). */
    public static RawSmtp connectFrom(java.net.InetAddress from, InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(address, (int) TIMEOUT.toMillis());
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            return new RawSmtp(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Connects, checks the 220 greeting and sends EHLO, checking its 250. */
    public static RawSmtp open(InetSocketAddress address) throws IOException {
        RawSmtp c = connect(address);
        try {
            c.read().expect(220);
            c.cmd("EHLO client.test").expect(250);
            return c;
        } catch (IOException | RuntimeException | AssertionError e) {
            c.close();
            throw e;
        }
    }

    /**
     * Starts TLS over this connection (after a 220 to STARTTLS, or at once for implicit TLS): handshake with
     * {@code ctx}, then read and write through TLS.
     */
    public javax.net.ssl.SSLSocket startTls(javax.net.ssl.SSLContext ctx) throws IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(socket,
                socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        s.setUseClientMode(true);
        s.startHandshake();
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
        return s;
    }

    /** Connects with TLS from the first byte (RFC 8314), without reading the greeting. */
    public static RawSmtp connectTls(InetSocketAddress address, javax.net.ssl.SSLContext ctx) throws IOException {
        RawSmtp c = connect(address);
        try {
            c.startTls(ctx);
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public void setTimeout(Duration d) throws SocketException {
        socket.setSoTimeout((int) d.toMillis());
    }

    /** The raw input, for tests that look at how replies are segmented. */
    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    /** Sends {@code line} and CRLF (UTF-8). */
    public void send(String line) throws IOException {
        write(line + "\r\n");
    }

    /** Sends the text exactly as given (UTF-8). */
    public void write(String raw) throws IOException {
        write(raw.getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /** Sends one command line and reads its reply. */
    public Reply cmd(String line) throws IOException {
        send(line);
        return read();
    }

    /** Reads {@code n} replies. */
    public List<Reply> read(int n) throws IOException {
        List<Reply> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(read());
        }
        return out;
    }

    /** Reads one (possibly multi-line) reply; EOFException when the server closed before a whole reply. */
    public Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new EOFException("connection closed by the server"
                        + (lines.isEmpty() ? "" : " in the middle of a reply: " + lines));
            }
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)
                    || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new AssertionError("malformed reply line: " + show(line) + " after " + lines);
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) {
                throw new AssertionError("reply code changed inside a multi-line reply: " + lines + " then " + show(line));
            }
            code = c;
            lines.add(line);
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, lines);
            }
        }
    }

    /** One line up to CRLF (the CRLF removed); a line not ended by CRLF is an assertion failure; null at EOF. */
    private String readLine() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (buf.size() > 0) {
                    throw new AssertionError("connection closed after a partial line: "
                            + show(buf.toString(StandardCharsets.UTF_8)));
                }
                return null;
            }
            if (b == '\n') {
                byte[] bytes = buf.toByteArray();
                if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                    throw new AssertionError("reply line ended by a bare LF: " + show(buf.toString(StandardCharsets.UTF_8)));
                }
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            buf.write(b);
            if (buf.size() > 64 * 1024) {
                throw new AssertionError("reply line longer than 64 KiB");
            }
        }
    }

    /**
     * Reads until the server closes the connection (or resets it) and returns what came before; fails when the
     * server neither closes nor goes quiet-and-closes within the timeout.
     */
    public String readUntilClosed() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                buf.write(b, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + TIMEOUT
                    + "; received so far: " + show(buf.toString(StandardCharsets.UTF_8)));
        } catch (SocketException e) {
            // connection reset: closed too
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** Sends MAIL FROM and expects 250. */
    public void mailFrom(String path) throws IOException {
        cmd("MAIL FROM:" + path).expectOk();
    }

    /** Sends RCPT TO and expects 250. */
    public void rcptTo(String path) throws IOException {
        cmd("RCPT TO:" + path).expectOk();
    }

    /**
     * Sends DATA, expects 354, sends {@code content} dot-stuffed (it must use CRLF line ends and end with CRLF)
     * and the end-of-data mark, and returns the reply to the end of data.
     */
    public Reply data(String content) throws IOException {
        cmd("DATA").expect(354);
        write(dotStuff(content) + ".\r\n");
        return read();
    }

    /** A whole transaction with content sent by DATA; returns the queue ID from the 250 reply. */
    public String deliver(String from, String content, String... to) throws IOException {
        mailFrom(from);
        for (String t : to) {
            rcptTo(t);
        }
        return queueId(data(content));
    }

    /** The queue ID in a 250 reply to the end of a message; fails on any other reply. */
    public static String queueId(Reply r) {
        Matcher m = QUEUED.matcher(r.lastLine());
        if (r.lines().size() != 1 || !m.matches()) {
            throw new AssertionError("expected \"250 2.0.0 Ok: queued as <ID>\" but got " + r);
        }
        return m.group(1);
    }

    /** RFC 5321 4.5.2: a line starting with '.' gets one more '.'. Content must use CRLF. */
    public static String dotStuff(String content) {
        String s = content.startsWith(".") ? "." + content : content;
        return s.replace("\r\n.", "\r\n..");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static String show(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c < 32 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return sb.append('"').toString();
    }

    /** One reply: its code and its lines as received (each with the code, without CRLF). */
    public record Reply(int code, List<String> lines) {
        public Reply {
            lines = List.copyOf(lines);
        }

        public String lastLine() {
            return lines.get(lines.size() - 1);
        }

        /** The text of line {@code i} after "ddd " or "ddd-". */
        public String text(int i) {
            String l = lines.get(i);
            return l.length() <= 4 ? "" : l.substring(4);
        }

        /** The texts of all lines. */
        public List<String> texts() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                out.add(text(i));
            }
            return out;
        }

        /** The enhanced status code the first line starts with, or "" when it has none. */
        public String status() {
            String t = text(0);
            int sp = t.indexOf(' ');
            String first = sp < 0 ? t : t.substring(0, sp);
            return ENHANCED.matcher(first).matches() ? first : "";
        }

        /** True when every line starts with an enhanced status code whose class matches the reply code. */
        public boolean everyLineHasEnhancedStatus() {
            for (int i = 0; i < lines.size(); i++) {
                String t = text(i);
                int sp = t.indexOf(' ');
                String first = sp < 0 ? t : t.substring(0, sp);
                if (!ENHANCED.matcher(first).matches() || first.charAt(0) != Integer.toString(code).charAt(0)) {
                    return false;
                }
            }
            return true;
        }

        public Reply expect(int expectedCode) {
            if (code != expectedCode) {
                throw new AssertionError("expected reply " + expectedCode + " but got " + this);
            }
            return this;
        }

        /** Expects 250 with some success enhanced code (2.0.0, 2.1.0 for MAIL, 2.1.5 for RCPT...). */
        public Reply expectOk() {
            if (code != 250 || !status().startsWith("2.")) {
                throw new AssertionError("expected reply 250 2.x.x but got " + this);
            }
            return this;
        }

        public Reply expect(int expectedCode, String expectedStatus) {
            if (code != expectedCode || !status().equals(expectedStatus)) {
                throw new AssertionError("expected reply " + expectedCode + " " + expectedStatus + " but got " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return lines.size() == 1 ? show(lines.get(0)) : lines.stream().map(RawSmtp::show).toList().toString();
        }
    }
}
