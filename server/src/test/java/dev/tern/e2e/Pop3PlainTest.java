package dev.tern.e2e;

import static dev.tern.e2e.Pop3Fixture.ALICE;
import static dev.tern.e2e.Pop3Fixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A POP3 server without TLS and with auth_requires_tls = false, and a short idle timeout. */
class Pop3PlainTest {
    @RegisterExtension
    final Pop3Fixture pop = new Pop3Fixture().withoutTls().authRequiresTls(false).idleTimeout(Duration.ofMillis(700));

    @Test
    void loginWithoutTlsWhenAllowed() throws Exception {
        pop.deliver(ALICE, message("one", "x\r\n"));
        try (RawPop3 c = RawPop3.open(pop.pop3())) {
            assertThat(c.multi("CAPA")).contains("USER", "SASL PLAIN").doesNotContain("STLS");
            assertThat(c.cmd("STLS")).isEqualTo("-ERR STLS is not available on this server");
            c.login(ALICE, "pw");
            assertThat(c.cmd("STAT")).startsWith("+OK 1 ");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void idleSessionIsClosedWithoutAResponseAndDeletesNothing() throws Exception {
        String name = pop.deliver(ALICE, message("one", "x\r\n"));
        try (RawPop3 c = RawPop3.open(pop.pop3())) {
            c.login(ALICE, "pw");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            long start = System.nanoTime();
            assertThat(c.closedByServer()).isTrue(); // RFC 1939 3: no response, no UPDATE
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(300));
        }
        assertThat(pop.files(ALICE)).containsExactly("new/" + name);
    }
}
