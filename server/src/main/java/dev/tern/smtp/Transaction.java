package dev.tern.smtp;

import java.util.List;

/**
 * One mail transaction as the client described it: MAIL, its parameters, and the accepted RCPTs.
 *
 * @param reversePath null for the null reverse-path {@code <>}
 */
public record Transaction(Mailbox reversePath, MailParams params, List<Recipient> recipients) {

    public Transaction {
        recipients = List.copyOf(recipients);
    }

    /** The MAIL parameters we support: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461). */
    public record MailParams(long declaredSize, String body, boolean smtpUtf8, String ret, String envid) {
        public static final MailParams NONE = new MailParams(-1, null, false, null, null);
    }

    /**
     * One accepted RCPT.
     *
     * @param notify    RFC 3461 NOTIFY value as given (upper-cased), or null
     * @param orcpt     RFC 3461 ORCPT value decoded ({@code rfc822;alice@example.org}), or null
     * @param deliverTo final addresses after alias expansion
     */
    public record Recipient(Mailbox forwardPath, String dsnNotify, String orcpt, List<String> deliverTo) {
        public Recipient {
            deliverTo = List.copyOf(deliverTo);
        }
    }
}
