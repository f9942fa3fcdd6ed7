package dev.tern.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.queue.Envelope;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which messages are signed on the way out: authenticated submission (RFC 3848 "A") and Tern's notices. */
class OutboundSignerTest {
    static Envelope env(String protocol, int notice) {
        return new Envelope("ID", "a@a.test", Instant.EPOCH, "127.0.0.1", "client.test", protocol, false, null, null,
                null, List.of(new Envelope.Recipient("b@b.test", "b@b.test", null, null)), notice);
    }

    @Test
    void authenticatedProtocolsAndNoticesAreSigned() {
        for (String p : List.of("ESMTPA", "ESMTPSA", "UTF8SMTPA", "UTF8SMTPSA")) {
            assertThat(OutboundSigner.signs(env(p, 0))).as(p).isTrue();
        }
        for (String p : List.of("SMTP", "ESMTP", "ESMTPS", "UTF8SMTP", "UTF8SMTPS", "LOCAL")) {
            assertThat(OutboundSigner.signs(env(p, 0))).as(p).isFalse();
        }
        assertThat(OutboundSigner.signs(env("LOCAL", Envelope.NOTICE))).isTrue();
        assertThat(OutboundSigner.signs(env("LOCAL", Envelope.NOTICE_TO_POSTMASTER))).isTrue();
    }
}
