package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static dev.tern.e2e.TernFixture.BOB;
import static dev.tern.e2e.TernFixture.JOSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.e2e.RawSmtp.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Messages through the inbound SMTP server over a raw socket: DATA, BDAT, delivery, and what must never be delivered. */
class SmtpMessageTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture();

    private static final String SIMPLE = "Subject: test\r\n\r\nHello\r\n";

    @Test
    void endOfDataReplyNamesTheQueueIdAndTheReceivedHeaderToo() throws Exception {
        String content = "From: Sender <a@b.example>\r\nTo: alice@example.test\r\nSubject: dots\r\n\r\n"
                + "first line\r\n.leading dot\r\n..two dots\r\n.\r\n. \r\n\r\nlast line\r\n";
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            Reply r = c.data(content);
            assertThat(r.lastLine()).matches(RawSmtp.QUEUED);
            id = RawSmtp.queueId(r);
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        // on the MX the checks' Authentication-Results comes first (docs/authentication.md), then our Received
        assertThat(msg).startsWith("Return-Path: <a@b.example>\r\nDelivered-To: alice@example.test\r\n"
                + "Authentication-Results: mx.test;\r\n");
        assertThat(msg).containsPattern("\r\n\tdmarc=[a-z]+[^\r]*\r\nReceived: ");
        assertThat(msg).endsWith("\r\n" + content);
        String header = TernFixture.unfoldedHeader(msg);
        Matcher received = Pattern.compile("(?m)^Received: (.*)$").matcher(header);
        assertThat(received.find()).isTrue();
        String rec = received.group(1);
        assertThat(rec).contains("from client.test", "[127.0.0.1]", "by mx.test", "with ESMTP", "id " + id,
                "for <alice@example.test>");
        assertThat(rec).matches(".*; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\\r?$");
        tern.awaitSpoolEmpty();
    }

    @Test
    void contentIsDeliveredByteExact() throws Exception {
        byte[] content = ("Subject: bytes\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\n"
                + "tab\there, trailing spaces   \r\n\r\n\r\nGrüße, 日本語, emoji 😀\r\n"
                + " leading space\r\n" + "x".repeat(998) + "\r\n..\r\n...\r\nend\r\n").getBytes(StandardCharsets.UTF_8);
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example> BODY=8BITMIME");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write(RawSmtp.dotStuff(new String(content, StandardCharsets.UTF_8)) + ".\r\n");
            id = RawSmtp.queueId(c.read());
        }
        byte[] file = Files.readAllBytes(tern.awaitDelivery(ALICE, id));
        byte[] tail = Arrays.copyOfRange(file, file.length - content.length, file.length);
        assertThat(tail).isEqualTo(content);
    }

    @Test
    void firstLineStartingWithADotAndAnEmptyBody() throws Exception {
        String id;
        String id2;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<a@b.example>", ".first line is dotted\r\n\r\nbody\r\n", "<alice@example.test>");
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write(".\r\n"); // an empty message
            id2 = RawSmtp.queueId(c.read());
        }
        assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).endsWith("\r\n.first line is dotted\r\n\r\nbody\r\n");
        String empty = TernFixture.read(tern.awaitDelivery(ALICE, id2));
        assertThat(empty).startsWith("Return-Path: <a@b.example>\r\n").contains("id " + id2);
    }

    @Test
    void quotedAndCaseVariantLocalPartsFindTheUser() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<\"alice\"@example.test>");
            c.rcptTo("<Alice@Example.Test>");
            c.cmd("RCPT TO:<\"alice smith\"@example.test>").expect(550, "5.1.1");
            id = RawSmtp.queueId(c.data(SIMPLE));
        }
        tern.awaitDelivery(ALICE, id);
        tern.awaitSpoolEmpty();
        assertThat(tern.delivered(ALICE)).hasSize(1);
    }

    @Test
    void heloNameIsMadeSafeInTheReceivedHeader() throws Exception {
        String id;
        try (RawSmtp c = tern.connect()) {
            c.read().expect(220);
            c.cmd("EHLO bad(name);\tX-Injected:yes").expect(250);
            id = c.deliver("<a@b.example>", SIMPLE, "<alice@example.test>");
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        assertThat(msg).doesNotContainPattern("(?m)^X-Injected");
        assertThat(TernFixture.unfoldedHeader(msg)).contains("Received: from bad_name___X-Injected:yes ([127.0.0.1])");
    }

    @Test
    void recipientLimitIsPerTransaction() throws Exception {
        try (RawSmtp c = tern.open()) {
            for (int round = 0; round < 2; round++) {
                c.mailFrom("<a@b.example>");
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 100; i++) {
                    sb.append("RCPT TO:<bob+").append(i).append("@example.test>\r\n");
                }
                c.write(sb.toString());
                for (Reply r : c.read(100)) {
                    r.expectOk();
                }
                c.cmd("RCPT TO:<alice@example.test>").expect(452, "4.5.3");
                c.cmd("RSET").expectOk();
            }
        }
    }

    @Test
    void nullReversePathIsDeliveredWithAnEmptyReturnPath() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<>", "Subject: bounce\r\n\r\nundeliverable\r\n", "<alice@example.test>");
        }
        assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).startsWith("Return-Path: <>\r\n");
    }

    @Test
    void spaceBeforeThePathIsAccepted() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM: <a@b.example>").expectOk();
            c.cmd("RCPT TO: <alice@example.test>").expectOk();
            id = RawSmtp.queueId(c.data(SIMPLE));
        }
        assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).startsWith("Return-Path: <a@b.example>\r\n");
    }

    @Test
    void postmasterWithoutDomainGoesToTheAliasTarget() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<a@b.example>", SIMPLE, "<postmaster>");
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        assertThat(msg).contains("Delivered-To: alice@example.test\r\n");
    }

    @Test
    void postmasterInAnyCaseGoesToTheAliasTarget() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<a@b.example>", SIMPLE, "<POSTMASTER@EXAMPLE.TEST>");
            String id2 = c.deliver("<a@b.example>", SIMPLE, "<PostMaster>");
            tern.awaitDelivery(ALICE, id2);
        }
        tern.awaitDelivery(ALICE, id);
        tern.awaitSpoolEmpty();
        assertThat(tern.delivered(ALICE)).hasSize(2);
    }

    @Test
    void aliasFansOutToEveryTarget() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<a@b.example>", SIMPLE, "<team@example.test>");
        }
        assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).contains("Delivered-To: alice@example.test\r\n");
        assertThat(TernFixture.read(tern.awaitDelivery(BOB, id))).contains("Delivered-To: bob@example.test\r\n");
        tern.awaitSpoolEmpty();
        assertThat(tern.delivered(ALICE)).hasSize(1);
        assertThat(tern.delivered(BOB)).hasSize(1);
    }

    @Test
    void subaddressIsDeliveredToTheUser() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<a@b.example>", SIMPLE, "<alice+tag@example.test>");
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        assertThat(TernFixture.unfoldedHeader(msg)).contains("for <alice+tag@example.test>");
        assertThat(tern.delivered("alice+tag@example.test")).isEmpty();
    }

    @Test
    void oneCopyPerMailboxHoweverManyRcptsLeadThere() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<a@b.example>", SIMPLE, "<alice@example.test>", "<ALICE@example.test>",
                    "<alice+x@example.test>", "<postmaster@example.test>", "<team@example.test>");
        }
        tern.awaitDelivery(ALICE, id);
        tern.awaitDelivery(BOB, id);
        tern.awaitSpoolEmpty();
        assertThat(tern.delivered(ALICE)).hasSize(1);
        assertThat(tern.delivered(BOB)).hasSize(1);
    }

    @Test
    void smtpUtf8ToANonAsciiLocalPart() throws Exception {
        String content = "From: josé@b.example\r\nTo: jösé@example.test\r\nSubject: Grüße\r\n\r\nHallo jösé\r\n";
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<josé@b.example> SMTPUTF8 BODY=8BITMIME");
            c.rcptTo("<jösé@example.test>");
            id = RawSmtp.queueId(c.data(content));
        }
        String msg = TernFixture.read(tern.awaitDelivery(JOSE, id));
        assertThat(msg).startsWith("Return-Path: <josé@b.example>\r\nDelivered-To: jösé@example.test\r\n");
        assertThat(TernFixture.unfoldedHeader(msg)).contains("with UTF8SMTP id " + id, "for <jösé@example.test>");
        assertThat(msg).endsWith("\r\n" + content);
    }

    @Test
    void messageOverMaxSizeIs552AndNothingIsDelivered() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            String block = ("y".repeat(98) + "\r\n").repeat(1000); // 100 000 octets
            c.write("Subject: big\r\n\r\n");
            for (int i = 0; i < 11; i++) { // 1.1 MB
                c.write(block);
            }
            c.write(".\r\n");
            c.read().expect(552, "5.3.4");
            assertThat(tern.incomingFiles()).isEmpty();
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void messageOfExactlyMaxSizeIsAccepted() throws Exception {
        long max = 1 << 20;
        String head = "Subject: exact\r\n\r\n";
        StringBuilder sb = new StringBuilder(head);
        while (sb.length() + 100 <= max) {
            sb.append("z".repeat(98)).append("\r\n");
        }
        int rest = (int) (max - sb.length());
        sb.append("w".repeat(rest - 2)).append("\r\n");
        assertThat(sb.length()).isEqualTo(max);
        String id;
        try (RawSmtp c = tern.open()) {
            c.cmd("MAIL FROM:<a@b.example> SIZE=" + max).expectOk();
            c.rcptTo("<alice@example.test>");
            id = RawSmtp.queueId(c.data(sb.toString()));
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.data(sb + "v\r\n").expect(552, "5.3.4");
        }
        assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).endsWith("\r\n" + sb);
    }

    @Test
    void textLineOver1000OctetsIs550AndNothingIsDelivered() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            Reply r = c.data("Subject: long\r\n\r\n" + "x".repeat(999) + "\r\nshort\r\n");
            assertThat(r.code()).as(r.toString()).isEqualTo(550);
            assertThat(r.status()).startsWith("5.");
            assertThat(tern.incomingFiles()).isEmpty();
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void bareLfInDataIsRefusedAfterTheRealEnd() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nfoo\n.\nbar\r\n.\r\n");
            Reply r = c.read();
            assertThat(r.code()).as(r.toString()).isBetween(500, 599);
            // the next reply belongs to the next command: nothing after "\n.\n" was taken as a command
            c.cmd("NOOP").expectOk();
            assertThat(tern.incomingFiles()).isEmpty();
            onlyTheSentinelArrives(c);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"foo\rbar", "foo\r.\rbar", "foo\r\n.\rbar", "foo\r.\r\nbar", "foo\r\r\n", "\r"})
    void bareCrInDataIsRefusedAndNothingIsDelivered(String body) throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\n" + body + "\r\n.\r\n");
            Reply r = c.read();
            assertThat(r.code()).as(r.toString()).isBetween(500, 599);
            c.cmd("NOOP").expectOk();
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void theClassicSmugglingPayloadNeverMakesASecondMessage() throws Exception {
        List<Reply> replies = new ArrayList<>();
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nhello\r\n\n.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                    + "smuggled\r\n.\r\n" + "\r\n.\r\n" + "QUIT\r\n");
            while (true) {
                Reply r = c.read();
                replies.add(r);
                if (r.code() == 221 || r.code() == 421) {
                    break;
                }
            }
        }
        long queued = replies.stream().filter(r -> RawSmtp.QUEUED.matcher(r.lastLine()).matches()).count();
        assertThat(queued).as("250 replies to an end of data in %s", replies).isLessThanOrEqualTo(1);
        assertThat(replies.get(0).code()).as("the reply to the message with a bare LF, in %s", replies)
                .isBetween(500, 599);
        assertThat(replies).as("no smuggled command was run").noneMatch(r -> r.code() == 354);
        try (RawSmtp c = tern.open()) {
            onlyTheSentinelArrives(c);
        }
    }

    @ParameterizedTest(name = "[{index}] end of data spelt {0}")
    @ValueSource(strings = {"\\n.\\n", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r", "\\r.\\r\\n", "\\r\\n.\\r", "\\r\\n\\n.\\r\\n",
            "\\r\\n\\r.\\r\\n", "\\r\\n.\\r\\r\\n"})
    void smugglingWithAnyNonStandardEndOfDataIsRefused(String escaped) throws Exception {
        String sep = escaped.replace("\\r", "\r").replace("\\n", "\n");
        List<Reply> replies = new ArrayList<>();
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nhello" + sep + "MAIL FROM:<evil@x.example>\r\nRCPT TO:<alice@example.test>\r\n"
                    + "DATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n");
            replies.add(c.read());
            replies.add(c.read());
            assertThat(c.readUntilClosed()).isEmpty();
        }
        assertThat(replies.get(0).code()).as("%s", replies).isBetween(500, 599);
        assertThat(replies.get(1).code()).as("%s", replies).isEqualTo(221);
        try (RawSmtp c = tern.open()) {
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void timeoutInsideDataIs421AndNothingIsDelivered() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nhalf a mess");
            c.read().expect(421, "4.4.2");
            assertThat(c.readUntilClosed()).isEmpty();
        }
        awaitNoIncoming();
        try (RawSmtp c = tern.open()) {
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void connectionLostInsideDataLeavesNothingBehind() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.cmd("DATA").expect(354);
            c.write("Subject: x\r\n\r\nhalf a message\r\n");
        }
        awaitNoIncoming();
        try (RawSmtp c = tern.open()) {
            onlyTheSentinelArrives(c);
        }
    }

    // ------------------------------------------------------------------------------------------------ BDAT

    @Test
    void bdatChunksThenZeroLast() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            bdat(c, "Subject: chunk\r\n", false).expectOk();
            bdat(c, "\r\nfirst\r", false).expectOk(); // the CRLF is split across chunks
            bdat(c, "\n.not stuffed\r\n", false).expectOk();
            id = RawSmtp.queueId(bdat(c, "", true));
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        assertThat(msg).endsWith("\r\nSubject: chunk\r\n\r\nfirst\r\n.not stuffed\r\n");
        assertThat(TernFixture.unfoldedHeader(msg)).contains("with ESMTP id " + id);
    }

    @Test
    void bdatSingleLastChunkPipelined() throws Exception {
        String content = "Subject: one chunk\r\n\r\nbody\r\n.\r\nstill body\r\n";
        int len = content.getBytes(StandardCharsets.UTF_8).length;
        String id;
        try (RawSmtp c = tern.open()) {
            c.write("MAIL FROM:<a@b.example>\r\nRCPT TO:<bob@example.test>\r\nBDAT " + len + " LAST\r\n" + content
                    + "NOOP\r\n");
            c.read().expectOk();
            c.read().expectOk();
            id = RawSmtp.queueId(c.read());
            c.read().expectOk();
        }
        assertThat(TernFixture.read(tern.awaitDelivery(BOB, id))).endsWith("\r\n" + content);
    }

    @Test
    void commandsInsideABdatChunkAreData() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            // declared 20 octets: "short\r\n" (7) + "QUIT\r\n" (6) + "1234567" (7)
            c.write("BDAT 20 LAST\r\nshort\r\n");
            c.write("QUIT\r\n");
            c.write("1234567");
            id = RawSmtp.queueId(c.read());
            c.cmd("NOOP").expectOk();
        }
        assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).endsWith("\r\nshort\r\nQUIT\r\n1234567");
    }

    @Test
    void bytesBeyondTheDeclaredChunkSizeAreReadAsCommands() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.write("BDAT 7\r\nhello\r\nworld\r\n");
            c.read().expectOk();      // the 7 octets "hello\r\n"
            c.read().expect(500, "5.5.2");      // "world" as a command
            String id = RawSmtp.queueId(bdat(c, "", true));
            String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
            assertThat(msg).endsWith("\r\nhello\r\n").doesNotContain("world");
        }
    }

    @Test
    void bdatOutsideATransactionIsRefusedAndItsChunkSkipped() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.write("BDAT 6 LAST\r\nNOOP\r\nNOOP\r\n");
            c.read().expect(503, "5.5.1");
            c.read().expectOk(); // the second NOOP, after the 6 skipped octets
            c.mailFrom("<a@b.example>");
            c.write("BDAT 4 LAST\r\nRSET");
            c.read().expect(554, "5.5.1"); // no recipients yet
            c.rcptTo("<alice@example.test>");
            c.cmd("BDAT").expect(501, "5.5.4");
            c.cmd("BDAT -1").expect(501, "5.5.4");
            c.cmd("BDAT 1 FIRST").expect(501, "5.5.4");
            c.write("BDAT 3\r\nabc");
            c.read().expectOk();
            c.cmd("DATA").expect(503, "5.5.1");
            c.cmd("RCPT TO:<bob@example.test>").expect(503, "5.5.1");
            String id = RawSmtp.queueId(bdat(c, "\r\n", true));
            assertThat(TernFixture.read(tern.awaitDelivery(ALICE, id))).endsWith("\r\nabc\r\n");
            tern.awaitSpoolEmpty();
            assertThat(tern.delivered(ALICE)).hasSize(1);
            assertThat(tern.delivered(BOB)).isEmpty();
        }
    }

    @Test
    void rsetAbandonsAPartlyReceivedBdatMessage() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<first@b.example>");
            c.rcptTo("<alice@example.test>");
            bdat(c, "Subject: abandoned\r\n", false).expectOk();
            c.cmd("RSET").expectOk();
            c.mailFrom("<second@b.example>");
            c.rcptTo("<bob@example.test>");
            id = RawSmtp.queueId(bdat(c, "Subject: kept\r\n\r\nkept\r\n", true));
        }
        assertOnlyTheKeptMessageReachedBob(id);
    }

    @Test
    void ehloAbandonsAPartlyReceivedBdatMessage() throws Exception {
        String id;
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<first@b.example>");
            c.rcptTo("<alice@example.test>");
            bdat(c, "Subject: abandoned\r\n", false).expectOk();
            c.cmd("EHLO again.test").expect(250);
            c.mailFrom("<second@b.example>");
            c.rcptTo("<bob@example.test>");
            id = RawSmtp.queueId(bdat(c, "Subject: kept\r\n\r\nkept\r\n", true));
        }
        assertOnlyTheKeptMessageReachedBob(id);
    }

    @Test
    void bdatOverMaxSizeIs552() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            int size = (1 << 20) + 10;
            c.write("BDAT " + size + " LAST\r\n");
            byte[] block = ("q".repeat(998) + "\r\n").getBytes(StandardCharsets.US_ASCII); // 1000
            for (int sent = 0; sent < size; sent += block.length) {
                c.write(Arrays.copyOf(block, Math.min(block.length, size - sent)));
            }
            c.read().expect(552, "5.3.4");
            c.cmd("NOOP").expectOk();
            onlyTheSentinelArrives(c);
        }
    }

    /**
     * RFC 3030 section 3: after a failed BDAT, a server that offers PIPELINING "MUST be prepared to accept and
     * discard additional BDAT chunks already in the pipeline". A pipelining client sending a message too big for
     * us in many chunks must get its 552, have the remaining chunks discarded, and keep a usable session.
     */
    @Test
    void pipelinedBdatChunksAfterATooBigMessageAreDiscardedAndTheSessionGoesOn() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            byte[] chunk = ("p".repeat(998) + "\r\n").repeat(50).getBytes(StandardCharsets.US_ASCII); // 50 000 octets
            int chunks = 40; // 2 MB in all; the limit is passed in chunk 21
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= chunks; i++) {
                all.write(("BDAT " + chunk.length + (i == chunks ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
                all.write(chunk);
            }
            all.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            c.write(all.toByteArray());
            List<Reply> replies = new ArrayList<>();
            for (int i = 0; i < chunks + 1; i++) {
                Reply r = c.read();
                replies.add(r);
                if (r.code() == 421) {
                    break;
                }
            }
            List<Integer> codes = replies.stream().map(Reply::code).toList();
            assertThat(codes).as("replies to 40 pipelined BDAT chunks and a NOOP").contains(552)
                    .doesNotContain(421).endsWith(250);
            assertThat(codes.subList(0, 20)).containsOnly(250);
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void bareLfInABdatChunkIsRefused() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            String content = "Subject: x\r\n\r\nfoo\nbar\r\n";
            c.write("BDAT " + content.length() + " LAST\r\n" + content);
            Reply r = c.read();
            assertThat(r.code()).as(r.toString()).isBetween(500, 599);
            c.cmd("NOOP").expectOk();
            onlyTheSentinelArrives(c);
        }
    }

    @Test
    void connectionLostBetweenBdatChunksLeavesNothingBehind() throws Exception {
        try (RawSmtp c = tern.open()) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<alice@example.test>");
            c.write("BDAT 12\r\nSubject: x\r\n");
            c.read().expectOk();
        }
        awaitNoIncoming();
        try (RawSmtp c = tern.open()) {
            onlyTheSentinelArrives(c);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /**
     * Sends one good message to alice on {@code c}, waits for it, and checks it is the only thing delivered
     * anywhere and that the spool is empty: whatever was refused before it left no trace.
     */
    private void onlyTheSentinelArrives(RawSmtp c) throws Exception {
        String id = c.deliver("<sentinel@b.example>", "Subject: sentinel\r\n\r\nsentinel\r\n", "<alice@example.test>");
        // checked at once, while the connection is open: the server's idle timeout must not be what cleans up
        assertThat(tern.incomingFiles()).as("half-received messages left in spool/incoming").isEmpty();
        Path p = tern.awaitDelivery(ALICE, id);
        tern.awaitSpoolEmpty();
        assertThat(tern.delivered(ALICE)).containsExactly(p);
        assertThat(tern.delivered(BOB)).isEmpty();
        assertThat(tern.delivered("postmaster@example.test")).isEmpty();
    }

    /** After a BDAT message was abandoned (alice) and a new one sent (bob): only the new one arrived, only at bob. */
    private void assertOnlyTheKeptMessageReachedBob(String id) {
        tern.awaitSpoolEmpty();
        List<String> atAlice = tern.delivered(ALICE).stream().map(TernFixture::read).toList();
        assertThat(atAlice).as("the abandoned message's recipient got mail").isEmpty();
        List<String> atBob = tern.delivered(BOB).stream().map(TernFixture::read).toList();
        assertThat(atBob).hasSize(1);
        assertThat(atBob.get(0)).startsWith("Return-Path: <second@b.example>\r\n").doesNotContain("abandoned")
                .endsWith("\r\nSubject: kept\r\n\r\nkept\r\n").contains("id " + id);
    }

    /** Sends one BDAT chunk (its size computed) and reads the reply. */
    private static Reply bdat(RawSmtp c, String chunk, boolean last) throws Exception {
        byte[] b = chunk.getBytes(StandardCharsets.UTF_8);
        c.write("BDAT " + b.length + (last ? " LAST" : "") + "\r\n");
        c.write(b);
        return c.read();
    }

    private void awaitNoIncoming() {
        await("spool/incoming emptied").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> tern.incomingFiles().isEmpty());
    }
}
