package dev.tern.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClientTextTest {
    @Test
    void printableReplacesControlsDelAndTheCharactersAskedFor() {
        assertThat(ClientText.printable("a\r\nb\u0000c\u007Fd>e\"f", 100, true, ">")).isEqualTo("a??b?c?d?e\"f");
        assertThat(ClientText.printable("a\tb", 100, false, "")).isEqualTo("a?b");
    }

    @Test
    void printableKeepsOrReplacesNonAsciiAsAsked() {
        assertThat(ClientText.printable("jösé", 100, false, "")).isEqualTo("jösé");
        assertThat(ClientText.printable("jösé", 100, true, "")).isEqualTo("j?s?");
    }

    @Test
    void printableCutsAtTheLimitAndTakesNull() {
        assertThat(ClientText.printable("x".repeat(500), 64, true, "")).hasSize(64);
        assertThat(ClientText.printable(null, 64, true, "")).isEmpty();
    }

    @Test
    void utf8IsStrict() {
        byte[] good = "café".getBytes(StandardCharsets.UTF_8);
        assertThat(ClientText.utf8(good, 0, good.length)).isEqualTo("café");
        assertThat(ClientText.utf8(good, 0, 3)).isEqualTo("caf");
        assertThat(ClientText.utf8(good, 0, good.length - 1)).as("cut inside a character").isNull();
        assertThat(ClientText.utf8(new byte[] {(byte) 0xC0, (byte) 0x80}, 0, 2)).as("overlong NUL").isNull();
        assertThat(ClientText.utf8(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, 3)).as("surrogate").isNull();
    }
}
