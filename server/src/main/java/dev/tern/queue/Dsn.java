package dev.tern.queue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Delivery status notifications (RFC 3464, RFC 3461, RFC 6522): a {@code multipart/report} with a text part in
 * plain words, a {@code message/delivery-status} part, and the original message's header
 * ({@code text/rfc822-headers}) or the whole message ({@code message/rfc822}). Pure: bytes in, bytes out.
 */
public final class Dsn {
    /** RET unset: a failure notice carries the whole message up to this size, else its header only. */
    public static final long DEFAULT_FULL_LIMIT = 256 * 1024;
    /** RET=FULL: the whole message up to this size, else its header only. */
    public static final long FULL_LIMIT = 10L * 1024 * 1024;

    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    public enum Kind {
        FAILURE("failed", "Undelivered Mail Returned to Sender"),
        DELAY("delayed", "Delayed Mail (still being retried)"),
        SUCCESS("delivered", "Successful Mail Delivery Report");

        final String action;
        final String subject;

        Kind(String action, String subject) {
            this.action = action;
            this.subject = subject;
        }
    }

    /**
     * What became of one recipient.
     *
     * @param action      failed, delayed, delivered, relayed or expanded
     * @param status      RFC 3463 code
     * @param remoteMta   the peer's host name, or null
     * @param diagnostic  the peer's reply as sent (becomes {@code smtp; ...}), or null
     * @param reason      the outcome in words (used when there is no peer reply: {@code X-Tern; ...})
     * @param lastAttempt when it was last tried, or null
     */
    public record Report(Envelope.Recipient recipient, String action, String status, String remoteMta,
                         String diagnostic, String reason, Instant lastAttempt) {
    }

    /**
     * The whole notice as a message (CRLF line ends), ready for the spool.
     *
     * @param to        the address the notice goes to (the original sender, or the postmaster)
     * @param original  the original message: its header, or all of it when {@code full}
     * @param full      {@code original} is the whole message
     */
    public static byte[] build(String hostname, Kind kind, Envelope env, List<Report> reports, String to,
                               byte[] original, boolean full, Instant now, ZoneId zone, String messageId) {
        String boundary = env.id() + "/" + now.toEpochMilli() + "/" + hostname;
        boolean eightBit = hasEightBit(original);
        StringBuilder sb = new StringBuilder(2048);
        sb.append("From: MAILER-DAEMON@").append(hostname).append(" (Mail Delivery System)\r\n")
                .append("To: <").append(to).append(">\r\n")
                .append("Subject: ").append(kind.subject).append("\r\n")
                .append("Date: ").append(DATE.format(now.atZone(zone))).append("\r\n")
                .append("Message-ID: <").append(messageId).append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=delivery-status;\r\n")
                .append("\tboundary=\"").append(boundary).append("\"\r\n")
                .append(eightBit ? "Content-Transfer-Encoding: 8bit\r\n" : "")
                .append("\r\n")
                .append("This is a MIME-encapsulated message.\r\n\r\n");

        // 1. in plain words
        sb.append("--").append(boundary).append("\r\n")
                .append("Content-Description: Notification\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n")
                .append("Content-Transfer-Encoding: 8bit\r\n\r\n");
        sb.append(humanText(hostname, kind, env, reports));

        // 2. for machines
        sb.append("\r\n--").append(boundary).append("\r\n")
                .append("Content-Description: Delivery report\r\n")
                .append("Content-Type: message/delivery-status\r\n\r\n");
        sb.append("Reporting-MTA: dns; ").append(hostname).append("\r\n")
                .append("X-Tern-Queue-ID: ").append(env.id()).append("\r\n");
        if (env.envid() != null) {
            sb.append("Original-Envelope-Id: ").append(oneLine(env.envid())).append("\r\n");
        }
        sb.append("Arrival-Date: ").append(DATE.format(env.arrival().atZone(zone))).append("\r\n");
        for (Report r : reports) {
            sb.append("\r\n");
            sb.append("Final-Recipient: rfc822; ").append(r.recipient().address()).append("\r\n");
            String orcpt = r.recipient().orcpt();
            if (orcpt != null) {
                int semi = orcpt.indexOf(';');
                sb.append("Original-Recipient: ")
                        .append(semi < 0 ? "rfc822; " + orcpt : orcpt.substring(0, semi).trim() + "; "
                                + orcpt.substring(semi + 1).trim())
                        .append("\r\n");
            }
            sb.append("Action: ").append(r.action()).append("\r\n")
                    .append("Status: ").append(r.status()).append("\r\n");
            if (r.remoteMta() != null) {
                sb.append("Remote-MTA: dns; ").append(r.remoteMta()).append("\r\n");
            }
            if (r.diagnostic() != null) {
                sb.append("Diagnostic-Code: smtp; ").append(oneLine(r.diagnostic())).append("\r\n");
            } else if (r.reason() != null && !r.action().equals("delivered") && !r.action().equals("relayed")) {
                sb.append("Diagnostic-Code: X-Tern; ").append(oneLine(r.reason())).append("\r\n");
            }
            if (r.lastAttempt() != null) {
                sb.append("Last-Attempt-Date: ").append(DATE.format(r.lastAttempt().atZone(zone))).append("\r\n");
            }
        }

        // 3. the original
        sb.append("\r\n--").append(boundary).append("\r\n");
        if (full) {
            sb.append("Content-Description: Undelivered Message\r\n")
                    .append("Content-Type: message/rfc822\r\n");
        } else {
            sb.append("Content-Description: Message Headers\r\n")
                    .append("Content-Type: text/rfc822-headers\r\n");
        }
        if (eightBit) {
            sb.append("Content-Transfer-Encoding: 8bit\r\n");
        }
        sb.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(sb.length() + original.length + 128);
        out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(original);
        if (original.length > 0 && !endsWithCrlf(original)) {
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static String humanText(String hostname, Kind kind, Envelope env, List<Report> reports) {
        StringBuilder sb = new StringBuilder();
        sb.append("This is the mail system at host ").append(hostname).append(".\r\n\r\n");
        switch (kind) {
            case FAILURE -> sb.append("I'm sorry to have to tell you that your message could not be delivered to\r\n"
                    + "one or more recipients. It is attached below.\r\n");
            case DELAY -> sb.append("Your message could not be delivered yet to one or more recipients.\r\n"
                    + "It is still in the queue and will be tried again; you need not send it again.\r\n");
            case SUCCESS -> sb.append("Your message was delivered to the recipients below, as you asked to be told.\r\n");
        }
        sb.append("\r\n");
        for (Report r : reports) {
            sb.append("<").append(r.recipient().address()).append(">: ");
            String why = r.diagnostic() != null
                    ? (r.remoteMta() != null ? "host " + r.remoteMta() + " said: " : "") + oneLine(r.diagnostic())
                    : r.reason() == null ? r.action() : oneLine(r.reason());
            sb.append(switch (r.action()) {
                case "relayed" -> "handed on to " + (r.remoteMta() == null ? "the next server" : r.remoteMta())
                        + ", which does not report delivery status";
                case "delivered" -> "delivered";
                default -> why;
            }).append("\r\n");
        }
        sb.append("\r\nQueue ID: ").append(env.id()).append("\r\n");
        return sb.toString();
    }

    /** The header block of a message, up to and including the empty line (or all of it if there is none). */
    public static int headerLength(byte[] message) {
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                return i + 2;
            }
        }
        return message.length;
    }

    private static boolean endsWithCrlf(byte[] b) {
        return b.length >= 2 && b[b.length - 2] == '\r' && b[b.length - 1] == '\n';
    }

    static boolean hasEightBit(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return true;
            }
        }
        return false;
    }

    /** Text safe for one header line: line breaks and other controls become spaces. */
    static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 32 || c == 127 ? ' ' : c);
        }
        return sb.toString().strip();
    }
}
