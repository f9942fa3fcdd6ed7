package dev.tern.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.queue.Envelope;
import java.net.Inet4Address;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which messages are signed on the way out: authenticated submission (RFC 3848 "A"), trusted networks, notices. */
class OutboundSignerTest {
    /** Trusts 10.0.0.0/8 only. */
    static final OutboundSigner SIGNER = new OutboundSigner(null, null,
            a -> a instanceof Inet4Address && a.getAddress()[0] == 10);

    static Envelope env(String protocol, int notice) {
        return env("192.0.2.1", protocol, notice);
    }

    static Envelope env(String client, String protocol, int notice) {
        return new Envelope("ID", "a@a.test", Instant.EPOCH, client, "client.test", protocol, false, null, null,
                null, List.of(new Envelope.Recipient("b@b.test", "b@b.test", null, null)), notice);
    }

    @Test
    void authenticatedProtocolsAndNoticesAreSigned() {
        for (String p : List.of("ESMTPA", "ESMTPSA", "UTF8SMTPA", "UTF8SMTPSA")) {
            assertThat(SIGNER.signs(env(p, 0))).as(p).isTrue();
        }
        for (String p : List.of("SMTP", "ESMTP", "ESMTPS", "UTF8SMTP", "UTF8SMTPS", "LOCAL")) {
            assertThat(SIGNER.signs(env(p, 0))).as(p).isFalse();
        }
        assertThat(SIGNER.signs(env("LOCAL", Envelope.NOTICE))).isTrue();
        assertThat(SIGNER.signs(env("LOCAL", Envelope.NOTICE_TO_POSTMASTER))).isTrue();
    }

    @Test
    void mailRelayedForTrustedNetworksIsSigned() {
        assertThat(SIGNER.signs(env("10.1.2.3", "ESMTP", 0))).isTrue();
        assertThat(SIGNER.signs(env("11.1.2.3", "ESMTP", 0))).isFalse();
        assertThat(SIGNER.signs(env("::1", "ESMTP", 0))).isFalse();
        for (String notAnAddress : List.of("", "host.example", "10.0.0.1.evil.example")) {
            assertThat(SIGNER.signs(env(notAnAddress, "ESMTP", 0))).as(notAnAddress).isFalse();
        }
    }
}
