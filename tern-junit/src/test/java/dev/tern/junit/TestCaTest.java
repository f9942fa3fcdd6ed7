package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test CA is made once and read back from the cache by later starts; a broken cache is made again. */
class TestCaTest {
    @TempDir
    Path root;

    @Test
    void madeOnceThenReadBack() throws Exception {
        TestCa first = TestCa.cached(root);
        TestCa again = TestCa.cached(root);
        assertThat(again.certificate()).isEqualTo(first.certificate());
        assertThat(again.serverCertificate()).isEqualTo(first.serverCertificate());
        assertThat(again.serverKeyPem()).isEqualTo(first.serverKeyPem());
        Path dir = root.resolve("test-ca-1");
        assertThat(dir.resolve("server.key")).exists();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca.pem", "server.pem",
                    "server.key"); // never the CA's key
        }
        try (var left = Files.list(root)) {
            assertThat(left).hasSize(1); // no temporary directory left behind
        }
    }

    @Test
    void aBrokenCacheIsMadeAgain() throws Exception {
        TestCa first = TestCa.cached(root);
        Files.writeString(root.resolve("test-ca-1").resolve("server.pem"), "garbage");
        TestCa second = TestCa.cached(root);
        assertThat(second.certificate()).isNotEqualTo(first.certificate());
        assertThat(TestCa.cached(root).certificate()).isEqualTo(second.certificate());
    }

    @Test
    void aServerStartedFromTheCacheServesTheCachedCertificate() {
        try (TernMail mail = new TernMail()) {
            mail.start();
            assertThat(mail.tern().tls().certificate()).isEqualTo(mail.ca().serverCertificate());
            assertThat(mail.ca().serverCertificate().getNotAfter()).isAfter(new java.util.Date());
        }
    }
}
