package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole way through a real Tern: mail in by SMTP, out by POP3 (plain: Tern has no TLS yet). */
class Pop3ThroughTernTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().pop3(false);

    @Test
    void smtpInPop3Out() throws Exception {
        String id;
        try (RawSmtp smtp = tern.open()) {
            id = smtp.deliver("<bob@example.test>",
                    "Subject: via smtp\r\n\r\n.leading dot\r\nbye\r\n", "<" + ALICE + ">");
        }
        java.nio.file.Path file = tern.awaitDelivery(ALICE, id);
        long size = java.nio.file.Files.size(file);
        try (RawPop3 c = RawPop3.open(tern.tern().address("pop3"))) {
            c.login(ALICE, "pw");
            assertThat(c.multi("LIST")).containsExactly("1 " + size);
            assertThat(c.cmd("UIDL 1")).isEqualTo("+OK 1 " + file.getFileName());
            assertThat(c.cmd("RETR 1")).isEqualTo("+OK " + size + " octets");
            List<String> body = c.readBody();
            assertThat(body).contains("Subject: via smtp", "..leading dot", "bye");
            assertThat(String.join("\r\n", body.stream().map(l -> l.startsWith(".") ? l.substring(1) : l).toList())
                    .getBytes(StandardCharsets.UTF_8).length + 2).isEqualTo(size);
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        assertThat(tern.delivered(ALICE)).isEmpty();
    }

    @Test
    void shutdownClosesIdleSessionsAndDeletesNothing() throws Exception {
        String id;
        try (RawSmtp smtp = tern.open()) {
            id = smtp.deliver("<bob@example.test>", "Subject: x\r\n\r\nx\r\n", "<" + ALICE + ">");
        }
        tern.awaitDelivery(ALICE, id);
        try (RawPop3 c = RawPop3.open(tern.tern().address("pop3"))) {
            c.login(ALICE, "pw");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            tern.tern().shutdown(java.time.Duration.ofSeconds(2));
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(tern.delivered(ALICE)).hasSize(1);
    }
}
