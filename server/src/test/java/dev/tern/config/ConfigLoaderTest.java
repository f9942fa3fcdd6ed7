package dev.tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "test.toml", false);
    }

    private static ConfigException error(String toml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(toml));
        assertThat(e).as("no error for:\n%s", toml).isNotNull();
        assertThat(e.getMessage()).as("one line").doesNotContain("\n").doesNotContain("\r");
        assertThat(e.file()).isEqualTo("test.toml");
        return e;
    }

    private static Config.HostPort hp(String host, int port) {
        return new Config.HostPort(host, port);
    }

    // ------------------------------------------------------------------------------------ value syntaxes

    @Nested
    class Sizes {
        @ParameterizedTest
        @CsvSource({
            "512, 512",
            "0, 0",
            "1B, 1",
            "10KB, 10240",
            "10kb, 10240",
            "'10 KB', 10240",
            "35MB, 36700160",
            "1GB, 1073741824",
            "2TB, 2199023255552",
            "' 7MB ', 7340032",
        })
        void valid(String text, long bytes) {
            assertThat(ConfigLoader.parseSize(text)).isEqualTo(bytes);
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "''           | '\"\" is not a size; write a number of bytes or a number with KB, MB or GB, such as \"35MB\"'",
            "many         | '\"many\" is not a size: write a number of bytes or a number with KB, MB or GB, such as \"35MB\"'",
            "1.5MB        | '\"1.5MB\" is not a size: write a whole number with a smaller unit (\"1536KB\", not \"1.5MB\")'",
            "-1           | '\"-1\" is not a size: it must not be negative'",
            "10XB         | '\"10XB\" is not a size: unknown unit \"XB\" (use B, KB, MB, GB or TB; 1KB = 1024 bytes)'",
            "10 K         | '\"10 K\" is not a size: unknown unit \"K\" (use B, KB, MB, GB or TB; 1KB = 1024 bytes)'",
            "9999999TB    | '\"9999999TB\" is too large'",
            "99999999999999999999 | '\"99999999999999999999\" is too large'",
        })
        void invalid(String text, String message) {
            assertThatThrownBy(() -> ConfigLoader.parseSize(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }
    }

    @Nested
    class Durations {
        @ParameterizedTest
        @CsvSource({
            "0, PT0S",
            "0s, PT0S",
            "500ms, PT0.5S",
            "2s, PT2S",
            "15m, PT15M",
            "4h, PT4H",
            "5d, PT120H",
            "1h30m, PT1H30M",
            "'1h 30m', PT1H30M",
            "'90 s', PT1M30S",
        })
        void valid(String text, String iso) {
            assertThat(ConfigLoader.parseDuration(text)).isEqualTo(Duration.parse(iso));
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "''       | '\"\" is not a duration; write a number and a unit, such as \"30s\" or \"5m\"'",
            "5        | '\"5\" is not a duration: it has no unit (write \"5s\", \"5m\", \"5h\" or \"5d\")'",
            "5x       | '\"5x\" is not a duration: unknown unit \"x\" (use ms, s, m, h or d)'",
            "5M       | '\"5M\" is not a duration: unknown unit \"M\" (use ms, s, m, h or d)'",
            "1.5h     | '\"1.5h\" is not a duration: write whole numbers with a smaller unit (\"90m\", not \"1.5h\")'",
            "-5s      | '\"-5s\" is not a duration: it must not be negative'",
            "h        | '\"h\" is not a duration: write a number and a unit (ms, s, m, h or d), such as \"30s\" or \"1h30m\"'",
            "5s!      | '\"5s!\" is not a duration: write a number and a unit (ms, s, m, h or d), such as \"30s\" or \"1h30m\"'",
            "99999999999999999d | '\"99999999999999999d\" is too large'",
        })
        void invalid(String text, String message) {
            assertThatThrownBy(() -> ConfigLoader.parseDuration(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }
    }

    @Nested
    class Cidrs {
        @ParameterizedTest
        @CsvSource({
            "10.0.0.0/8, 10.0.0.0, 8",
            "192.0.2.0/24, 192.0.2.0, 24",
            "127.0.0.1, 127.0.0.1, 32",
            "0.0.0.0/0, 0.0.0.0, 0",
            "203.0.113.9/32, 203.0.113.9, 32",
            "::1/128, ::1, 128",
            "::1, ::1, 128",
            "::/0, ::, 0",
            "2001:db8::/32, 2001:db8::, 32",
            "2001:DB8:0:0:0:0:0:0/32, 2001:db8::, 32",
            "64:ff9b::192.0.2.1/128, 64:ff9b::c000:201, 128",
            "fe80::/10, fe80::, 10",
            "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8, 128",
        })
        void valid(String text, String network, int prefix) throws Exception {
            Cidr c = ConfigLoader.parseCidr(text);
            assertThat(c.network()).isEqualTo(InetAddress.getByName(network));
            assertThat(c.prefixLength()).isEqualTo(prefix);
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "10.0.0.0/33        | '\"10.0.0.0/33\" is not a network: the prefix length must be a number from 0 to 32 for IPv4'",
            "::1/129            | '\"::1/129\" is not a network: the prefix length must be a number from 0 to 128 for IPv6'",
            "10.0.0.0/          | '\"10.0.0.0/\" is not a network: the prefix length must be a number from 0 to 32 for IPv4'",
            "10.0.0.0/x         | '\"10.0.0.0/x\" is not a network: the prefix length must be a number from 0 to 32 for IPv4'",
            "10.1.2.3/8         | '\"10.1.2.3/8\" is not a network: bits are set after the prefix; did you mean \"10.0.0.0/8\"?'",
            "2001:db8::1/32     | '\"2001:db8::1/32\" is not a network: bits are set after the prefix; did you mean \"2001:db8::/32\"?'",
            "foo                | '\"foo\" is not a network: \"foo\" is not an IPv4 or IPv6 address'",
            "localhost/8        | '\"localhost/8\" is not a network: \"localhost\" is not an IPv4 or IPv6 address'",
            "256.0.0.0/8        | '\"256.0.0.0/8\" is not a network: \"256.0.0.0\" is not an IPv4 or IPv6 address'",
            "010.0.0.0/8        | '\"010.0.0.0/8\" is not a network: \"010.0.0.0\" is not an IPv4 or IPv6 address'",
            "10.0.0/8           | '\"10.0.0/8\" is not a network: \"10.0.0\" is not an IPv4 or IPv6 address'",
            "1:2:3:4:5:6:7:8:9  | '\"1:2:3:4:5:6:7:8:9\" is not a network: \"1:2:3:4:5:6:7:8:9\" is not an IPv4 or IPv6 address'",
            "1::2::3            | '\"1::2::3\" is not a network: \"1::2::3\" is not an IPv4 or IPv6 address'",
            ":::                | '\":::\" is not a network: \":::\" is not an IPv4 or IPv6 address'",
            "fe80::1%eth0       | '\"fe80::1%eth0\" is not a network: \"fe80::1%eth0\" is not an IPv4 or IPv6 address'",
            "12345::/16         | '\"12345::/16\" is not a network: \"12345::\" is not an IPv4 or IPv6 address'",
            "::ffff:10.0.0.0/104 | '\"::ffff:10.0.0.0/104\" is not a network: write IPv4 networks in dotted form, such as \"192.0.2.0/24\"'",
            "/8                 | '\"/8\" is not a network: write an IPv4 or IPv6 address with an optional /prefix, such as \"192.0.2.0/24\"'",
        })
        void invalid(String text, String message) {
            assertThatThrownBy(() -> ConfigLoader.parseCidr(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }

        @ParameterizedTest
        @CsvSource({
            "10.0.0.0/8, 10.0.0.1, true",
            "10.0.0.0/8, 10.255.255.255, true",
            "10.0.0.0/8, 11.0.0.0, false",
            "10.0.0.0/8, 9.255.255.255, false",
            "192.0.2.0/25, 192.0.2.127, true",
            "192.0.2.0/25, 192.0.2.128, false",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "0.0.0.0/0, 203.0.113.7, true",
            "0.0.0.0/0, ::1, false",
            "127.0.0.1/32, 127.0.0.1, true",
            "127.0.0.1/32, 127.0.0.2, false",
            "127.0.0.0/8, ::1, false",
            "::1/128, ::1, true",
            "::1/128, ::2, false",
            "::1/128, 127.0.0.1, false",
            "::/0, 2001:db8::1, true",
            "::/0, 10.0.0.1, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "fe80::/10, febf::1, true",
            "fe80::/10, fec0::1, false",
        })
        void contains(String cidr, String address, boolean expected) throws Exception {
            assertThat(ConfigLoader.parseCidr(cidr).contains(InetAddress.getByName(address))).isEqualTo(expected);
        }

        @Test
        void toStringIsTheTextForm() {
            assertThat(ConfigLoader.parseCidr("10.0.0.0/8")).hasToString("10.0.0.0/8");
            assertThat(ConfigLoader.parseCidr("127.0.0.1")).hasToString("127.0.0.1/32");
        }
    }

    @Nested
    class HostPorts {
        @ParameterizedTest
        @CsvSource({
            "0.0.0.0:25, 0.0.0.0, 25",
            "127.0.0.1:0, 127.0.0.1, 0",
            "[::1]:25, ::1, 25",
            "[::]:65535, ::, 65535",
            "[2001:db8::7]:587, 2001:db8::7, 587",
            "localhost:2525, localhost, 2525",
            "mx.example.org:25, mx.example.org, 25",
        })
        void valid(String text, String host, int port) {
            assertThat(ConfigLoader.parseHostPort(text)).isEqualTo(hp(host, port));
        }

        @Test
        void toStringPutsIpv6InBrackets() {
            assertThat(ConfigLoader.parseHostPort("[::1]:25")).hasToString("[::1]:25");
            assertThat(ConfigLoader.parseHostPort("0.0.0.0:25")).hasToString("0.0.0.0:25");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "0.0.0.0          | '\"0.0.0.0\" is not a host:port: the port is missing (write \"0.0.0.0:25\")'",
            "::1:25           | '\"::1:25\" is not a host:port: write an IPv6 address in brackets, such as \"[::1]:25\"'",
            "0.0.0.0:65536    | '\"0.0.0.0:65536\" is not a host:port: the port must be a number from 0 to 65535'",
            "0.0.0.0:-1       | '\"0.0.0.0:-1\" is not a host:port: the port must be a number from 0 to 65535'",
            "0.0.0.0:smtp     | '\"0.0.0.0:smtp\" is not a host:port: the port must be a number from 0 to 65535'",
            "0.0.0.0:         | '\"0.0.0.0:\" is not a host:port: the port must be a number from 0 to 65535'",
            ":25              | '\":25\" is not a host:port: the host is missing (write \"0.0.0.0:25\" for all IPv4 addresses or \"[::]:25\" for all IPv6 addresses)'",
            "[::1]25          | '\"[::1]25\" is not a host:port: the port is missing (write \"[::1]:25\")'",
            "[::1:25          | '\"[::1:25\" is not a host:port: the \"]\" after the IPv6 address is missing'",
            "[zz]:25          | '\"[zz]:25\" is not a host:port: \"zz\" is not an IPv6 address'",
            "[10.0.0.1]:25    | '\"[10.0.0.1]:25\" is not a host:port: \"10.0.0.1\" is not an IPv6 address'",
            "exa mple:25      | '\"exa mple:25\" is not a host:port: \"exa mple\" is not an IP address or host name'",
            "300.1.1.1:25     | '\"300.1.1.1:25\" is not a host:port: \"300.1.1.1\" is not an IP address or host name'",
        })
        void invalid(String text, String message) {
            assertThatThrownBy(() -> ConfigLoader.parseHostPort(text))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }
    }

    // ------------------------------------------------------------------------------------ defaults

    @Test
    void outboundDefaultsAndValues() throws Exception {
        Config d = parse("");
        assertThat(d.queue()).isEqualTo(new Config.Queue(java.time.Duration.ofMinutes(1),
                java.time.Duration.ofMinutes(15), java.time.Duration.ofHours(4), java.time.Duration.ofDays(5), 65536));
        assertThat(d.delivery()).isEqualTo(new Config.Delivery(25, null, java.time.Duration.ofSeconds(30), 64, 10,
                java.time.Duration.ofSeconds(5), 100));
        assertThat(d.dns().servers()).isEmpty();
        Config c = parse("[queue]\ndelay_warning = \"0\"\nretry_min = \"500ms\"\n"
                + "[delivery]\nmx_port = 2525\nsmarthost = \"relay.example.net:587\"\n"
                + "[dns]\nservers = [\"127.0.0.1\", \"127.0.0.1:5353\", \"::1\", \"[::1]:5353\"]\n");
        assertThat(c.queue().delayWarning()).isZero();
        assertThat(c.queue().retryMin()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(c.delivery().mxPort()).isEqualTo(2525);
        assertThat(c.delivery().smarthost()).isEqualTo(hp("relay.example.net", 587));
        assertThat(c.dns().servers()).containsExactly(hp("127.0.0.1", 53), hp("127.0.0.1", 5353), hp("::1", 53),
                hp("::1", 5353));
        assertThat(parse("[delivery]\nsmarthost = \"\"").delivery().smarthost()).isNull();
        Config.Delivery tuned = parse("[delivery]\nmax_concurrency = 200\nmax_per_domain = 20\n"
                + "reuse_time = \"0\"\nreuse_messages = 5\n").delivery();
        assertThat(tuned.maxConcurrency()).isEqualTo(200);
        assertThat(tuned.maxPerDomain()).isEqualTo(20);
        assertThat(tuned.reuseTime()).isZero();
        assertThat(tuned.reuseMessages()).isEqualTo(5);
    }

    @Test
    void anEmptyFileTakesProductionDefaults() throws Exception {
        Config c = parse("");
        assertThat(c.source()).isNull();
        assertThat(c.hostname()).isNotBlank();
        assertThat(Syntax.domainProblem(c.hostname())).isNull();
        assertThat(c.localDomains()).containsExactly(c.hostname().toLowerCase(java.util.Locale.ROOT));
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/tern"));
        assertThat(c.listen()).isEqualTo(new Config.Listen(
                List.of(hp("0.0.0.0", 25)), List.of(hp("0.0.0.0", 587)), List.of(hp("0.0.0.0", 465)),
                List.of(hp("0.0.0.0", 110)), List.of(hp("0.0.0.0", 995)), List.of(hp("0.0.0.0", 143)),
                List.of(hp("0.0.0.0", 993)), List.of(hp("127.0.0.1", 8025)), List.of()));
        assertThat(c.limits()).isEqualTo(new Config.Limits(35L * 1024 * 1024, 100, 10_000, 50,
                Duration.ofMinutes(5), 10));
        assertThat(c.relay().trustedNetworks()).isEmpty();
        assertThat(c.aliases()).isEmpty();
    }

    @Test
    void emptyTablesTakeDefaultsToo() throws Exception {
        assertThat(parse("[listen]\n[limits]\n[relay]\n[aliases]\n[pop3]\n")).isEqualTo(parse(""));
    }

    @Test
    void defenceSettings() throws Exception {
        var d = parse("").defence();
        assertThat(d.lists().blocklists()).isEmpty();
        assertThat(d.greetPause()).isZero();
        assertThat(d.greylisting().on()).isFalse();
        assertThat(d.rates()).isEqualTo(new dev.tern.defence.DefenceSettings.Rates(60, 1000, 5000, 50, 200, 1000));
        var set = parse("[checks]\ndnsbl = [\"zen.spamhaus.org*2\", \"bl.example\"]\ndnswl = [\"wl.example\"]\n"
                + "dnsbl_threshold = 2\ngreet_pause = \"3s\"\ngreylist = true\ngreylist_delay = \"1m\"\n"
                + "[limits]\nconnections_per_ip_per_minute = 0").defence();
        assertThat(set.lists().blocklists()).containsExactly(new dev.tern.defence.DnsList("zen.spamhaus.org", 2),
                new dev.tern.defence.DnsList("bl.example", 1));
        assertThat(set.lists().threshold()).isEqualTo(2);
        assertThat(set.greetPause()).isEqualTo(Duration.ofSeconds(3));
        assertThat(set.greylisting().delay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(set.rates().connectionsPerIpPerMinute()).isZero();
        assertThat(Keys.format(set.lists().blocklists())).isEqualTo("[\"zen.spamhaus.org*2\", \"bl.example\"]");
        assertThatThrownBy(() -> parse("[checks]\ndnsbl = [\"zen.spamhaus.org*0\"]"))
                .hasMessage("test.toml: checks.dnsbl: \"zen.spamhaus.org*0\": the weight after '*' must be a whole "
                        + "number from 1 to 100");
        assertThatThrownBy(() -> parse("[checks]\ndnsbl = \"zen.spamhaus.org\""))
                .hasMessageStartingWith("test.toml: checks.dnsbl: must be a list of DNS list zones");
        assertThatThrownBy(() -> parse("[limits]\nmessages_per_ip_per_hour = -1"))
                .hasMessageStartingWith("test.toml: limits.messages_per_ip_per_hour: must be a whole number");
    }

    @Test
    void quarantineFolder() throws Exception {
        assertThat(parse("").checks().quarantineFolder()).isEqualTo("Junk");
        assertThat(parse("[checks]\nquarantine_folder = \"\"").checks().quarantineFolder()).isEmpty();
        assertThat(parse("[checks]\nquarantine_folder = \"Lists/Spam\"").checks().quarantineFolder())
                .isEqualTo("Lists/Spam");
        assertThatThrownBy(() -> parse("[checks]\nquarantine_folder = \"a//b\""))
                .hasMessage("test.toml: checks.quarantine_folder: \"a//b\" is not a folder name: a level between "
                        + "\"/\" is empty");
        assertThatThrownBy(() -> parse("[checks]\nquarantine_folder = \"/Junk\""))
                .hasMessageContaining("is not a folder name");
        assertThatThrownBy(() -> parse("[checks]\nquarantine_folder = false"))
                .hasMessage("test.toml: checks.quarantine_folder: must be a folder name in quotes such as \"Junk\","
                        + " or \"\", not false");
    }

    @Test
    void pop3Settings() throws Exception {
        assertThat(parse("").pop3()).isEqualTo(new Config.Pop3(true, Duration.ofMinutes(10), false));
        assertThat(parse("[pop3]\nauth_requires_tls = false\nidle_timeout = \"30m\"").pop3())
                .isEqualTo(new Config.Pop3(false, Duration.ofMinutes(30), false));
        assertThat(ConfigLoader.embedded().pop3()).isEqualTo(parse("").pop3());
        assertThatThrownBy(() -> parse("[pop3]\nauth_requires_tls = \"no\""))
                .hasMessage("test.toml: pop3.auth_requires_tls: must be true or false (without quotes), not \"no\"");
        assertThatThrownBy(() -> parse("[pop3]\nidle_timeout = \"5m\""))
                .hasMessage("test.toml: pop3.idle_timeout: must be a duration from 10m (RFC 1939) to 24h, not \"5m\"");
        assertThatThrownBy(() -> parse("[pop3]\nidle = \"5m\""))
                .hasMessageStartingWith("test.toml: pop3.idle: unknown key");
        assertThatThrownBy(() -> parse("auth_requires_tls = true"))
                .hasMessage("test.toml: auth_requires_tls: unknown key; \"auth_requires_tls\" belongs in the [imap] or [pop3] or [submission] tables");
    }

    @Test
    void imapSettings() throws Exception {
        assertThat(parse("").imap()).isEqualTo(new Config.Imap(true, Duration.ofMinutes(30), false));
        assertThat(parse("[imap]\nauth_requires_tls = false\nidle_timeout = \"1h\"").imap())
                .isEqualTo(new Config.Imap(false, Duration.ofHours(1), false));
        assertThat(ConfigLoader.embedded().imap()).isEqualTo(parse("").imap());
        assertThatThrownBy(() -> parse("[imap]\nidle_timeout = \"10m\""))
                .hasMessage("test.toml: imap.idle_timeout: must be a duration from 30m (RFC 9051) to 24h, not \"10m\"");
        assertThatThrownBy(() -> parse("[imap]\nproxy_protocol = true"))
                .hasMessageStartingWith("test.toml: imap.proxy_protocol: is true but listen.trusted_proxies is empty");
    }

    @Test
    void theHostnameIsTheDefaultLocalDomain() throws Exception {
        Config c = parse("hostname = \"MX.Example.ORG\"");
        assertThat(c.hostname()).isEqualTo("MX.Example.ORG");
        assertThat(c.localDomains()).containsExactly("mx.example.org");
    }

    @Test
    void embeddedDefault() throws Exception {
        Config c = ConfigLoader.embedded();
        assertThat(c.source()).isNull();
        assertThat(c.hostname()).isEqualTo(parse("").hostname());
        assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(c.localDomains()).containsExactly("localhost");
        assertThat(c.listen()).isEqualTo(new Config.Listen(
                List.of(hp("127.0.0.1", 2525)), List.of(hp("127.0.0.1", 2587)), List.of(hp("127.0.0.1", 2465)),
                List.of(hp("127.0.0.1", 2110)), List.of(hp("127.0.0.1", 2995)), List.of(hp("127.0.0.1", 2143)),
                List.of(hp("127.0.0.1", 2993)), List.of(hp("127.0.0.1", 8025)), List.of()));
        assertThat(c.limits()).isEqualTo(parse("").limits());
        assertThat(c.relay().trustedNetworks())
                .containsExactly(ConfigLoader.parseCidr("127.0.0.0/8"), ConfigLoader.parseCidr("::1/128"));
        assertThat(c.aliases()).isEmpty();
    }

    @Test
    void parseWithEmbeddedDefaultsLaysTheTextOverTheEmbeddedConfiguration() throws Exception {
        Config c = ConfigLoader.parse("[limits]\nmax_recipients = 5\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n",
                "t", true);
        Config embedded = ConfigLoader.embedded();
        assertThat(c.limits().maxRecipients()).isEqualTo(5);
        assertThat(c.limits().maxErrors()).isEqualTo(10);
        assertThat(c.listen().smtp()).containsExactly(hp("127.0.0.1", 0));
        assertThat(c.listen().pop3()).isEqualTo(embedded.listen().pop3());
        assertThat(c.localDomains()).containsExactly("localhost");
        assertThat(c.relay()).isEqualTo(embedded.relay());
        assertThat(c.dataDir()).isEqualTo(embedded.dataDir());
    }

    @Test
    void parseWithEmbeddedDefaultsStillReportsErrorsUnderTheSourceName() {
        assertThatThrownBy(() -> ConfigLoader.parse("[limits]\nmax_errors = 0", "my test", true))
                .isInstanceOf(ConfigException.class)
                .hasMessage("my test: limits.max_errors: must be a whole number of at least 1, not 0");
    }

    // ------------------------------------------------------------------------------------ whole files

    @Test
    void theExampleFile() throws Exception {
        Path file = Path.of("../examples/tern.toml");
        Config c = ConfigLoader.load(file);
        assertThat(c.source()).isEqualTo(file);
        assertThat(c.hostname()).isEqualTo("mx.example.org");
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/tern"));
        assertThat(c.localDomains()).containsExactly("example.org");
        assertThat(c.listen().smtp()).containsExactly(hp("0.0.0.0", 25), hp("::", 25));
        assertThat(c.listen().submission()).containsExactly(hp("0.0.0.0", 587), hp("::", 587));
        assertThat(c.listen().submissions()).containsExactly(hp("0.0.0.0", 465), hp("::", 465));
        assertThat(c.listen().pop3()).containsExactly(hp("0.0.0.0", 110), hp("::", 110));
        assertThat(c.listen().pop3s()).containsExactly(hp("0.0.0.0", 995), hp("::", 995));
        assertThat(c.listen().imap()).containsExactly(hp("0.0.0.0", 143), hp("::", 143));
        assertThat(c.listen().imaps()).containsExactly(hp("0.0.0.0", 993), hp("::", 993));
        assertThat(c.listen().http()).containsExactly(hp("127.0.0.1", 8025));
        assertThat(c.limits()).isEqualTo(parse("").limits());
        assertThat(c.checks()).isEqualTo(parse("").checks());
        assertThat(c.defence()).isEqualTo(parse("").defence());
        assertThat(c.relay().trustedNetworks()).isEmpty();
        assertThat(c.aliases()).containsEntry("postmaster@example.org", List.of("alice@example.org"));
    }

    @Test
    void everyKeySet() throws Exception {
        Config c = parse("""
                hostname = "mail.example.net"
                data_dir = "/srv/tern"
                local_domains = ["Example.NET", "example.org", "example.net", "bücher.example"]

                [listen]
                smtp = ["192.0.2.1:25", "[2001:db8::1]:25"]
                submission = ["localhost:0"]
                submissions = []
                pop3 = []
                pop3s = ["0.0.0.0:995"]
                http = ["[::1]:8025"]

                [limits]
                max_message_size = 1048576
                max_recipients = 50
                max_connections = 200
                max_connections_per_ip = 5
                command_timeout = "90s"
                max_errors = 3

                [relay]
                trusted_networks = ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"]

                [aliases]
                "Postmaster@Example.NET" = "Alice@Example.NET"
                "info@bücher.example" = ["bob@example.org", "carol@elsewhere.example"]
                "jörg@example.org" = ["jörg.müller@example.net"]
                """);
        assertThat(c.hostname()).isEqualTo("mail.example.net");
        assertThat(c.dataDir()).isEqualTo(Path.of("/srv/tern"));
        assertThat(c.localDomains()).containsExactly("example.net", "example.org", "bücher.example");
        assertThat(c.listen()).isEqualTo(new Config.Listen(
                List.of(hp("192.0.2.1", 25), hp("2001:db8::1", 25)), List.of(hp("localhost", 0)), List.of(),
                List.of(), List.of(hp("0.0.0.0", 995)), List.of(hp("0.0.0.0", 143)), List.of(hp("0.0.0.0", 993)),
                List.of(hp("::1", 8025)), List.of()));
        assertThat(c.limits()).isEqualTo(new Config.Limits(1048576, 50, 200, 5, Duration.ofSeconds(90), 3));
        assertThat(c.relay().trustedNetworks()).extracting(Cidr::toString)
                .containsExactly("192.0.2.0/24", "2001:db8:0:0:0:0:0:0/32", "198.51.100.7/32");
        assertThat(c.aliases()).isEqualTo(Map.of(
                "postmaster@example.net", List.of("Alice@Example.NET"),
                "info@bücher.example", List.of("bob@example.org", "carol@elsewhere.example"),
                "jörg@example.org", List.of("jörg.müller@example.net")));
    }

    @ParameterizedTest
    @CsvSource({
        "'\"35MB\"', 36700160",
        "'\"1KB\"', 1024",
        "1024, 1024",
        "'\"100 MB\"', 104857600",
    })
    void maxMessageSizeIsASizeOrBytes(String value, long bytes) throws Exception {
        assertThat(parse("[limits]\nmax_message_size = " + value).limits().maxMessageSize()).isEqualTo(bytes);
    }

    @Test
    void relativeDataDirIsResolvedAgainstTheFilesDirectory(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("etc/tern.toml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "data_dir = \"../spool/./tern\"\n");
        Config c = ConfigLoader.load(file);
        assertThat(c.dataDir()).isEqualTo(dir.toAbsolutePath().resolve("spool/tern"));
        assertThat(c.source()).isEqualTo(file);
    }

    @Test
    void relativeDataDirInParsedTextIsResolvedAgainstTheWorkingDirectory() throws Exception {
        assertThat(parse("data_dir = \"x/y\"").dataDir()).isEqualTo(Path.of("x/y").toAbsolutePath());
    }

    @Test
    void fileIsReadAsUtf8WithOrWithoutBom(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.toml");
        byte[] text = "local_domains = [\"bücher.example\"]\n".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xef;
        withBom[1] = (byte) 0xbb;
        withBom[2] = (byte) 0xbf;
        System.arraycopy(text, 0, withBom, 3, text.length);
        Files.write(file, text);
        assertThat(ConfigLoader.load(file).localDomains()).containsExactly("bücher.example");
        Files.write(file, withBom);
        assertThat(ConfigLoader.load(file).localDomains()).containsExactly("bücher.example");
    }

    @Test
    void tlsSubmissionAndAuthDefaults() throws Exception {
        Config c = ConfigLoader.parse("", "test.toml", false);
        assertThat(c.tls()).isEqualTo(new Config.Tls(null, null));
        assertThat(c.smtp().auth()).isFalse();
        assertThat(c.submission()).isEqualTo(new Config.Submission(true, true, false, false));
        assertThat(c.auth()).isEqualTo(new Config.Auth(10, java.time.Duration.ofMinutes(15),
                java.time.Duration.ofSeconds(1)));
    }

    @Test
    void tlsSubmissionAndAuthValues() throws Exception {
        Config c = ConfigLoader.parse("""
                [tls]
                certificate = "/etc/letsencrypt/live/mx.example.org/fullchain.pem"
                private_key = "privkey.pem"
                [smtp]
                auth = true
                [submission]
                auth_requires_tls = false
                enforce_sender = false
                expose_user = true
                [auth]
                max_failures_per_ip = 5
                block_time = "1h"
                failure_delay = "250ms"
                """, "test.toml", false);
        assertThat(c.tls().certificate()).isEqualTo(java.nio.file.Path.of("/etc/letsencrypt/live/mx.example.org/fullchain.pem"));
        assertThat(c.tls().privateKey()).isEqualTo(java.nio.file.Path.of("privkey.pem").toAbsolutePath());
        assertThat(c.smtp().auth()).isTrue();
        assertThat(c.submission()).isEqualTo(new Config.Submission(false, false, true, false));
        assertThat(c.auth()).isEqualTo(new Config.Auth(5, java.time.Duration.ofHours(1), java.time.Duration.ofMillis(250)));
    }

    // ------------------------------------------------------------------------------------ errors

    static Stream<Arguments> errors() {
        return Stream.of(
                // unknown keys, with and without a suggestion
                Arguments.of("hostnme = \"a.example\"", "hostnme", "unknown key; did you mean \"hostname\"?"),
                Arguments.of("Hostname = \"a.example\"", "Hostname", "unknown key; did you mean \"hostname\"?"),
                Arguments.of("[limits]\nmax_recipents = 5", "limits.max_recipents",
                        "unknown key; did you mean \"max_recipients\"?"),
                Arguments.of("[limits]\nmax_recpients = 5", "limits.max_recpients",
                        "unknown key; did you mean \"max_recipients\"?"),
                Arguments.of("[limit]\nmax_errors = 5", "limit", "unknown key; did you mean \"limits\"?"),
                Arguments.of("[listen]\nsmtps = []", "listen.smtps", "unknown key; did you mean \"smtp\"?"),
                Arguments.of("[queues]\nmax_lifetime = \"5d\"", "queues", "unknown key; did you mean \"queue\"?"),
                Arguments.of("[queue]\nmax_lifetime = 5", "queue.max_lifetime",
                        "must be a duration in quotes such as \"5m\", not 5 (a duration needs a unit: ms, s, m, h or d)"),
                Arguments.of("[queue]\nretry_min = \"10m\"\nretry_max = \"5m\"", "queue.retry_max",
                        "queue.retry_max (5m) must not be shorter than queue.retry_min (10m)"),
                Arguments.of("[queue]\ndelay_warning = \"0s\"", "queue.delay_warning",
                        "must be a duration from 100ms to 365d, or \"0\" for none, not \"0s\""),
                Arguments.of("[delivery]\nmx_port = 0", "delivery.mx_port", "must be a whole number from 1 to 65535, not 0"),
                Arguments.of("[delivery]\nsmarthost = \"relay\"", "delivery.smarthost",
                        "\"relay\" is not a host:port: the port is missing (write \"relay:25\")"),
                Arguments.of("[dns]\nservers = [\"ns.example\"]", "dns.servers",
                        "\"ns.example\" is not an IP address (a DNS server cannot be given by name)"),
                Arguments.of("[dns]\nserver = []", "dns.server", "unknown key; did you mean \"servers\"?"),
                Arguments.of("[tls]\ncert = \"x\"", "tls.cert", "unknown key"),
                Arguments.of("[tls]\ncertificat = \"x\"", "tls.certificat", "unknown key; did you mean \"certificate\"?"),
                Arguments.of("[tls]\ncertificate = \"x.pem\"", "tls.certificate",
                        "needs tls.private_key too (the key of that certificate)"),
                Arguments.of("[tls]\nprivate_key = \"k.pem\"", "tls.private_key",
                        "needs tls.certificate too (the certificate chain of that key)"),
                Arguments.of("[tls]\ncertificate = 5\nprivate_key = \"k.pem\"", "tls.certificate",
                        "must be a file path in quotes such as \"/etc/letsencrypt/live/mx.example.org/fullchain.pem\", not 5"),
                Arguments.of("[smtp]\nauth = \"yes\"", "smtp.auth", "must be true or false, not \"yes\""),
                Arguments.of("[log]\nformat = \"JSON\"", "log.format", "must be \"text\" or \"json\", not \"JSON\""),
                Arguments.of("[log]\nformat = 1", "log.format", "must be \"text\" or \"json\", not 1"),
                Arguments.of("[submission]\nenforce_sender = \"false\"", "submission.enforce_sender",
                        "must be true or false, not \"false\"; write it without quotes"),
                Arguments.of("[submission]\nmax_failures_per_ip = 3", "submission.max_failures_per_ip",
                        "unknown key; \"max_failures_per_ip\" belongs in the [auth] table"),
                Arguments.of("[auth]\nmax_failure_per_ip = 5", "auth.max_failure_per_ip",
                        "unknown key; did you mean \"max_failures_per_ip\"?"),
                Arguments.of("[auth]\nmax_failures_per_ip = 0", "auth.max_failures_per_ip",
                        "must be a whole number of at least 1, not 0"),
                Arguments.of("[auth]\nblock_time = \"0s\"", "auth.block_time",
                        "must be a duration from 1s to 30d, not \"0s\""),
                Arguments.of("[auth]\nfailure_delay = \"1m\"", "auth.failure_delay",
                        "must be a duration from 0 to 30s, not \"1m\""),
                Arguments.of("colour = \"blue\"", "colour", "unknown key"),
                Arguments.of("[relay]\nnetworks = []", "relay.networks", "unknown key"),
                Arguments.of("[limits.x]\ny = 1", "limits.x", "unknown key"),
                Arguments.of("[listen]\n\"odd key\" = []", "listen.\"odd key\"", "unknown key"),
                // keys in the wrong table
                Arguments.of("[listen]\nsmtp = []\nlocal_domains = [\"example.org\"]", "listen.local_domains",
                        "unknown key; \"local_domains\" is a top-level key: move it above the first [table] header"),
                Arguments.of("max_recipients = 5", "max_recipients",
                        "unknown key; \"max_recipients\" belongs in the [limits] table"),
                Arguments.of("[limits]\ntrusted_networks = []", "limits.trusted_networks",
                        "unknown key; \"trusted_networks\" belongs in the [relay] table"),
                // hostname
                Arguments.of("hostname = 5", "hostname", "must be a host name such as \"mx.example.org\", not 5"),
                Arguments.of("hostname = 1979-05-27", "hostname",
                        "must be a host name such as \"mx.example.org\", not 1979-05-27"),
                Arguments.of("hostname = \"mx..example.org\"", "hostname",
                        "\"mx..example.org\" is not a host name: it has an empty label (two dots in a row, or a leading dot)"),
                Arguments.of("hostname = \"mx.example.org.\"", "hostname",
                        "\"mx.example.org.\" is not a host name: it must not end with a dot"),
                Arguments.of("hostname = \"mx_1.example.org\"", "hostname",
                        "\"mx_1.example.org\" is not a host name: it may contain only letters, digits, hyphens and dots"),
                Arguments.of("hostname = \"-mx.example.org\"", "hostname",
                        "\"-mx.example.org\" is not a host name: a label must not start or end with a hyphen"),
                Arguments.of("hostname = \"192.0.2.1\"", "hostname",
                        "\"192.0.2.1\" is not a host name: it is an IP address"),
                Arguments.of("hostname = \"" + "a".repeat(64) + ".example\"", "hostname",
                        "\"" + "a".repeat(64) + ".example\" is not a host name: a label is longer than 63 characters"),
                Arguments.of("hostname = \"\"", "hostname", "\"\" is not a host name: it is empty"),
                // data_dir
                Arguments.of("data_dir = \"\"", "data_dir", "must not be empty"),
                Arguments.of("data_dir = 5", "data_dir", "must be a directory path such as \"/var/lib/tern\", not 5"),
                Arguments.of("data_dir = \"~/tern\"", "data_dir",
                        "\"~\" is not expanded here; write the full path, not \"~/tern\""),
                // local_domains
                Arguments.of("local_domains = \"example.org\"", "local_domains",
                        "must be a list of domain names such as [\"example.org\"], not \"example.org\"; write [\"example.org\"]"),
                Arguments.of("local_domains = [5]", "local_domains", "each entry must be a domain name in quotes, not 5"),
                Arguments.of("local_domains = [\"exa mple.org\"]", "local_domains",
                        "\"exa mple.org\" is not a domain name: it may contain only letters, digits, hyphens and dots"),
                Arguments.of("local_domains = [\"[192.0.2.1]\"]", "local_domains",
                        "\"[192.0.2.1]\" is not a domain name: it may contain only letters, digits, hyphens and dots"),
                // listen
                Arguments.of("listen = 5", "listen", "must be a table (a [listen] section), not 5"),
                Arguments.of("listen = [\"0.0.0.0:25\"]", "listen", "must be a table (a [listen] section), not a list"),
                Arguments.of("[listen]\nsmtp = \"0.0.0.0:25\"", "listen.smtp",
                        "must be a list of \"host:port\" strings such as [\"0.0.0.0:25\"], not \"0.0.0.0:25\"; write [\"0.0.0.0:25\"]"),
                Arguments.of("[listen]\nsmtp = [25]", "listen.smtp",
                        "each entry must be a \"host:port\" string in quotes, not 25"),
                Arguments.of("[listen]\nsmtp = [\"0.0.0.0:99999\"]", "listen.smtp",
                        "\"0.0.0.0:99999\" is not a host:port: the port must be a number from 0 to 65535"),
                Arguments.of("[listen]\nsmtp = [\"0.0.0.0\"]", "listen.smtp",
                        "\"0.0.0.0\" is not a host:port: the port is missing (write \"0.0.0.0:25\")"),
                Arguments.of("[listen]\nsmtp = [\"0.0.0.0:25\", \"0.0.0.0:25\"]", "listen.smtp",
                        "\"0.0.0.0:25\" is listed twice"),
                Arguments.of("[listen]\nsmtp = [\"127.0.0.1:2525\"]\npop3 = [\"127.0.0.1:2525\"]", "listen.pop3",
                        "\"127.0.0.1:2525\" is already in listen.smtp"),
                Arguments.of("[listen]\nsmtp = [\"0.0.0.0:587\"]", "listen.smtp",
                        "\"0.0.0.0:587\" is also the default of listen.submission; set listen.submission to another address, or to [] to turn it off"),
                // limits: whole numbers
                Arguments.of("[limits]\nmax_recipients = \"many\"", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not \"many\""),
                Arguments.of("[limits]\nmax_recipients = \"100\"", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not \"100\"; write it without quotes"),
                Arguments.of("[limits]\nmax_recipients = 0", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not 0"),
                Arguments.of("[limits]\nmax_recipients = 100001", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not 100001"),
                Arguments.of("[limits]\nmax_recipients = 100.0", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not 100.0"),
                Arguments.of("[limits]\nmax_recipients = 1.5", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not 1.5"),
                Arguments.of("[limits]\nmax_recipients = true", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not true"),
                Arguments.of("[limits]\nmax_recipients = [100]", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not a list"),
                Arguments.of("[limits]\nmax_recipients = nan", "limits.max_recipients",
                        "must be a whole number from 1 to 100000, not nan"),
                Arguments.of("[delivery]\nmax_concurrency = 0", "delivery.max_concurrency",
                        "must be a whole number from 1 to 1000, not 0"),
                Arguments.of("[delivery]\nmax_per_domain = 1001", "delivery.max_per_domain",
                        "must be a whole number from 1 to 1000, not 1001"),
                Arguments.of("[delivery]\nreuse_time = \"50ms\"", "delivery.reuse_time",
                        "must be a duration from 100ms to 10m, or \"0\" for no reuse, not \"50ms\""),
                Arguments.of("[delivery]\nreuse_messages = 0", "delivery.reuse_messages",
                        "must be a whole number from 1 to 100000, not 0"),
                Arguments.of("[limits]\nmax_connections = 0", "limits.max_connections",
                        "must be a whole number of at least 1, not 0"),
                Arguments.of("[limits]\nmax_connections = 99999999999", "limits.max_connections",
                        "must be a whole number from 1 to 2147483647, not 99999999999"),
                Arguments.of("[limits]\nmax_connections_per_ip = -1", "limits.max_connections_per_ip",
                        "must be a whole number of at least 1, not -1"),
                Arguments.of("[limits]\nmax_errors = \"ten\"", "limits.max_errors",
                        "must be a whole number of at least 1, not \"ten\""),
                // limits: sizes
                Arguments.of("[limits]\nmax_message_size = \"512\"", "limits.max_message_size",
                        "must be at least 1KB (1024 bytes), not \"512\""),
                Arguments.of("[limits]\nmax_message_size = 1000", "limits.max_message_size",
                        "must be at least 1KB (1024 bytes), not 1000"),
                Arguments.of("[limits]\nmax_message_size = -5", "limits.max_message_size",
                        "must be at least 1KB (1024 bytes), not -5"),
                Arguments.of("[limits]\nmax_message_size = \"35XB\"", "limits.max_message_size",
                        "\"35XB\" is not a size: unknown unit \"XB\" (use B, KB, MB, GB or TB; 1KB = 1024 bytes)"),
                Arguments.of("[limits]\nmax_message_size = true", "limits.max_message_size",
                        "must be a size such as \"35MB\" or a whole number of bytes, not true"),
                // limits: durations
                Arguments.of("[limits]\ncommand_timeout = \"500ms\"", "limits.command_timeout",
                        "must be a duration from 1s to 24h, not \"500ms\""),
                Arguments.of("[limits]\ncommand_timeout = \"2d\"", "limits.command_timeout",
                        "must be a duration from 1s to 24h, not \"2d\""),
                Arguments.of("[limits]\ncommand_timeout = \"0\"", "limits.command_timeout",
                        "must be a duration from 1s to 24h, not \"0\""),
                Arguments.of("[limits]\ncommand_timeout = 300", "limits.command_timeout",
                        "must be a duration in quotes such as \"5m\", not 300 (a duration needs a unit: ms, s, m, h or d)"),
                Arguments.of("[limits]\ncommand_timeout = \"5 minutes\"", "limits.command_timeout",
                        "\"5 minutes\" is not a duration: unknown unit \"minutes\" (use ms, s, m, h or d)"),
                Arguments.of("[limits]\ncommand_timeout = 07:32:00", "limits.command_timeout",
                        "must be a duration in quotes such as \"5m\", not 07:32"),
                // relay
                Arguments.of("relay = \"10.0.0.0/8\"", "relay",
                        "must be a table (a [relay] section), not \"10.0.0.0/8\""),
                Arguments.of("[relay]\ntrusted_networks = \"10.0.0.0/8\"", "relay.trusted_networks",
                        "must be a list of networks such as [\"192.0.2.0/24\"], not \"10.0.0.0/8\"; write [\"10.0.0.0/8\"]"),
                Arguments.of("[relay]\ntrusted_networks = [\"10.1.2.3/8\"]", "relay.trusted_networks",
                        "\"10.1.2.3/8\" is not a network: bits are set after the prefix; did you mean \"10.0.0.0/8\"?"),
                Arguments.of("[relay]\ntrusted_networks = [\"localhost\"]", "relay.trusted_networks",
                        "\"localhost\" is not a network: \"localhost\" is not an IPv4 or IPv6 address"),
                Arguments.of("[relay]\ntrusted_networks = [{a = 1}]", "relay.trusted_networks",
                        "each entry must be a network in quotes, not a table"),
                // aliases
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.net\" = \"a@example.org\"",
                        "aliases.\"postmaster@example.net\"",
                        "the domain \"example.net\" is not in local_domains; aliases are for local addresses only"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\npostmaster = \"a@example.org\"",
                        "aliases.postmaster",
                        "\"postmaster\" is not an address: write local-part@domain (such as \"postmaster@example.org\")"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = \"alice\"",
                        "aliases.\"postmaster@example.org\"",
                        "the target \"alice\" is not an address: write local-part@domain"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = [\"a@example.org\", \"b c@example.org\"]",
                        "aliases.\"postmaster@example.org\"",
                        "the target \"b c@example.org\" is not an address: the local part must not contain \" \""),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = \"a@exa_mple.org\"",
                        "aliases.\"postmaster@example.org\"",
                        "the target \"a@exa_mple.org\" is not an address: the domain \"exa_mple.org\" is not a domain name: it may contain only letters, digits, hyphens and dots"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = \"@example.org\"",
                        "aliases.\"postmaster@example.org\"",
                        "the target \"@example.org\" is not an address: the local part before \"@\" is empty"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"a..b@example.org\" = \"c@example.org\"",
                        "aliases.\"a..b@example.org\"",
                        "\"a..b@example.org\" is not an address: the local part must not start or end with a dot or have two dots in a row"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = []",
                        "aliases.\"postmaster@example.org\"", "must list at least one target address"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = 5",
                        "aliases.\"postmaster@example.org\"", "must be an address or a list of addresses, not 5"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"postmaster@example.org\" = [5]",
                        "aliases.\"postmaster@example.org\"",
                        "each target must be an address such as \"alice@example.org\", not 5"),
                Arguments.of("local_domains = [\"example.org\"]\n[aliases]\n\"a@example.org\" = \"b@example.org\"\n\"A@Example.org\" = \"c@example.org\"",
                        "aliases.\"A@Example.org\"",
                        "the same address as \"a@example.org\" (alias addresses are compared in lower case)"),
                Arguments.of("aliases = [\"x\"]", "aliases", "must be a table (a [aliases] section), not a list"));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("errors")
    void errorMessages(String toml, String key, String reason) {
        ConfigException e = error(toml);
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.getMessage()).isEqualTo("test.toml: " + key + ": " + reason);
    }

    @Test
    void theMessageFromTheBrief() {
        assertThat(error("[limits]\nmax_recipients = \"many\"").getMessage())
                .isEqualTo("test.toml: limits.max_recipients: must be a whole number from 1 to 100000, not \"many\"");
    }

    static Stream<Arguments> tomlSyntaxErrors() {
        return Stream.of(
                Arguments.of("a = ", "not valid TOML: line 1, column 5: "),
                Arguments.of("a = 1\na = 2", "not valid TOML: line 2, column "),
                Arguments.of("[limits]\n[limits]", "not valid TOML: line 2, column "),
                Arguments.of("hostname = \"unterminated", "not valid TOML: line 1, column "),
                Arguments.of("# comment\n[aliases]\npostmaster@example.org = \"a@example.org\"",
                        "not valid TOML: line 3, column "));
    }

    @ParameterizedTest
    @MethodSource
    void tomlSyntaxErrors(String toml, String prefix) {
        ConfigException e = error(toml);
        assertThat(e.key()).isEmpty();
        assertThat(e.reason()).startsWith(prefix);
        assertThat(e.reason().length()).isGreaterThan(prefix.length());
        assertThat(e.getMessage()).isEqualTo("test.toml: " + e.reason());
    }

    @Test
    void errorsInAFileNameThePathAsGiven(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tern.toml");
        Files.writeString(file, "# comment\n\n[limits]\nmax_recipients = \"many\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": limits.max_recipients: must be a whole number from 1 to 100000, not \"many\"")
                .extracting(t -> ((ConfigException) t).file()).isEqualTo(file.toString());
    }

    @Test
    void aMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("nope.toml");
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read the file: it does not exist");
    }

    @Test
    void aDirectory(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": cannot read the file: it is a directory");
    }

    @Test
    void invalidUtf8NamesTheLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.toml");
        Files.write(file, "hostname = \"mx.example.org\"\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": not valid UTF-8 (line 2)");
    }

    @Test
    void controlCharactersInValuesAreEscapedSoTheMessageStaysOnOneLine() {
        ConfigException e = error("hostname = \"mx\\nexample.org\"");
        assertThat(e.reason()).isEqualTo("\"mx\\nexample.org\" is not a host name: "
                + "it may contain only letters, digits, hyphens and dots");
    }

    @Test
    void embeddedErrorsNameTheEmbeddedDefault() {
        assertThat(ConfigLoader.EMBEDDED_SOURCE).isEqualTo("<embedded default>");
    }

    // ------------------------------------------------------------------------------------ smaller rules

    @Test
    void anEmptyListTurnsAListenerOff() throws Exception {
        Config.Listen l = parse("[listen]\nsmtp = []\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nhttp = []")
                .listen();
        assertThat(List.of(l.smtp(), l.submission(), l.submissions(), l.pop3(), l.pop3s(), l.http()))
                .allSatisfy(list -> assertThat(list).isEmpty());
    }

    @Test
    void proxyProtocolPerListenerTableWithTrustedProxies() throws Exception {
        Config c = parse("[listen]\ntrusted_proxies = [\"10.0.0.5/32\", \"::1/128\"]\n[smtp]\nproxy_protocol = true\n"
                + "[submission]\nproxy_protocol = true\n[pop3]\nproxy_protocol = true\n");
        assertThat(c.listen().trustedProxies())
                .containsExactly(ConfigLoader.parseCidr("10.0.0.5/32"), ConfigLoader.parseCidr("::1/128"));
        assertThat(List.of(c.smtp().proxyProtocol(), c.submission().proxyProtocol(), c.pop3().proxyProtocol()))
                .containsOnly(true);
        Config d = parse("");
        assertThat(List.of(d.smtp().proxyProtocol(), d.submission().proxyProtocol(), d.pop3().proxyProtocol()))
                .containsOnly(false);
        assertThatThrownBy(() -> parse("[pop3]\nproxy_protocol = true"))
                .hasMessage("test.toml: pop3.proxy_protocol: is true but listen.trusted_proxies is empty, so every "
                        + "connection would be closed; list the load balancers' addresses there");
    }

    @Test
    void ephemeralPortsMayRepeat() throws Exception {
        Config c = parse("[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = [\"127.0.0.1:0\", \"127.0.0.1:0\"]");
        assertThat(c.listen().submission()).hasSize(2);
    }

    @Test
    void turningADefaultListenerOffFreesItsPort() throws Exception {
        Config c = parse("[listen]\nsmtp = [\"0.0.0.0:587\"]\nsubmission = []");
        assertThat(c.listen().smtp()).containsExactly(hp("0.0.0.0", 587));
    }

    @Test
    void localDomainsAreLowerCasedAndDeduplicated() throws Exception {
        assertThat(parse("local_domains = [\"Example.ORG\", \"example.org\", \"B\u00dcCHER.example\"]").localDomains())
                .containsExactly("example.org", "bücher.example");
    }

    @Test
    void anEmptyLocalDomainsListIsAllowed() throws Exception {
        assertThat(parse("local_domains = []").localDomains()).isEmpty();
    }

    @Test
    void aliasValuesMayBeOneStringOrAList() throws Exception {
        Config c = parse("""
                local_domains = ["example.org"]
                [aliases]
                "root@example.org" = "alice@example.org"
                "team@example.org" = ["alice@example.org", "bob@remote.example"]
                """);
        assertThat(c.aliases()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "root@example.org", List.of("alice@example.org"),
                "team@example.org", List.of("alice@example.org", "bob@remote.example")));
    }

    @Test
    void valuesAreImmutable() throws Exception {
        Config c = parse("local_domains = [\"example.org\"]\n[aliases]\n\"a@example.org\" = [\"b@example.org\"]");
        assertThatThrownBy(() -> c.localDomains().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> c.aliases().get("a@example.org").add("x"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @CsvSource({
        "hostname, hostnme, 1",
        "max_recipients, max_recpients, 1",
        "max_recipients, max_recipeints, 1",
        "smtp, stmp, 1",
        "limits, limit, 1",
        "abc, abc, 0",
        "abc, xyz, 3",
        "'', abc, 3",
    })
    void editDistance(String a, String b, int distance) {
        assertThat(Syntax.editDistance(a, b)).isEqualTo(distance);
    }
}
