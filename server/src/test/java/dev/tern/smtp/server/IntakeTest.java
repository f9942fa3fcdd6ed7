package dev.tern.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.io.DirectorySync;
import dev.tern.metrics.Counts;
import dev.tern.queue.ContentFacts;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.Spool;
import dev.tern.smtp.PathParser;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Session;
import dev.tern.smtp.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Message intake without a socket: content in, a queued message or a refusal out. */
class IntakeTest {
    @TempDir
    Path dir;
    final Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
    final List<QueuedMessage> queued = new ArrayList<>();
    final Counts<SmtpServer.Event> counts = new Counts<>(SmtpServer.Event.class);

    private Intake intake() throws Exception {
        return new Intake(new Spool(dir.resolve("spool"), clock, new DirectorySync()), queued::add, clock, "mx.test",
                true, counts);
    }

    private static Transaction transaction() throws Exception {
        return new Transaction(PathParser.reversePath("<bob@example.org>"), Transaction.MailParams.NONE,
                List.of(new Transaction.Recipient(PathParser.forwardPath("<alice@example.test>"), null, null,
                        List.of("alice@example.test"))));
    }

    private static final Intake.Client MX = new Intake.Client("192.0.2.7", "mail.example.org", "ESMTP", null, null, null,
            Session.Mode.MX, null);

    private Reply receive(Intake intake, Intake.Client client, String content) throws Exception {
        Intake.Message m = intake.receive(transaction(), client, 1_000_000, true);
        byte[] b = (content + ".\r\n").getBytes(StandardCharsets.UTF_8);
        m.reader().feed(b, 0, b.length);
        Reply r = m.finish();
        m.handOff(); // as the connection does once the reply is out
        return r;
    }

    @Test
    void acceptsQueuesAndWritesTheReceivedHeader() throws Exception {
        Intake intake = intake();
        Reply r = receive(intake, MX, "Subject: hi\r\n\r\nHello\r\n");
        assertThat(r.toString()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(queued).hasSize(1);
        assertThat(queued.get(0).envelope().recipients()).hasSize(1);
        assertThat(counts.get(SmtpServer.Event.ACCEPTED)).isEqualTo(1);
        String received = new String(intake.receivedHeader(transaction(),
                new Intake.Client("192.0.2.7", "bad\u001bname", "ESMTPSA", "TLSv1.3 with cipher X", "carol@example.test", null,
                        Session.Mode.SUBMISSION, null),
                "ID1"), StandardCharsets.UTF_8);
        assertThat(received).isEqualTo("Received: from bad_name ([192.0.2.7])\r\n"
                + "\t(using TLSv1.3 with cipher X)\r\n\t(authenticated as carol@example.test)\r\n"
                + "\tby mx.test (Tern) with ESMTPSA id ID1\r\n\tfor <alice@example.test>; Mon, 30 Nov 2026 12:00:00 +0000\r\n");
    }

    @Test
    void refusesALoopWithoutQueueing() throws Exception {
        Reply r = receive(intake(), MX, "Received: x\r\n".repeat(Intake.MAX_RECEIVED) + "\r\nbody\r\n");
        assertThat(r.toString()).startsWith("554 5.4.6 Too many Received header fields (50)");
        assertThat(queued).isEmpty();
        assertThat(counts.get(SmtpServer.Event.REJECTED)).isEqualTo(1);
        assertThat(receive(intake(), MX, "Received: x\r\n".repeat(Intake.MAX_RECEIVED - 1) + "\r\nbody\r\n").code())
                .isEqualTo(250);
    }

    @Test
    void checksTheWholeFromFieldOfASubmission() throws Exception {
        Intake.Client alice = new Intake.Client("192.0.2.7", "client", "ESMTPSA", null, "alice@example.test",
                a -> a.equals("alice@example.test"), Session.Mode.SUBMISSION, null);
        assertThat(receive(intake(), alice, "From: alice@example.test\r\n\r\nx\r\n").code()).isEqualTo(250);
        assertThat(receive(intake(), alice, "From: ceo@example.test\r\n\r\nx\r\n").toString())
                .startsWith("553 5.7.1 From: header address <ceo@example.test> is not owned by user alice@example.test");
        String pad = ("X-Pad: " + "x".repeat(70) + "\r\n").repeat(1000);
        assertThat(receive(intake(), alice, "From: alice@example.test\r\n" + pad + "\r\nx\r\n").toString())
                .startsWith("552 5.3.4 Header section longer than 65536 octets");
        assertThat(receive(intake(), MX, pad + "\r\nx\r\n").code()).isEqualTo(250); // no sender rule on the MX
        assertThat(queued).hasSize(2);
    }

    @Test
    void theReaderNotesTheContentFactsTheTrailerKeeps() throws Exception {
        Intake intake = intake();
        receive(intake, MX, "Subject: caf\u00e9\r\nX-Long: " + "y".repeat(300) + "\r\n\r\n\r\nbody\r\n");
        receive(intake, MX, "no header section, no empty line\r\n");
        assertThat(queued).hasSize(2).allSatisfy(q -> {
            byte[] content;
            try (var in = q.openContent()) {
                content = in.readAllBytes();
            }
            assertThat(q.facts()).isEqualTo(ContentFacts.of(content)); // what a scan of the whole would find
        });
        assertThat(queued.get(0).facts()).satisfies(f -> {
            assertThat(f.eightBit()).isTrue();
            assertThat(f.longestLine()).isEqualTo(308);
        });
        Spool reread = new Spool(dir.resolve("spool"), clock, new DirectorySync());
        assertThat(reread.recover()).extracting(QueuedMessage::facts)
                .containsExactly(queued.get(0).facts(), queued.get(1).facts());
    }

    @Test
    void aFlightRecordingTakesEachMessagesPhasesFromTheEndOfItsDataToItsReply() throws Exception {
        Intake intake = intake();
        List<RecordedEvent> events;
        Reply ok;
        try (Recording rec = new Recording()) {
            rec.enable("dev.tern.EndOfData");
            rec.enable("dev.tern.SharedSync");
            rec.start();
            ok = receive(intake, MX, "Subject: hi\r\n\r\nHello\r\n");
            receive(intake, MX, "Received: x\r\n".repeat(Intake.MAX_RECEIVED) + "\r\nbody\r\n");
            rec.stop();
            Path file = dir.resolve("phases.jfr");
            rec.dump(file);
            events = RecordingFile.readAllEvents(file);
        }
        List<RecordedEvent> ends = events.stream().filter(e -> e.getEventType().getName().equals("dev.tern.EndOfData"))
                .toList();
        assertThat(ends).hasSize(2);
        RecordedEvent accepted = ends.get(0);
        assertThat(ok.toString()).endsWith("queued as " + accepted.getString("queueId"));
        assertThat(accepted.getBoolean("accepted")).isTrue();
        assertThat(accepted.getDuration("spool")).isPositive();
        Duration phases = accepted.getDuration("contentEnd").plus(accepted.getDuration("checks"))
                .plus(accepted.getDuration("spool")).plus(accepted.getDuration("logLine"))
                .plus(accepted.getDuration("reply"));
        assertThat(phases).isLessThanOrEqualTo(accepted.getDuration());
        assertThat(ends.get(1).getBoolean("accepted")).isFalse(); // the loop, refused
        assertThat(ends.get(1).getDuration("spool")).isLessThanOrEqualTo(ends.get(1).getDuration());

        // the journal's fsync wait, on the same thread, inside the accepted message's event
        RecordedEvent sync = events.stream().filter(e -> e.getEventType().getName().equals("dev.tern.SharedSync")
                && e.getString("file").contains("journal")).findFirst().orElseThrow();
        assertThat(sync.getBoolean("leader")).isTrue();
        assertThat(sync.getLong("covered")).isEqualTo(1);
        assertThat(sync.getStartTime()).isAfterOrEqualTo(accepted.getStartTime());
        assertThat(sync.getEndTime()).isBeforeOrEqualTo(accepted.getEndTime());
        assertThat(sync.getDuration("queued").plus(sync.getDuration("fsync")).plus(sync.getDuration("wakeUp")))
                .isLessThanOrEqualTo(sync.getDuration()).isLessThanOrEqualTo(accepted.getDuration("spool"));
    }
}
