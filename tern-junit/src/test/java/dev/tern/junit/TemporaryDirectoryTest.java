package dev.tern.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** Each server's data directory: new, in the system's temporary directory, readable by its owner alone. */
class TemporaryDirectoryTest {
    @Test
    void aNewDirectoryOfTheOwnersAloneEachTime() throws Exception {
        Path a = TernMail.temporaryDirectory();
        Path b = TernMail.temporaryDirectory();
        try {
            assertThat(a).isNotEqualTo(b);
            assertThat(a.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
            assertThat(a.getFileName().toString()).startsWith("tern-junit-");
            assertThat(a).isEmptyDirectory();
            if (Files.getFileStore(a).supportsFileAttributeView("posix")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).isEqualTo("rwx------");
            }
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }
}
