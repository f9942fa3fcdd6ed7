package dev.tern.queue;

/**
 * The outcome of one delivery attempt to one recipient. {@code relay} is where it went, for the log
 * ({@code local}, {@code mx.example.org[192.0.2.1]:25} or {@code none}).
 */
public sealed interface Attempt {
    String relay();

    /** The RFC 3463 status code for a notice about this outcome. */
    String status();

    /**
     * @param detail      where it went, for the log: {@code delivered to maildir} or the peer's reply
     * @param remoteMta   the peer's host name for the Remote-MTA field, or null (local delivery)
     * @param dsnPassedOn the peer offered DSN and got our NOTIFY/ORCPT, so notices are now its business
     */
    record Delivered(String relay, String detail, String remoteMta, boolean dsnPassedOn) implements Attempt {
        public Delivered(String relay, String detail) {
            this(relay, detail, null, false);
        }

        @Override
        public String status() {
            return "2.0.0";
        }
    }

    /**
     * A temporary failure: try again later.
     *
     * @param reason     the failure in words, for the log and the notices
     * @param status     RFC 3463 code (4.x.x)
     * @param remoteMta  the peer that said so, or null
     * @param diagnostic the peer's reply as it was sent, for Diagnostic-Code, or null
     */
    record Deferred(String relay, String reason, String status, String remoteMta, String diagnostic) implements Attempt {
        public Deferred(String relay, String reason) {
            this(relay, reason, "4.0.0", null, null);
        }
    }

    /** A permanent failure: the recipient will not get the message. Fields as in {@link Deferred}. */
    record Failed(String relay, String reason, String status, String remoteMta, String diagnostic) implements Attempt {
        public Failed(String relay, String reason) {
            this(relay, reason, "5.0.0", null, null);
        }
    }
}
