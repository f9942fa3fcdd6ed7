package dev.tern.imap.mime;

/**
 * One address of an ENVELOPE (RFC 9051 section 7.5.2): display name, source route, mailbox and host, each null for
 * NIL. A group is two markers around its members: start ({@code host} null, {@code mailbox} the group name) and end
 * (all null).
 */
public record Address(String name, String adl, String mailbox, String host) {

    public static Address groupStart(String name) {
        return new Address(null, null, name, null);
    }

    public static Address groupEnd() {
        return new Address(null, null, null, null);
    }
}
