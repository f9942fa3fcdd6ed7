package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tern dkim keygen|show|sign} as an operator runs them. */
class DkimCommandTest {
    @TempDir
    Path dir;

    private Path config;
    private final InputStream savedIn = System.in;
    private final PrintStream savedOut = System.out;
    private final PrintStream savedErr = System.err;
    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    @BeforeEach
    void setUp() throws Exception {
        config = dir.resolve("tern.toml");
        Files.writeString(config, "data_dir = '%s'\nlocal_domains = [\"example.org\"]\n".formatted(dir.resolve("data")));
    }

    @AfterEach
    void restore() {
        System.setIn(savedIn);
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int tern(String stdin, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = config.toString();
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.ISO_8859_1)));
        System.setOut(new PrintStream(out, true, StandardCharsets.ISO_8859_1));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        return Main.run(all);
    }

    private String out() {
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void keygenPrintsTheRecordsAndShowPrintsThemAgain() {
        assertThat(tern("", "dkim", "keygen", "Example.org")).isZero();
        String records = out();
        String[] lines = records.split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("tern._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=");
        assertThat(lines[1]).startsWith("tern-ed._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=");
        assertThat(Files.exists(dir.resolve("data/dkim/example.org/tern.pem"))).isTrue();
        assertThat(Files.exists(dir.resolve("data/dkim/example.org/tern-ed.pem"))).isTrue();

        assertThat(tern("", "dkim", "show", "example.org")).isZero();
        assertThat(out()).isEqualTo(records);

        assertThat(tern("", "dkim", "keygen", "example.org")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("tern.pem: exists already (use --force to replace it)");
        assertThat(tern("", "dkim", "keygen", "example.org", "--force")).isZero();
        assertThat(out()).isNotEqualTo(records);

        assertThat(tern("", "dkim", "keygen", "example.org", "--selector", "2026")).isZero();
        assertThat(out()).startsWith("2026._domainkey.example.org. IN TXT");
    }

    @Test
    void configCheckSaysWhichDomainsSign() {
        assertThat(tern("", "config", "check")).isZero();
        assertThat(out()).contains("  dkim: example.org: no key, mail from it is sent unsigned "
                + "(tern dkim keygen example.org)");
        assertThat(tern("", "dkim", "keygen", "example.org")).isZero();
        assertThat(tern("", "config", "check")).isZero();
        assertThat(out()).contains("  dkim: example.org: selectors tern, tern-ed");
    }

    @Test
    void configCheckNamesTheHostnameForNoticesAndKeysItCannotUse() throws Exception {
        Files.writeString(config, "hostname = \"mx.example.org\"\n" + Files.readString(config));
        assertThat(tern("", "dkim", "keygen", "example.org")).isZero();
        Files.writeString(dir.resolve("data/dkim/example.org/old.pem"), "not a key\n");
        assertThat(tern("", "config", "check")).isZero();
        assertThat(out()).contains("  dkim: example.org: selectors tern, tern-ed\n")
                .contains("  dkim: example.org: cannot use " + dir.resolve("data/dkim/example.org/old.pem")
                        + ": no PEM block (-----BEGIN ...-----)\n")
                .contains("  dkim: mx.example.org: no key, notices from it are sent unsigned"
                        + " (tern dkim keygen mx.example.org)\n");
    }

    @Test
    void badNamesAndMissingKeys() {
        assertThat(tern("", "dkim", "keygen", "not a domain")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not a domain: not a domain name");
        assertThat(tern("", "dkim", "keygen", "example.org", "--selector", "a_b")).isEqualTo(2);
        assertThat(tern("", "dkim", "show", "example.org")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no DKIM key for example.org");
    }

    @Test
    void signWritesTheSignaturesThenTheMessageWithCrlf() {
        assertThat(tern("", "dkim", "keygen", "example.org")).isZero();
        String message = "From: a@example.org\nTo: b@example.net\nSubject: hi\n\nbody\n";
        assertThat(tern(message, "dkim", "sign", "example.org", "--selector", "tern-ed")).isZero();
        String signed = out();
        assertThat(signed).startsWith("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org;\r\n\ts=tern-ed;")
                .endsWith(message.replace("\n", "\r\n"));
        assertThat(signed).doesNotContain("a=rsa-sha256");
        assertThat(tern(message, "dkim", "sign", "example.org")).isZero();
        assertThat(out()).contains("a=rsa-sha256").contains("a=ed25519-sha256");
    }
}
