package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hardening #11: mail and the queue are the owner's only, whatever the umask (this JVM's is usually 022):
 * messages, slots and state 0600, every directory under the data directory 0700; a data directory left
 * readable by an older version is made so at start.
 */
class FileModesTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture();

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static List<Path> dirs(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root, 4)) {
            return s.filter(Files::isDirectory).toList();
        }
    }

    @Test
    void deliveredMailAndTheQueueAreTheOwnersOnly() throws Exception {
        try (RawSmtp c = tern.open()) {
            String id = c.deliver("<a@b.example>", "Subject: mode\r\n\r\nx\r\n", "<alice@example.test>");
            tern.awaitDelivery(TernFixture.ALICE, id);
        }
        Path msg = tern.delivered(TernFixture.ALICE).getFirst();
        assertThat(mode(msg)).isEqualTo("rw-------");
        for (Path slot : Files.newDirectoryStream(tern.dataDir().resolve("spool/slots"))) {
            assertThat(mode(slot)).as(slot.toString()).isEqualTo("rw-------");
        }
        assertThat(dirs(tern.dataDir())).isNotEmpty().allSatisfy(d -> assertThat(mode(d)).as(d.toString())
                .isEqualTo("rwx------"));
        assertThat(dirs(tern.dataDir())).contains(tern.dataDir().resolve("mail/example.test/alice/new"),
                tern.dataDir().resolve("spool/slots"), tern.dataDir().resolve("spool/queue"));
    }

    @Test
    void aDataDirectoryReadableByOthersIsMadeOwnerOnlyAtStart() throws Exception {
        try (RawSmtp c = tern.open()) {
            String id = c.deliver("<a@b.example>", "Subject: old\r\n\r\nx\r\n", "<alice@example.test>");
            tern.awaitDelivery(TernFixture.ALICE, id);
        }
        tern.tern().shutdown(Duration.ofSeconds(2));
        // as an older Tern under umask 022 left it
        for (Path d : dirs(tern.dataDir())) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path msg = tern.delivered(TernFixture.ALICE).getFirst();
        Files.setPosixFilePermissions(msg, PosixFilePermissions.fromString("rw-r--r--"));

        Tern again = Tern.start(ConfigLoader.parse(tern.toml(), "test.toml", false));
        try {
            assertThat(dirs(tern.dataDir())).allSatisfy(d -> assertThat(mode(d)).as(d.toString())
                    .isEqualTo("rwx------"));
            assertThat(dirs(tern.dataDir())).contains(tern.dataDir().resolve("mail/example.test/alice/new"));
        } finally {
            again.shutdown(Duration.ofSeconds(2));
        }
    }
}
