package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A message of several MB through IMAP on the real Maildir store: APPEND writes its literal into the Maildir's
 * tmp/ as it arrives and adopts that file (nothing left in tmp/, whatever the outcome); FETCH streams BODY[],
 * partial ranges and BINARY from the file. Octet for octet, over a raw TLS socket.
 */
class ImapLargeMessageTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().imap().pop3(false).limit("max_message_size", "\"12MB\"");

    /** A raw IMAP client that reads literals as octets. */
    private static final class Client implements AutoCloseable {
        private static final Pattern LITERAL = Pattern.compile("~?\\{(\\d+)}\r\n$");
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client(Socket s) throws IOException {
            socket = s;
            socket.setSoTimeout(20_000);
            in = new java.io.BufferedInputStream(s.getInputStream());
            out = s.getOutputStream();
        }

        void send(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        void send(String s) throws IOException {
            send(s.getBytes(StandardCharsets.UTF_8));
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != -1; ) {
                b.write(c);
                if (c == '\n') {
                    break;
                }
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        /** Sends a command; the response lines up to the tagged one, and the literals in them, in order. */
        Response cmd(String tag, String command) throws IOException {
            send(tag + " " + command + "\r\n");
            StringBuilder text = new StringBuilder();
            List<byte[]> literals = new java.util.ArrayList<>();
            while (true) {
                String l = line();
                if (l.isEmpty()) {
                    throw new IOException("closed; so far: " + text);
                }
                text.append(l);
                Matcher m = LITERAL.matcher(l);
                if (m.find()) {
                    literals.add(in.readNBytes(Integer.parseInt(m.group(1))));
                    continue;
                }
                if (l.startsWith(tag + " ")) {
                    return new Response(text.toString(), literals);
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private record Response(String text, List<byte[]> literals) {
    }

    private Client login() throws Exception {
        var a = tern.tern().address("imaps");
        Socket s = tern.trustingContext().getSocketFactory().createSocket(a.getAddress(), a.getPort());
        Client c = new Client(s);
        assertThat(c.line()).startsWith("* OK");
        assertThat(c.cmd("l", "LOGIN " + ALICE + " pw").text()).contains("l OK");
        return c;
    }

    private Path box() {
        return tern.maildirNew(ALICE).getParent();
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void severalMegabytesAppendedAndFetchedOctetForOctet() throws Exception {
        byte[] attachment = new byte[4 * 1024 * 1024];
        new Random(14).nextBytes(attachment);
        String b64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(attachment);
        byte[] message = ("From: bob@example.test\r\nTo: " + ALICE + "\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n"
                + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64
                + "\r\n--b--\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(message.length).isGreaterThan(5_000_000);
        try (Client c = login()) {
            c.send("a APPEND INBOX (\\Flagged) {" + message.length + "}\r\n");
            assertThat(c.line()).isEqualTo("+ Ready for literal data\r\n");
            c.send(message);
            c.send("\r\n");
            assertThat(c.line()).matches("a OK \\[APPENDUID \\d+ 1] APPEND completed\r\n");
            assertThat(files(box().resolve("tmp"))).isEmpty();
            List<Path> cur = files(box().resolve("cur"));
            assertThat(cur).hasSize(1);
            assertThat(cur.get(0).getFileName().toString()).endsWith(",S=" + message.length + ":2,F");
            assertThat(Files.readAllBytes(cur.get(0))).isEqualTo(message);

            assertThat(c.cmd("s", "SELECT INBOX").text()).contains("* 1 EXISTS");
            Response whole = c.cmd("f", "FETCH 1 (RFC822.SIZE BODY.PEEK[])");
            assertThat(whole.text()).startsWith("* 1 FETCH (RFC822.SIZE " + message.length + " BODY[] {"
                    + message.length + "}\r\n");
            assertThat(whole.literals()).hasSize(1);
            assertThat(whole.literals().get(0)).isEqualTo(message);

            Response part = c.cmd("p", "FETCH 1 (BODY.PEEK[]<1000000.500000> BODY.PEEK[2]<10.20>)");
            assertThat(part.text()).contains("BODY[]<1000000> {500000}\r\n", "BODY[2]<10> {20}\r\n");
            assertThat(part.literals().get(0)).isEqualTo(Arrays.copyOfRange(message, 1_000_000, 1_500_000));
            assertThat(part.literals().get(1)).isEqualTo(b64.substring(10, 30).getBytes(StandardCharsets.US_ASCII));

            Response binary = c.cmd("b", "FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2] BINARY.PEEK[2]<4194300.100>)");
            assertThat(binary.text()).contains("BINARY.SIZE[2] " + attachment.length);
            assertThat(binary.literals().get(0)).isEqualTo(attachment);
            assertThat(binary.literals().get(1)).isEqualTo(Arrays.copyOfRange(attachment, 4_194_300,
                    attachment.length));
            assertThat(c.cmd("z", "NOOP").text()).endsWith("z OK NOOP completed\r\n");
        }
    }

    @Test
    void aRefusedAppendLeavesNothingInTmp() throws Exception {
        byte[] message = ("Subject: x\r\n\r\n" + "y".repeat(1_000_000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Client c = login()) {
            c.send("a APPEND NoSuchFolder {" + message.length + "}\r\n");
            assertThat(c.line()).isEqualTo("+ Ready for literal data\r\n");
            c.send(message);
            c.send("\r\n");
            assertThat(c.line()).isEqualTo("a NO [TRYCREATE] No such mailbox\r\n");
            // a bad command after the literal: read, answered, removed
            c.send("b APPEND INBOX (\\Bogus\\) {" + message.length + "+}\r\n");
            c.send(message);
            c.send("\r\n");
            assertThat(c.line()).startsWith("b BAD ");
            assertThat(c.cmd("c", "APPEND INBOX {20000000}").text())
                    .isEqualTo("c NO [TOOBIG] Message larger than 12582912 octets\r\n");
            assertThat(files(box().resolve("tmp"))).isEmpty();
            assertThat(files(box().resolve("cur"))).isEmpty();
        }
        try (Client c = login()) {
            c.send("d APPEND INBOX {" + message.length + "+}\r\n");
            c.send(Arrays.copyOf(message, 500_000));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> !files(box().resolve("tmp")).isEmpty());
        } // the client goes away inside the literal: what was received is removed
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> files(box().resolve("tmp")).isEmpty());
        assertThat(files(box().resolve("cur"))).isEmpty();
    }
}
