package dev.tern.queue;

import dev.tern.text.ClientText;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The human-readable forms of {@code tern queue list} and {@code show} (the server writes the listing, the CLI
 * copies it: {@code GET /queue?format=text}), one block per message like
 * {@code postqueue -p}. Every text that came from outside (addresses, the HELO name, header fields, a peer's
 * last error, relay names) goes through {@link ClientText#forTerminal}, so that no sender's escape sequence
 * ever reaches the operator's terminal.
 */
public final class QueueText {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private QueueText() {
    }

    /** Untrusted text made safe to print. */
    private static String t(String s) {
        return ClientText.forTerminal(s);
    }

    public static String list(List<QueueReport> messages, Clock clock) {
        StringBuilder sb = new StringBuilder();
        Listing listing = new Listing(sb, clock);
        messages.forEach(listing::add);
        listing.end(null, null);
        return sb.toString();
    }

    /**
     * The text listing written as the messages come (one block each, then a line of totals), so a big queue
     * is printed while it is read and never held whole.
     */
    public static final class Listing {
        private final StringBuilder sb;
        private final Appendable out;
        private final Clock clock;
        private final Instant now;
        private long count;
        private long bytes;
        private long rcpts;

        /** Writes to {@code out} (a StringBuilder, or a writer the caller flushes). */
        public Listing(Appendable out, Clock clock) {
            this.out = out;
            this.sb = out instanceof StringBuilder b ? b : new StringBuilder();
            this.clock = clock;
            this.now = clock.instant();
        }

        public void add(QueueReport m) {
            sb.append(t(m.id())).append("  ").append(m.size()).append(" bytes  ").append(age(m.arrival(), now))
                    .append(" old (").append(time(m.arrival(), clock.getZone())).append(')');
            if (m.held()) {
                sb.append("  HELD");
            }
            sb.append('\n');
            sb.append("    from <").append(t(m.sender())).append(">\n");
            for (QueueReport.Rcpt r : m.recipients()) {
                recipient(sb, r, m.held(), now, clock.getZone(), "    ");
            }
            sb.append('\n');
            bytes += m.size();
            rcpts += m.recipients().size();
            count++;
            drain();
        }

        /**
         * The totals; {@code after} is the page's start (null: the first page), {@code next} where the next page
         * starts (null: this was the last).
         */
        public void end(String after, String next) {
            if (count == 0) {
                sb.append(after == null ? "The queue is empty.\n" : "No messages after " + t(after) + ".\n");
            } else {
                sb.append("-- ").append(count).append(count == 1 ? " message, " : " messages, ")
                        .append(rcpts).append(rcpts == 1 ? " recipient, " : " recipients, ").append(bytes)
                        .append(" bytes\n");
            }
            if (next != null) {
                sb.append("-- more follow: tern queue list --after ").append(t(next)).append('\n');
            }
            drain();
        }

        private void drain() {
            if (sb == out) {
                return;
            }
            try {
                out.append(sb);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            sb.setLength(0);
        }
    }

    /** The totals of {@code GET /queue?summary} in words. */
    public static String summary(QueueReport.Summary s, Clock clock) {
        String still = s.recovering() ? "-- the spool is still being read since the start: the messages queued before"
                + " it are not all counted yet\n" : "";
        if (s.messages() == 0) {
            return (s.recovering() ? "No message read yet.\n" : "The queue is empty.\n") + still;
        }
        return still + s.messages() + (s.messages() == 1 ? " message, " : " messages, ") + s.recipients()
                + (s.recipients() == 1 ? " recipient (" : " recipients (") + s.pending() + " pending, "
                + s.deferred() + " deferred), " + s.held() + " held, " + s.bytes() + " bytes; the oldest arrived "
                + time(s.oldest(), clock.getZone()) + " (" + age(s.oldest(), clock.instant()) + " ago)\n";
    }

    public static String show(QueueReport m, Clock clock) {
        Instant now = clock.instant();
        StringBuilder sb = new StringBuilder();
        sb.append("id:        ").append(t(m.id())).append(m.held() ? "  (HELD: no attempts until released)" : "")
                .append('\n');
        sb.append("arrived:   ").append(time(m.arrival(), clock.getZone())).append(" (")
                .append(age(m.arrival(), now)).append(" ago)\n");
        sb.append("size:      ").append(m.size()).append(" bytes\n");
        sb.append("from:      <").append(t(m.sender())).append(">\n");
        sb.append("client:    [").append(t(m.client())).append("] helo=").append(t(m.helo())).append(", ")
                .append(t(m.protocol())).append('\n');
        sb.append("recipients:\n");
        for (QueueReport.Rcpt r : m.recipients()) {
            recipient(sb, r, m.held(), now, clock.getZone(), "  ");
            if (r.lastAttempt() != null) {
                sb.append("  ").append("      last attempt: ").append(time(r.lastAttempt(), clock.getZone()))
                        .append(r.relay() == null ? "" : " via " + t(r.relay())).append('\n');
            }
        }
        sb.append("headers:\n");
        if (m.headers() != null) {
            for (String line : m.headers().split("\n")) {
                sb.append("  ").append(t(line)).append('\n');
            }
        }
        return sb.toString();
    }

    private static void recipient(StringBuilder sb, QueueReport.Rcpt r, boolean held, Instant now, ZoneId zone,
                                  String indent) {
        sb.append(indent).append("to <").append(t(r.address())).append('>');
        if (r.original() != null) {
            sb.append(" (for <").append(t(r.original())).append(">)");
        }
        sb.append("  ").append(t(r.status()));
        if (r.attempts() > 0) {
            sb.append(", ").append(r.attempts()).append(r.attempts() == 1 ? " attempt" : " attempts");
        }
        boolean waiting = r.status().equals("deferred") || r.status().equals("pending");
        if (waiting) {
            if (held) {
                sb.append(", on hold");
            } else if (r.nextAttempt() == null || !r.nextAttempt().isAfter(now)) {
                sb.append(", next attempt now");
            } else {
                sb.append(", next attempt in ").append(age(now, r.nextAttempt())).append(" (")
                        .append(time(r.nextAttempt(), zone)).append(')');
            }
        }
        sb.append('\n');
        if (r.lastError() != null && !r.status().equals("delivered")) {
            sb.append(indent).append("    last error: ").append(t(r.lastError())).append('\n');
        }
    }

    public static String time(Instant t, ZoneId zone) {
        return WHEN.format(t.atZone(zone).truncatedTo(ChronoUnit.SECONDS));
    }

    /** "45s", "3m 20s", "2h 5m", "3d 4h". */
    public static String age(Instant from, Instant to) {
        long s = Math.max(0, Duration.between(from, to).toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m " + s % 60 + "s";
        }
        if (s < 86400) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }
}
