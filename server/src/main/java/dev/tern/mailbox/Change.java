package dev.tern.mailbox;

import java.util.List;

/**
 * One change to a folder, as its change feed tells the sessions that have it open ({@link FolderView.Listener}):
 * after the change is durable, from whichever path made it (delivery, an IMAP or POP3 session, another program
 * seen by a rescan). A session is not told of the flag changes and expunges it made through its own
 * {@link FolderView} (it answers those itself), but it is told of every {@link Appended}, its own APPEND and COPY
 * into the folder too, so that it reports them as EXISTS like any other new message.
 */
public sealed interface Change {

    /** New messages, with their UIDs in ascending order, and the folder's UIDNEXT after them. */
    record Appended(List<Long> uids, long uidNext) implements Change {
        public Appended {
            uids = List.copyOf(uids);
        }
    }

    /** Messages whose flags are now {@code flags} (one entry per message). */
    record FlagsChanged(List<MessageFlags> messages) implements Change {
        public FlagsChanged {
            messages = List.copyOf(messages);
        }
    }

    /** Messages that are gone, UIDs in ascending order. */
    record Expunged(List<Long> uids) implements Change {
        public Expunged {
            uids = List.copyOf(uids);
        }
    }

    /** A message's UID and its flags now. */
    record MessageFlags(long uid, Flags flags) {
    }
}
