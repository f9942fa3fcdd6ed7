package dev.tern.queue;

import dev.tern.log.MailLog;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The notices the queue owes a sender (RFC 3464): a bounce naming the failed recipients, a success notice to
 * those who asked, and one delay warning after {@code delayWarning}. Each is written into the spool as a
 * message of its own and handed to the scheduler; the recipients it reports on are then marked, so that no
 * notice is sent twice. A notice that cannot be delivered goes to the postmaster, once.
 */
final class Notices {
    /** Same logger as the scheduler: operators match these lines together. */

    /** Where notices are written. */
    private final Spool spool;
    /** The Date of a notice and when it is due. */
    private final Clock clock;
    /** Our name in the notice (Reporting-MTA, MAILER-DAEMON@hostname). */
    private final String hostname;
    /** Where a notice about an undeliverable notice goes. */
    private final String postmaster;
    /** When a still-deferred recipient earns its delay notice; zero = never. */
    private final Duration delayWarning;
    /** Hands a queued notice to the scheduler. */
    private final Consumer<QueuedMessage> submit;

    Notices(Spool spool, Clock clock, String hostname, String postmaster, Duration delayWarning,
            Consumer<QueuedMessage> submit) {
        this.spool = spool;
        this.clock = clock;
        this.hostname = hostname;
        this.postmaster = postmaster;
        this.delayWarning = delayWarning;
        this.submit = submit;
    }

    /** Queues the notices now due for {@code m}; returns how many were queued, or -1 when nothing changed. */
    int queueDue(QueuedMessage m, Instant now) {
        Envelope env = m.envelope();
        RecipientState state = m.state();
        List<Integer> failed = new ArrayList<>();
        List<Integer> succeeded = new ArrayList<>();
        List<Integer> delayed = new ArrayList<>();
        boolean warnNow = !delayWarning.isZero() && !now.isBefore(env.arrival().plus(delayWarning));
        for (int i = 0; i < state.size(); i++) {
            RecipientState.Entry e = state.get(i);
            if (e.status() == RecipientState.Status.FAILED && !e.notified()) {
                failed.add(i);
            } else if (e.status() == RecipientState.Status.DELIVERED && !e.notified()) {
                succeeded.add(i);
            } else if (e.status() == RecipientState.Status.DEFERRED && !e.delayNotified() && warnNow) {
                delayed.add(i);
            }
        }
        int queued = -1;
        for (var kind : List.of(Dsn.Kind.FAILURE, Dsn.Kind.SUCCESS, Dsn.Kind.DELAY)) {
            List<Integer> which = kind == Dsn.Kind.FAILURE ? failed : kind == Dsn.Kind.SUCCESS ? succeeded : delayed;
            if (!which.isEmpty()) {
                int n = notify(m, kind, which);
                queued = n < 0 ? queued : Math.max(queued, 0) + n;
            }
        }
        return queued;
    }

    /** When the delay notice of a message arriving at {@code arrival} is due; null when never. */
    Instant delayWarningAt(Instant arrival) {
        return delayWarning.isZero() ? null : arrival.plus(delayWarning);
    }

    /**
     * Sends one notice of {@code kind} about the recipients at {@code indices} (those who want one) and marks
     * them; returns 1 or 0 notices queued, or -1 when it failed and the recipients stay unmarked.
     */
    private int notify(QueuedMessage m, Dsn.Kind kind, List<Integer> indices) {
        Envelope env = m.envelope();
        RecipientState state = m.state();
        List<Dsn.Report> reports = new ArrayList<>();
        for (int i : indices) {
            RecipientState.Entry e = state.get(i);
            Envelope.Recipient r = env.recipients().get(i);
            String action = kind.action;
            boolean wanted = switch (kind) {
                case FAILURE -> r.wants("FAILURE");
                case DELAY -> r.wants("DELAY");
                case SUCCESS -> r.wants("SUCCESS") && !e.dsnPassedOn();
            };
            if (kind == Dsn.Kind.SUCCESS && e.remoteMta() != null) {
                action = "relayed"; // handed to a peer that takes no DSN parameters
            }
            if (wanted) {
                reports.add(new Dsn.Report(r, action, e.dsnStatus() == null ? defaultStatus(kind) : e.dsnStatus(),
                        e.remoteMta(), kind == Dsn.Kind.SUCCESS ? null : e.diagnostic(), e.lastError(),
                        e.lastAttempt()));
            }
        }
        String to = env.sender();
        int level = Envelope.NOTICE;
        if (!reports.isEmpty() && kind == Dsn.Kind.FAILURE && to.isEmpty()) {
            if (env.notice() == Envelope.NOTICE) {
                to = postmaster; // a notice we wrote could not be delivered: tell the postmaster, once
                level = Envelope.NOTICE_TO_POSTMASTER;
            } else if (env.notice() == Envelope.NOTICE_TO_POSTMASTER) {
                MailLog.noticeDropped(m.id());
            }
        }
        int queued = 0;
        if (!reports.isEmpty() && !to.isEmpty()) {
            try {
                String id = queueNotice(m, kind, reports, to, level);
                MailLog.noticeFor(m.id(), kind.name().toLowerCase(Locale.ROOT), id);
                queued = 1;
            } catch (IOException | RuntimeException ex) {
                MailLog.queueFailed(m.id(), "queue a " + kind.name().toLowerCase(Locale.ROOT)
                        + " notice; will try again", ex.toString());
                return -1;
            }
        }
        for (int i : indices) {
            RecipientState.Entry e = state.get(i);
            state.set(i, kind == Dsn.Kind.DELAY ? e.withDelayNotified() : e.withNotified());
        }
        return queued;
    }

    private static String defaultStatus(Dsn.Kind kind) {
        return switch (kind) {
            case FAILURE -> "5.0.0";
            case DELAY -> "4.0.0";
            case SUCCESS -> "2.0.0";
        };
    }

    private String queueNotice(QueuedMessage m, Dsn.Kind kind, List<Dsn.Report> reports, String to, int level)
            throws IOException {
        Envelope env = m.envelope();
        String ret = env.ret() == null ? "" : env.ret().toUpperCase(Locale.ROOT);
        long limit = kind != Dsn.Kind.FAILURE || ret.equals("HDRS") ? -1
                : ret.equals("FULL") ? Dsn.FULL_LIMIT : Dsn.DEFAULT_FULL_LIMIT;
        boolean full = m.contentSize() <= limit;
        byte[] original = full ? readContent(m, m.contentSize()) : readHeader(m);
        Instant now = clock.instant();
        byte[][] content = new byte[1][];
        Spool.Incoming in = spool.begin(id -> {
            content[0] = Dsn.build(hostname, kind, env, reports, to, original, full, now, clock.getZone(),
                    id + "." + now.toEpochMilli() + "@" + hostname);
            return new Envelope(id, "", now, "127.0.0.1", hostname, "LOCAL", false,
                    Dsn.hasEightBit(content[0]) ? "8BITMIME" : null, null, null,
                    List.of(new Envelope.Recipient(to, to, null, null)), level);
        });
        String id = in.id();
        in.content().write(content[0]);
        QueuedMessage q = in.commit(ContentFacts.of(content[0]));
        MailLog.noticeQueued(id, content[0].length, kind.name().toLowerCase(Locale.ROOT), m.id());
        submit.accept(q);
        return id;
    }

    private static byte[] readContent(QueuedMessage m, long n) throws IOException {
        try (InputStream in = m.openContent()) {
            return in.readNBytes((int) Math.min(n, Integer.MAX_VALUE - 16));
        }
    }

    /** The original's header block: at most 64 KiB, cut at a line end. */
    private static byte[] readHeader(QueuedMessage m) throws IOException {
        byte[] head = readContent(m, Math.min(m.contentSize(), 64 * 1024));
        int n = Dsn.headerLength(head);
        if (n == head.length) {
            while (n > 0 && head[n - 1] != '\n') {
                n--;
            }
        }
        return Arrays.copyOf(head, n);
    }
}
