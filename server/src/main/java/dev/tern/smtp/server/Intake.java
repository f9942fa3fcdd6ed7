package dev.tern.smtp.server;

import dev.tern.checks.AuthenticationResults;
import dev.tern.checks.ForgedResultsFilter;
import dev.tern.defence.Defences;
import dev.tern.log.MailLog;
import dev.tern.metrics.Counts;
import dev.tern.queue.ContentFacts;
import dev.tern.queue.Envelope;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.Spool;
import dev.tern.smtp.HeaderSniffer;
import dev.tern.smtp.MessageReader;
import dev.tern.smtp.Reply;
import dev.tern.smtp.Session;
import dev.tern.smtp.Transaction;
import dev.tern.text.ClientText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import jdk.jfr.FlightRecorder;

/**
 * Message intake, without sockets: turns a finished transaction into an envelope, opens its spool file with
 * our Received header on top, watches the content as it streams in (Received: fields, the From: field of a
 * submission), and at the end commits it and hands it to the queue, or refuses it, saying which in the reply.
 * The connection only moves the bytes.
 */
final class Intake {
    /**
     * A message arriving with this many Received: fields or more has passed through too many hops: a mail
     * loop (RFC 5321 6.3). Refused at the end of its data with 554 5.4.6, so nothing is bounced. Postfix's
     * {@code hopcount_limit} is the same 50.
     */
    static final int MAX_RECEIVED = 50;

    /** The Received field's date, made at the first message: not at start (tern-junit's first start; ~45 classes). */
    private static final class Received {
        static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);
    }

    /** Where messages go. */
    private final Spool spool;
    /** Takes each committed message (the scheduler). */
    private final Consumer<QueuedMessage> queue;
    /** Arrival times and the Received date. */
    private final Clock clock;
    /** Our name in Received headers. */
    private final String hostname;
    /** Name the authenticated user in Received headers. */
    private final boolean exposeUser;
    private final Counts<SmtpServer.Event> counts;
    /** The MX's SPF, DKIM and DMARC checks; null for none. Set once, before the listeners start. */
    private volatile MessageChecks checks;
    /** Capture mode: takes accepted messages instead of the spool; null in production. */
    private final Capture capture;
    /** Capture mode's queue IDs (the spool hands out the others). */
    private final AtomicLong captured = new AtomicLong();

    Intake(Spool spool, Consumer<QueuedMessage> queue, Clock clock, String hostname, boolean exposeUser,
           Counts<SmtpServer.Event> counts) {
        this(spool, queue, clock, hostname, exposeUser, counts, null);
    }

    /** @param capture capture mode: takes accepted messages instead of the spool; null for the spool */
    Intake(Spool spool, Consumer<QueuedMessage> queue, Clock clock, String hostname, boolean exposeUser,
           Counts<SmtpServer.Event> counts, Capture capture) {
        this.capture = capture;
        this.spool = spool;
        this.queue = queue;
        this.clock = clock;
        this.hostname = hostname;
        this.exposeUser = exposeUser;
        this.counts = counts;
    }

    /**
     * Who sends the message.
     *
     * @param ip        the client's address, as text
     * @param helo      the name it gave in HELO or EHLO
     * @param protocol  RFC 3848 {@code with}: SMTP, ESMTP, ESMTPSA, UTF8SMTPS...
     * @param tls       "TLSv1.3 with cipher X" on a TLS connection, else null
     * @param user      the authenticated user, or null
     * @param fromRule  for a submission whose From: must belong to {@code user}: the rule; null for none
     * @param mode      the listener: the MX's checks run only on the MX
     * @param address   the client's address (after a PROXY header: the one the proxy named), for SPF
     * @param defences  what the MX's defences said of the client and the transaction; null for nothing
     */
    record Client(String ip, String helo, String protocol, String tls, String user, Predicate<String> fromRule,
                  Session.Mode mode, InetAddress address, Defences.Verdicts defences) {
        Client(String ip, String helo, String protocol, String tls, String user, Predicate<String> fromRule,
               Session.Mode mode, InetAddress address) {
            this(ip, helo, protocol, tls, user, fromRule, mode, address, null);
        }
    }

    /** Turns on the MX's checks (docs/authentication.md). */
    void checks(MessageChecks checks) {
        this.checks = checks;
    }

    /**
     * A message being received: its spool file (null when the spool cannot take it; the content is still read
     * to stay in step with the client), the sink in front of it, the header sniffer and the reader that feeds
     * them. Feed {@link #reader}, then {@link #finish}.
     */
    final class Message {
        private final Transaction transaction;
        private final Client client;
        private final Spool.Incoming incoming;
        /** What our own header fields, written before the content, hold (the reader sees the rest). */
        private final ContentFacts ownFields;
        private final SafeSink sink;
        /** Leaves out arriving Authentication-Results fields that claim our name; null without a spool file. */
        private final ForgedResultsFilter forged;
        /** The MX's checks of this message; null when none run. */
        private final MessageChecks.Run checked;
        private final HeaderSniffer sniffer;
        private final MessageReader reader;
        private final long maxSize;
        /** Capture mode: the content as received (bounded by the reader's maximum size); else null. */
        private final ByteArrayOutputStream copy;
        /** Committed to the spool by {@link #finish} and not yet handed to the queue ({@link #handOff}). */
        private QueuedMessage committed;
        /** The committed message's size and what its checks said, for its log line (written by {@link #handOff}). */
        private long committedSize;
        private String committedResults;
        /** The phases from the end of the data to the reply, while a flight recording takes them; else null. */
        private EndOfDataEvent timing;

        private Message(Transaction t, Client c, long maxSize, boolean dotStuffed) {
            this.maxSize = maxSize;
            this.transaction = t;
            this.client = c;
            this.copy = capture == null ? null : new ByteArrayOutputStream();
            this.incoming = capture == null ? begin(t, c) : null;
            this.forged = incoming == null ? null : new ForgedResultsFilter(incoming.content(), hostname);
            this.sink = new SafeSink(copy != null ? copy
                    : forged == null ? OutputStream.nullOutputStream() : forged);
            byte[] received = incoming == null ? new byte[0] : receivedHeader(t, c, incoming.id());
            sink.write(received, 0, received.length);
            this.ownFields = ContentFacts.of(received);
            MessageChecks mc = checks;
            this.checked = mc == null ? null : mc.begin(c.mode(), c.address(), c.user());
            this.sniffer = new HeaderSniffer(c.fromRule() != null || checked != null);
            this.reader = new MessageReader(tee(sniffer, sink, checked), maxSize, dotStuffed);
        }

        MessageReader reader() {
            return reader;
        }

        /** True while more BDAT chunks are worth reading into the spool. */
        boolean healthy() {
            return (incoming != null || copy != null) && sink.failure == null && reader.result().ok();
        }

        void abort() {
            if (incoming != null) {
                incoming.abort();
            }
        }

        /** Commits or refuses the received message and says so in a reply; then call {@link #handOff}. */
        Reply finish() {
            // the first event class loaded sets up the flight recorder (a hundred classes): only once it runs
            timing = copy == null && FlightRecorder.isInitialized() ? EndOfDataEvent.start() : null;
            MessageReader.Result r = reader.result();
            Reply refusal = healthy() ? contentRefusal() : null;
            if (refusal == null && healthy()) {
                sink.end(forged);
            }
            if (timing != null) {
                timing.queueId = incoming == null ? null : incoming.id();
                timing.contentEnd = timing.lap();
            }
            MessageChecks.Outcome outcome = null;
            Defences.Verdicts defences = client.defences();
            List<String> more = defences == null ? List.of() : defences.results();
            if (refusal == null && healthy() && checked != null) {
                outcome = checked.finish(client.address(), client.helo(), sender(transaction), sniffer.fromFields(),
                        more);
                refusal = outcome.refusal();
            }
            if (timing != null) {
                timing.checks = timing.lap();
            }
            String results = results(defences, outcome);
            if (refusal != null || !healthy()) {
                abort();
                Reply reply = refusal != null ? refusal : refusal(r, maxSize);
                if (timing != null) {
                    timing.spool = timing.lap();
                }
                MailLog.rejected(incoming == null ? null : incoming.id(), client.ip(), sender(transaction),
                        refusal != null ? client.user() : null, results, reply.toString());
                lapLogLine();
                counts.add(SmtpServer.Event.REJECTED);
                return reply;
            }
            if (copy != null) {
                return captured(r);
            }
            try {
                // the reader's facts, less the forged Authentication-Results fields left out of the header
                ContentFacts facts = ownFields.then(new ContentFacts(r.eightBit(), r.longestLine(),
                        r.headerLength() - (forged == null ? 0 : forged.removedOctets())));
                // the checks' Authentication-Results, or the defences' alone when no check ran
                byte[] header = outcome != null ? outcome.header() : more.isEmpty() ? null
                        : AuthenticationResults.header(hostname, null, null, null, more)
                                .getBytes(StandardCharsets.US_ASCII);
                QueuedMessage q = header == null ? incoming.commit(facts)
                        : incoming.commit(facts, header, outcome == null ? Set.of() : outcome.marks());
                if (timing != null) {
                    timing.spool = timing.lap();
                    timing.accepted = true;
                }
                committed = q;
                committedSize = r.size();
                committedResults = results;
                counts.add(SmtpServer.Event.ACCEPTED);
                return Reply.of(250, "2.0.0", "Ok: queued as " + q.id());
            } catch (IOException e) {
                if (timing != null) {
                    timing.spool = timing.lap();
                }
                MailLog.spoolFailed(incoming.id(), "commit to the spool", e.toString());
                lapLogLine();
                counts.add(SmtpServer.Event.REJECTED);
                return Reply.of(451, "4.3.0", "Local error writing the message; nothing was queued, try again later");
            }
        }

        /**
         * Logs a message that {@link #finish} committed and hands it to the queue, once; nothing otherwise (and ends
         * its {@link EndOfDataEvent}, if one is recorded). The connection calls it after writing the reply, so that
         * neither the log line (a synchronous write to standard output, under the appender's lock that delivery
         * threads take too) nor the delivery thread it wakes (on a machine with few cores, it can take the core at
         * once) delays the 250; it must call it whatever happens to the reply.
         */
        void handOff() {
            EndOfDataEvent t = timing;
            if (t != null) {
                timing = null;
                t.reply = t.lap();
                t.commit();
            }
            QueuedMessage q = committed;
            if (q != null) {
                committed = null;
                MailLog.accepted(q.id(), client.ip(), client.helo(), sender(transaction), committedSize,
                        q.envelope().recipients().size(), committedResults);
                queue.accept(q);
            }
        }

        private void lapLogLine() {
            if (timing != null) {
                timing.logLine = timing.lap();
            }
        }

        /** Capture mode: hands the message to the capture instead of the spool. */
        private Reply captured(MessageReader.Result r) {
            Envelope e = envelope(transaction, client, String.format(Locale.ROOT, "C%011X", captured.incrementAndGet()));
            capture.accept(new Capture.Captured(e, copy.toByteArray(), client.tls(), client.user()));
            MailLog.accepted(e.id(), client.ip(), client.helo(), sender(transaction), r.size(), e.recipients().size());
            counts.add(SmtpServer.Event.ACCEPTED);
            return Reply.of(250, "2.0.0", "Ok: queued as " + e.id());
        }

        /** A refusal for what the content says (a loop, a From: the user does not own), or null. */
        private Reply contentRefusal() {
            if (sniffer.received() >= MAX_RECEIVED) {
                return Reply.of(554, "5.4.6", "Too many Received header fields (" + sniffer.received()
                        + "): a mail loop; nothing was queued");
            }
            if (client.fromRule() == null) {
                return null;
            }
            if (sniffer.truncated()) {
                return Reply.of(552, "5.3.4", "Header section longer than " + HeaderSniffer.LIMIT
                        + " octets: too long to check the From: field; nothing was queued");
            }
            for (String from : sniffer.fromAddresses()) {
                if (!client.fromRule().test(from)) {
                    return Reply.of(553, "5.7.1", "From: header address <" + printable(from)
                            + "> is not owned by user " + client.user() + "; nothing was queued");
                }
            }
            return null;
        }
    }

    /** The message's log of its defences and checks ({@code dnswl=pass:z greylist=pass spf=pass …}), or null. */
    private static String results(Defences.Verdicts defences, MessageChecks.Outcome outcome) {
        String d = defences == null || defences.log().isEmpty() ? null : defences.log();
        String c = outcome == null ? null : outcome.summary();
        return d == null ? c : c == null ? d : d + " " + c;
    }

    /** Opens the spool file, writes the Received header and sets up the reader, for DATA or for BDAT. */
    Message receive(Transaction t, Client c, long maxSize, boolean dotStuffed) {
        return new Message(t, c, maxSize, dotStuffed);
    }

    /** Opens a spool file for the transaction; null when the spool cannot take it (the content is still read). */
    private Spool.Incoming begin(Transaction t, Client c) {
        try {
            return spool.begin(id -> envelope(t, c, id));
        } catch (IOException e) {
            MailLog.spoolFailed("NOQUEUE", "write to the spool", e.toString());
            return null;
        }
    }

    private static Reply refusal(MessageReader.Result r, long maxSize) {
        if (r.tooBig()) {
            return Reply.of(552, "5.3.4", "Message size exceeds fixed maximum message size of "
                    + maxSize + " octets");
        }
        if (r.bareCrOrLf()) {
            return Reply.of(550, "5.6.0", "Message contains a bare CR or LF; lines must end with CRLF"
                    + " (RFC 5321 section 2.3.8); nothing was queued");
        }
        if (r.lineTooLong()) {
            return Reply.of(550, "5.6.0", "Message has a line longer than 1000 octets"
                    + " (RFC 5321 section 4.5.3.1.6); nothing was queued");
        }
        return Reply.of(452, "4.3.1", "Insufficient system storage; nothing was queued, try again later");
    }

    private Envelope envelope(Transaction t, Client c, String id) {
        List<Envelope.Recipient> rcpts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Transaction.Recipient r : t.recipients()) {
            for (String to : r.deliverTo()) {
                if (seen.add(to.toLowerCase(Locale.ROOT))) { // one copy per mailbox, however many RCPTs lead there
                    rcpts.add(new Envelope.Recipient(to, r.forwardPath().toString(), r.dsnNotify(), r.orcpt()));
                }
            }
        }
        Transaction.MailParams p = t.params();
        return new Envelope(id, sender(t), clock.instant(), c.ip(), c.helo(), c.protocol(),
                p.smtpUtf8(), p.body(), p.ret(), p.envid(), rcpts);
    }

    /** The trace header of RFC 5321 4.4, with {@code with} per RFC 3848 and the client's name made safe. */
    byte[] receivedHeader(Transaction t, Client c, String id) {
        StringBuilder sb = new StringBuilder(200);
        sb.append("Received: from ").append(safeHelo(c.helo())).append(" ([").append(c.ip()).append("])\r\n");
        if (c.tls() != null) {
            sb.append("\t(using ").append(c.tls()).append(")\r\n");
        }
        if (exposeUser && c.user() != null) {
            sb.append("\t(authenticated as ").append(c.user()).append(")\r\n");
        }
        sb.append("\tby ").append(hostname).append(" (Tern) with ").append(c.protocol()).append(" id ").append(id);
        if (t.recipients().size() == 1) {
            sb.append("\r\n\tfor <").append(t.recipients().get(0).forwardPath()).append('>');
        }
        sb.append("; ").append(Received.DATE.format(ZonedDateTime.now(clock))).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Keeps a HELO name to characters that cannot break the header: letters, digits, {@code . - _ : [ ]}. */
    static String safeHelo(String helo) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < helo.length() && i < 255; i++) {
            char c = helo.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || ".-_:[]".indexOf(c) >= 0;
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    private static String sender(Transaction t) {
        return t.reversePath() == null ? "" : t.reversePath().toString();
    }

    /** Client-given text made safe for a reply: printable ASCII, at most 100 characters. */
    private static String printable(String s) {
        return ClientText.printable(s, 100, true, ">");
    }

    /** The sink the message reader writes to: the spool, the header sniffer and the MX's checks, if any. */
    private static OutputStream tee(HeaderSniffer sniffer, SafeSink sink, MessageChecks.Run checked) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sniffer.write(b, off, len);
                sink.write(b, off, len);
                if (checked != null) {
                    checked.update(b, off, len);
                }
            }
        };
    }

    /**
     * Passes writes to the spool file and remembers the first failure (a full disk) instead of throwing it:
     * the rest of the message must still be read off the connection to stay in step with the client.
     */
    static final class SafeSink extends OutputStream {
        private final OutputStream target;
        IOException failure;

        SafeSink(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (failure != null) {
                return;
            }
            try {
                target.write(b, off, len);
            } catch (IOException e) {
                failure = e;
            }
        }

        /** Writes what the filter still holds, at the end of the content. */
        void end(ForgedResultsFilter filter) {
            if (failure == null && filter != null) {
                try {
                    filter.end();
                } catch (IOException e) {
                    failure = e;
                }
            }
        }
    }
}
