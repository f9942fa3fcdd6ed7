package dev.tern.mailbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One user's folders. Names are Unicode strings with {@code /} between levels ({@link #DELIMITER}); {@code INBOX}
 * (any case) is the folder delivery fills. IMAP's modified UTF-7 is the protocol's business: names arrive here
 * decoded.
 */
public interface Account {

    /** The hierarchy delimiter of folder names. */
    char DELIMITER = '/';

    String user();

    /** A folder's special use (RFC 6154). */
    enum SpecialUse {
        SENT("\\Sent"), DRAFTS("\\Drafts"), TRASH("\\Trash"), JUNK("\\Junk"), ARCHIVE("\\Archive");

        private final String imap;

        SpecialUse(String imap) {
            this.imap = imap;
        }

        public String imapName() {
            return imap;
        }
    }

    /**
     * A folder as LIST shows it. {@code exists} is false for a parent that only its children imply (IMAP's
     * {@code \NonExistent}, shown as {@code \Noselect}).
     */
    record FolderInfo(String name, boolean exists, boolean hasChildren, Optional<SpecialUse> specialUse,
                      boolean subscribed) {
    }

    /** STATUS of a folder (RFC 9051 section 6.3.11); {@code recent} for IMAP4rev1 clients. */
    record Status(long messages, long uidNext, long uidValidity, long unseen, long deleted, long size,
                  long recent) {
    }

    /** The outcome of a change to the folder list. */
    sealed interface Result {
        record Done() implements Result {
        }

        record Refused(Reason reason, String text) implements Result {
        }
    }

    /** Why a change was refused, in the terms of IMAP's response codes. */
    enum Reason { NONEXISTENT, ALREADYEXISTS, CANNOT, INUSE }

    Result.Done DONE = new Result.Done();

    /** Every folder (INBOX first, then by name) and every parent its names imply. */
    List<FolderInfo> folders() throws IOException;

    /** The names subscribed to, also of folders that no longer exist (RFC 9051 section 6.3.7). */
    List<String> subscriptions() throws IOException;

    Optional<Status> status(String name) throws IOException;

    Result create(String name) throws IOException;

    /** Deletes a folder and its messages; INBOX and folders with children are refused. */
    Result delete(String name) throws IOException;

    /** Renames a folder and its children; INBOX is refused (the IMAP layer moves its messages instead). */
    Result rename(String from, String to) throws IOException;

    Result subscribe(String name) throws IOException;

    Result unsubscribe(String name) throws IOException;

    /**
     * Opens a folder for one session; empty when it does not exist. {@code listener} (may be null) hears of every
     * change that others make while the view is open.
     */
    Optional<FolderView> open(String name, FolderView.Listener listener) throws IOException;

    /**
     * APPEND to a folder the session has not selected; empty when the folder does not exist. The message is stored
     * with CRLF line ends, as delivered mail is (a bare LF becomes CRLF).
     */
    Optional<FolderView.Appended> append(String name, InputStream content, Flags flags, Instant internalDate)
            throws IOException;

    /**
     * A message being received (IMAP's APPEND literal), written into the store's own temporary space as it
     * arrives, so that it is never held in memory, then added to a folder by
     * {@link #append(String, Incoming, Flags, Instant)} without being copied again. Closing it removes what was
     * not appended.
     */
    interface Incoming extends AutoCloseable {
        /** Where the message's octets go, all of them before it is appended; a bare LF is stored as CRLF. */
        OutputStream output();

        /** The octets written so far. */
        long size();

        @Override
        void close() throws IOException;
    }

    /** A new {@link Incoming} message, empty. */
    Incoming receive() throws IOException;

    /**
     * Adds a received message to a folder, durably (its octets are synced before it gets its UID); empty, and the
     * message left as it is, when the folder does not exist.
     */
    Optional<FolderView.Appended> append(String name, Incoming message, Flags flags, Instant internalDate)
            throws IOException;
}
