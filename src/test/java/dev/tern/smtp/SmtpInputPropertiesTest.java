package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** (3) SmtpInput never returns a line over 510 octets and never loses or changes one. */
class SmtpInputPropertiesTest {

    @Provide
    Arbitrary<List<byte[]>> commandLines() {
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(0, 40)),
                Tuple.of(4, Arbitraries.integers().between(505, 515)),
                Tuple.of(1, Arbitraries.integers().between(0, 1500)));
        Arbitrary<Byte> octet = Arbitraries.bytes().filter(b -> b != '\r' && b != '\n');
        return length.flatMap(n -> octet.list().ofSize(n).map(MessageReaderPropertiesTest::bytes)).list().ofMaxSize(10);
    }

    @Provide
    Arbitrary<byte[]> stream() {
        return Arbitraries.frequencyOf(
                        Tuple.of(1, Arbitraries.just((byte) '\n')),
                        Tuple.of(1, Arbitraries.just((byte) '\r')),
                        Tuple.of(150, Arbitraries.bytes()))
                .list().ofMaxSize(3000).map(MessageReaderPropertiesTest::bytes);
    }

    @Property(tries = 200)
    void linesWrittenAreLinesRead(@ForAll("commandLines") List<byte[]> lines,
                                  @ForAll @IntRange(min = 1, max = 2000) int bufferSize,
                                  @ForAll @IntRange(min = 1, max = 700) int segment,
                                  @ForAll boolean lfOnly) throws IOException {
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
    @Property(tries = 200)
    void anyStream(@ForAll("stream") byte[] data,
                   @ForAll @IntRange(min = 1, max = 1000) int bufferSize,
                   @ForAll @IntRange(min = 1, max = 700) int segment) throws IOException {
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
    @Property(tries = 300)
    void chunksBetweenLines(@ForAll("stream") byte[] chunk,
                            @ForAll @IntRange(min = 1, max = 1000) int bufferSize,
                            @ForAll @IntRange(min = 1, max = 3000) int bulkSize,
                            @ForAll @IntRange(min = 1, max = 700) int segment) throws IOException {
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
