package dev.tern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK's reading of plain certificate and PKCS#8 files gives what Bouncy Castle's gives; the rest goes to it. */
class PemTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateAndAPkcs8EcKeyReadTheSameByTheJdkAsByBouncyCastle() throws IOException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSigned.generate(cert, key, "mx.example.org", Clock.systemUTC());

        assertThat(Pem.certificates(cert))
                .isEqualTo(Pem.certificatesByBouncyCastle(Files.readString(cert), cert)).hasSize(1);
        PrivateKey k = Pem.privateKey(key);
        assertThat(k.getAlgorithm()).isEqualTo("EC");
        assertThat(k.getEncoded()).isEqualTo(Pem.privateKeyByBouncyCastle(Files.readString(key), key).getEncoded());
    }

    @Test
    void aPkcs8RsaKeyIsReadByTheJdk() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        PrivateKey rsa = g.generateKeyPair().getPrivate();
        Path key = dir.resolve("rsa.pem");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(rsa.getEncoded())
                + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        assertThat(Pem.privateKey(key).getEncoded()).isEqualTo(rsa.getEncoded());
    }

    @Test
    void aFileWithKeyAndCertificateTogetherStillReads() throws IOException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        SelfSigned.generate(cert, key, "mx.example.org", Clock.systemUTC());
        Path both = dir.resolve("both.pem");
        Files.writeString(both, Files.readString(key) + Files.readString(cert));
        assertThat(Pem.certificates(both)).isEqualTo(Pem.certificates(cert));
        assertThat(Pem.privateKey(both).getEncoded()).isEqualTo(Pem.privateKey(key).getEncoded());
    }

    @Test
    void aBrokenCertificateIsStillRefused() throws IOException {
        Path cert = dir.resolve("bad.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> Pem.certificates(cert)).isInstanceOf(IOException.class);
    }
}
