package dev.tern.imap;

import java.util.List;
import java.util.Optional;

/**
 * What the IMAP session needs of the mailbox store, as little as this step uses: open a mailbox. It grows with the
 * commands that use it (LIST, STATUS, FETCH, STORE, …) when the Maildir-backed store is written; protocol code never
 * touches files.
 */
public interface ImapStore {

    /** The state of a mailbox as SELECT reports it. */
    record Selected(long messages, long uidValidity, long uidNext, long firstUnseen, List<String> flags,
                    List<String> permanentFlags) {
        public Selected {
            flags = List.copyOf(flags);
            permanentFlags = List.copyOf(permanentFlags);
        }
    }

    /** Opens {@code mailbox} of {@code user}; empty when it does not exist (or may not be selected). */
    Optional<Selected> select(String user, String mailbox, boolean readOnly);
}
