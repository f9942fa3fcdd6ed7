package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.config.ConfigLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration built in code for a test that sets no key is the one ConfigLoader reads from the TOML. */
class CaptureConfigTest {
    @TempDir
    Path dir;

    @Test
    void builtInCodeEqualsWhatTheLoaderReads() throws Exception {
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        assertThat(CaptureConfig.of(dir, cert, key))
                .isEqualTo(ConfigLoader.parse(new TernMail().toml(dir, cert, key), "tern-junit", false));
    }

    @Test
    void aKeyTheTestSetsIsRead() {
        try (TernMail mail = new TernMail().withConfig("limits.max_recipients", "3")) {
            mail.start();
            assertThat(mail.tern().config().limits().maxRecipients()).isEqualTo(3);
        }
    }
}
