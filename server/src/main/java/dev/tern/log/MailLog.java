package dev.tern.log;

import static org.slf4j.event.Level.DEBUG;
import static org.slf4j.event.Level.ERROR;
import static org.slf4j.event.Level.INFO;
import static org.slf4j.event.Level.WARN;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;
import org.slf4j.spi.NOPLoggingEventBuilder;

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
        at(s.log, DEBUG, "connect", s).addKeyValue("ip", ip).addKeyValue("tls", tls)
                .log("connect from [{}]{}", ip, tls ? " (TLS)" : "");
    }

    /** DEBUG {@code disconnect from [ip]}. */
    public static void disconnected(Service s, String ip) {
        at(s.log, DEBUG, "disconnect", s).addKeyValue("ip", ip).log("disconnect from [{}]", ip);
    }

    /** WARN {@code connect from [ip]: refused, too many connections}. */
    public static void refusedBusy(Service s, String ip) {
        at(s.log, WARN, "connect_refused_busy", s).addKeyValue("ip", ip)
                .log("connect from [{}]: refused, too many connections", ip);
    }

    /** INFO {@code connect from [ip] on submission: refused, blocked after failed logins}. */
    public static void refusedBlocked(Service s, String ip, String listener) {
        at(s.log, INFO, "connect_refused_blocked", s).addKeyValue("ip", ip).addKeyValue("listener", listener)
                .log("connect from [{}] on {}: refused, blocked after failed logins", ip, listener);
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
        at(s.log, INFO, "timeout", s).addKeyValue("ip", ip).addKeyValue("after", what)
                .log("timeout after {} from [{}]", what, ip);
    }

    /** INFO {@code TLS handshake with [ip] failed: (reason)}. */
    public static void tlsFailed(Service s, String ip, String reason) {
        String r = quote(reason, ')');
        at(s.log, INFO, "tls_failed", s).addKeyValue("ip", ip).addKeyValue("reason", r)
                .log("TLS handshake with [{}] failed: ({})", ip, r);
    }

    /** INFO {@code HTTP request from [ip] on the SMTP port; closed}. */
    public static void httpOnSmtpPort(String ip) {
        at(Service.SMTP.log, INFO, "http_on_smtp_port", Service.SMTP).addKeyValue("ip", ip)
                .log("HTTP request from [{}] on the SMTP port; closed", ip);
    }

    /** DEBUG: a connection ended by an I/O error. */
    public static void lost(Service s, String ip, String reason) {
        String r = quote(reason, ')');
        at(s.log, DEBUG, "connection_lost", s).addKeyValue("ip", ip).addKeyValue("reason", r)
                .log("connection from [{}] lost: ({})", ip, r);
    }

    /** DEBUG {@code TLS with [ip]: TLSv1.3 TLS_AES_128_GCM_SHA256}. */
    public static void tlsStarted(Service s, String ip, String protocol, String cipher) {
        at(s.log, DEBUG, "tls", s).addKeyValue("ip", ip).addKeyValue("protocol", protocol)
                .addKeyValue("cipher", cipher).log("TLS with [{}]: {} {}", ip, protocol, cipher);
    }

    /** DEBUG: an I/O failure of little interest ({@code what} says where: refusing, waking, closing...). */
    public static void ioFailed(Service s, String ip, String what, String reason) {
        String r = quote(reason, ')');
        at(s.log, DEBUG, "io_failed", s).addKeyValue("ip", ip).addKeyValue("what", what).addKeyValue("reason", r)
                .log("{} [{}]: ({})", what, ip, r);
    }

    /** ERROR {@code ID: cannot write to the spool: (reason)}: the client is told to try again later. */
    public static void spoolFailed(String id, String what, String reason) {
        String r = quote(reason, ')');
        at(Service.SMTP.log, ERROR, "spool_failed", Service.SMTP).addKeyValue("queue_id", id)
                .addKeyValue("what", what).addKeyValue("reason", r).log("{}: cannot {}: ({})", id, what, r);
    }

    /** ERROR: a bug while serving a client; the stack trace follows. */
    public static void bug(Service s, String ip, RuntimeException e) {
        at(s.log, ERROR, "bug", s).addKeyValue("ip", ip).setCause(e)
                .log("bug while serving [{}]; closing the connection", ip);
    }

    // ---- logins ----------------------------------------------------------------------------------------------

    /** INFO {@code auth ok: ip=[..], service=smtp, mechanism=PLAIN, user=<..>}. */
    public static void authOk(Service s, String ip, String mechanism, String user) {
        String m = quote(mechanism, ','), u = quote(user, '>');
        at(AUTH, INFO, "auth_ok", s).addKeyValue("ip", ip).addKeyValue("mechanism", m).addKeyValue("user", u)
                .log("auth ok: ip=[{}], service={}, mechanism={}, user=<{}>", ip, s.label(), m, u);
    }

    /** WARN {@code auth failed: ip=[..], service=pop3, mechanism=USER, user=<..>}: the line fail2ban matches. */
    public static void authFailed(Service s, String ip, String mechanism, String user) {
        String m = quote(mechanism, ','), u = quote(user, '>');
        at(AUTH, WARN, "auth_failed", s).addKeyValue("ip", ip).addKeyValue("mechanism", m).addKeyValue("user", u)
                .log("auth failed: ip=[{}], service={}, mechanism={}, user=<{}>", ip, s.label(), m, u);
    }

    /** INFO {@code auth refused: ip=[..], service=..}: a login from an address blocked now, not checked. */
    public static void authRefusedBlocked(Service s, String ip, String user) {
        String u = quote(user, '>');
        at(AUTH, INFO, "auth_refused_blocked", s).addKeyValue("ip", ip).addKeyValue("user", u)
                .log("auth refused: ip=[{}], service={}, user=<{}>: address blocked after failed logins", ip,
                        s.label(), u);
    }

    /** INFO {@code auth busy: ip=[..], service=..}: too many password checks waiting; told to retry. */
    public static void authBusy(Service s, String ip) {
        at(AUTH, INFO, "auth_busy", s).addKeyValue("ip", ip)
                .log("auth busy: ip=[{}], service={}: too many password checks waiting", ip, s.label());
    }

    /** WARN {@code login not checked: ip=[..], service=..: (reason)}: the users cannot be read now; told to retry. */
    public static void authUnavailable(Service s, String ip, String reason) {
        String r = quote(reason, ')');
        at(AUTH, WARN, "auth_unavailable", s).addKeyValue("ip", ip).addKeyValue("reason", r)
                .log("login not checked: ip=[{}], service={}: ({})", ip, s.label(), r);
    }

    /** WARN {@code ip [..] blocked for 15m after 10 failed logins}. */
    public static void blocked(String ip, Duration time, int failures) {
        String t = format(time);
        at(AUTH, WARN, "ip_blocked", null).addKeyValue("ip", ip).addKeyValue("block_time", t)
                .addKeyValue("failures", failures)
                .log("ip [{}] blocked for {} after {} failed logins", ip, t, failures);
    }

    // ---- SMTP messages -------------------------------------------------------------------------------------

    /** INFO {@code ID: client=[ip], helo=<..>, from=<..>, size=N, nrcpt=N}. */
    public static void accepted(String id, String ip, String helo, String from, long size, int recipients) {
        accepted(id, ip, helo, from, size, recipients, null);
    }

    /**
     * INFO {@code ID: client=[ip], helo=<..>, from=<..>, size=N, nrcpt=N[, checks=<spf=pass dkim=pass:d ...>]};
     * {@code checks} (what the MX's defences said, then its SPF, DKIM and DMARC results and the action taken)
     * null when none ran.
     */
    public static void accepted(String id, String ip, String helo, String from, long size, int recipients,
                                String checks) {
        String h = quote(helo, '>'), f = quote(from, '>'), c = checks == null ? null : quote(checks, '>');
        optional(at(Service.SMTP.log, INFO, "accepted", Service.SMTP).addKeyValue("queue_id", id).addKeyValue("ip", ip)
                .addKeyValue("helo", h).addKeyValue("from", f).addKeyValue("size", size)
                .addKeyValue("nrcpt", recipients), "checks", c)
                .log("{}: client=[{}], helo=<{}>, from=<{}>, size={}, nrcpt={}{}", id, ip, h, f, size, recipients,
                        c == null ? "" : ", checks=<" + c + ">");
    }

    /**
     * INFO {@code ID: reject: client=[ip], from=<..>[, user=<..>]: REPLY} ({@code NOQUEUE} when nothing was
     * spooled); {@code user} null when the client did not log in.
     */
    public static void rejected(String id, String ip, String from, String user, String reply) {
        rejected(id, ip, from, user, null, reply);
    }

    /**
     * INFO {@code ID: reject: client=[ip], from=<..>[, user=<..>][, checks=<...>]: REPLY}; {@code checks} as in
     * {@link #accepted(String, String, String, String, long, int, String)}, null when none ran.
     */
    public static void rejected(String id, String ip, String from, String user, String checks, String reply) {
        String f = quote(from, '>'), u = user == null ? null : quote(user, '>'), r = quote(reply, '\n'),
                c = checks == null ? null : quote(checks, '>');
        LoggingEventBuilder b = at(Service.SMTP.log, INFO, "rejected", Service.SMTP);
        optional(optional(optional(b, "queue_id", id).addKeyValue("ip", ip).addKeyValue("from", f), "user", u),
                "checks", c).addKeyValue("reply", r)
                .log("{}: reject: client=[{}], from=<{}>{}{}: {}", id == null ? "NOQUEUE" : id, ip, f,
                        u == null ? "" : ", user=<" + u + ">", c == null ? "" : ", checks=<" + c + ">", r);
    }

    // ---- the MX's defences (dev.tern.defence) ---------------------------------------------------------------

    /**
     * INFO {@code defence: ip=[..], check=dnsbl, action=reject (detail)}: one decision of the MX's defences.
     * {@code check} is dnsbl, dnswl, dnslist_error, greet_pause, pipelining, rate_limit or greylist; {@code action}
     * is reject, defer, close, pass, log or error; {@code detail} (which may hold client text) is escaped.
     */
    public static void defence(String ip, String check, String action, String detail) {
        String d = quote(detail, ')');
        at(Service.SMTP.log, check.equals("dnslist_error") ? WARN : INFO, "defence", Service.SMTP)
                .addKeyValue("ip", ip).addKeyValue("check", check).addKeyValue("action", action)
                .addKeyValue("detail", d)
                .log("defence: ip=[{}], check={}, action={} ({})", ip, check, action, d);
    }

    // ---- POP3 sessions -------------------------------------------------------------------------------------

    /** INFO {@code login: ip=[..], user=<..>, method=PLAIN, tls=yes, messages=N}: a maildrop opened. */
    public static void pop3Login(String ip, String user, String mechanism, boolean tls, int messages) {
        String u = quote(user, '>'), m = quote(mechanism, ',');
        at(Service.POP3.log, INFO, "login", Service.POP3).addKeyValue("ip", ip).addKeyValue("user", u)
                .addKeyValue("mechanism", m).addKeyValue("tls", tls).addKeyValue("messages", messages)
                .log("login: ip=[{}], user=<{}>, method={}, tls={}, messages={}", ip, u, m, tls ? "yes" : "no",
                        messages);
    }

    /** INFO {@code login refused: ip=[..], user=<..>: mailbox in use by another session}. */
    public static void pop3InUse(String ip, String user) {
        String u = quote(user, '>');
        at(Service.POP3.log, INFO, "login_refused_in_use", Service.POP3).addKeyValue("ip", ip).addKeyValue("user", u)
                .log("login refused: ip=[{}], user=<{}>: mailbox in use by another session", ip, u);
    }

    /** INFO {@code logout: ip=[..], user=<..>, deleted=N, seen=N[, not deleted=N]}. */
    public static void pop3Logout(String ip, String user, int deleted, int seen, int notDeleted) {
        String u = quote(user, '>');
        at(Service.POP3.log, INFO, "logout", Service.POP3).addKeyValue("ip", ip).addKeyValue("user", u)
                .addKeyValue("deleted", deleted).addKeyValue("seen", seen).addKeyValue("not_deleted", notDeleted)
                .log("logout: ip=[{}], user=<{}>, deleted={}, seen={}{}", ip, u, deleted, seen,
                        notDeleted > 0 ? ", not deleted=" + notDeleted : "");
    }

    /** INFO {@code ended: ip=[..], user=<..>: WHY; nothing deleted}: a logged-in session ended without QUIT. */
    public static void pop3Ended(String ip, String user, String why) {
        String u = quote(user, '>');
        at(Service.POP3.log, INFO, "ended", Service.POP3).addKeyValue("ip", ip).addKeyValue("user", u)
                .addKeyValue("reason", why).log("ended: ip=[{}], user=<{}>: {}; nothing deleted", ip, u, why);
    }

    // ---- IMAP sessions -------------------------------------------------------------------------------------

    /** INFO {@code ended: ip=[..], user=<..>: WHY}: a logged-in IMAP session ended (LOGOUT, autologout, …). */
    public static void imapEnded(String ip, String user, String why) {
        String u = quote(user, '>');
        at(Service.IMAP.log, INFO, "ended", Service.IMAP).addKeyValue("ip", ip).addKeyValue("user", u)
                .addKeyValue("reason", why).log("ended: ip=[{}], user=<{}>: {}", ip, u, why);
    }

    /** ERROR {@code user=<..>: cannot WHAT the mailbox: (reason)}. */
    public static void mailboxFailed(Service s, String user, String what, String reason) {
        String u = quote(user, '>'), r = quote(reason, ')');
        at(s.log, ERROR, "mailbox_failed", s).addKeyValue("user", u).addKeyValue("what", what)
                .addKeyValue("reason", r).log("user=<{}>: cannot {} the mailbox: ({})", u, what, r);
    }

    // ---- HTTP ------------------------------------------------------------------------------------------------

    /** WARN {@code refused: ip=[..], method=<..>, path=<..> (not in http.admin_networks)}. */
    public static void httpRefused(String ip, String method, String path) {
        String m = quote(method, '>'), p = quote(path, '>');
        at(QUEUE, WARN, "http_refused", null).addKeyValue("ip", ip).addKeyValue("method", m).addKeyValue("path", p)
                .log("refused: ip=[{}], method=<{}>, path=<{}> (not in http.admin_networks)", ip, m, p);
    }

    /** WARN {@code http refused: ip=[..], method=<..>, path=<..> (reason)}: a request with a foreign Host or Origin. */
    public static void httpGuardRefused(String ip, String method, String path, String reason) {
        String m = quote(method, '>'), p = quote(path, '>'), r = quote(reason, ')');
        at(QUEUE, WARN, "http_refused", null).addKeyValue("ip", ip).addKeyValue("method", m).addKeyValue("path", p)
                .addKeyValue("reason", r).log("http refused: ip=[{}], method=<{}>, path=<{}> ({})", ip, m, p, r);
    }

    // ---- the queue and delivery ----------------------------------------------------------------------------

    private static final Logger DELIVERY = LoggerFactory.getLogger("dev.tern.delivery.RemoteDelivery");

    /**
     * {@code ID: to=<..>[, orig_to=<..>], relay=R, delay=D, status=S (DETAIL)}: INFO for {@code sent}, WARN for
     * {@code deferred}, {@code bounced} and {@code expired}. {@code origTo} null when it is the same address.
     */
    public static void delivery(String id, String to, String origTo, String relay, String delay, String status,
                                String detail) {
        String t = quote(to, '>'), o = origTo == null ? null : quote(origTo, '>'), r = quote(relay, ','),
                d = quote(detail, '\n');
        LoggingEventBuilder b = at(QUEUE, status.equals("sent") ? INFO : WARN, "delivery", null)
                .addKeyValue("queue_id", id).addKeyValue("to", t);
        optional(b, "orig_to", o).addKeyValue("relay", r).addKeyValue("delay", delay)
                .addKeyValue("status", status).addKeyValue("detail", d)
                .log("{}: to=<{}>{}, relay={}, delay={}, status={} ({})", id, t,
                        o == null ? "" : ", orig_to=<" + o + ">", r, delay, status, d);
    }

    /** INFO {@code ID: WHAT}: held, released, deleted by the operator, removed. */
    public static void queued(String id, String what) {
        at(QUEUE, INFO, "queue", null).addKeyValue("queue_id", id).addKeyValue("what", what).log("{}: {}", id, what);
    }

    /** WARN {@code ID: notice to the postmaster could not be delivered; dropped}. */
    public static void noticeDropped(String id) {
        at(QUEUE, WARN, "notice_dropped", null).addKeyValue("queue_id", id)
                .log("{}: notice to the postmaster could not be delivered; dropped", id);
    }

    /** INFO {@code ID: sender KIND notification: NOTICE-ID}. */
    public static void noticeFor(String id, String kind, String noticeId) {
        at(QUEUE, INFO, "notice_for", null).addKeyValue("queue_id", id).addKeyValue("kind", kind)
                .addKeyValue("notice_id", noticeId).log("{}: sender {} notification: {}", id, kind, noticeId);
    }

    /** INFO {@code NOTICE-ID: from=<>, size=N, nrcpt=1 (KIND notice for ID)}. */
    public static void noticeQueued(String noticeId, int size, String kind, String forId) {
        at(QUEUE, INFO, "notice_queued", null).addKeyValue("queue_id", noticeId).addKeyValue("from", "")
                .addKeyValue("size", size).addKeyValue("nrcpt", 1).addKeyValue("kind", kind)
                .addKeyValue("for_id", forId)
                .log("{}: from=<>, size={}, nrcpt=1 ({} notice for {})", noticeId, size, kind, forId);
    }

    /** ERROR {@code ID: cannot WHAT: REASON}: a queue file operation failed. */
    public static void queueFailed(String id, String what, String reason) {
        String r = quote(reason, '\n');
        at(QUEUE, ERROR, "queue_failed", null).addKeyValue("queue_id", id).addKeyValue("what", what)
                .addKeyValue("reason", r).log("{}: cannot {}: {}", id, what, r);
    }

    /** ERROR: a bug during a delivery attempt; the stack trace follows. */
    public static void attemptBug(String id, Exception e) {
        at(QUEUE, ERROR, "bug", null).addKeyValue("queue_id", id).setCause(e)
                .log("{}: delivery attempt failed unexpectedly; will retry", id);
    }

    /** INFO {@code ID: TLS with RELAY failed (REASON); trying without TLS}. */
    public static void tlsFallback(String id, String relay, String reason) {
        String r = quote(relay, ','), why = quote(reason, ')');
        at(DELIVERY, INFO, "tls_fallback", null).addKeyValue("queue_id", id).addKeyValue("relay", r)
                .addKeyValue("reason", why).log("{}: TLS with {} failed ({}); trying without TLS", id, r, why);
    }

    /** DEBUG {@code ID: reusing the connection to RELAY (message N on it)}. */
    public static void connectionReused(String id, String relay, int message) {
        String r = quote(relay, ',');
        at(DELIVERY, DEBUG, "connection_reused", null).addKeyValue("queue_id", id).addKeyValue("relay", r)
                .addKeyValue("message_number", message)
                .log("{}: reusing the connection to {} (message {} on it)", id, r, message);
    }

    /** DEBUG {@code ID: the cached connection to RELAY is gone; connecting anew}. */
    public static void connectionGone(String id, String relay) {
        String r = quote(relay, ',');
        at(DELIVERY, DEBUG, "connection_gone", null).addKeyValue("queue_id", id).addKeyValue("relay", r)
                .log("{}: the cached connection to {} is gone; connecting anew", id, r);
    }

    /** INFO {@code ID: DKIM-signed d=DOMAIN s=SELECTOR,SELECTOR}. */
    public static void dkimSigned(String id, String domain, String selectors) {
        String d = quote(domain, ' '), s = quote(selectors, ' ');
        at(DELIVERY, INFO, "dkim_signed", null).addKeyValue("queue_id", id).addKeyValue("domain", d)
                .addKeyValue("selectors", s).log("{}: DKIM-signed d={} s={}", id, d, s);
    }

    /** INFO {@code ID: not DKIM-signed: REASON} (no key for the From: domain, no From: field, ...). */
    public static void dkimUnsigned(String id, String reason) {
        String r = quote(reason, '\n');
        at(DELIVERY, INFO, "dkim_unsigned", null).addKeyValue("queue_id", id).addKeyValue("reason", r)
                .log("{}: not DKIM-signed: {}", id, r);
    }

    /** WARN {@code ID: DKIM key unusable: FILE: REASON}; the message is signed with the other keys, if any. */
    public static void dkimKeyUnusable(String id, String problem) {
        String p = quote(problem, '\n');
        at(DELIVERY, WARN, "dkim_key_unusable", null).addKeyValue("queue_id", id).addKeyValue("problem", p)
                .log("{}: DKIM key unusable: {}", id, p);
    }

    /** WARN {@code ID: DKIM signing failed (REASON); sending unsigned}. */
    public static void dkimFailed(String id, String reason) {
        String r = quote(reason, ')');
        at(DELIVERY, WARN, "dkim_failed", null).addKeyValue("queue_id", id).addKeyValue("reason", r)
                .log("{}: DKIM signing failed ({}); sending unsigned", id, r);
    }

    /**
     * A line's builder carrying its facts as SLF4J key-value pairs ({@code event}, {@code service} when
     * {@code s} is given): the JSON encoder writes them as fields; the text pattern ({@code %msg}) ignores them,
     * so while Tern's text lines are all there is ({@link LogFormat#keyValues}) none is built. A level that is
     * off costs nothing further (SLF4J returns a builder that does nothing).
     */
    private static LoggingEventBuilder at(Logger log, Level level, String event, Service s) {
        LoggingEventBuilder b = log.atLevel(level);
        if (!LogFormat.keyValues()) {
            return b instanceof NOPLoggingEventBuilder ? b : new TextOnly(b);
        }
        b.addKeyValue("event", event);
        return s == null ? b : b.addKeyValue("service", s.label());
    }

    /**
     * A builder that drops the key-value pairs: while the lines are text ({@link LogFormat#keyValues}), the pairs
     * would be built for every line (three per message) and written by nothing.
     */
    private record TextOnly(LoggingEventBuilder b) implements LoggingEventBuilder {
        @Override
        public LoggingEventBuilder addKeyValue(String key, Object value) {
            return this;
        }

        @Override
        public LoggingEventBuilder addKeyValue(String key, Supplier<Object> value) {
            return this;
        }

        @Override
        public LoggingEventBuilder setCause(Throwable cause) {
            b.setCause(cause);
            return this;
        }

        @Override
        public LoggingEventBuilder addMarker(Marker marker) {
            b.addMarker(marker);
            return this;
        }

        @Override
        public LoggingEventBuilder addArgument(Object p) {
            b.addArgument(p);
            return this;
        }

        @Override
        public LoggingEventBuilder addArgument(Supplier<?> p) {
            b.addArgument(p);
            return this;
        }

        @Override
        public LoggingEventBuilder setMessage(String message) {
            b.setMessage(message);
            return this;
        }

        @Override
        public LoggingEventBuilder setMessage(Supplier<String> message) {
            b.setMessage(message);
            return this;
        }

        @Override
        public void log() {
            b.log();
        }

        @Override
        public void log(String message) {
            b.log(message);
        }

        @Override
        public void log(String message, Object arg) {
            b.log(message, arg);
        }

        @Override
        public void log(String message, Object arg1, Object arg2) {
            b.log(message, arg1, arg2);
        }

        @Override
        public void log(String message, Object... args) {
            b.log(message, args);
        }

        @Override
        public void log(Supplier<String> message) {
            b.log(message);
        }
    }

    /** {@code b} with {@code key} unless {@code value} is null (JSON then has no such field). */
    private static LoggingEventBuilder optional(LoggingEventBuilder b, String key, Object value) {
        return value == null ? b : b.addKeyValue(key, value);
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
