package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.e2e.RawSmtp.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RFC 2034 section 3: once ENHANCEDSTATUSCODES is announced, every reply except the greeting, the replies to
 * HELO/EHLO (and the 354 intermediate reply, which carries none by convention) starts with an enhanced code.
 */
class EnhancedStatusCodesTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().limit("max_errors", "1000");

    @Test
    void everyReplyAfterEhloHasAnEnhancedStatusCode() throws Exception {
        List<Reply> replies = new ArrayList<>();
        try (RawSmtp c = tern.open()) {
            for (String cmd : List.of("NOOP", "NOOP x", "HELP", "VRFY alice", "EXPN team", "RSET", "FOO", "",
                    "STARTTLS now", "AUTH PLAIN", "VRFY", "EXPN", "QUIT now", "RCPT TO:<alice@example.test>", "DATA",
                    "BDAT x", "MAIL FROM:bad", "MAIL FROM:<a@b.example> BAR=1", "MAIL FROM:<a@b.example> SIZE=9999999",
                    "MAIL FROM:<a@b.example> SIZE=x", "MAIL FROM:<a@b.example> BODY=9BIT",
                    "MAIL FROM:<a@b.example> RET=ALL", "MAIL FROM:<a@b.example> SMTPUTF8=yes",
                    "MAIL FROM:<josé@b.example>", "NOOP " + "x".repeat(600), "GETX / HTTP",
                    "MAIL FROM:<a@b.example>", "MAIL FROM:<a@b.example>", "DATA", "RCPT TO:<nobody@example.test>",
                    "RCPT TO:<x@elsewhere.example>", "RCPT TO:<jösé@example.test>", "RCPT TO:<>",
                    "RCPT TO:<alice@example.test> NOTIFY=SOMETIMES", "RCPT TO:<alice@example.test> ORCPT=x",
                    "RCPT TO:<postmaster>", "RCPT TO:<alice@example.test>")) {
                replies.add(c.cmd(cmd));
            }
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nx\r\n.\r\n");
            replies.add(c.read());

            c.cmd("MAIL FROM:<a@b.example>").expect(250);
            c.cmd("RCPT TO:<alice@example.test>").expect(250);
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nbare\nLF\r\n.\r\n");
            replies.add(c.read());

            c.cmd("MAIL FROM:<a@b.example>").expect(250);
            c.cmd("RCPT TO:<alice@example.test>").expect(250);
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\n" + "y".repeat(1200) + "\r\n.\r\n");
            replies.add(c.read());

            c.write("BDAT 3 LAST\r\nabc"); // no transaction
            replies.add(c.read());
            replies.add(c.cmd("MAIL FROM:<a@b.example>"));
            replies.add(c.cmd("RCPT TO:<alice@example.test>"));
            c.write("BDAT 3\r\nabc");
            replies.add(c.read());
            replies.add(c.cmd("DATA"));
            replies.add(c.cmd("RCPT TO:<bob@example.test>"));
            c.write("BDAT 2 LAST\r\n\r\n");
            replies.add(c.read());
            replies.add(c.cmd("QUIT"));
        }
        assertThat(replies).allSatisfy(r -> assertThat(r.everyLineHasEnhancedStatus())
                .as("enhanced status code (RFC 2034) in %s", r).isTrue());
    }
}
