package dev.tern.queue;

import java.time.Instant;
import java.util.List;

/**
 * Everything about a queued message except its content: who sent it, to whom, and how it arrived.
 * Written at the head of the spool file before the content (see {@link Spool}).
 *
 * @param id         the queue ID, also in the Received header and in every log line
 * @param sender     the reverse-path, "" for the null reverse-path {@code <>}
 * @param arrival    when the message was accepted
 * @param client     the client's IP address
 * @param helo       the name the client gave in EHLO or HELO
 * @param protocol   RFC 3848 protocol name (ESMTP, SMTP, UTF8SMTP, …)
 * @param smtpUtf8   the message needs SMTPUTF8 to be relayed (RFC 6531)
 * @param body       BODY parameter (7BIT, 8BITMIME) or null
 * @param ret        DSN RET parameter (FULL, HDRS) or null
 * @param envid      DSN ENVID, decoded, or null
 * @param recipients one entry per final address, in the order accepted
 * @param notice     0 for ordinary mail; {@link #NOTICE} for a delivery status notification Tern wrote;
 *                   {@link #NOTICE_TO_POSTMASTER} for a notice about a notice that could not be delivered
 */
public record Envelope(
        String id,
        String sender,
        Instant arrival,
        String client,
        String helo,
        String protocol,
        boolean smtpUtf8,
        String body,
        String ret,
        String envid,
        List<Recipient> recipients,
        int notice) {

    public static final int NOTICE = 1;
    public static final int NOTICE_TO_POSTMASTER = 2;

    public Envelope {
        recipients = List.copyOf(recipients);
    }

    /** Ordinary mail, as received. */
    public Envelope(String id, String sender, Instant arrival, String client, String helo, String protocol,
                    boolean smtpUtf8, String body, String ret, String envid, List<Recipient> recipients) {
        this(id, sender, arrival, client, helo, protocol, smtpUtf8, body, ret, envid, recipients, 0);
    }

    /**
     * One final recipient.
     *
     * @param address  the address delivered to (after alias expansion)
     * @param original the forward-path the client gave in RCPT
     * @param notify   DSN NOTIFY or null
     * @param orcpt    DSN ORCPT ("rfc822;addr") or null
     */
    public record Recipient(String address, String original, String dsnNotify, String orcpt) {
        /** True when the sender asked for notices of this kind (RFC 3461 4.1; the default is FAILURE and DELAY). */
        public boolean wants(String kind) {
            if (dsnNotify == null || dsnNotify.isBlank()) {
                return !kind.equals("SUCCESS");
            }
            for (String k : dsnNotify.split(",")) {
                if (k.trim().equalsIgnoreCase(kind)) {
                    return true;
                }
            }
            return false;
        }
    }
}
