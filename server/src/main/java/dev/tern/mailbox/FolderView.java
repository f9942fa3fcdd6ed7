package dev.tern.mailbox;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One session's handle on an open folder (IMAP's selected mailbox). The folder's state is shared by every view of
 * it in this process; a view only adds who is listening. Messages are named by UID: message sequence numbers
 * belong to the session, which keeps its own list of UIDs and applies the {@link Change}s it hears of when the
 * protocol allows.
 */
public interface FolderView extends AutoCloseable {

    /** Hears of changes made by others; called on the changing thread, so it must only queue and wake. */
    @FunctionalInterface
    interface Listener {
        void changed(Change change);
    }

    /** The messages at one moment, in UID order, in compact form (no object per message). */
    interface Snapshot {
        long uidValidity();

        long uidNext();

        int size();

        long uid(int index);

        Flags flags(int index);

        /** RFC822.SIZE. */
        long octets(int index);

        /** The keywords used in this folder (for PERMANENTFLAGS and FLAGS). */
        List<String> keywords();
    }

    /** One message's facts: RFC822.SIZE, flags and INTERNALDATE. */
    record Message(long uid, long size, Flags flags, Instant internalDate) {
    }

    /** A message added by APPEND: its UID, and the folder's UIDVALIDITY (APPENDUID, RFC 4315). */
    record Appended(long uidValidity, long uid) {
    }

    /** Messages copied or moved: source UIDs and the UIDs they got in the target, pairwise (COPYUID). */
    record Copied(long targetUidValidity, List<Long> sourceUids, List<Long> targetUids) {
        public Copied {
            sourceUids = List.copyOf(sourceUids);
            targetUids = List.copyOf(targetUids);
        }
    }

    String name();

    Snapshot snapshot();

    /**
     * IMAP4rev1's {@code \Recent}: messages from this UID up are recent to this session. The first view opened
     * read-write after new mail arrived claims it; every other view sees it as not recent (RFC 3501 section 2.3.2).
     */
    long recentFrom();

    Optional<Message> message(long uid) throws IOException;

    /**
     * RFC822.SIZE of a message from the folder's index, with no file looked at; empty when the message is not here.
     * Cheaper than {@link #message} (no INTERNALDATE, which costs a {@code stat}).
     */
    OptionalLong octets(long uid);

    /** The message's octets as stored; NoSuchFileException when it is gone. */
    InputStream content(long uid) throws IOException;

    /**
     * Facts about a message computed once from its content by {@code compute} and then kept (the IMAP layer keeps
     * its MIME structure here); {@code kind} names the form, so a new form computes again. Empty when the message
     * is gone.
     */
    default Optional<byte[]> facts(long uid, String kind, Function<InputStream, byte[]> compute) throws IOException {
        return facts(uid, kind, f -> true, compute);
    }

    /**
     * {@link #facts(long, String, Function)}, but kept facts that {@code usable} refuses (a record of an older form,
     * or one computed from less of the message than the caller now needs) are computed again and replace them.
     */
    Optional<byte[]> facts(long uid, String kind, Predicate<byte[]> usable, Function<InputStream, byte[]> compute)
            throws IOException;

    /**
     * Changes the flags of the messages of {@code uids} (those still there); returns the messages whose flags
     * changed, with their new flags. Fails with {@link KeywordLimitException} when a new keyword does not fit.
     */
    List<Change.MessageFlags> store(List<Long> uids, Flags.Mode mode, Flags flags) throws IOException;

    /** Adds a message, stored with CRLF line ends (a bare LF becomes CRLF), under a new UID. */
    Appended append(InputStream content, Flags flags, Instant internalDate) throws IOException;

    /** Copies messages into another folder of the same account; empty when {@code target} does not exist. */
    Optional<Copied> copy(List<Long> uids, String target) throws IOException;

    /** Moves messages into another folder (RFC 6851): a copy, then an expunge here. */
    Optional<Copied> move(List<Long> uids, String target) throws IOException;

    /** Removes the messages flagged {@code \Deleted}, all of them or only those in {@code uids}; returns their UIDs. */
    List<Long> expunge(Optional<List<Long>> uids) throws IOException;

    /** A cheap look for changes made by other programs; those found reach every view's listener. */
    void refresh() throws IOException;

    @Override
    void close();

    /** How many keywords a folder can hold (one letter each in the file name); a 27th is refused. */
    int MAX_KEYWORDS = 26;

    /** A folder can hold {@link #MAX_KEYWORDS} keywords; a new one beyond them is refused. */
    final class KeywordLimitException extends IOException {
        public KeywordLimitException(String message) {
            super(message);
        }
    }
}
