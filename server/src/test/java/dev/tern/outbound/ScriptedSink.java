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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted SMTP server on loopback, standing in for a remote MX: it answers RCPT with whatever {@link #rcpt}
 * says (by address), records every transaction it completes and every command it saw, and keeps each message
 * octet for octet (dot-unstuffed, nothing decoded), for tests that check signatures over what a peer received.
 * Not a real MTA: it exists to make the remote side say exactly what a test needs.
 */
final class ScriptedSink implements AutoCloseable {
    /** One accepted message: the MAIL and RCPT commands as sent, and the content octets after dot-unstuffing. */
    record Received(String mail, List<String> rcpts, byte[] octets) {
        /** The content as UTF-8 text. */
        String content() {
            return new String(octets, StandardCharsets.UTF_8);
        }

        /** The addresses of the RCPT commands, without their angle brackets and parameters. */
        List<String> addresses() {
            return rcpts.stream().map(ScriptedSink::address).toList();
        }
    }

    /** The largest message kept. */
    private static final int MAX = 64 << 20;

    volatile Function<String, String> rcpt = a -> "250 2.1.5 Ok";
    volatile String greeting = "220 sink.test ESMTP";
    volatile List<String> extensions = List.of("PIPELINING", "SIZE 10000000", "8BITMIME", "DSN", "SMTPUTF8");
    volatile String dataEnd = "250 2.0.0 Ok: queued";
    final List<Received> received = new CopyOnWriteArrayList<>();
    final List<String> commands = new CopyOnWriteArrayList<>();
    /** Connections accepted so far. */
    final AtomicInteger connections = new AtomicInteger();
    /** Offer STARTTLS, say 220 to it, then send bytes that are not TLS and hang up: a failed handshake. */
    volatile boolean brokenTls;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ServerSocket server;

    ScriptedSink(String ip) throws IOException {
        this(ip, 0);
    }

    ScriptedSink(String ip, int port) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
        Thread.ofPlatform().daemon().name("sink").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread.ofVirtual().start(() -> session(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket s) {
        try (s) {
            s.setSoTimeout(20_000);
            List<String> extensions = new ArrayList<>(this.extensions);
            if (brokenTls) {
                extensions.add("STARTTLS");
            }
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            reply(out, greeting);
            if (!greeting.startsWith("2")) {
                return;
            }
            String mail = null;
            List<String> rcpts = new ArrayList<>();
            String line;
            while ((line = line(in)) != null) {
                commands.add(line);
                String up = line.toUpperCase(Locale.ROOT);
                if (up.startsWith("EHLO")) {
                    StringBuilder sb = new StringBuilder("250-sink.test\r\n");
                    for (int i = 0; i < extensions.size(); i++) {
                        sb.append(i == extensions.size() - 1 ? "250 " : "250-").append(extensions.get(i)).append("\r\n");
                    }
                    if (extensions.isEmpty()) {
                        sb = new StringBuilder("250 sink.test\r\n");
                    }
                    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } else if (up.startsWith("HELO")) {
                    reply(out, "250 sink.test");
                } else if (up.startsWith("MAIL FROM:")) {
                    mail = line;
                    rcpts.clear();
                    reply(out, "250 2.1.0 Ok");
                } else if (up.startsWith("RCPT TO:")) {
                    String r = rcpt.apply(address(line));
                    if (r.startsWith("2")) {
                        rcpts.add(line);
                    }
                    reply(out, r);
                } else if (up.equals("DATA")) {
                    if (rcpts.isEmpty()) {
                        reply(out, "554 5.5.1 No valid recipients");
                        continue;
                    }
                    reply(out, "354 End data with <CR><LF>.<CR><LF>");
                    byte[] content = content(in);
                    if (dataEnd.startsWith("2")) {
                        received.add(new Received(mail, List.copyOf(rcpts), content));
                    }
                    reply(out, dataEnd);
                } else if (up.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else if (up.equals("STARTTLS") && brokenTls) {
                    reply(out, "220 2.0.0 Ready to start TLS");
                    reply(out, "this is not a TLS record, and then the line goes dead");
                    return;
                } else if (up.equals("RSET") || up.equals("NOOP")) {
                    reply(out, "250 2.0.0 Ok");
                } else {
                    reply(out, "502 5.5.2 Command not recognized");
                }
            }
        } catch (IOException e) {
            // the client went away, or dropConnections
        } finally {
            open.remove(s);
        }
    }

    /** Hangs up every open connection without a word, as a peer that times out idle clients does. */
    void dropConnections() throws IOException {
        for (Socket s : open) {
            s.close();
        }
    }

    /** The address of a RCPT TO command, between its angle brackets. */
    private static String address(String rcptLine) {
        return rcptLine.substring(rcptLine.indexOf('<') + 1, rcptLine.indexOf('>'));
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
        out.write((r + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
