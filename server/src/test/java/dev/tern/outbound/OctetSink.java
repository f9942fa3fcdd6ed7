package dev.tern.outbound;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An SMTP sink on loopback that keeps every message octet for octet (dot-unstuffed, nothing decoded), for tests
 * that check signatures over what a peer received. It accepts every sender and recipient except those
 * {@link #refused}, and offers {@link #extensions} (8BITMIME or not). Not a real MTA.
 */
final class OctetSink implements AutoCloseable {
    /** The MAIL command as sent, the RCPT addresses and the content octets. */
    record Received(String mail, List<String> rcpts, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** The largest message kept. */
    private static final int MAX = 64 << 20;

    volatile List<String> extensions = List.of("PIPELINING", "SIZE 67108864", "8BITMIME");
    /** Recipients answered 550 at RCPT. */
    final List<String> refused = new CopyOnWriteArrayList<>();
    final List<Received> received = new CopyOnWriteArrayList<>();
    private final ServerSocket server;

    OctetSink() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("octet-sink").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> session(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket s) {
        try (s) {
            s.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            reply(out, "220 sink.test ESMTP");
            String mail = null;
            List<String> rcpts = new ArrayList<>();
            String line;
            while ((line = line(in)) != null) {
                String up = line.toUpperCase(Locale.ROOT);
                if (up.startsWith("EHLO")) {
                    StringBuilder sb = new StringBuilder("250-sink.test\r\n");
                    List<String> ext = extensions;
                    for (int i = 0; i < ext.size(); i++) {
                        sb.append(i == ext.size() - 1 ? "250 " : "250-").append(ext.get(i)).append("\r\n");
                    }
                    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else if (up.startsWith("MAIL FROM:")) {
                    mail = line;
                    rcpts.clear();
                    reply(out, "250 2.1.0 Ok");
                } else if (up.startsWith("RCPT TO:")) {
                    String addr = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    if (refused.contains(addr)) {
                        reply(out, "550 5.1.1 No such user");
                    } else {
                        rcpts.add(addr);
                        reply(out, "250 2.1.5 Ok");
                    }
                } else if (up.equals("DATA")) {
                    if (rcpts.isEmpty()) {
                        reply(out, "554 5.5.1 No valid recipients");
                        continue;
                    }
                    reply(out, "354 Go ahead");
                    received.add(new Received(mail, List.copyOf(rcpts), content(in)));
                    reply(out, "250 2.0.0 Ok: kept");
                } else if (up.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else if (up.equals("RSET") || up.equals("NOOP")) {
                    reply(out, "250 2.0.0 Ok");
                } else {
                    reply(out, "502 5.5.2 Command not recognized");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** One command line without its CRLF, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                byte[] l = b.toByteArray();
                int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                return new String(l, 0, n, StandardCharsets.UTF_8);
            }
            if (b.size() > 4096) {
                throw new IOException("command line too long");
            }
            b.write(c);
        }
        return null;
    }

    /** The content up to CRLF.CRLF, dot-unstuffed, every other octet as it came. */
    private static byte[] content(InputStream in) throws IOException {
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        ByteArrayOutputStream l = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            l.write(c);
            if (c == '\n') {
                byte[] line = l.toByteArray();
                l.reset();
                if (line.length == 3 && line[0] == '.' && line[1] == '\r') {
                    return msg.toByteArray();
                }
                int skip = line.length > 0 && line[0] == '.' ? 1 : 0;
                msg.write(line, skip, line.length - skip);
                if (msg.size() > MAX) {
                    throw new IOException("message too large for the sink");
                }
            }
        }
        throw new IOException("the connection ended inside the message");
    }

    private static void reply(OutputStream out, String r) throws IOException {
        out.write((r + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
