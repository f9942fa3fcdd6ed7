package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import dev.tern.testing.Gen;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** (3) SmtpInput never returns a line over 510 octets and never loses or changes one. */
@ExtendWith(Gen.Seed.class)
class SmtpInputPropertiesTest {

    static LongStream seeds200() {
        return Gen.seeds(200);
    }

    static LongStream seeds300() {
        return Gen.seeds(300);
    }

    /** Up to ten lines without CR or LF, many of them near the 510-octet limit. */
    static List<byte[]> commandLines(Gen g) {
        return g.list(0, 10, () -> {
            int n = switch (g.weighted(5, 4, 1)) {
                case 0 -> g.between(0, 40);
                case 1 -> g.between(505, 515);
                default -> g.between(0, 1500);
            };
            byte[] line = new byte[n];
            for (int i = 0; i < n; i++) {
                byte b;
                do {
                    b = g.anyByte();
                } while (b == '\r' || b == '\n');
                line[i] = b;
            }
            return line;
        });
    }

    /** Up to 3000 octets with about one CR and one LF in 150. */
    static byte[] stream(Gen g) {
        return Gen.bytes(g.list(0, 3000, () -> switch (g.weighted(1, 1, 150)) {
            case 0 -> (byte) '\n';
            case 1 -> (byte) '\r';
            default -> g.anyByte();
        }));
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds200")
    void linesWrittenAreLinesRead(long seed) throws IOException {
        Gen g = new Gen(seed);
        List<byte[]> lines = commandLines(g);
        int bufferSize = g.between(1, 2000);
        int segment = g.between(1, 700);
        boolean lfOnly = g.bool();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (byte[] l : lines) {
            wire.write(l);
            if (!lfOnly) {
                wire.write('\r');
            }
            wire.write('\n');
        }
        SmtpInput in = new SmtpInput(new SmtpInputTest.Trickle(wire.toByteArray(), segment), bufferSize);
        for (byte[] l : lines) {
            if (l.length <= 510) {
                assertThat(in.readLine()).isEqualTo(l);
            } else {
                assertThatThrownBy(in::readLine).isInstanceOf(SmtpInput.LineTooLongException.class);
            }
        }
        assertThat(in.readLine()).isNull();
    }

    /** For any byte stream: each LF-terminated segment comes back (less one trailing CR) or is too long. */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds200")
    void anyStream(long seed) throws IOException {
        Gen g = new Gen(seed);
        byte[] data = stream(g);
        int bufferSize = g.between(1, 1000);
        int segment = g.between(1, 700);
        List<byte[]> expected = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                int end = i > start && data[i - 1] == '\r' ? i - 1 : i;
                expected.add(Arrays.copyOfRange(data, start, end));
                start = i + 1;
            }
        }
        SmtpInput in = new SmtpInput(new SmtpInputTest.Trickle(data, segment), bufferSize);
        for (byte[] l : expected) {
            if (l.length <= 510) {
                byte[] got = in.readLine();
                assertThat(got).isEqualTo(l);
                assertThat(got.length).isLessThanOrEqualTo(510);
            } else {
                assertThatThrownBy(in::readLine).isInstanceOf(SmtpInput.LineTooLongException.class);
            }
        }
        assertThat(in.readLine()).isNull();
    }

    /** A BDAT chunk between command lines takes exactly its octets, whatever they are. */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds300")
    void chunksBetweenLines(long seed) throws IOException {
        Gen g = new Gen(seed);
        byte[] chunk = stream(g);
        int bufferSize = g.between(1, 1000);
        int bulkSize = g.between(1, 3000);
        int segment = g.between(1, 700);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(("BDAT " + chunk.length + " LAST\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        wire.write(chunk);
        wire.write(chunk);
        wire.write("QUIT\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // commands in a small buffer, content in a larger one (or not: bulkSize may be the smaller)
        SmtpInput in = new SmtpInput(new SmtpInputTest.Trickle(wire.toByteArray(), segment), bufferSize, bulkSize);
        assertThat(new String(in.readLine(), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("BDAT " + chunk.length + " LAST");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MessageReader r = new MessageReader(sink, Long.MAX_VALUE, false);
        in.readChunk(chunk.length, r);
        assertThat(r.result().size()).isEqualTo(chunk.length - (chunk.length > 0 && chunk[chunk.length - 1] == '\r' ? 1 : 0));
        in.skip(chunk.length);
        assertThat(in.readLine()).isEqualTo("QUIT".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(in.readLine()).isNull();
    }
}
