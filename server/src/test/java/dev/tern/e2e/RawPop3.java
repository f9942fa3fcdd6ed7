package dev.tern.e2e;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * A deliberately dumb POP3 client over a socket, for tests: sends exactly what it is told, reads strictly (every
 * line must end with CRLF), and returns multi-line responses as sent, still byte-stuffed. Every read times out.
 */
public final class RawPop3 implements Closeable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private RawPop3(Socket socket) throws IOException {
        use(socket);
    }

    private void use(Socket s) throws IOException {
        this.socket = s;
        s.setSoTimeout((int) RawSmtp.TIMEOUT.toMillis());
        this.in = new java.io.BufferedInputStream(s.getInputStream());
        this.out = s.getOutputStream();
    }

    /** Connects, without reading the greeting. */
    public static RawPop3 connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.connect(address, (int) RawSmtp.TIMEOUT.toMillis());
        return new RawPop3(s);
    }

    /** Connects with TLS from the first byte (pop3s), without reading the greeting. */
    public static RawPop3 connectTls(InetSocketAddress address) throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustAll().createSocket(address.getAddress(), address.getPort());
        s.startHandshake();
        return new RawPop3(s);
    }

    /** Connects and checks the +OK greeting. */
    public static RawPop3 open(InetSocketAddress address) throws IOException {
        RawPop3 c = connect(address);
        c.expectOk();
        return c;
    }

    /** STLS, then the TLS handshake. */
    public RawPop3 startTls() throws IOException {
        String r = cmd("STLS");
        if (!r.startsWith("+OK")) {
            throw new IOException("STLS refused: " + r);
        }
        return handshake();
    }

    /** The client side of the TLS handshake on this connection (after the server's +OK to STLS). */
    public RawPop3 handshake() throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustAll().createSocket(socket, socket.getInetAddress().getHostAddress(),
                socket.getPort(), true);
        s.startHandshake();
        use(s);
        return this;
    }

    /** USER and PASS, both must succeed. */
    public RawPop3 login(String user, String password) throws IOException {
        String r = cmd("USER " + user);
        if (!r.startsWith("+OK")) {
            throw new IOException("USER refused: " + r);
        }
        r = cmd("PASS " + password);
        if (!r.startsWith("+OK")) {
            throw new IOException("PASS refused: " + r);
        }
        return this;
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    /** Sends a line (CRLF added) and returns the first line of the response. */
    public String cmd(String line) throws IOException {
        send(line + "\r\n");
        return readLine();
    }

    /** Sends a command expecting a multi-line +OK response; returns its lines (byte-stuffed as sent), first excluded. */
    public List<String> multi(String line) throws IOException {
        String first = cmd(line);
        if (!first.startsWith("+OK")) {
            throw new IOException(line + " refused: " + first);
        }
        return readBody();
    }

    /** The lines of a multi-line body up to the lone dot, as sent. */
    public List<String> readBody() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l = readLine(); !l.equals("."); l = readLine()) {
            lines.add(l);
        }
        return lines;
    }

    public void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    public String expectOk() throws IOException {
        String r = readLine();
        if (!r.startsWith("+OK")) {
            throw new IOException("expected +OK, got " + r);
        }
        return r;
    }

    /** One line without CRLF; throws if the line does not end with CRLF or the stream ends. */
    public String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("connection closed; got so far: " + b.toString(StandardCharsets.UTF_8));
            }
            if (c == '\n') {
                if (prev != '\r') {
                    throw new IOException("line without CR: " + b.toString(StandardCharsets.UTF_8));
                }
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
            prev = c;
        }
    }

    /** True when the server closed the connection (reads end of stream), false if it sends anything. */
    /** True when the server closes the connection (after a last line, such as a shutdown notice, or none). */
    public boolean closedByServer() throws IOException {
        try {
            for (int i = 0; i < 4096; i++) {
                if (in.read() < 0) {
                    return true;
                }
            }
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
