package dev.tern.log;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every mail-log line, one method per event (DESIGN.md principle 6). Lines that concern a client start with the
 * event and then {@code ip=[address]} (or {@code client=[address]} after a queue ID), before any text the client
 * chose, so that a filter anchored at the start of the line (docs/operations.md, fail2ban) can only ever see
 * our own text there.
 *
 * <p>Client text (HELO names, addresses, user names, HTTP paths, replies of remote servers) goes through
 * {@link #quote} into a field delimited by {@code <...>} (or {@code (...)}): it can hold no control character
 * and not its closing delimiter, so it can neither start a new line nor end its field early.
 *
 * <p>The loggers keep the names operators know: {@code smtp}, {@code pop3}, {@code auth}, {@code queue}.
 */
public final class MailLog {
    /** Longest client text written in one field; longer text is cut and ends with {@code ...}. */
    static final int MAX_FIELD = 256;

    /** The protocol a line is about; each has its own logger. */
    public enum Service {
        SMTP, POP3, IMAP;

        final Logger log = LoggerFactory.getLogger("dev.tern." + name().toLowerCase(java.util.Locale.ROOT));

        /** The value of {@code service=} in auth lines. */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Logger AUTH = LoggerFactory.getLogger("dev.tern.auth");
    private static final Logger QUEUE = LoggerFactory.getLogger("dev.tern.queue");

    private MailLog() {
    }

    // ---- connections --------------------------------------------------------------------------------------

    /** DEBUG {@code connect from [ip]}. */
    public static void connected(Service s, String ip, boolean tls) {
        s.log.debug("connect from [{}]{}", ip, tls ? " (TLS)" : "");
    }

    /** DEBUG {@code disconnect from [ip]}. */
    public static void disconnected(Service s, String ip) {
        s.log.debug("disconnect from [{}]", ip);
    }

    /** WARN {@code connect from [ip]: refused, too many connections}. */
    public static void refusedBusy(Service s, String ip) {
        s.log.warn("connect from [{}]: refused, too many connections", ip);
    }

    /** INFO {@code connect from [ip] on submission: refused, blocked after failed logins}. */
    public static void refusedBlocked(Service s, String ip, String listener) {
        s.log.info("connect from [{}] on {}: refused, blocked after failed logins", ip, listener);
    }

    /**
     * INFO {@code connect from [ip] on smtp: closed, PROXY protocol: (reason)}: a peer that is not a trusted
     * proxy, or whose PROXY header was missing or malformed; closed without a reply.
     */
    public static void proxyRefused(Service s, String ip, String listener, String reason) {
        s.log.info("connect from [{}] on {}: closed, PROXY protocol: ({})", ip, listener, quote(reason, ')'));
    }

    /** INFO {@code timeout after command from [ip]} ({@code what}: connect, command, reply). */
    public static void timeout(Service s, String ip, String what) {
        s.log.info("timeout after {} from [{}]", what, ip);
    }

    /** INFO {@code TLS handshake with [ip] failed: (reason)}. */
    public static void tlsFailed(Service s, String ip, String reason) {
        s.log.info("TLS handshake with [{}] failed: ({})", ip, quote(reason, ')'));
    }

    /** INFO {@code HTTP request from [ip] on the SMTP port; closed}. */
    public static void httpOnSmtpPort(String ip) {
        Service.SMTP.log.info("HTTP request from [{}] on the SMTP port; closed", ip);
    }

    /** DEBUG: a connection ended by an I/O error. */
    public static void lost(Service s, String ip, String reason) {
        s.log.debug("connection from [{}] lost: ({})", ip, quote(reason, ')'));
    }

    /** DEBUG {@code TLS with [ip]: TLSv1.3 TLS_AES_128_GCM_SHA256}. */
    public static void tlsStarted(Service s, String ip, String protocol, String cipher) {
        s.log.debug("TLS with [{}]: {} {}", ip, protocol, cipher);
    }

    /** DEBUG: an I/O failure of little interest ({@code what} says where: refusing, waking, closing...). */
    public static void ioFailed(Service s, String ip, String what, String reason) {
        s.log.debug("{} [{}]: ({})", what, ip, quote(reason, ')'));
    }

    /** ERROR {@code ID: cannot write to the spool: (reason)}: the client is told to try again later. */
    public static void spoolFailed(String id, String what, String reason) {
        Service.SMTP.log.error("{}: cannot {}: ({})", id, what, quote(reason, ')'));
    }

    /** ERROR: a bug while serving a client; the stack trace follows. */
    public static void bug(Service s, String ip, RuntimeException e) {
        s.log.error("bug while serving [{}]; closing the connection", ip, e);
    }

    // ---- logins ----------------------------------------------------------------------------------------------

    /** INFO {@code auth ok: ip=[..], service=smtp, mechanism=PLAIN, user=<..>}. */
    public static void authOk(Service s, String ip, String mechanism, String user) {
        AUTH.info("auth ok: ip=[{}], service={}, mechanism={}, user=<{}>", ip, s.label(), quote(mechanism, ','),
                quote(user, '>'));
    }

    /** WARN {@code auth failed: ip=[..], service=pop3, mechanism=USER, user=<..>}: the line fail2ban matches. */
    public static void authFailed(Service s, String ip, String mechanism, String user) {
        AUTH.warn("auth failed: ip=[{}], service={}, mechanism={}, user=<{}>", ip, s.label(),
                quote(mechanism, ','), quote(user, '>'));
    }

    /** INFO {@code auth refused: ip=[..], service=..}: a login from an address blocked now, not checked. */
    public static void authRefusedBlocked(Service s, String ip, String user) {
        AUTH.info("auth refused: ip=[{}], service={}, user=<{}>: address blocked after failed logins", ip,
                s.label(), quote(user, '>'));
    }

    /** INFO {@code auth busy: ip=[..], service=..}: too many password checks waiting; told to retry. */
    public static void authBusy(Service s, String ip) {
        AUTH.info("auth busy: ip=[{}], service={}: too many password checks waiting", ip, s.label());
    }

    /** WARN {@code login not checked: ip=[..], service=..: (reason)}: the users cannot be read now; told to retry. */
    public static void authUnavailable(Service s, String ip, String reason) {
        AUTH.warn("login not checked: ip=[{}], service={}: ({})", ip, s.label(), quote(reason, ')'));
    }

    /** WARN {@code ip [..] blocked for 15m after 10 failed logins}. */
    public static void blocked(String ip, Duration time, int failures) {
        AUTH.warn("ip [{}] blocked for {} after {} failed logins", ip, format(time), failures);
    }

    // ---- SMTP messages -------------------------------------------------------------------------------------

    /** INFO {@code ID: client=[ip], helo=<..>, from=<..>, size=N, nrcpt=N}. */
    public static void accepted(String id, String ip, String helo, String from, long size, int recipients) {
        Service.SMTP.log.info("{}: client=[{}], helo=<{}>, from=<{}>, size={}, nrcpt={}", id, ip,
                quote(helo, '>'), quote(from, '>'), size, recipients);
    }

    /**
     * INFO {@code ID: reject: client=[ip], from=<..>[, user=<..>]: REPLY} ({@code NOQUEUE} when nothing was
     * spooled); {@code user} null when the client did not log in.
     */
    public static void rejected(String id, String ip, String from, String user, String reply) {
        Service.SMTP.log.info("{}: reject: client=[{}], from=<{}>{}: {}", id == null ? "NOQUEUE" : id, ip,
                quote(from, '>'), user == null ? "" : ", user=<" + quote(user, '>') + ">", quote(reply, '\n'));
    }

    // ---- POP3 sessions -------------------------------------------------------------------------------------

    /** INFO {@code login: ip=[..], user=<..>, method=PLAIN, tls=yes, messages=N}: a maildrop opened. */
    public static void pop3Login(String ip, String user, String mechanism, boolean tls, int messages) {
        Service.POP3.log.info("login: ip=[{}], user=<{}>, method={}, tls={}, messages={}", ip, quote(user, '>'),
                quote(mechanism, ','), tls ? "yes" : "no", messages);
    }

    /** INFO {@code login refused: ip=[..], user=<..>: mailbox in use by another session}. */
    public static void pop3InUse(String ip, String user) {
        Service.POP3.log.info("login refused: ip=[{}], user=<{}>: mailbox in use by another session", ip,
                quote(user, '>'));
    }

    /** INFO {@code logout: ip=[..], user=<..>, deleted=N, seen=N[, not deleted=N]}. */
    public static void pop3Logout(String ip, String user, int deleted, int seen, int notDeleted) {
        Service.POP3.log.info("logout: ip=[{}], user=<{}>, deleted={}, seen={}{}", ip, quote(user, '>'), deleted,
                seen, notDeleted > 0 ? ", not deleted=" + notDeleted : "");
    }

    /** INFO {@code ended: ip=[..], user=<..>: WHY; nothing deleted}: a logged-in session ended without QUIT. */
    public static void pop3Ended(String ip, String user, String why) {
        Service.POP3.log.info("ended: ip=[{}], user=<{}>: {}; nothing deleted", ip, quote(user, '>'), why);
    }

    /** ERROR {@code user=<..>: cannot WHAT the mailbox: (reason)}. */
    public static void mailboxFailed(Service s, String user, String what, String reason) {
        s.log.error("user=<{}>: cannot {} the mailbox: ({})", quote(user, '>'), what, quote(reason, ')'));
    }

    // ---- HTTP ------------------------------------------------------------------------------------------------

    /** WARN {@code refused: ip=[..], method=<..>, path=<..> (not in http.admin_networks)}. */
    public static void httpRefused(String ip, String method, String path) {
        QUEUE.warn("refused: ip=[{}], method=<{}>, path=<{}> (not in http.admin_networks)", ip,
                quote(method, '>'), quote(path, '>'));
    }

    /** WARN {@code http refused: ip=[..], method=<..>, path=<..> (reason)}: a request with a foreign Host or Origin. */
    public static void httpGuardRefused(String ip, String method, String path, String reason) {
        QUEUE.warn("http refused: ip=[{}], method=<{}>, path=<{}> ({})", ip, quote(method, '>'), quote(path, '>'),
                quote(reason, ')'));
    }

    // ---- the queue and delivery ----------------------------------------------------------------------------

    private static final Logger DELIVERY = LoggerFactory.getLogger("dev.tern.delivery.RemoteDelivery");

    /**
     * {@code ID: to=<..>[, orig_to=<..>], relay=R, delay=D, status=S (DETAIL)}: INFO for {@code sent}, WARN for
     * {@code deferred}, {@code bounced} and {@code expired}. {@code origTo} null when it is the same address.
     */
    public static void delivery(String id, String to, String origTo, String relay, String delay, String status,
                                String detail) {
        String orig = origTo == null ? "" : ", orig_to=<" + quote(origTo, '>') + ">";
        if (status.equals("sent")) {
            QUEUE.info("{}: to=<{}>{}, relay={}, delay={}, status={} ({})", id, quote(to, '>'), orig,
                    quote(relay, ','), delay, status, quote(detail, '\n'));
        } else {
            QUEUE.warn("{}: to=<{}>{}, relay={}, delay={}, status={} ({})", id, quote(to, '>'), orig,
                    quote(relay, ','), delay, status, quote(detail, '\n'));
        }
    }

    /** INFO {@code ID: WHAT}: held, released, deleted by the operator, removed. */
    public static void queued(String id, String what) {
        QUEUE.info("{}: {}", id, what);
    }

    /** WARN {@code ID: notice to the postmaster could not be delivered; dropped}. */
    public static void noticeDropped(String id) {
        QUEUE.warn("{}: notice to the postmaster could not be delivered; dropped", id);
    }

    /** INFO {@code ID: sender KIND notification: NOTICE-ID}. */
    public static void noticeFor(String id, String kind, String noticeId) {
        QUEUE.info("{}: sender {} notification: {}", id, kind, noticeId);
    }

    /** INFO {@code NOTICE-ID: from=<>, size=N, nrcpt=1 (KIND notice for ID)}. */
    public static void noticeQueued(String noticeId, int size, String kind, String forId) {
        QUEUE.info("{}: from=<>, size={}, nrcpt=1 ({} notice for {})", noticeId, size, kind, forId);
    }

    /** ERROR {@code ID: cannot WHAT: REASON}: a queue file operation failed. */
    public static void queueFailed(String id, String what, String reason) {
        QUEUE.error("{}: cannot {}: {}", id, what, quote(reason, '\n'));
    }

    /** ERROR: a bug during a delivery attempt; the stack trace follows. */
    public static void attemptBug(String id, Exception e) {
        QUEUE.error("{}: delivery attempt failed unexpectedly; will retry", id, e);
    }

    /** INFO {@code ID: TLS with RELAY failed (REASON); trying without TLS}. */
    public static void tlsFallback(String id, String relay, String reason) {
        DELIVERY.info("{}: TLS with {} failed ({}); trying without TLS", id, quote(relay, ','), quote(reason, ')'));
    }

    /** DEBUG {@code ID: reusing the connection to RELAY (message N on it)}. */
    public static void connectionReused(String id, String relay, int message) {
        DELIVERY.debug("{}: reusing the connection to {} (message {} on it)", id, quote(relay, ','), message);
    }

    /** DEBUG {@code ID: the cached connection to RELAY is gone; connecting anew}. */
    public static void connectionGone(String id, String relay) {
        DELIVERY.debug("{}: the cached connection to {} is gone; connecting anew", id, quote(relay, ','));
    }

    // ---- escaping --------------------------------------------------------------------------------------------

    /**
     * {@code s} made safe for a log field that ends with {@code close}: every control character (C0, DEL,
     * C1, line and paragraph separators, format characters such as bidi overrides), the backslash and
     * {@code close} itself become {@code \xHH} (or {@code \x{HHHH}}); at most {@link #MAX_FIELD} characters
     * are kept, then {@code ...}. Null is "".
     */
    public static String quote(String s, char close) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length() + 8, MAX_FIELD + 16));
        int kept = 0;
        for (int i = 0; i < s.length(); ) {
            if (kept == MAX_FIELD) {
                sb.append("...");
                break;
            }
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            kept++;
            if (c == '\\' || c == close || unsafe(c)) {
                sb.append(c <= 0xFF ? String.format("\\x%02x", c) : String.format("\\x{%x}", c));
            } else {
                sb.appendCodePoint(c);
            }
        }
        return sb.toString();
    }

    private static boolean unsafe(int c) {
        int type = Character.getType(c);
        return c < 0x20 || c == 0x7F || type == Character.CONTROL || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.SURROGATE || type == Character.UNASSIGNED || type == Character.PRIVATE_USE;
    }

    /** "15m", "1h30m", "45s": the way durations are written in the configuration. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return d.toMillis() + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long days = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
        if (days > 0) {
            sb.append(days).append('d');
        }
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (m > 0) {
            sb.append(m).append('m');
        }
        if (sec > 0) {
            sb.append(sec).append('s');
        }
        return sb.toString();
    }
}
