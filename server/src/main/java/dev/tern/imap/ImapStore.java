package dev.tern.imap;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.EnvelopeForm;
import java.io.IOException;
import java.io.InputStream;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the IMAP session needs of the mailbox store: a user's mailboxes (LIST, STATUS, CREATE, DELETE, RENAME,
 * SUBSCRIBE, APPEND) and, for the selected one, an open {@link Folder} with its messages by UID, their flags and
 * content, and a change feed that carries what other sessions and deliveries did. A port on the protocol side: the
 * store behind it may keep its mailboxes anywhere; protocol code never touches files. Mailbox names are Unicode, the
 * hierarchy delimiter is {@code /}, and {@code INBOX} is always spelt so.
 */
public interface ImapStore {

    /** The hierarchy delimiter of every mailbox name. */
    String DELIMITER = "/";

    /**
     * One mailbox as LIST shows it.
     *
     * @param name       its full name
     * @param specialUse its RFC 6154 attribute ({@code \Sent}, {@code \Drafts}, {@code \Trash}, {@code \Junk},
     *                   {@code \Archive}), or empty
     * @param subscribed whether the user subscribed to it
     * @param exists     false for a parent that only the names of its children imply, and for a name subscribed
     *                   to that is no mailbox ({@code \NonExistent})
     */
    record Mailbox(String name, Optional<String> specialUse, boolean subscribed, boolean exists) {
        public Mailbox(String name, Optional<String> specialUse, boolean subscribed) {
            this(name, specialUse, subscribed, true);
        }
    }

    /**
     * Every mailbox of {@code user}, INBOX first, the others in name order, with the parents their names imply that
     * do not exist and the names subscribed to that are no mailbox (both {@link Mailbox#exists()} false).
     */
    List<Mailbox> list(String user);

    /** What STATUS reports of a mailbox. */
    record Status(long messages, long uidNext, long uidValidity, long unseen, long deleted, long size) {
    }

    /** The status of {@code mailbox}; empty when it does not exist. */
    Optional<Status> status(String user, String mailbox);

    /** The outcome of a change to the mailbox list. */
    sealed interface Outcome {
        record Done() implements Outcome {
        }

        record NoSuchMailbox() implements Outcome {
        }

        record AlreadyExists() implements Outcome {
        }

        /** Refused for a reason the session repeats to the client (e.g. deleting INBOX). */
        record Cannot(String why) implements Outcome {
        }

        /** Refused because another session uses the mailbox (DELETE or RENAME of a selected one). */
        record InUse(String why) implements Outcome {
        }
    }

    Outcome create(String user, String mailbox);

    Outcome delete(String user, String mailbox);

    Outcome rename(String user, String from, String to);

    /** SUBSCRIBE ({@code on}) and UNSUBSCRIBE; a store may allow subscribing to a mailbox that does not exist. */
    Outcome subscribe(String user, String mailbox, boolean on);

    /** Where APPEND or COPY put a message: the UIDs under the target's UIDVALIDITY (UIDPLUS). */
    record Appended(long uidValidity, long uid) {
    }

    /**
     * Adds a message to {@code mailbox} (APPEND; a delivery is the same with no flags); empty when the mailbox does
     * not exist. {@code internalDate} empty means now. Every open folder of that mailbox learns of it.
     */
    Optional<Appended> append(String user, String mailbox, Set<String> flags, Optional<ZonedDateTime> internalDate,
                              Literal message) throws IOException;

    /**
     * Where the message of an APPEND by {@code user} is written as it arrives (the store's temporary space), so
     * that {@link #append} can add it without holding or copying it; by default it is kept in memory.
     */
    default Literal.Receiver receive(String user) throws IOException {
        return Literal.Receiver.inMemory();
    }

    /** Opens {@code mailbox} for SELECT or EXAMINE; empty when it does not exist. The session closes it. */
    Optional<Folder> open(String user, String mailbox, boolean readOnly);

    /**
     * A limit of the store refused a change (a folder's keywords are full): the command gets a tagged
     * {@code NO [LIMIT]} with this text.
     */
    final class LimitExceeded extends IOException {
        public LimitExceeded(String text) {
            super(text);
        }
    }

    /** A message's UID and flags (system flags with their backslash, then keywords). */
    record Entry(long uid, Set<String> flags) {
        public Entry {
            flags = Set.copyOf(flags);
        }
    }

    /**
     * The messages of a folder as it was opened, ascending UIDs, in compact form: no object per message, flag names
     * made when asked for. Unchanging, so that a session may keep it as its own list until it changes one.
     */
    interface Messages {
        int size();

        long uid(int index);

        /** The flag names of the message at {@code index} (system flags with their backslash, then keywords). */
        Set<String> flags(int index);
    }

    /** What happened in an open folder since the session last asked: one change each. */
    sealed interface Change {
        /** A message arrived (a delivery, an APPEND, a COPY or MOVE into this folder). */
        record Added(Entry entry) implements Change {
        }

        /** Another session changed a message's flags. */
        record FlagsChanged(Entry entry) implements Change {
        }

        /** Another session expunged a message. */
        record Expunged(long uid) implements Change {
        }
    }

    /** How STORE changes flags. */
    enum FlagChange { REPLACE, ADD, REMOVE }

    /** Where COPY or MOVE put messages: each source UID and its new UID, in the same order. */
    record Copied(long uidValidity, long[] from, long[] to) {
    }

    /**
     * The selected mailbox of one session. Its own changes (STORE, EXPUNGE) are not fed back to it; everybody
     * else's are, through {@link #changes()}. Used by one session at a time, but {@link #onChange} may be called
     * from any thread.
     */
    interface Folder extends AutoCloseable {

        long uidValidity();

        long uidNext();

        /** The flags defined here: the system flags and the keywords in use. */
        List<String> flags();

        /** Whether no new keyword fits (PERMANENTFLAGS then leaves out {@code \*}, RFC 9051 section 7.1). */
        default boolean keywordsFull() {
            return false;
        }

        /** The messages as the folder was opened, ascending UIDs; later arrivals come through {@link #changes()}. */
        Messages messages();

        /** The changes since the last call (or since opening), oldest first; empty when none. */
        List<Change> changes();

        /** {@code wake} is run (on any thread) each time a change is waiting; IDLE pushes it. Null to stop. */
        void onChange(Runnable wake);

        /** The message of {@code uid}; empty when it is gone (expunged by another session meanwhile). */
        Optional<Message> message(long uid) throws IOException;

        /** Changes the flags of those of {@code uids} still here; their new flags by UID. */
        Map<Long, Set<String>> store(long[] uids, FlagChange how, Set<String> flags) throws IOException;

        /** Removes those of {@code uids} that carry {@code \Deleted}; the UIDs removed, ascending. */
        long[] expunge(long[] uids) throws IOException;

        /** Copies those of {@code uids} still here to {@code target} (flags kept); empty when it does not exist. */
        Optional<Copied> copy(long[] uids, String target) throws IOException;

        /**
         * MOVE (RFC 6851): copies those of {@code uids} still here to {@code target}, then removes them from here
         * (not told back to this folder); empty when the target does not exist. By default a copy, {@code \Deleted}
         * and an expunge of the messages copied; a store that can move in one step does so.
         */
        default Optional<Copied> move(long[] uids, String target) throws IOException {
            Optional<Copied> copied = copy(uids, target);
            if (copied.isPresent()) {
                store(copied.get().from(), FlagChange.ADD, Set.of("\\Deleted"));
                expunge(copied.get().from());
            }
            return copied;
        }

        @Override
        void close();
    }

    /** One message's data for FETCH and SEARCH; its structure is computed once per message by the store. */
    interface Message {

        long uid();

        ZonedDateTime internalDate();

        /** RFC822.SIZE: the octets with CRLF line ends, as {@link #open} gives them. */
        long size();

        /** The cached MIME structure (BODYSTRUCTURE, sections, SEARCH of the body). */
        BodyPart structure();

        /** ENVELOPE; a store that caches it apart from the structure gives it without the structure. */
        default EnvelopeForm envelope() {
            return EnvelopeForm.of(structure().envelope());
        }

        /** The octets of the message's header with the blank line after it (where its body starts). */
        default long headerSize() {
            return structure().bodyStart();
        }

        /** The octets {@code from} (inclusive) to {@code to} (exclusive). */
        InputStream open(long from, long to) throws IOException;
    }
}
