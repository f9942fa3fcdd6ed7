package dev.tern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The [http] table: who may change the queue over the HTTP listener. */
class HttpConfigTest {
    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse("data_dir = '/tmp/x'\n" + toml, "t.toml", false);
    }

    @Test
    void loopbackByDefault() throws Exception {
        var nets = parse("").http().adminNetworks();
        assertThat(nets).hasSize(2);
        assertThat(nets.stream().anyMatch(c -> c.contains(ip("127.0.0.1")))).isTrue();
        assertThat(nets.stream().anyMatch(c -> c.contains(ip("::1")))).isTrue();
        assertThat(nets.stream().anyMatch(c -> c.contains(ip("192.0.2.1")))).isFalse();
    }

    @Test
    void networksAsWritten() throws Exception {
        var nets = parse("[http]\nadmin_networks = [\"192.0.2.0/24\"]\n").http().adminNetworks();
        assertThat(nets).hasSize(1);
        assertThat(nets.get(0).contains(ip("192.0.2.9"))).isTrue();
        assertThat(nets.get(0).contains(ip("127.0.0.1"))).isFalse();
        assertThat(parse("[http]\nadmin_networks = []\n").http().adminNetworks()).isEmpty();
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> parse("[http]\nadmin_networks = [\"10.1.2.3/8\"]\n"))
                .hasMessageStartingWith("t.toml: http.admin_networks: ");
        assertThatThrownBy(() -> parse("[http]\nadmin_network = []\n"))
                .hasMessageContaining("http.admin_network: unknown key; did you mean \"admin_networks\"?");
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s); // literals only: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
