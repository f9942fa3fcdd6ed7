package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 20 MB message streamed through the socket (never held in memory whole by the test) is accepted and
 * delivered byte for byte; compared by SHA-256.
 */
class LargeMessageTest {
    private static final long TARGET = 20L << 20;
    private static final String FIRST_HEADER = "X-Large-Test: yes\r\n";

    @RegisterExtension
    final TernFixture tern = new TernFixture().limit("max_message_size", "\"32MB\"");

    @Test
    void twentyMegabytesByDataAreDeliveredByteExact() throws Exception {
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        long size = 0;
        String id;
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<big@b.example> SIZE=" + TARGET).expectOk();
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            OutputStream out = new BufferedOutputStream(c.out(), 64 * 1024);
            SplittableRandom random = new SplittableRandom(42);
            byte[] head = (FIRST_HEADER + "Subject: large\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            sent.update(head);
            size += head.length;
            byte[] line = new byte[1001];
            while (size < TARGET) {
                int n = random.nextInt(0, 999); // text length without CRLF: 0..998
                for (int i = 0; i < n; i++) {
                    line[i] = (byte) random.nextInt(32, 127);
                }
                if (n > 0 && random.nextInt(20) == 0) {
                    line[0] = '.';
                }
                line[n] = '\r';
                line[n + 1] = '\n';
                sent.update(line, 0, n + 2);
                size += n + 2;
                if (line[0] == '.' && n > 0) {
                    out.write('.'); // dot-stuffing on the wire only
                }
                out.write(line, 0, n + 2);
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            c.setTimeout(Duration.ofSeconds(30));
            id = RawSmtp.queueId(c.read());
            c.setTimeout(RawSmtp.TIMEOUT);
            c.cmd("QUIT").expect(221);
        }
        assertDelivered(id, size, sent.digest());
    }

    @Test
    void twentyMegabytesByBdatAreDeliveredByteExact() throws Exception {
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        long size = 0;
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<big@b.example>");
            c.rcptTo("<alice@example.test>");
            OutputStream out = new BufferedOutputStream(c.out(), 64 * 1024);
            SplittableRandom random = new SplittableRandom(7);
            byte[] head = (FIRST_HEADER + "Subject: large\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            out.write(("BDAT " + head.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(head);
            sent.update(head);
            size += head.length;
            int chunks = 1;
            byte[] chunk = new byte[1 << 20];
            while (size < TARGET) {
                // lines of 0..998 octets + CRLF; a chunk boundary may fall anywhere, even between CR and LF
                int len = 0;
                while (len < chunk.length - 1000) {
                    int n = random.nextInt(0, 999);
                    for (int i = 0; i < n; i++) {
                        chunk[len++] = (byte) random.nextInt(32, 127);
                    }
                    chunk[len++] = '\r';
                    chunk[len++] = '\n';
                }
                int cut = len - random.nextInt(1, 3); // leave a partial line end for the next chunk
                out.write(("BDAT " + cut + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk, 0, cut);
                sent.update(chunk, 0, cut);
                size += cut;
                chunks++;
                byte[] tail = java.util.Arrays.copyOfRange(chunk, cut, len);
                if (size >= TARGET - len) {
                    out.write(("BDAT " + tail.length + " LAST\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(tail);
                    sent.update(tail);
                    size += tail.length;
                    chunks++;
                    break;
                }
                out.write(("BDAT " + tail.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(tail);
                sent.update(tail);
                size += tail.length;
                chunks++;
            }
            out.flush();
            c.setTimeout(Duration.ofSeconds(30));
            for (int i = 0; i < chunks - 1; i++) {
                c.read().expectOk();
            }
            id = RawSmtp.queueId(c.read());
            c.setTimeout(RawSmtp.TIMEOUT);
        }
        assertThat(size).isGreaterThanOrEqualTo(TARGET - (2 << 20));
        assertDelivered(id, size, sent.digest());
    }

    private void assertDelivered(String id, long size, byte[] expected) throws Exception {
        Path file = await("delivery of " + id).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> tern.delivered(ALICE).stream().filter(p -> p.getFileName().toString().contains(".Q" + id + "R"))
                        .findFirst().orElse(null), p -> p != null);
        long offset;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(4096);
            offset = new String(start, StandardCharsets.ISO_8859_1).indexOf(FIRST_HEADER);
        }
        assertThat(offset).as("our first header in the delivered file").isPositive();
        assertThat(Files.size(file) - offset).isEqualTo(size);
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.update(buf, 0, n);
            }
        }
        assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(HexFormat.of().formatHex(expected));
    }
}
