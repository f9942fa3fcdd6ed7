package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 #14: what stops Tern from starting is one line {@code FILE: KEY: REASON} and exit status 2, from
 * {@code tern serve} and, before a start, from {@code tern config check}.
 */
class StartErrorsTest {
    private final PrintStream savedOut = System.out;
    private final PrintStream savedErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int tern(String... args) {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        return Main.run(args);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A configuration with no listeners, data in the temporary directory, and the tables {@code extra}. */
    private Path config(String extra) throws IOException {
        Path file = dir.resolve("tern.toml");
        Files.writeString(file, """
                hostname = "mx.example.org"
                data_dir = "data"

                [listen]
                smtp = []
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                http = []
                """ + extra);
        return file;
    }

    @Test
    void aMissingCertificateNamesTheKey() throws IOException {
        Path file = config("[tls]\ncertificate = \"/nonexistent/c.pem\"\nprivate_key = \"/nonexistent/k.pem\"\n");
        for (String command : new String[] {"serve", "check"}) {
            err.reset();
            int status = command.equals("serve") ? tern("serve", "-c", file.toString())
                    : tern("config", "check", "-c", file.toString());
            assertThat(status).as(command).isEqualTo(2);
            assertThat(stderr()).as(command).isEqualTo(
                    file + ": tls.certificate: \"/nonexistent/c.pem\" does not exist" + System.lineSeparator());
        }
    }

    @Test
    void aKeyPathThatIsADirectoryNamesTheKey() throws IOException {
        Path cert = Files.writeString(dir.resolve("c.pem"), "not a certificate\n");
        Path key = Files.createDirectory(dir.resolve("k.pem"));
        Path file = config("[tls]\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"\n");
        assertThat(tern("serve", "-c", file.toString())).isEqualTo(2);
        assertThat(stderr()).isEqualTo(file + ": tls.private_key: \"" + key + "\" is a directory, not a file"
                + System.lineSeparator());
        assertThat(cert).exists();
    }

    @Test
    void anUnreadableCertificateNamesTheKey() throws IOException {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x\n");
        Files.writeString(dir.resolve("k.pem"), "x\n");
        Files.setPosixFilePermissions(cert, java.util.Set.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(cert), "root reads every file");
        Path file = config("[tls]\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"\n");
        assertThat(tern("serve", "-c", file.toString())).isEqualTo(2);
        assertThat(stderr()).isEqualTo(file + ": tls.certificate: \"" + cert + "\" cannot be read: permission denied"
                + System.lineSeparator());
    }

    @Test
    void aCertificateThatDoesNotLoadNamesTheKey() throws IOException {
        Files.writeString(dir.resolve("c.pem"), "not a certificate\n");
        Files.writeString(dir.resolve("k.pem"), "not a key\n");
        Path file = config("[tls]\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"\n");
        assertThat(tern("serve", "-c", file.toString())).isEqualTo(2);
        assertThat(stderr()).startsWith(file + ": tls.certificate: ").doesNotContain("\n" + file)
                .endsWith(System.lineSeparator());
    }

    @Test
    void aBusyPortNamesTheListener() throws IOException {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String address = "127.0.0.1:" + busy.getLocalPort();
            Path file = config("").resolveSibling("busy.toml");
            Files.writeString(file, Files.readString(config("")).replace("http = []", "http = [\"" + address + "\"]"));
            String expected = file + ": listen.http: cannot listen on \"" + address + "\": address already in use"
                    + " (another program listens there; is Tern already running?)" + System.lineSeparator();

            assertThat(tern("config", "check", "-c", file.toString())).isEqualTo(2);
            assertThat(stderr()).isEqualTo(expected);

            err.reset();
            assertThat(tern("serve", "-c", file.toString())).isEqualTo(2);
            assertThat(stderr()).isEqualTo(expected);

            String smtp = Files.readString(file).replace("http = [\"" + address + "\"]", "http = []")
                    .replace("smtp = []", "smtp = [\"" + address + "\"]");
            Files.writeString(file, smtp);
            err.reset();
            assertThat(tern("serve", "-c", file.toString())).isEqualTo(2);
            assertThat(stderr()).isEqualTo(expected.replace("listen.http", "listen.smtp"));
        }
    }

    @Test
    void aSecondHttpAddressIsAnError() throws IOException {
        Path file = config("");
        Files.writeString(file, Files.readString(file)
                .replace("http = []", "http = [\"127.0.0.1:0\", \"[::1]:0\"]"));
        assertThat(tern("serve", "-c", file.toString())).isEqualTo(2);
        assertThat(stderr()).isEqualTo(file + ": listen.http: the HTTP listener takes one address, not 2;"
                + " list only one" + System.lineSeparator());
    }

    @Test
    void dataDirThatIsAFile() throws IOException {
        Files.writeString(dir.resolve("data"), "");
        Path file = config("");
        assertThat(tern("config", "check", "-c", file.toString())).isEqualTo(2);
        assertThat(stderr()).isEqualTo(file + ": data_dir: \"" + dir.resolve("data") + "\" is not a directory"
                + System.lineSeparator());
    }

    @Test
    void checkPrintsEveryKeyAndWhetherItIsTheDefault() throws IOException {
        Path file = config("");
        assertThat(tern("config", "check", "-c", file.toString())).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith(file + ": ok")
                .containsPattern("hostname += \"mx.example.org\"\n")
                .containsPattern("limits.max_recipients += 100 +\\(default\\)")
                .containsPattern("listen.smtp += \\[\\]\n")
                .containsPattern("queue.retry_max += \"15m\" +\\(default\\)");
        for (dev.tern.config.Key<?> k : dev.tern.config.Keys.ALL) {
            assertThat(text).contains("  " + k.name() + " ");
        }
    }

    @Test
    void keysListsTheTable() {
        assertThat(tern("config", "keys")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("limits.max_recipients (whole number, 1 to 100000; default 100)\n"
                        + "    recipients accepted for one message\n")
                .contains("queue.delay_warning (duration, \"0\" or \"100ms\" to \"365d\"; default \"4h\")");
    }
}
