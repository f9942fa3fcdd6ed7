package dev.tern.queue;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    /** The whole queue as the list endpoint sends it. */
    public record Listing(List<QueueReport> messages) {
        public Listing {
            messages = List.copyOf(messages);
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
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(m.file()))) {
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
