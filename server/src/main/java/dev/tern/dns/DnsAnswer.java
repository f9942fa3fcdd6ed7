package dev.tern.dns;

import java.util.List;

/**
 * The answer to one DNS question, with its meaning kept: records, a name without records of that type
 * (no data), no such name (NXDOMAIN), a temporary failure (SERVFAIL, REFUSED, a network error) or no answer in
 * time (the resolver's time-out or the caller's time budget).
 *
 * @param <T> what one record becomes (a TXT string, an address, an MX host)
 */
public sealed interface DnsAnswer<T> {

    /** The records, never empty. */
    default List<T> values() {
        return List.of();
    }

    /** RFC 7208 4.6.4: a "void lookup" is an answer with no records, or NXDOMAIN. */
    default boolean isVoid() {
        return this instanceof NoData<T> || this instanceof NxDomain<T>;
    }

    /** A temporary error or a time-out: asking again later may give an answer. */
    default boolean isTemporary() {
        return this instanceof TempError<T> || this instanceof Timeout<T>;
    }

    /** Why a temporary answer is temporary; null for a final answer. */
    default String problem() {
        return switch (this) {
            case TempError<T> t -> t.reason();
            case Timeout<T> t -> t.reason();
            default -> null;
        };
    }

    /** One or more records of the asked type. */
    record Found<T>(List<T> values) implements DnsAnswer<T> {
        public Found {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("Found needs at least one record; use NoData");
            }
        }
    }

    /** The name exists but has no records of the asked type (NOERROR, empty answer). */
    record NoData<T>() implements DnsAnswer<T> {
    }

    /** The name does not exist (RCODE 3). */
    record NxDomain<T>() implements DnsAnswer<T> {
    }

    /** SERVFAIL, REFUSED, a malformed answer or a network error. */
    record TempError<T>(String reason) implements DnsAnswer<T> {
    }

    /** No answer in time: the resolver gave up, or the caller's time budget was spent. */
    record Timeout<T>(String reason) implements DnsAnswer<T> {
    }
}
