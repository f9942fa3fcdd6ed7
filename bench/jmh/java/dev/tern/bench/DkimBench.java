package dev.tern.bench;

import dev.tern.dkim.Algorithm;
import dev.tern.dkim.DkimResult;
import dev.tern.dkim.DkimSigner;
import dev.tern.dkim.DkimVerifier;
import dev.tern.dkim.Keys;
import dev.tern.dkim.SigningKey;
import dev.tern.dkim.TxtLookup;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Clock;
import java.util.List;
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
 * DKIM: signing and verifying a 2 KB message with RSA-2048 and with Ed25519 (body hash, header hash and the
 * signature; the key comes from memory, no DNS). {@code jdkSignatureOnly} is the JDK's signing alone, for
 * comparison. Canonicalization throughput in MB/s: {@link CanonicalizationBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DkimBench {
    @Param({"rsa-sha256", "ed25519-sha256"})
    public String algorithm;

    private byte[] message;
    private byte[] signed;
    private DkimSigner signer;
    private DkimVerifier verifier;
    private SigningKey key;

    @Setup
    public void setup() {
        Algorithm a = algorithm.equals("rsa-sha256") ? Algorithm.RSA_SHA256 : Algorithm.ED25519_SHA256;
        KeyPair pair = Keys.generate(a);
        key = new SigningKey("example.org", "bench", a, pair.getPrivate(), pair.getPublic());
        StringBuilder sb = new StringBuilder("From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
                + "Subject: bench\r\nDate: Mon, 30 Nov 2026 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\n");
        while (sb.length() < 2048) {
            sb.append("a line of the benchmark message, plain text of a usual length for mail\r\n");
        }
        message = sb.toString().getBytes(StandardCharsets.US_ASCII);
        signer = new DkimSigner(Clock.systemUTC());
        DkimSigner.Signed s = (DkimSigner.Signed) signer.start(d -> List.of(key)).finishWith(message);
        byte[] header = s.text().getBytes(StandardCharsets.US_ASCII);
        signed = new byte[header.length + message.length];
        System.arraycopy(header, 0, signed, 0, header.length);
        System.arraycopy(message, 0, signed, header.length, message.length);
        TxtLookup lookup = name -> new TxtLookup.Records(List.of(key.recordText()));
        verifier = new DkimVerifier(lookup, Clock.systemUTC(), DkimVerifier.Settings.defaults());
    }

    @Benchmark
    public Object sign() {
        return signer.start(d -> List.of(key)).finishWith(message);
    }

    @Benchmark
    public List<DkimResult> verify() {
        DkimVerifier.Session s = verifier.start();
        s.update(signed, 0, signed.length);
        List<DkimResult> r = s.finish();
        if (r.get(0).status() != DkimResult.Status.PASS) {
            throw new IllegalStateException(r.toString());
        }
        return r;
    }

    /** The JDK's signature alone over 300 octets, no DKIM around it: what {@link #sign} costs at least. */
    @Benchmark
    public byte[] jdkSignatureOnly() throws Exception {
        Signature s = Signature.getInstance(key.algorithm() == Algorithm.RSA_SHA256 ? "SHA256withRSA" : "Ed25519");
        s.initSign(key.privateKey());
        s.update(message, 0, 300);
        return s.sign();
    }
}
