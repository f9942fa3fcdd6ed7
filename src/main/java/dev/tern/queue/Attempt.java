package dev.tern.queue;

/** The outcome of one delivery attempt to one recipient. */
public sealed interface Attempt {
    /** @param detail where it went, for the log: {@code delivered to maildir} or the peer's reply */
    record Delivered(String relay, String detail) implements Attempt {
    }

    /** A temporary failure: try again later. */
    record Deferred(String relay, String reason) implements Attempt {
    }

    /** A permanent failure: the recipient will not get the message. */
    record Failed(String relay, String reason) implements Attempt {
    }
}
