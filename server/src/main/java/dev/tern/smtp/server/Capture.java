package dev.tern.smtp.server;

import dev.tern.queue.Envelope;
import dev.tern.smtp.Reply;
import java.time.Duration;
import java.util.List;

/**
 * Capture mode (tern-junit, {@code tern serve --capture}): a seam in the SMTP server through which accepted
 * messages go to {@link #accept} instead of the spool, so nothing is queued or delivered, and through which a
 * test's script may answer a stage in place of Tern. Every check Tern makes in production is still made;
 * {@link #at} is asked only about commands Tern would otherwise handle.
 */
public interface Capture {

    /** Where in a session a script may step in. */
    enum Stage { CONNECT, EHLO, MAIL, RCPT, DATA, END_OF_DATA }

    /**
     * Where the session is when a script is asked.
     *
     * @param address    MAIL's reverse-path ("" for {@code <>}) or RCPT's forward-path; null at other stages
     * @param sender     the transaction's reverse-path so far, or null outside a transaction
     * @param recipients the transaction's forward-paths accepted so far
     */
    record Point(Stage stage, String client, String address, String sender, List<String> recipients) {
        public Point {
            recipients = List.copyOf(recipients);
        }
    }

    /** What a script does at a stage instead of Tern's own answer. */
    sealed interface Action {
        /** Answer with this reply (the transaction is reset when it ends one: DATA, end of data). */
        record Answer(Reply reply) implements Action {
        }

        /** Close the connection without a reply. */
        record Drop() implements Action {
        }

        /** Wait this long, then go on as usual. */
        record Delay(Duration delay) implements Action {
        }
    }

    /**
     * An accepted message: its envelope (every forward-path the client gave), the content exactly as received
     * (dot-unstuffed, without the Received header Tern would add), and what the session showed.
     *
     * @param tls  "TLSv1.3 with cipher X" on a TLS connection, else null
     * @param user the authenticated user, or null
     */
    record Captured(Envelope envelope, byte[] content, String tls, String user) {
    }

    /** What to do at {@code point} instead of Tern's answer; null to go on as usual. */
    Action at(Point point);

    /** Takes a message that passed every check; it is then acknowledged with 250. */
    void accept(Captured message);
}
