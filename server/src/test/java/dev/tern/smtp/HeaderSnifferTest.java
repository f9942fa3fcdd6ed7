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
        // each CRLF with the space or tab after it is one space; a field's name may have spaces before its colon
        assertThat(sniff("Subject: a\r\n b\r\nFrom: Alice\r\n\t<alice@\r\n  example.org>\r\nfrom :x@y\r\n"
                + "\r\nFrom: z@b\r\n").fromFields()).containsExactly(" Alice <alice@  example.org>", "x@y");
    }

    @Test
    void fromFieldsInOneWriteWithEightBitTextAndAFoldAfterTheName() {
        HeaderSniffer h = new HeaderSniffer();
        byte[] b = ("Subject: caf\u00e9 from x\r\nX-From: a@b\r\nFrom\r\n :fold@x\r\nFrom: Jos\u00e9 <j@x>\r\n"
                + "\r\nFrom: body@x\r\n").getBytes(StandardCharsets.UTF_8);
        h.write(b, 0, b.length);
        assertThat(h.fromFields()).containsExactly("fold@x", " Jos\u00e9 <j@x>");
        assertThat(sniff("From: end@x").fromFields()).containsExactly(" end@x");
    }

    @Test
    void keepsAtMost64KB() {
        String big = "X-Pad: " + "a".repeat(70_000) + "\r\nFrom: late@example.org\r\n\r\n";
        assertThat(sniff(big).fromAddresses()).isEmpty();
    }

    @Test
    void countsReceivedFieldsInTheHeaderSectionOnly() {
        HeaderSniffer h = new HeaderSniffer(false);
        byte[] b = ("Received: a\r\nRECEIVED : b\r\n\tReceived: folded, not a field\r\nX-Received: c\r\n"
                + "Receivedx: d\r\nreceived:e\r\n\r\nReceived: body\r\n").getBytes(StandardCharsets.US_ASCII);
        for (byte x : b) {
            h.write(x);
        }
        assertThat(h.received()).isEqualTo(3);
        assertThat(h.truncated()).isFalse();
    }

    @Test
    void aHeaderSectionPastTheLimitIsTruncated() {
        String pad = "X: " + "y".repeat(HeaderSniffer.LIMIT) + "\r\n";
        assertThat(sniff(pad + "From: a@b\r\n\r\nx").truncated()).isTrue();
        assertThat(sniff("From: a@b\r\n\r\n" + pad).truncated()).isFalse();
        String exact = "X: " + "y".repeat(HeaderSniffer.LIMIT - 7) + "\r\n\r\n";
        assertThat(exact).hasSize(HeaderSniffer.LIMIT);
        assertThat(sniff(exact).truncated()).isFalse();
    }
}
