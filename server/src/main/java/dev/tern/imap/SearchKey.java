package dev.tern.imap;

import java.time.LocalDate;
import java.util.List;

/**
 * One search key of SEARCH (RFC 9051 section 6.4.4), as the parser builds it: a tree no deeper than the parser's
 * nesting bound.
 */
public sealed interface SearchKey {

    /** The conjunction of a parenthesised list, or of the top-level keys. */
    record And(List<SearchKey> keys) implements SearchKey {
        public And {
            keys = List.copyOf(keys);
        }
    }

    record Or(SearchKey left, SearchKey right) implements SearchKey {
    }

    record Not(SearchKey key) implements SearchKey {
    }

    /** ALL. */
    record All() implements SearchKey {
    }

    /** A system flag set ({@code SEEN}) or not set ({@code UNSEEN}); {@code NEW}, {@code OLD} are built from these. */
    record Flag(String flag, boolean set) implements SearchKey {
    }

    /** KEYWORD and UNKEYWORD. */
    record Keyword(String keyword, boolean set) implements SearchKey {
    }

    /** BEFORE, ON, SINCE (internal date) and SENTBEFORE, SENTON, SENTSINCE (the Date header). */
    record Date(boolean sent, Relation relation, LocalDate date) implements SearchKey {
    }

    enum Relation { BEFORE, ON, SINCE }

    /** LARGER and SMALLER, over RFC822.SIZE. */
    record Size(boolean larger, long octets) implements SearchKey {
    }

    /**
     * A substring in a header field: FROM, TO, CC, BCC, SUBJECT are HEADER with that field name; an empty value
     * matches every message that has the field.
     */
    record Header(String field, String value) implements SearchKey {
    }

    /** BODY (the text) and TEXT (the header and the text). */
    record Text(boolean withHeader, String value) implements SearchKey {
    }

    /** A sequence set of message numbers, or UID set. */
    record Sequence(SequenceSet set, boolean uid) implements SearchKey {
    }
}
