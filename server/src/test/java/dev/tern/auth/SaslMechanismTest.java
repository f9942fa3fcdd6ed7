package dev.tern.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SaslMechanismTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainWithInitialResponse() {
        var o = SaslMechanism.create("plain").start(b("\0alice@example.org\0sécret"));
        assertThat(o).isInstanceOfSatisfying(SaslMechanism.Outcome.Credentials.class, c -> {
            assertThat(c.authzid()).isEmpty();
            assertThat(c.user()).isEqualTo("alice@example.org");
            assertThat(new String(c.password())).isEqualTo("sécret");
        });
    }

    @Test
    void plainWithoutInitialResponseAsksWithAnEmptyChallenge() {
        SaslMechanism m = SaslMechanism.create("PLAIN");
        assertThat(m.start(null)).isInstanceOfSatisfying(SaslMechanism.Outcome.Challenge.class,
                c -> assertThat(c.data()).isEmpty());
        assertThat(m.next(b("admin\0alice\0pw"))).isInstanceOfSatisfying(SaslMechanism.Outcome.Credentials.class,
                c -> assertThat(c.authzid()).isEqualTo("admin"));
    }

    @Test
    void plainMalformed() {
        assertThat(SaslMechanism.create("PLAIN").start(b("alice pw"))).isInstanceOf(SaslMechanism.Outcome.Malformed.class);
        assertThat(SaslMechanism.create("PLAIN").start(b("\0a\0b\0c"))).isInstanceOf(SaslMechanism.Outcome.Malformed.class);
        assertThat(SaslMechanism.create("PLAIN").start(new byte[] {0, 'a', 0, (byte) 0xff}))
                .isInstanceOf(SaslMechanism.Outcome.Malformed.class);
        assertThat(SaslMechanism.create("PLAIN").start(new byte[0])).isInstanceOf(SaslMechanism.Outcome.Malformed.class);
    }

    @Test
    void loginAsksForNameThenPassword() {
        SaslMechanism m = SaslMechanism.create("LOGIN");
        assertThat(m.start(null)).isInstanceOfSatisfying(SaslMechanism.Outcome.Challenge.class,
                c -> assertThat(new String(c.data(), StandardCharsets.US_ASCII)).isEqualTo("Username:"));
        assertThat(m.next(b("bob@example.org"))).isInstanceOfSatisfying(SaslMechanism.Outcome.Challenge.class,
                c -> assertThat(new String(c.data(), StandardCharsets.US_ASCII)).isEqualTo("Password:"));
        assertThat(m.next(b("pw"))).isInstanceOfSatisfying(SaslMechanism.Outcome.Credentials.class, c -> {
            assertThat(c.user()).isEqualTo("bob@example.org");
            assertThat(new String(c.password())).isEqualTo("pw");
        });
    }

    @Test
    void unknownMechanismAndBase64() {
        assertThat(SaslMechanism.create("CRAM-MD5")).isNull();
        assertThat(SaslMechanism.decode("AGEAYg==")).containsExactly(0, 'a', 0, 'b');
        assertThat(SaslMechanism.decode("")).isEmpty();
        assertThat(SaslMechanism.decode("AGEAYg")).isNull();
        assertThat(SaslMechanism.decode("!!!!")).isNull();
        assertThat(SaslMechanism.encode(b("Username:"))).isEqualTo("VXNlcm5hbWU6");
    }
}
