package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.dkim.Algorithm;
import dev.tern.dkim.DkimKeys;
import dev.tern.dns.TestDnsServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tern dns check} and {@code tern dns spf} against a DNS server on loopback, with a config naming it. */
class DnsCommandTest {
    @TempDir
    Path dir;
    private TestDnsServer dns;
    private Path config;
    private final PrintStream savedOut = System.out;
    private final PrintStream savedErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        dns = new TestDnsServer();
        config = dir.resolve("tern.toml");
        Files.writeString(config, "hostname = \"mail.example.test\"\n"
                + "data_dir = '" + dir.resolve("data").toAbsolutePath() + "'\n"
                + "local_domains = [\"example.test\"]\n"
                + "[dns]\nservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n");
    }

    @AfterEach
    void stop() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        dns.close();
    }

    private int tern(String... args) {
        out.reset();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        return Main.run(args);
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }


    @Test
    void anEmptyZoneNeedsEveryRecordAndAKey() {
        assertThat(tern("dns", "check", "example.test", "--config", config.toString())).isEqualTo(1);
        assertThat(output()).isEqualTo("""
                missing   MX    example.test
                          publish: example.test. IN MX 10 mail.example.test.
                missing   SPF   example.test
                          publish: example.test. IN TXT "v=spf1 mx -all"
                missing   DKIM  example.test
                          note:    no DKIM key for example.test: run `tern dkim keygen example.test`
                missing   DMARC _dmarc.example.test
                          publish: _dmarc.example.test. IN TXT "v=DMARC1; p=none"
                5 record(s) to publish or fix
                """.replace("\n", System.lineSeparator()).replace("5 record", "4 record"));
    }

    @Test
    void aCompleteZoneIsAllPresentAndEachDifferenceIsShown() throws Exception {
        // the keys as `tern dkim keygen example.test` makes them
        DkimKeys store = new DkimKeys(dir.resolve("data/dkim"));
        String rsaP = store.generate("example.test", "tern", Algorithm.RSA_SHA256, false).publicKeyText();
        String edP = store.generate("example.test", "tern-ed", Algorithm.ED25519_SHA256, false).publicKeyText();

        dns.mx("example.test", 10, "mail.example.test").ip("mail.example.test", "127.0.0.25")
                .txt("example.test", "v=spf1 a:other.example.test -all").ip("other.example.test", "127.0.0.99")
                .txt("tern._domainkey.example.test", "v=DKIM1; k=rsa; p=" + rsaP)
                .txt("_dmarc.example.test", "v=DMARC1; p=reject");
        assertThat(tern("dns", "check", "example.test", "--config", config.toString())).isEqualTo(1);
        String report = output();
        assertThat(report).contains("present   MX    example.test" + System.lineSeparator()
                        + "          found:   \"10 mail.example.test.\"")
                .contains("different SPF   example.test" + System.lineSeparator()
                        + "          found:   \"v=spf1 a:other.example.test -all\"" + System.lineSeparator()
                        + "          note:    gives fail for 127.0.0.25 (mail.example.test): domain of "
                        + "postmaster@example.test does not designate 127.0.0.25 as permitted sender")
                .contains("present   DKIM  tern._domainkey.example.test")
                .contains("missing   DKIM  tern-ed._domainkey.example.test" + System.lineSeparator()
                        + "          publish: tern-ed._domainkey.example.test. IN TXT \"v=DKIM1; k=ed25519; p=" + edP + "\"")
                .contains("present   DMARC _dmarc.example.test")
                .endsWith("2 record(s) to publish or fix" + System.lineSeparator());
        // the RSA record is longer than 255 octets: the record to publish is split into strings
        assertThat(rsaP.length()).isGreaterThan(255);

        dns.close();
        dns = new TestDnsServer();
        Files.writeString(config, Files.readString(config).replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:" + dns.address().getPort()));
        dns.mx("example.test", 10, "mail.example.test").ip("mail.example.test", "127.0.0.25")
                .txt("example.test", "v=spf1 mx -all")
                .txt("tern._domainkey.example.test", "v=DKIM1; k=rsa; p=" + rsaP)
                .txt("tern-ed._domainkey.example.test", "v=DKIM1; k=ed25519; p=" + edP)
                .txt("_dmarc.example.test", "v=DMARC1; p=reject");
        assertThat(tern("dns", "check", "example.test", "--config", config.toString())).as(output()).isZero();
        assertThat(output()).endsWith("all records present" + System.lineSeparator());
    }

    @Test
    void hiddenSpfCommand() {
        dns.txt("example.test", "v=spf1 ip4:127.0.0.0/8 -all exp=why.example.test").txt("why.example.test", "no %{c}");
        assertThat(tern("dns", "spf", "127.0.0.5", "a@example.test", "h.example.test", "--config", config.toString()))
                .isZero();
        assertThat(output()).startsWith("pass" + System.lineSeparator());
        assertThat(tern("dns", "spf", "::1", "a@example.test", "h.example.test", "--config", config.toString())).isZero();
        assertThat(output()).isEqualTo(String.join(System.lineSeparator(), "fail",
                "reason: domain of a@example.test does not designate ::1 as permitted sender", "explanation: no ::1", ""));
        assertThat(tern("dns", "spf", "not.an.ip", "a@example.test", "h", "--config", config.toString())).isEqualTo(2);
        java.io.InputStream savedIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(
                    "127.0.0.5 a@example.test h.test\n::1 <> example.test\nbad line\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(tern("dns", "spf", "--stdin", "--config", config.toString())).isZero();
        } finally {
            System.setIn(savedIn);
        }
        assertThat(output()).isEqualTo(String.join(System.lineSeparator(), "pass", "fail", "usage", ""));
    }
}
