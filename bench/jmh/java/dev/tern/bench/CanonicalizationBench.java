package dev.tern.bench;

import dev.tern.dkim.BodyHasher;
import dev.tern.dkim.Canonicalization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

/**
 * DKIM body canonicalization and SHA-256 (the body hash, {@code bh=}) of 1 MiB of mail text, fed in 16 KB pieces
 * as the intake feeds it: operations per second are MiB/s. {@code none} is SHA-256 alone over the same octets,
 * what the canonicalization costs on top of.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CanonicalizationBench {
    private static final int PIECE = 16384;

    @Param({"relaxed", "simple", "none"})
    public String canonicalization;

    private byte[] body;

    @Setup
    public void setup() {
        // lines of usual length, with runs of spaces, a tab and trailing white space for relaxed to fold and strip
        byte[][] lines = {
            "a line of the benchmark message, plain text of a usual length for mail\r\n".getBytes(StandardCharsets.US_ASCII),
            "0123456789 abcdefghijklmnopqrstuvwxyz  ABCDEFGHIJKLMNOPQRSTUVWXYZ \t0123456789  \r\n"
                    .getBytes(StandardCharsets.US_ASCII),
            "> quoted text,   with  spaces\t\tand tabs between words, as replies have it \r\n"
                    .getBytes(StandardCharsets.US_ASCII),
            "\r\n".getBytes(StandardCharsets.US_ASCII),
        };
        body = new byte[1024 * 1024];
        int at = 0;
        for (int i = 0; at < body.length; i++) {
            byte[] line = lines[i % lines.length];
            int n = Math.min(line.length, body.length - at);
            System.arraycopy(line, 0, body, at, n);
            at += n;
        }
    }

    @Benchmark
    public byte[] bodyHash1MiB() throws NoSuchAlgorithmException {
        if (canonicalization.equals("none")) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (int at = 0; at < body.length; at += PIECE) {
                d.update(body, at, Math.min(PIECE, body.length - at));
            }
            return d.digest();
        }
        BodyHasher h = new BodyHasher(
                canonicalization.equals("relaxed") ? Canonicalization.RELAXED : Canonicalization.SIMPLE);
        for (int at = 0; at < body.length; at += PIECE) {
            h.update(body, at, Math.min(PIECE, body.length - at));
        }
        return h.digest();
    }
}
