package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HeaderSnifferTest {
    static HeaderSniffer sniff(String message) {
        HeaderSniffer h = new HeaderSniffer();
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += 7) { // in pieces, as a stream arrives
            h.write(b, i, Math.min(7, b.length - i));
        }
        return h;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "alice@example.org|alice@example.org",
            "Alice <Alice@Example.org>|alice@example.org",
            "\"Smith, Alice\" <alice@example.org>|alice@example.org",
            "\"Bob <bob@example.org>\" <alice@example.org>|alice@example.org",
            "alice@example.org (Alice <bob@example.org>)|alice@example.org",
            "a@x.org, Bob <b@y.org>|a@x.org,b@y.org",
            "friends: a@x.org, b@y.org;|a@x.org,b@y.org",
            "<@relay.org:alice@example.org>|alice@example.org",
    })
    void findsTheAddresses(String from, String expected) {
        assertThat(sniff("Subject: x\r\nFrom: " + from + "\r\nTo: y@z\r\n\r\nFrom: body@not.header\r\n").fromAddresses())
                .containsExactly(expected.split(","));
    }

    @Test
    void foldedFieldAndNoFromField() {
        assertThat(sniff("From: Alice\r\n <alice@example.org>\r\n\r\nbody").fromAddresses())
                .containsExactly("alice@example.org");
        assertThat(sniff("Subject: none\r\n\r\nFrom: x@y\r\n").fromAddresses()).isEmpty();
        assertThat(sniff("\r\nFrom: x@y\r\n").fromAddresses()).isEmpty();
    }

    @Test
    void keepsAtMost64KB() {
        String big = "X-Pad: " + "a".repeat(70_000) + "\r\nFrom: late@example.org\r\n\r\n";
        assertThat(sniff(big).fromAddresses()).isEmpty();
    }
}
