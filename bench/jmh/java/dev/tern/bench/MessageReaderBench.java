package dev.tern.bench;

import dev.tern.smtp.MessageReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of the DATA reader ({@link MessageReader}): dot-unstuffing, CRLF checks and end-of-data detection
 * over a message of {@code size} octets fed in 16 KB blocks (the connection's buffer), into a sink that only
 * counts. Reported as time per message; bytes/s = size / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MessageReaderBench {
    @Param({"1024", "102400", "10485760"})
    public int size;

    /** DATA mode (dot-stuffed) or BDAT mode (chunks pass as they are). */
    @Param({"true", "false"})
    public boolean dotStuffed;

    private byte[] wire;

    @Setup
    public void setup() {
        StringBuilder sb = new StringBuilder(size + 100);
        sb.append("From: <a@example.org>\r\nTo: <b@example.test>\r\nSubject: bench\r\n\r\n");
        int i = 0;
        while (sb.length() < size) {
            // every 10th line starts with a dot, stuffed as the client would send it
            sb.append(i % 10 == 0 && dotStuffed ? ".." : "").append("line ").append(i++)
                    .append(" of the benchmark message, plain text of a usual length for mail\r\n");
        }
        if (dotStuffed) {
            sb.append(".\r\n");
        }
        wire = sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public void read(Blackhole bh) throws IOException {
        CountingSink sink = new CountingSink();
        MessageReader r = new MessageReader(sink, Long.MAX_VALUE, dotStuffed);
        int block = 16 * 1024;
        for (int off = 0; off < wire.length && !r.ended(); off += block) {
            r.feed(wire, off, Math.min(block, wire.length - off));
        }
        if (!dotStuffed) {
            r.finishChunks();
        }
        bh.consume(sink.n);
        bh.consume(r.result());
    }

    static final class CountingSink extends OutputStream {
        long n;

        @Override
        public void write(int b) {
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
        }
    }
}
