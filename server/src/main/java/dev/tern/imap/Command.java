package dev.tern.imap;

import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One parsed IMAP command (RFC 9051 section 6, with the IMAP4rev1 commands of RFC 3501 that rev2 dropped), each a
 * record carrying its tag and its arguments, already checked against the grammar. Mailbox names are decoded
 * (modified UTF-7 for IMAP4rev1 clients, UTF-8 once UTF-8 is enabled); INBOX in any case is {@code INBOX}.
 */
public sealed interface Command {

    String tag();

    /** The command name as the client's tag line names it, upper case (e.g. {@code UID FETCH}). */
    String name();

    record Capability(String tag) implements Command {
        public String name() {
            return "CAPABILITY";
        }
    }

    record Noop(String tag) implements Command {
        public String name() {
            return "NOOP";
        }
    }

    record Logout(String tag) implements Command {
        public String name() {
            return "LOGOUT";
        }
    }

    record StartTls(String tag) implements Command {
        public String name() {
            return "STARTTLS";
        }
    }

    /**
     * AUTHENTICATE with an optional initial response (RFC 4959 SASL-IR): empty when none was given, an empty array
     * for {@code =}, else the base64-decoded octets.
     */
    record Authenticate(String tag, String mechanism, Optional<byte[]> initialResponse) implements Command {
        public String name() {
            return "AUTHENTICATE";
        }
    }

    record Login(String tag, String user, String password) implements Command {
        public String name() {
            return "LOGIN";
        }

        @Override
        public String toString() {
            return "Login[tag=" + tag + ", user=" + user + ", password=…]";
        }
    }

    /** ENABLE (RFC 5161): capability names, upper case. */
    record Enable(String tag, List<String> capabilities) implements Command {
        public Enable {
            capabilities = List.copyOf(capabilities);
        }

        public String name() {
            return "ENABLE";
        }
    }

    /** SELECT, or EXAMINE when {@code readOnly}. */
    record Select(String tag, String mailbox, boolean readOnly) implements Command {
        public String name() {
            return readOnly ? "EXAMINE" : "SELECT";
        }
    }

    record Create(String tag, String mailbox) implements Command {
        public String name() {
            return "CREATE";
        }
    }

    record Delete(String tag, String mailbox) implements Command {
        public String name() {
            return "DELETE";
        }
    }

    record Rename(String tag, String from, String to) implements Command {
        public String name() {
            return "RENAME";
        }
    }

    /** SUBSCRIBE, or UNSUBSCRIBE when {@code !subscribe}. */
    record Subscribe(String tag, String mailbox, boolean subscribe) implements Command {
        public String name() {
            return subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
        }
    }

    /** LIST's selection options (RFC 9051 section 6.3.9). */
    enum ListSelect { SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL_USE }

    /** LIST's return options; STATUS carries its items in {@link ListCommand#statusItems()}. */
    enum ListReturn { SUBSCRIBED, CHILDREN, SPECIAL_USE, STATUS }

    /**
     * LIST, or LSUB (IMAP4rev1) when {@code lsub}; patterns keep their wildcards {@code *} and {@code %}.
     */
    record ListCommand(String tag, String reference, List<String> patterns, Set<ListSelect> selection,
                       Set<ListReturn> returns, List<StatusItem> statusItems, boolean lsub) implements Command {
        public ListCommand {
            patterns = List.copyOf(patterns);
            selection = Set.copyOf(selection);
            returns = Set.copyOf(returns);
            statusItems = List.copyOf(statusItems);
        }

        public String name() {
            return lsub ? "LSUB" : "LIST";
        }
    }

    record Namespace(String tag) implements Command {
        public String name() {
            return "NAMESPACE";
        }
    }

    /** The items of STATUS (RFC 9051 section 6.3.11; RECENT for IMAP4rev1). */
    enum StatusItem { MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN, DELETED, SIZE, RECENT }

    record Status(String tag, String mailbox, List<StatusItem> items) implements Command {
        public Status {
            items = List.copyOf(items);
        }

        public String name() {
            return "STATUS";
        }
    }

    /** APPEND of one message; flags as written (system flags with their backslash). */
    record Append(String tag, String mailbox, List<String> flags, Optional<ZonedDateTime> internalDate,
                  Literal message) implements Command {
        public Append {
            flags = List.copyOf(flags);
        }

        public String name() {
            return "APPEND";
        }
    }

    record Idle(String tag) implements Command {
        public String name() {
            return "IDLE";
        }
    }

    record Close(String tag) implements Command {
        public String name() {
            return "CLOSE";
        }
    }

    record Unselect(String tag) implements Command {
        public String name() {
            return "UNSELECT";
        }
    }

    /** EXPUNGE, or UID EXPUNGE (UIDPLUS) when {@code uids} is present. */
    record Expunge(String tag, Optional<SequenceSet> uids) implements Command {
        public String name() {
            return uids.isPresent() ? "UID EXPUNGE" : "EXPUNGE";
        }
    }

    /** ESEARCH return options (RFC 9051 section 6.4.4.1; RFC 5182 SAVE). */
    enum SearchReturn { MIN, MAX, ALL, COUNT, SAVE }

    /**
     * SEARCH or UID SEARCH. {@code returns} is empty for a rev1 {@code SEARCH} without RETURN (answered with
     * {@code * SEARCH}); {@code RETURN ()} means ALL, as the RFC says.
     */
    record Search(String tag, boolean uid, Optional<String> charset, Optional<Set<SearchReturn>> returns,
                  SearchKey key) implements Command {
        public String name() {
            return uid ? "UID SEARCH" : "SEARCH";
        }
    }

    record Fetch(String tag, boolean uid, SequenceSet set, List<FetchAttribute> attributes) implements Command {
        public Fetch {
            attributes = List.copyOf(attributes);
        }

        public String name() {
            return uid ? "UID FETCH" : "FETCH";
        }
    }

    /** How STORE changes flags: {@code FLAGS}, {@code +FLAGS}, {@code -FLAGS}. */
    enum StoreMode { REPLACE, ADD, REMOVE }

    record Store(String tag, boolean uid, SequenceSet set, StoreMode mode, boolean silent, List<String> flags)
            implements Command {
        public Store {
            flags = List.copyOf(flags);
        }

        public String name() {
            return uid ? "UID STORE" : "STORE";
        }
    }

    /** COPY, or MOVE (RFC 6851) when {@code move}. */
    record Copy(String tag, boolean uid, SequenceSet set, String mailbox, boolean move) implements Command {
        public String name() {
            return (uid ? "UID " : "") + (move ? "MOVE" : "COPY");
        }
    }
}
