package dev.tern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsContextTest {
    @TempDir
    Path dir;
    final Clock clock = Clock.systemUTC();

    static String cn(TlsContext t) {
        return t.certificate().getSubjectX500Principal().getName();
    }

    @Test
    void selfSignedIsMadeOnceAndReused() throws Exception {
        Path tlsDir = dir.resolve("tls");
        TlsContext first = TlsContext.create(null, null, "mx.example.org", tlsDir, Duration.ZERO, clock);
        assertThat(cn(first)).isEqualTo("CN=mx.example.org");
        assertThat(first.certificate().getSubjectAlternativeNames()).anySatisfy(
                n -> assertThat(n.get(1)).isEqualTo("mx.example.org"));
        Path key = tlsDir.resolve(SelfSigned.KEY_FILE);
        assertThat(Files.getPosixFilePermissions(key))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        TlsContext second = TlsContext.create(null, null, "mx.example.org", tlsDir, Duration.ZERO, clock);
        assertThat(second.certificate()).isEqualTo(first.certificate());
        assertThat(second.enabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        // an unreadable one is replaced
        Files.writeString(tlsDir.resolve(SelfSigned.CERT_FILE), "garbage");
        TlsContext third = TlsContext.create(null, null, "mx.example.org", tlsDir, Duration.ZERO, clock);
        assertThat(third.certificate().getSerialNumber()).isNotEqualTo(first.certificate().getSerialNumber());
    }

    @Test
    void reloadsWhenTheFilesChangeAndKeepsTheOldOnesWhenBroken() throws Exception {
        Path cert = dir.resolve("fullchain.pem");
        Path key = dir.resolve("privkey.pem");
        SelfSigned.generate(cert, key, "one.example.org", clock);
        TlsContext t = TlsContext.create(cert, key, "ignored", dir.resolve("tls"), Duration.ZERO, clock);
        assertThat(cn(t)).isEqualTo("CN=one.example.org");
        SelfSigned.generate(cert, key, "two.example.org", clock);
        assertThat(cn(t)).isEqualTo("CN=two.example.org");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        assertThat(cn(t)).isEqualTo("CN=two.example.org");
        assertThat(t.enabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2"); // still serves
        assertThat(Files.exists(dir.resolve("tls"))).isFalse(); // no self-signed one when files are configured
    }

    @Test
    void aContextLoadedInTheBackgroundIsWaitedForAndToldItIsWanted() throws Exception {
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        CountDownLatch write = new CountDownLatch(1);
        TlsContext t = TlsContext.inBackground(() -> {
            assertThat(write.await(30, TimeUnit.SECONDS)).isTrue();
            SelfSigned.generate(cert, key, "later.example.org", clock);
            return null;
        }, cert, key, clock, write::countDown);
        // the handshake waits, and tells the load it is wanted: the load goes on
        assertThat(cn(t)).isEqualTo("CN=later.example.org");
        assertThat(t.enabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    void aFailedBackgroundLoadFailsEachHandshakeWithItsReason() throws Exception {
        Path cert = dir.resolve("server.pem");
        TlsContext t = TlsContext.inBackground(() -> {
            throw new IOException("disk full");
        }, cert, dir.resolve("server.key"), clock, () -> { });
        try (java.net.Socket plain = new java.net.Socket()) {
            assertThatThrownBy(() -> t.wrap(plain)).isInstanceOf(IOException.class)
                    .hasMessage("TLS is not available: disk full");
        }
        assertThatThrownBy(t::certificate).hasMessageContaining("TLS is not available: disk full");
    }

    @Test
    void reloadIsCheckedAtMostEveryInterval() throws Exception {
        Path cert = dir.resolve("fullchain.pem");
        Path key = dir.resolve("privkey.pem");
        SelfSigned.generate(cert, key, "one.example.org", clock);
        MutableClock c = new MutableClock();
        TlsContext t = TlsContext.create(cert, key, "x", dir, Duration.ofSeconds(3), c);
        SelfSigned.generate(cert, key, "two.example.org", clock);
        assertThat(cn(t)).isEqualTo("CN=one.example.org");
        c.now = c.now.plusSeconds(3);
        assertThat(cn(t)).isEqualTo("CN=two.example.org");
    }

    @Test
    void rsaKeysInPkcs8AndTraditionalForm() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        X500Name n = new X500Name("CN=rsa.example.org");
        Instant now = Instant.now();
        X509Certificate c = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(n,
                BigInteger.TEN, Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(86400)), n, kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        Path cert = dir.resolve("cert.pem");
        Files.write(cert, Pem.encode(c));
        Path traditional = dir.resolve("rsa-traditional.pem");
        Files.write(traditional, Pem.encode(kp)); // BEGIN RSA PRIVATE KEY
        assertThat(Files.readString(traditional)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Path pkcs8 = dir.resolve("rsa-pkcs8.pem");
        Files.write(pkcs8, Pem.encode(new JcaPKCS8Generator(kp.getPrivate(), null).generate()));
        assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN PRIVATE KEY-----");
        for (Path key : new Path[] {traditional, pkcs8}) {
            TlsContext t = TlsContext.create(cert, key, "x", dir, Duration.ZERO, clock);
            assertThat(cn(t)).isEqualTo("CN=rsa.example.org");
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        Path cert = dir.resolve("a.pem");
        Path key = dir.resolve("a.key");
        SelfSigned.generate(cert, key, "a.example.org", clock);
        Path otherKey = dir.resolve("b.key");
        SelfSigned.generate(dir.resolve("b.pem"), otherKey, "b.example.org", clock);
        assertThatThrownBy(() -> TlsContext.create(cert, otherKey, "x", dir, Duration.ZERO, clock))
                .isInstanceOf(IOException.class).hasMessageContaining("does not belong to the certificate");
        assertThatThrownBy(() -> TlsContext.create(dir.resolve("missing.pem"), key, "x", dir, Duration.ZERO, clock))
                .isInstanceOf(IOException.class);
        Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> TlsContext.create(dir.resolve("empty.pem"), key, "x", dir, Duration.ZERO, clock))
                .isInstanceOf(IOException.class).hasMessageContaining("no \"BEGIN CERTIFICATE\" block");
    }

    static final class MutableClock extends Clock {
        Instant now = Instant.now();

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
