package dev.tern.queue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What {@code tern queue} shows of a queued message, and the JSON the HTTP endpoint sends: the envelope, each
 * recipient's state, and (for one message) its header block. The same record is built from the running
 * scheduler or from the spool files when the server is not running, so both paths print the same.
 *
 * @param headers the message's header section (LF line ends), only when one message is shown; else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueueReport(String id, Instant arrival, long size, String sender, String client, String helo,
                          String protocol, boolean held, List<Rcpt> recipients, String headers) {

    /** JSON with ISO-8601 times; unknown fields are ignored, so an older CLI reads a newer server. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** A queue ID as Tern makes them: hex digits. Anything else never names a file in the spool. */
    private static final Pattern ID = Pattern.compile("[0-9A-Fa-f]{1,32}");

    /** The longest header section shown. */
    static final int MAX_HEADERS = 64 * 1024;

    public QueueReport {
        recipients = List.copyOf(recipients);
    }

    /**
     * One recipient.
     *
     * @param status  pending, deferred, delivered or failed
     * @param relay   where the last attempt went (e.g. {@code mx.example[192.0.2.1]:25}, {@code local}), or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rcpt(String address, String original, String status, int attempts, String lastError,
                       Instant lastAttempt, Instant nextAttempt, String relay) {
    }

    /**
     * JSON for people and scripts ({@code GET /queue}, {@code --json}): indented, and everything beyond ASCII
     * written as \\uXXXX, so a sender's C1 controls never act on the terminal of a curl user.
     */
    public static ObjectWriter printer() {
        return JSON.writerWithDefaultPrettyPrinter().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    }

    /**
     * The totals of a queue ({@code GET /queue?summary}, {@code tern queue list --summary}): messages, their
     * recipients and how many of those wait (pending: not tried yet; deferred: tried and waiting for the next
     * attempt), how many messages are held, their size in octets, and the oldest arrival (null when empty).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(long messages, long recipients, long pending, long deferred, long held, long bytes,
                          Instant oldest, boolean recovering) {
        /** These totals, marked as counting only what the server has read so far of a spool it is still recovering. */
        public Summary recovering(boolean still) {
            return new Summary(messages, recipients, pending, deferred, held, bytes, oldest, still);
        }

        /** The summary of {@code reports}. */
        public static Summary of(Iterable<QueueReport> reports) {
            long n = 0;
            long rcpts = 0;
            long pending = 0;
            long deferred = 0;
            long held = 0;
            long bytes = 0;
            Instant oldest = null;
            for (QueueReport r : reports) {
                n++;
                rcpts += r.recipients().size();
                for (Rcpt x : r.recipients()) {
                    pending += x.status().equals("pending") ? 1 : 0;
                    deferred += x.status().equals("deferred") ? 1 : 0;
                }
                held += r.held() ? 1 : 0;
                bytes += r.size();
                oldest = oldest == null || r.arrival().isBefore(oldest) ? r.arrival() : oldest;
            }
            return new Summary(n, rcpts, pending, deferred, held, bytes, oldest, false);
        }
    }

    /**
     * One page of a listing: {@code items} in list order, and the ID to ask for the next page after
     * ({@code ?after=next}), null when this page is the last.
     */
    public record Page<T>(List<T> items, String next) {
    }

    /**
     * The listing's order (arrival, then ID: oldest first) over {@code all}, from just after the message
     * {@code after} (null: from the start), at most {@code limit} (0: no limit). A message {@code after} that
     * has left the queue meanwhile still marks the place: a queue ID is its arrival in microseconds.
     */
    public static <T> Page<T> page(Collection<T> all, Function<T, Instant> arrival, Function<T, String> id,
                                   String after, int limit) {
        Comparator<T> order = Comparator.comparing(arrival).thenComparing(id);
        List<T> sorted = new ArrayList<>(all);
        sorted.sort(order);
        int from = 0;
        if (after != null) {
            T mark = null;
            for (T t : sorted) {
                if (id.apply(t).equalsIgnoreCase(after)) {
                    mark = t;
                    break;
                }
            }
            Instant at = mark != null ? arrival.apply(mark) : arrivalOf(after);
            String markId = mark != null ? id.apply(mark) : after.toUpperCase(java.util.Locale.ROOT);
            while (from < sorted.size()) {
                T t = sorted.get(from);
                int c = arrival.apply(t).compareTo(at);
                if (c > 0 || c == 0 && id.apply(t).compareTo(markId) > 0) {
                    break;
                }
                from++;
            }
        }
        int to = limit > 0 ? (int) Math.min(sorted.size(), (long) from + limit) : sorted.size();
        List<T> items = sorted.subList(from, to);
        return new Page<>(items, to < sorted.size() && !items.isEmpty() ? id.apply(items.getLast()) : null);
    }

    /** The arrival a queue ID names (microseconds since the epoch); a later time than any for a longer one. */
    private static Instant arrivalOf(String id) {
        try {
            return Instant.EPOCH.plus(Long.parseLong(id, 16), java.time.temporal.ChronoUnit.MICROS);
        } catch (NumberFormatException | java.time.DateTimeException | ArithmeticException e) {
            return Instant.MAX;
        }
    }

    public static boolean isQueueId(String s) {
        return s != null && ID.matcher(s).matches();
    }

    /** The report of {@code m}; with {@code withHeaders}, its header section is read from the spool file. */
    public static QueueReport of(QueuedMessage m, boolean held, boolean withHeaders) throws IOException {
        Envelope env = m.envelope();
        List<RecipientState.Entry> entries = m.state().entries();
        List<Rcpt> rcpts = new ArrayList<>();
        for (int i = 0; i < env.recipients().size(); i++) {
            Envelope.Recipient r = env.recipients().get(i);
            RecipientState.Entry e = entries.get(i);
            rcpts.add(new Rcpt(r.address(), r.original().equalsIgnoreCase(r.address()) ? null : r.original(),
                    e.status().name().toLowerCase(java.util.Locale.ROOT), e.attempts(), e.lastError(),
                    e.lastAttempt(), e.done() ? null : e.nextAttempt(), e.relay()));
        }
        return new QueueReport(env.id(), env.arrival(), m.contentSize(), env.sender(), env.client(), env.helo(),
                env.protocol(), held, rcpts, withHeaders ? headers(m) : null);
    }

    /** The header section of the message (up to the empty line, at most 64 KiB), with LF line ends. */
    static String headers(QueuedMessage m) throws IOException {
        byte[] head;
        if (Journal.holds(m.file())) { // a journal file is never reused: gone, not rewritten, once finished
            try (InputStream in = m.openContent()) {
                head = in.readNBytes((int) Math.min(m.contentSize(), MAX_HEADERS));
            }
        } else try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(m.file()))) {
            if (!SlotFormat.readHeader(in).envelope().id().equals(m.id())) {
                throw new java.nio.file.NoSuchFileException(m.id() + " (finished meanwhile)"); // its slot was reused
            }
            byte[] added = m.addedHeader();
            byte[] stored = in.readNBytes((int) Math.min(m.storedSize(), MAX_HEADERS));
            head = java.util.Arrays.copyOf(added, added.length + stored.length);
            System.arraycopy(stored, 0, head, added.length, stored.length);
        }
        int n = Dsn.headerLength(head);
        String s = new String(head, 0, n, StandardCharsets.UTF_8).replace("\r\n", "\n");
        while (s.endsWith("\n\n")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
