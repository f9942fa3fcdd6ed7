package dev.tern.dkim;

import java.util.List;

/** Finds the TXT records of a name: the one thing DKIM verification asks the DNS. */
@FunctionalInterface
public interface TxtLookup {

    /** The outcome of a lookup. */
    sealed interface Answer permits Records, NotFound, TempError {
    }

    /** The records found, each one's character-strings joined into one text (octets as ISO-8859-1). */
    record Records(List<String> texts) implements Answer {
        public Records {
            texts = List.copyOf(texts);
        }
    }

    /** NXDOMAIN, or the name has no TXT record: a final answer. */
    record NotFound() implements Answer {
    }

    /** A timeout, SERVFAIL or another problem that may go away. */
    record TempError(String reason) implements Answer {
    }

    /** The TXT records of {@code name} (no final dot needed). Never throws for DNS trouble: that is an answer. */
    Answer txt(String name);
}
