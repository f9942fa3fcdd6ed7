package dev.tern.queue;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What has become of each recipient of one queued message, index for index with the envelope's recipients.
 * Saved to the spool after every attempt, so a restart resumes where the last run stopped and never delivers
 * to a recipient whose success was recorded.
 */
public final class RecipientState {

    public enum Status { PENDING, DELIVERED, DEFERRED, FAILED }

    /**
     * @param lastError     the last failure in words, as the peer or the system said it; null if none
     * @param nextAttempt   when a deferred recipient is tried again; null when not deferred
     * @param dsnStatus     RFC 3463 status of the last outcome (for notices), or null
     * @param remoteMta     the peer of the last outcome, or null
     * @param diagnostic    the peer's last reply as sent, or null
     * @param relay         where the last attempt went, for the log and {@code tern queue}
     * @param dsnPassedOn   delivered to a peer that took our DSN parameters (so no success notice from us)
     * @param notified      the final notice (bounce, or success when asked) has been queued, or none is due
     * @param delayNotified the one delay notice has been queued
     */
    public record Entry(Status status, int attempts, String lastError, Instant lastAttempt, Instant nextAttempt,
                        String dsnStatus, String remoteMta, String diagnostic, String relay, boolean dsnPassedOn,
                        boolean notified, boolean delayNotified) {
        static final Entry PENDING = new Entry(Status.PENDING, 0, null, null, null);

        public Entry(Status status, int attempts, String lastError, Instant lastAttempt, Instant nextAttempt) {
            this(status, attempts, lastError, lastAttempt, nextAttempt, null, null, null, null, false, false, false);
        }

        public boolean done() {
            return status == Status.DELIVERED || status == Status.FAILED;
        }

        /**
         * The state after an attempt at {@code at} with outcome {@code a}; {@code retry} is when a deferred
         * recipient is tried again (ignored for the other outcomes).
         */
        Entry after(Attempt a, Instant at, Instant retry) {
            int n = attempts + 1;
            return switch (a) {
                case Attempt.Delivered d -> new Entry(Status.DELIVERED, n, null, at, null, "2.0.0", d.remoteMta(),
                        d.detail(), d.relay(), d.dsnPassedOn(), false, delayNotified);
                case Attempt.Deferred d -> new Entry(Status.DEFERRED, n, d.reason(), at, retry, d.status(),
                        d.remoteMta(), d.diagnostic(), d.relay(), false, false, delayNotified);
                case Attempt.Failed f -> new Entry(Status.FAILED, n, f.reason(), at, null, f.status(), f.remoteMta(),
                        f.diagnostic(), f.relay(), false, false, delayNotified);
            };
        }

        /** A deferred recipient past the message's lifetime: failed with {@code why}, its bounce not yet queued. */
        Entry expired(String why) {
            return new Entry(Status.FAILED, attempts, why, lastAttempt, null, dsnStatus == null ? "4.4.7" : dsnStatus,
                    remoteMta, diagnostic, relay, false, false, delayNotified);
        }

        /** Due at once (the operator flushed the queue). */
        Entry dueNow() {
            return new Entry(status, attempts, lastError, lastAttempt, null, dsnStatus, remoteMta, diagnostic, relay,
                    dsnPassedOn, notified, delayNotified);
        }

        /** Due at {@code now}: not finished, and not deferred to a later time. */
        boolean dueAt(Instant now) {
            return !done() && (nextAttempt == null || !nextAttempt.isAfter(now));
        }

        Entry withNotified() {
            return new Entry(status, attempts, lastError, lastAttempt, nextAttempt, dsnStatus, remoteMta, diagnostic,
                    relay, dsnPassedOn, true, delayNotified);
        }

        Entry withDelayNotified() {
            return new Entry(status, attempts, lastError, lastAttempt, nextAttempt, dsnStatus, remoteMta, diagnostic,
                    relay, dsnPassedOn, notified, true);
        }
    }

    private final String id;
    private final List<Entry> entries;

    private RecipientState(String id, List<Entry> entries) {
        this.id = id;
        this.entries = entries;
    }

    static RecipientState initial(Envelope env) {
        return new RecipientState(env.id(), new ArrayList<>(Collections.nCopies(env.recipients().size(), Entry.PENDING)));
    }

    static RecipientState read(Path file, Envelope env) throws IOException {
        try {
            List<Entry> list = SlotFormat.JSON.readValue(Files.readAllBytes(file), new TypeReference<List<Entry>>() { });
            if (list.size() != env.recipients().size()) {
                throw new IOException(file + ": " + list.size() + " entries for " + env.recipients().size() + " recipients");
            }
            return new RecipientState(env.id(), new ArrayList<>(list));
        } catch (NoSuchFileException e) {
            return initial(env);
        }
    }

    public String id() {
        return id;
    }

    public Entry get(int index) {
        return entries.get(index);
    }

    public void set(int index, Entry entry) {
        entries.set(index, entry);
    }

    public int size() {
        return entries.size();
    }

    /** A copy of the entries, for saving and showing. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** True when no recipient is waiting any more. */
    public boolean allDone() {
        return entries.stream().allMatch(Entry::done);
    }
}
