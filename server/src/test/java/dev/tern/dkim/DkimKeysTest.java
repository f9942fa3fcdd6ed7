package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key store under {@code <data_dir>/dkim/}, and the DNS lookup against a server that never answers. */
class DkimKeysTest {
    @TempDir
    Path dir;

    @Test
    void generatedKeysAreStoredPrivatelyAndReadBack() throws Exception {
        DkimKeys keys = new DkimKeys(dir.resolve("dkim"));
        assertThat(keys.keysFor("example.org")).isEmpty();
        SigningKey ed = keys.generate("Example.ORG", "tern-ed", Algorithm.ED25519_SHA256, false);
        SigningKey rsa = keys.generate("example.org", "tern", Algorithm.RSA_SHA256, false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("dkim")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("dkim/example.org"))))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("dkim/example.org/tern.pem"))))
                .isEqualTo("rw-------");
        List<SigningKey> read = keys.keysFor("EXAMPLE.org.");
        assertThat(read).extracting(SigningKey::selector).containsExactly("tern", "tern-ed");
        assertThat(read).extracting(SigningKey::recordText).containsExactly(rsa.recordText(), ed.recordText());
        assertThat(rsa.zoneLine()).startsWith("tern._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=MIIBIjAN")
                .matches("[^\"]*( \"[^\"]{1,255}\")+");
        assertThat(ed.zoneLine()).matches("tern-ed\\._domainkey\\.example\\.org\\. IN TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"");
        assertThat(keys.keysFor("../etc")).isEmpty();
    }

    @Test
    void refusesToReplaceWithoutForceAndPicksUpChanges() throws Exception {
        DkimKeys keys = new DkimKeys(dir.resolve("dkim"));
        SigningKey first = keys.generate("example.org", "tern", Algorithm.RSA_SHA256, false);
        assertThat(keys.keysFor("example.org")).extracting(SigningKey::recordText).containsExactly(first.recordText());
        assertThatThrownBy(() -> keys.generate("example.org", "tern", Algorithm.RSA_SHA256, false))
                .isInstanceOf(FileAlreadyExistsException.class);
        SigningKey second = keys.generate("example.org", "tern", Algorithm.RSA_SHA256, true);
        assertThat(keys.keysFor("example.org")).extracting(SigningKey::recordText).containsExactly(second.recordText());
        keys.generate("example.org", "more", Algorithm.ED25519_SHA256, false);
        assertThat(keys.keysFor("example.org")).extracting(SigningKey::selector).containsExactly("tern", "more");
        Files.delete(dir.resolve("dkim/example.org/more.pem"));
        assertThat(keys.keysFor("example.org")).extracting(SigningKey::selector).containsExactly("tern");
    }

    @Test
    void anUnreadableFileIsSkipped() throws Exception {
        DkimKeys keys = new DkimKeys(dir.resolve("dkim"));
        keys.generate("example.org", "tern", Algorithm.RSA_SHA256, false);
        Files.writeString(dir.resolve("dkim/example.org/broken.pem"), "not a key");
        assertThat(keys.keysFor("example.org")).extracting(SigningKey::selector).containsExactly("tern");
        assertThatThrownBy(() -> Keys.fromPem("not a key")).hasMessage("no PEM block (-----BEGIN ...-----)");
        assertThat(keys.load("example.org").problems())
                .containsExactly(dir.resolve("dkim/example.org/broken.pem") + ": no PEM block (-----BEGIN ...-----)");
    }

    @Test
    void aFileMendedWithoutANewModificationTimeIsReadAgain() throws Exception {
        DkimKeys keys = new DkimKeys(dir.resolve("dkim"));
        Path file = dir.resolve("dkim/example.org/tern-ed.pem");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "not a key");
        var time = Files.getLastModifiedTime(file);
        var dirTime = Files.getLastModifiedTime(file.getParent());
        assertThat(keys.load("example.org").keys()).isEmpty();
        // as chmod would: the file becomes usable, and no modification time changes
        Files.writeString(file, Keys.toPem(Keys.generate(Algorithm.ED25519_SHA256).getPrivate()));
        Files.setLastModifiedTime(file, time);
        Files.setLastModifiedTime(file.getParent(), dirTime);
        DkimKeys.Loaded loaded = keys.load("example.org");
        assertThat(loaded.keys()).extracting(SigningKey::selector).containsExactly("tern-ed");
        assertThat(loaded.problems()).isEmpty();
    }

    @Test
    void aDnsServerThatNeverAnswersIsATemporaryError() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsTxtLookup lookup = new DnsTxtLookup(new dev.tern.dns.DnsjavaLookup(
                    dev.tern.dns.Resolvers.of(List.of((InetSocketAddress) silent.getLocalSocketAddress()),
                            Duration.ofMillis(300)), java.time.Clock.systemUTC(), Duration.ofMillis(300), 10));
            assertThat(lookup.txt("tern._domainkey.example.org")).isInstanceOf(TxtLookup.TempError.class);
        }
    }
}
