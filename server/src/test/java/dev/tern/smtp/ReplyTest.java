package dev.tern.smtp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5321 4.2 reply lines, 4.2.1 multi-line replies; RFC 2034/3463 enhanced status codes on each line. */
class ReplyTest {

    @Test
    void singleLineWithStatus() {
        assertThat(new String(Reply.of(250, "2.0.0", "Ok").toBytes(), UTF_8)).isEqualTo("250 2.0.0 Ok\r\n");
    }

    @Test
    void singleLineWithoutStatus() {
        assertThat(new String(Reply.of(220, "", "mx.test ESMTP").toBytes(), UTF_8)).isEqualTo("220 mx.test ESMTP\r\n");
    }

    @Test
    void multiLineUsesHyphenUntilTheLastLine() {
        Reply r = new Reply(250, "", List.of("mx.test Hello c", "PIPELINING", "SIZE 10"));
        assertThat(new String(r.toBytes(), UTF_8)).isEqualTo("250-mx.test Hello c\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
    }

    @Test
    void multiLineRepeatsTheStatusOnEveryLine() {
        Reply r = new Reply(550, "5.1.1", List.of("No such user", "try another"));
        assertThat(new String(r.toBytes(), UTF_8)).isEqualTo("550-5.1.1 No such user\r\n550 5.1.1 try another\r\n");
    }

    @Test
    void utf8TextIsEncodedAsUtf8() {
        assertThat(Reply.of(250, "2.0.0", "ü").toBytes()).containsExactly('2', '5', '0', ' ', '2', '.', '0', '.', '0', ' ',
                (byte) 0xC3, (byte) 0xBC, '\r', '\n');
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 199, 600, 1000, -250})
    void codeOutOfRangeIsRefused(int code) {
        assertThatThrownBy(() -> Reply.of(code, "", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReplyNeedsText() {
        assertThatThrownBy(() -> new Reply(250, "2.0.0", List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void linesAreCopied() {
        java.util.ArrayList<String> lines = new java.util.ArrayList<>(List.of("a"));
        Reply r = new Reply(250, "", lines);
        lines.add("b");
        assertThat(r.lines()).containsExactly("a");
    }

    @Test
    void classes() {
        assertThat(Reply.of(250, "2.0.0", "x").isPositive()).isTrue();
        assertThat(Reply.of(354, "", "x").isPositive()).isTrue();
        assertThat(Reply.of(421, "4.7.0", "x").isTransient()).isTrue();
        assertThat(Reply.of(421, "4.7.0", "x").isPositive()).isFalse();
        assertThat(Reply.of(550, "5.1.1", "x").isPermanent()).isTrue();
        assertThat(Reply.of(550, "5.1.1", "x").isTransient()).isFalse();
    }

    @Test
    void toStringIsOneLogLine() {
        assertThat(Reply.of(250, "2.0.0", "Ok: queued as 1A2B").toString()).isEqualTo("250 2.0.0 Ok: queued as 1A2B");
        assertThat(new Reply(250, "", List.of("a", "b")).toString()).isEqualTo("250 a / b");
    }
}
