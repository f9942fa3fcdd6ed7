package dev.tern.imap.server;

import dev.tern.e2e.TestTls;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately dumb IMAP client over a socket, for tests: sends exactly what it is told and reads lines strictly
 * (each must end with CRLF; a literal's octets are read with its line). Every read times out.
 */
final class RawImap implements Closeable {
    static final int TIMEOUT_MS = 10_000;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private RawImap(Socket s) throws IOException {
        use(s);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        s.setSoTimeout(TIMEOUT_MS);
        in = new BufferedInputStream(s.getInputStream());
        out = s.getOutputStream();
    }

    static RawImap connect(InetSocketAddress a) throws IOException {
        Socket s = new Socket();
        s.connect(a, TIMEOUT_MS);
        return new RawImap(s);
    }

    static RawImap connectTls(InetSocketAddress a) throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustAll().createSocket(a.getAddress(), a.getPort());
        s.startHandshake();
        return new RawImap(s);
    }

    /** After {@code OK Begin TLS}: the handshake over the same socket. */
    void startTls() throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustAll().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        s.startHandshake();
        use(s);
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** One response line with CRLF; a literal {n} at its end is read with it, and the line after. Null at EOF. */
    String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (c == '\n') {
                break;
            }
        }
        if (b.size() == 0) {
            return null;
        }
        String line = b.toString(StandardCharsets.UTF_8);
        if (!line.endsWith("\r\n")) {
            throw new IOException("line without CRLF: " + line);
        }
        var m = java.util.regex.Pattern.compile("\\{(\\d+)}\r\n$").matcher(line);
        if (m.find()) {
            byte[] lit = in.readNBytes(Integer.parseInt(m.group(1)));
            String rest = readLine();
            return line + new String(lit, StandardCharsets.UTF_8) + (rest == null ? "" : rest);
        }
        return line;
    }

    /** Sends {@code line} and reads until the line tagged with its tag; all lines as one string. */
    String cmd(String line) throws IOException {
        send(line + "\r\n");
        return until(line.substring(0, line.indexOf(' ')));
    }

    /** Reads until a line starting with {@code tag + " "}. */
    String until(String tag) throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            String l = readLine();
            if (l == null) {
                throw new IOException("connection closed; so far: " + all);
            }
            all.append(l);
            if (l.startsWith(tag + " ")) {
                return all.toString();
            }
        }
    }

    /** {@link #cmd}, which must end in a tagged OK. */
    String ok(String line) throws IOException {
        String r = cmd(line);
        String tag = line.substring(0, line.indexOf(' '));
        if (!r.contains("\r\n" + tag + " OK") && !r.startsWith(tag + " OK")) {
            throw new IOException("not OK: " + r);
        }
        return r;
    }

    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    /** Ends what this client sends (a plain socket only); the server sees the end of its input. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
