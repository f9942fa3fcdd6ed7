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

    /** Issue 10 #12: terminal escapes from a sender are shown, never acted on; nothing is lost. */
    @Test
    void forTerminalEscapesWhatATerminalWouldActOn() {
        assertThat(ClientText.forTerminal("a\u001b]52;c;ZXZpbA==\u0007b")).isEqualTo("a\\x1b]52;c;ZXZpbA==\\x07b");
        assertThat(ClientText.forTerminal("\u001b[2Jx\rY\bZ\n")).isEqualTo("\\x1b[2Jx\\x0dY\\x08Z\\x0a");
        assertThat(ClientText.forTerminal("\u009b2J\u0085\u007f")).isEqualTo("\\x9b2J\\x85\\x7f");
        assertThat(ClientText.forTerminal("abc\u202Egpj.exe\u2028")).isEqualTo("abc\\u202egpj.exe\\u2028");
        assertThat(ClientText.forTerminal("\ud800x")).isEqualTo("\\ud800x");
        assertThat(ClientText.forTerminal("back\\slash")).isEqualTo("back\\\\slash");
    }

    @Test
    void forTerminalKeepsTextTabsAndNonAscii() {
        assertThat(ClientText.forTerminal("Received: from x\tby y; jös\u00e9 \ud83d\ude00 <a@b>"))
                .isEqualTo("Received: from x\tby y; jös\u00e9 \ud83d\ude00 <a@b>");
        assertThat(ClientText.forTerminal(null)).isEmpty();
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
