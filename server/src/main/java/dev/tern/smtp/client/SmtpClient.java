package dev.tern.smtp.client;

import dev.tern.net.WriteWatchdog;
import dev.tern.smtp.Reply;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** One SMTP client connection. Not thread-safe; one virtual thread drives it from connect to close. */
public final class SmtpClient implements Closeable {

    /** RFC 5321 4.5.3.2 timeouts; tests shorten them. */
    public record Timeouts(Duration connect, Duration greeting, Duration mail, Duration rcpt, Duration dataInit,
                           Duration dataBlock, Duration dataEnd) {
        public static Timeouts rfc5321(Duration connect) {
            return new Timeouts(connect, Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5),
                    Duration.ofMinutes(2), Duration.ofMinutes(3), Duration.ofMinutes(10));
        }
    }

    /** A reply that could not be read as SMTP. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }

    /** What the peer said to each step of one transaction; {@code rcpt} is index for index with the recipients. */
    public record TransactionResult(Reply mail, List<Reply> rcpt, Reply data, Reply end) {
    }

    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");
    private static final int MAX_REPLY_LINES = 200;
    private static final int MAX_LINE = 4096;

    private final Timeouts timeouts;
    private final String host;
    private Socket socket;
    /** The TCP socket under any TLS layer: the one the write watchdog closes. */
    private final Socket plain;
    /** Bounds the whole reply being read: every read from the socket gets only the time left. */
    private DeadlineInput deadline;
    private InputStream in;
    private OutputStream out;
    /** Closes the socket when a write makes no progress (see {@link WriteWatchdog}). */
    private WriteWatchdog watchdog;
    private final Map<String, String> extensions = new LinkedHashMap<>();
    private boolean tls;

    private SmtpClient(Socket socket, String host, Timeouts timeouts) throws IOException {
        this.socket = socket;
        this.plain = socket;
        this.host = host;
        this.timeouts = timeouts;
        streams();
    }

    private void streams() throws IOException {
        deadline = new DeadlineInput(socket);
        in = new BufferedInputStream(deadline, 8192);
        watchdog = new WriteWatchdog(socket.getOutputStream(), plain, timeouts.mail());
        out = new BufferedOutputStream(watchdog, 64 * 1024);
    }

    /** Opens a TCP connection; {@code host} is the peer's name, for TLS SNI. */
    public static SmtpClient connect(InetSocketAddress address, String host, Timeouts timeouts) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, (int) timeouts.connect().toMillis());
            s.setTcpNoDelay(true);
            return new SmtpClient(s, host, timeouts);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public Reply greeting() throws IOException {
        return read(timeouts.greeting());
    }

    /** EHLO, or HELO when EHLO is refused with 5xx; remembers the extensions offered. */
    public Reply hello(String name) throws IOException {
        extensions.clear();
        Reply r = command("EHLO " + name, timeouts.greeting());
        if (r.isPositive()) {
            List<String> lines = r.lines();
            for (int i = 1; i < lines.size(); i++) {
                String l = lines.get(i).trim();
                int sp = l.indexOf(' ');
                String kw = (sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT);
                extensions.put(kw, sp < 0 ? "" : l.substring(sp + 1).trim());
            }
            return r;
        }
        if (r.isPermanent()) {
            return command("HELO " + name, timeouts.greeting());
        }
        return r;
    }

    public boolean offers(String extension) {
        return extensions.containsKey(extension.toUpperCase(Locale.ROOT));
    }

    /** The SIZE limit the peer declared; 0 when none. */
    public long sizeLimit() {
        String v = extensions.get("SIZE");
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public boolean isTls() {
        return tls;
    }

    /**
     * STARTTLS and a TLS 1.2+ handshake with no certificate check (opportunistic, like Postfix's "may").
     * Returns the STARTTLS reply; on a positive reply the connection is encrypted and EHLO must be sent again.
     */
    public Reply startTls() throws IOException {
        Reply r = command("STARTTLS", timeouts.greeting());
        if (r.code() != 220) {
            return r;
        }
        SSLSocket s = (SSLSocket) OPPORTUNISTIC.getSocketFactory().createSocket(socket, host,
                socket.getPort(), true);
        s.setUseClientMode(true);
        s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        s.setSoTimeout((int) timeouts.greeting().toMillis());
        s.startHandshake();
        socket = s;
        streams();
        tls = true;
        extensions.clear();
        return r;
    }

    /** The TLS protocol and cipher suite, for the log; null without TLS. */
    public String tlsDescription() {
        if (socket instanceof SSLSocket s && s.getSession() != null) {
            return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite();
        }
        return null;
    }

    /**
     * One mail transaction: MAIL, every RCPT, DATA and the content. With PIPELINING, MAIL, the RCPTs and DATA go
     * in one write (RFC 2920). The content must already be in wire form (CRLF line ends, no line over 998
     * octets); it is dot-stuffed here. Stops early on a refused MAIL, no accepted recipient or a refused DATA.
     */
    public TransactionResult send(String mailCommand, List<String> rcptCommands, InputStream content)
            throws IOException {
        boolean pipelining = offers("PIPELINING");
        List<Reply> rcpts = new ArrayList<>();
        Reply mail;
        Reply data = null;
        if (pipelining) {
            write(mailCommand);
            for (String r : rcptCommands) {
                write(r);
            }
            write("DATA");
            out.flush();
            mail = read(timeouts.mail());
            for (int i = 0; i < rcptCommands.size(); i++) {
                rcpts.add(read(timeouts.rcpt()));
            }
            data = read(timeouts.dataInit());
            if (!mail.isPositive()) {
                return new TransactionResult(mail, rcpts, data, null);
            }
        } else {
            mail = command(mailCommand, timeouts.mail());
            if (!mail.isPositive()) {
                return new TransactionResult(mail, rcpts, null, null);
            }
            for (String r : rcptCommands) {
                rcpts.add(command(r, timeouts.rcpt()));
            }
        }
        boolean anyAccepted = rcpts.stream().anyMatch(Reply::isPositive);
        if (!pipelining) {
            if (!anyAccepted) {
                return new TransactionResult(mail, rcpts, null, null);
            }
            data = command("DATA", timeouts.dataInit());
        }
        if (data.code() != 354) {
            return new TransactionResult(mail, rcpts, data, null);
        }
        if (!anyAccepted) {
            // RFC 2920 3.1: DATA accepted with no recipient; end the empty message and ignore the outcome
            write(".");
            out.flush();
            read(timeouts.dataEnd());
            return new TransactionResult(mail, rcpts, data, null);
        }
        socket.setSoTimeout((int) timeouts.dataBlock().toMillis());
        watchdog.timeout(timeouts.dataBlock());
        try {
            writeDotStuffed(content);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } finally {
            watchdog.timeout(timeouts.mail());
        }
        Reply end = read(timeouts.dataEnd());
        return new TransactionResult(mail, rcpts, data, end);
    }

    /** RSET, e.g. before reusing the connection. */
    public Reply reset() throws IOException {
        return command("RSET", timeouts.mail());
    }

    /** QUIT and close; errors are ignored (the transaction's outcome is already known). */
    public void quit() {
        try {
            write("QUIT");
            out.flush();
            read(Duration.ofSeconds(5));
        } catch (IOException | RuntimeException e) {
            // nothing to do
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    public Reply command(String line, Duration timeout) throws IOException {
        write(line);
        out.flush();
        return read(timeout);
    }

    private void write(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Copies the content, doubling a dot at the start of a line and making sure it ends with CRLF. */
    private void writeDotStuffed(InputStream content) throws IOException {
        byte[] buf = new byte[64 * 1024];
        boolean lineStart = true;
        int prev = -1;
        int prev2 = -1;
        int n;
        while ((n = content.read(buf)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (lineStart && b == '.') {
                    out.write(buf, from, i - from);
                    out.write('.');
                    from = i;
                }
                lineStart = b == '\n';
                prev2 = prev;
                prev = b;
            }
            out.write(buf, from, n - from);
        }
        if (prev != -1 && !(prev2 == '\r' && prev == '\n')) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * Reads one reply, single or multi-line, whole within {@code timeout} (RFC 5321 4.5.3.2: the time-outs bound
     * the reply, not each read), so a peer that sends a byte now and then cannot keep the attempt going.
     */
    public Reply read(Duration timeout) throws IOException {
        deadline.start(timeout);
        try {
            return readReply();
        } finally {
            deadline.stop();
        }
    }

    private Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        String status = "";
        while (true) {
            String line = readLine();
            if (line.length() < 3) {
                throw new ProtocolException("malformed reply from " + host + ": \"" + line + "\"");
            }
            int c;
            try {
                c = Integer.parseInt(line.substring(0, 3));
            } catch (NumberFormatException e) {
                throw new ProtocolException("malformed reply from " + host + ": \"" + line + "\"");
            }
            if (c < 200 || c > 599 || (code != -1 && c != code)) {
                throw new ProtocolException("malformed reply from " + host + ": \"" + line + "\"");
            }
            code = c;
            boolean more = line.length() > 3 && line.charAt(3) == '-';
            String text = line.length() > 4 ? line.substring(4) : "";
            Matcher m = ENHANCED.matcher(text);
            if (m.find() && m.group(1).charAt(0) == Integer.toString(code).charAt(0)) {
                if (lines.isEmpty()) {
                    status = m.group(1) + "." + m.group(2) + "." + m.group(3);
                }
                if (text.startsWith(status)) {
                    text = text.substring(status.length()).strip();
                }
            }
            lines.add(text.isEmpty() ? "-" : text);
            if (!more) {
                return new Reply(code, status, lines);
            }
            if (lines.size() > MAX_REPLY_LINES) {
                throw new ProtocolException("reply from " + host + " has too many lines");
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.UTF_8);
            }
            if (b.size() >= MAX_LINE) {
                throw new ProtocolException("reply line from " + host + " is too long");
            }
            b.write(c);
        }
        throw new java.io.EOFException("connection closed by " + host);
    }

    /**
     * The socket's input with a deadline: before each read the socket's time-out is set to what is left of the
     * time the current reply may take, and a read past the deadline fails as a time-out.
     */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream raw;
        /** {@link System#nanoTime} by which the reply must be in; 0 while no reply is being read. */
        private long until;
        private Duration limit;

        DeadlineInput(Socket socket) throws IOException {
            this.socket = socket;
            this.raw = socket.getInputStream();
        }

        void start(Duration timeout) {
            limit = timeout;
            until = System.nanoTime() + Math.max(1, timeout.toNanos());
        }

        void stop() {
            until = 0;
        }

        private void arm() throws IOException {
            if (until == 0) {
                return; // the handshake or a stray read: the socket's own time-out applies
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no complete reply within " + limit.toMillis() + " ms");
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            try {
                return raw.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw until == 0 ? e : new SocketTimeoutException("no complete reply within " + limit.toMillis()
                        + " ms");
            }
        }

        @Override
        public int available() throws IOException {
            return raw.available();
        }
    }

    /** TLS without a certificate check: the peer is not authenticated, only the wire is encrypted. */
    private static final SSLContext OPPORTUNISTIC = opportunistic();

    private static SSLContext opportunistic() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            TrustManager trustAll = new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            };
            ctx.init(null, new TrustManager[] {trustAll}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }
}
