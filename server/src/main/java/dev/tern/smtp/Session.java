package dev.tern.smtp;

import dev.tern.auth.SaslMechanism;
import dev.tern.text.ClientText;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SMTP server's state machine for one connection (RFC 5321 section 4.1.4 and the extensions we offer),
 * as pure code: commands in, {@link Step}s out. The connection around it moves the bytes, streams message
 * content to the spool, and calls {@link #messageDone} when a message has been taken or refused.
 */
public final class Session {

    /** What the connection must do next. */
    public sealed interface Step {
        /** Send the reply; close the connection after it when {@code close}. */
        record Respond(Reply reply, boolean close) implements Step {
        }

        /** Send the 354 reply, then read DATA content for the current transaction. */
        record ReceiveData(Reply goAhead) implements Step {
        }

        /**
         * Read a BDAT chunk of {@code size} octets for the current transaction, or discard it and send
         * {@code refusal} (then close when {@code close}).
         */
        record ReceiveChunk(long size, boolean last, Reply refusal, boolean close) implements Step {
        }

        /** Close without a reply (an HTTP request on the SMTP port). */
        record Close() implements Step {
        }

        /**
         * Send {@code ready} (220), throw away anything the client sent after STARTTLS, do the TLS handshake,
         * read on over TLS only, then call {@link #tlsStarted()} (RFC 3207 4.2: the session starts afresh).
         */
        record StartTls(Reply ready) implements Step {
        }

        /** Send the 334 challenge and feed the client's next line, as it is, to {@link #authResponse}. */
        record Challenge(Reply reply) implements Step {
        }

        /**
         * Check these credentials (and whether the client is blocked), then call {@link #authResult}.
         * {@code user} is what the client said; {@code password} should be wiped after use.
         */
        record Authenticate(String mechanism, String user, char[] password) implements Step {
        }
    }

    /** What a listener is for; it decides what the session offers and requires. */
    public enum Mode {
        /** Port 25: mail from other servers; STARTTLS offered, AUTH only when {@code [smtp] auth}. */
        MX,
        /** Port 587: STARTTLS, then AUTH, which is required before MAIL. */
        SUBMISSION,
        /** Port 465: TLS from the first byte, then AUTH, which is required before MAIL. */
        SUBMISSIONS
    }

    /**
     * Settings the session needs; built from the configuration.
     *
     * @param startTls        STARTTLS is offered (a TLS context exists and the connection is not TLS yet)
     * @param auth            AUTH is offered on this listener
     * @param authRequiresTls AUTH is offered and accepted only under TLS
     * @param authRequired    MAIL needs AUTH first (the submission ports)
     * @param enforceSender   an authenticated user may only send as their own addresses (envelope and From:)
     */
    public record Settings(String hostname, long maxMessageSize, int maxRecipients, int maxErrors,
                           boolean startTls, boolean auth, boolean authRequiresTls, boolean authRequired,
                           boolean enforceSender) {
        /** Plain SMTP: neither STARTTLS nor AUTH (start here, then name what differs with the methods below). */
        public Settings(String hostname, long maxMessageSize, int maxRecipients, int maxErrors) {
            this(hostname, maxMessageSize, maxRecipients, maxErrors, false, false, true, false, true);
        }

        /** These settings with STARTTLS offered or not. */
        public Settings startTls(boolean on) {
            return new Settings(hostname, maxMessageSize, maxRecipients, maxErrors, on, auth, authRequiresTls,
                    authRequired, enforceSender);
        }

        /** These settings with AUTH offered or not. */
        public Settings auth(boolean on) {
            return new Settings(hostname, maxMessageSize, maxRecipients, maxErrors, startTls, on, authRequiresTls,
                    authRequired, enforceSender);
        }

        /** These settings with AUTH allowed only over TLS, or not. */
        public Settings authRequiresTls(boolean on) {
            return new Settings(hostname, maxMessageSize, maxRecipients, maxErrors, startTls, auth, on,
                    authRequired, enforceSender);
        }

        /** These settings with MAIL refused before AUTH (530 5.7.0), or not. */
        public Settings authRequired(boolean on) {
            return new Settings(hostname, maxMessageSize, maxRecipients, maxErrors, startTls, auth, authRequiresTls,
                    on, enforceSender);
        }

        /** These settings with the sender rules of submission.enforce_sender, or not. */
        public Settings enforceSender(boolean on) {
            return new Settings(hostname, maxMessageSize, maxRecipients, maxErrors, startTls, auth, authRequiresTls,
                    authRequired, on);
        }
    }

    /** Failed AUTH attempts in one session before the connection is closed with 421. */
    public static final int MAX_AUTH_FAILURES = dev.tern.auth.LoginGuard.MAX_SESSION_FAILURES;

    /** What this listener offers and allows (TLS, AUTH, limits); fixed for the session. */
    private final Settings settings;
    /** Decides at RCPT which recipients we take. */
    private final RecipientPolicy policy;
    /** The client's address: the recipient policy's relay rule depends on it. */
    private final InetAddress client;
    /** Decides at MAIL which senders an authenticated user may use. */
    private final SenderPolicy senders;

    /** The name given in HELO/EHLO (null before): it goes into the Received header and the log. */
    private String helo;
    /** EHLO rather than HELO: extensions (ESMTP parameters, BDAT, AUTH) are allowed only then. */
    private boolean extended;
    /** The connection is TLS (STARTTLS done, or implicit TLS). */
    private boolean tls;
    /** The AUTH exchange, and who authenticated (null: nobody). */
    private final AuthExchange auth;
    /** MAIL FROM of the transaction under way. */
    private Mailbox reversePath;
    /** The ESMTP parameters given with MAIL FROM (SIZE, BODY, SMTPUTF8, RET, ENVID). */
    private Transaction.MailParams params;
    /** Between a successful MAIL and the end of its message (or RSET): shutdown waits for it. */
    private boolean inTransaction;
    /** A BDAT message is under way: DATA is refused until its LAST chunk (RFC 3030). */
    private boolean chunking;
    /** The accepted RCPTs of the transaction under way, in order. */
    private final List<Transaction.Recipient> recipients = new ArrayList<>();
    /** Error replies so far: at limits.max_errors the connection is closed (a client gone astray). */
    private int errors;
    /** A BDAT message just failed: chunks the client had already pipelined are discarded without counting as errors (RFC 3030 3). */
    private boolean discardingChunks;

    public Session(Settings settings, RecipientPolicy policy, InetAddress client) {
        this(settings, policy, SenderPolicy.NOBODY, client, false);
    }

    /** @param tls true when the connection is TLS from the start (implicit TLS, RFC 8314) */
    public Session(Settings settings, RecipientPolicy policy, SenderPolicy senders, InetAddress client, boolean tls) {
        this.settings = settings;
        this.policy = policy;
        this.senders = senders;
        this.client = client;
        this.tls = tls;
        this.auth = new AuthExchange(settings.hostname(), this::error);
    }

    public Reply greeting() {
        return new Reply(220, "", List.of(settings.hostname() + " ESMTP"));
    }

    public Step handle(Command command) {
        if (!(command instanceof Command.Bdat)) {
            discardingChunks = false;
        }
        Step step = switch (command) {
            case Command.Hello h -> hello(h);
            case Command.Mail m -> mail(m);
            case Command.Rcpt r -> rcpt(r);
            case Command.Data d -> data();
            case Command.Bdat b -> bdat(b);
            case Command.Rset r -> {
                reset();
                yield ok("Ok");
            }
            case Command.Noop n -> ok("Ok");
            case Command.Quit q -> new Step.Respond(Reply.of(221, "2.0.0", "Bye"), true);
            case Command.Help h -> respond(214, "2.0.0",
                    "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY; see RFC 5321");
            case Command.Vrfy v -> respond(252, "2.5.0", "Cannot VRFY user, but will accept mail and attempt delivery");
            case Command.Expn e -> respond(502, "5.5.1", "EXPN is not available");
            case Command.StartTls s -> startTls();
            case Command.Auth a -> startAuth(a);
            case Command.Http h -> new Step.Close();
            case Command.Unknown u -> error(500, "5.5.2", "Command not recognized: " + printable(u.verb()));
            case Command.Invalid i -> error(i.reply());
        };
        return step;
    }

    /** A reply for a protocol error the connection detected itself (line too long, bad UTF-8); counted as an error. */
    public Step protocolError(Reply reply) {
        return error(reply);
    }

    /** The current transaction: only meaningful while DATA or BDAT is being received. */
    public Transaction transaction() {
        return new Transaction(reversePath, params, recipients);
    }

    /**
     * The current transaction's sender and parameters with at most its first recipient: what a recipient check
     * needs (whether one was accepted yet) at a constant cost, where {@link #transaction()} copies every
     * recipient, which for each RCPT of a 100,000-recipient message was quadratic.
     */
    public Transaction transactionHead() {
        return new Transaction(reversePath, params, recipients.isEmpty() ? List.of() : List.of(recipients.getFirst()));
    }

    /** The message of the current transaction has been taken or refused: the transaction ends either way. */
    public Step messageDone(Reply reply) {
        discardingChunks = chunking && !reply.isPositive();
        reset();
        return reply.isPositive() ? new Step.Respond(reply, false) : error(reply);
    }

    public String helo() {
        return helo;
    }

    /** The authenticated user, or null. */
    public String user() {
        return auth.user();
    }

    public boolean tls() {
        return tls;
    }

    /**
     * The TLS handshake after STARTTLS succeeded: everything known about the client is forgotten (RFC 3207 4.2),
     * and it must say EHLO again.
     */
    public void tlsStarted() {
        reset();
        helo = null;
        extended = false;
        auth.forget();
        tls = true;
    }

    /**
     * The client's answer to a 334 challenge, the line as received: "*" cancels (RFC 4954 4), anything else
     * must be base64.
     */
    public Step authResponse(String line) {
        return auth.response(line);
    }

    /**
     * The outcome of an {@link Step.Authenticate}: 235 on success; 535 on failure, and after the
     * {@link #MAX_AUTH_FAILURES}th failure 421 and close.
     */
    public Step authResult(String authenticatedUser, boolean ok) {
        return auth.result(authenticatedUser, ok);
    }

    /**
     * The answer to an {@link Step.Authenticate} that could not be checked now ({@code why}: too many password
     * checks waiting, or the users cannot be read): 454 4.7.0 (RFC 4954 section 6), not counted as a failure.
     */
    public Step authTemporaryFailure(String why) {
        return auth.temporaryFailure(why);
    }

    /** Failed AUTH attempts so far in this session. */
    public int authFailures() {
        return auth.failures();
    }

    /** Whether the authenticated user may use {@code address} in the From: header (always true without one). */
    public boolean mayUseInFrom(String address) {
        return user() == null || !settings.enforceSender() || senders.mayUse(user(), address.toLowerCase(Locale.ROOT));
    }

    /** True when a From: header must be checked against the authenticated user. */
    public boolean checksFromHeader() {
        return user() != null && settings.enforceSender();
    }

    public boolean extended() {
        return extended;
    }

    public InetAddress client() {
        return client;
    }

    /** True between MAIL and the end of the message (or RSET): a transaction is under way. */
    public boolean inTransaction() {
        return inTransaction;
    }

    public boolean chunking() {
        return chunking;
    }

    public long maxMessageSize() {
        return settings.maxMessageSize();
    }

    private Step hello(Command.Hello h) {
        reset();
        helo = h.domain();
        extended = h.extended();
        if (!extended) {
            return respond(250, "", settings.hostname());
        }
        List<String> lines = new ArrayList<>(List.of(
                settings.hostname() + " Hello " + printable(h.domain()),
                "PIPELINING",
                "SIZE " + settings.maxMessageSize(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8",
                "CHUNKING",
                "DSN"));
        if (settings.startTls() && !tls) {
            lines.add("STARTTLS");
        }
        if (authOffered()) {
            lines.add("AUTH " + SaslMechanism.OFFERED);
        }
        lines.add("HELP");
        return new Step.Respond(new Reply(250, "", lines), false);
    }

    private Step mail(Command.Mail m) {
        if (helo == null) {
            return error(503, "5.5.1", "Send EHLO or HELO first");
        }
        if (inTransaction) {
            return error(503, "5.5.1", "Nested MAIL command: a transaction is already open (RSET first)");
        }
        if (settings.authRequired() && user() == null) {
            return error(530, "5.7.0", "Authentication required");
        }
        if (!m.params().isEmpty() && !extended) {
            return error(555, "5.5.4", "MAIL parameters need EHLO");
        }
        Transaction.MailParams given;
        switch (EsmtpParams.mail(m.params(), settings.maxMessageSize())) {
            case EsmtpParams.Refused<Transaction.MailParams>(Reply why) -> {
                return error(why);
            }
            case EsmtpParams.Taken<Transaction.MailParams>(Transaction.MailParams p) -> given = p;
        }
        if (m.reversePath() != null && m.reversePath().needsSmtpUtf8() && !given.smtpUtf8()) {
            return error(553, "5.6.7", "A non-ASCII sender address needs the SMTPUTF8 parameter");
        }
        if (user() != null && settings.enforceSender() && m.reversePath() != null
                && !senders.mayUse(user(), m.reversePath().key())) {
            return error(553, "5.7.1", "<" + printable(m.reversePath().toString())
                    + ">: Sender address rejected: not owned by user " + printable(user()));
        }
        reversePath = m.reversePath();
        params = given;
        inTransaction = true;
        return respond(250, "2.1.0", "Ok");
    }

    private Step rcpt(Command.Rcpt r) {
        if (!inTransaction) {
            return error(503, "5.5.1", "Need MAIL before RCPT");
        }
        if (chunking) {
            return error(503, "5.5.1", "RCPT is not allowed after BDAT");
        }
        if (!r.params().isEmpty() && !extended) {
            return error(555, "5.5.4", "RCPT parameters need EHLO");
        }
        EsmtpParams.RcptParams given;
        switch (EsmtpParams.rcpt(r.params())) {
            case EsmtpParams.Refused<EsmtpParams.RcptParams>(Reply why) -> {
                return error(why);
            }
            case EsmtpParams.Taken<EsmtpParams.RcptParams>(EsmtpParams.RcptParams p) -> given = p;
        }
        Mailbox to = r.forwardPath();
        if (to.needsSmtpUtf8() && !params.smtpUtf8()) {
            return error(553, "5.6.7", "A non-ASCII recipient address needs SMTPUTF8 in MAIL FROM");
        }
        if (recipients.size() >= settings.maxRecipients()) {
            // not counted as an error: RFC 5321 4.5.3.1.10 expects clients to send the rest in another transaction
            return respond(452, "4.5.3", "Too many recipients (at most " + settings.maxRecipients() + " per message)");
        }
        return switch (policy.recipient(to, client, user() != null)) {
            case RecipientPolicy.Decision.Accept a -> {
                recipients.add(new Transaction.Recipient(to, given.dsnNotify(), given.orcpt(), a.deliverTo()));
                yield respond(250, "2.1.5", "Ok");
            }
            case RecipientPolicy.Decision.Reject rej -> error(rej.reply());
            case RecipientPolicy.Decision.Defer d -> new Step.Respond(d.reply(), false); // not an error
        };
    }

    private Step data() {
        if (!inTransaction) {
            return error(503, "5.5.1", "Need MAIL before DATA");
        }
        if (chunking) {
            return error(503, "5.5.1", "DATA is not allowed after BDAT in the same transaction");
        }
        if (recipients.isEmpty()) {
            return error(554, "5.5.1", "No valid recipients");
        }
        return new Step.ReceiveData(Reply.of(354, "", "End data with <CR><LF>.<CR><LF>"));
    }

    private Step bdat(Command.Bdat b) {
        Reply refusal = null;
        if (!extended) {
            refusal = Reply.of(503, "5.5.1", "BDAT needs EHLO");
        } else if (!inTransaction) {
            refusal = Reply.of(503, "5.5.1", "Need MAIL before BDAT");
        } else if (recipients.isEmpty()) {
            refusal = Reply.of(554, "5.5.1", "No valid recipients");
        }
        if (refusal == null) {
            chunking = true;
            return new Step.ReceiveChunk(b.size(), b.last(), null, false);
        }
        if (!discardingChunks && countError()) {
            return new Step.ReceiveChunk(b.size(), b.last(), tooManyErrors(), true);
        }
        return new Step.ReceiveChunk(b.size(), b.last(), refusal, false);
    }

    private boolean authOffered() {
        return settings.auth() && (tls || !settings.authRequiresTls());
    }

    private Step startTls() {
        if (tls) {
            return error(503, "5.5.1", "TLS is already active");
        }
        if (!settings.startTls()) {
            return error(502, "5.5.1", "STARTTLS is not available on this port");
        }
        return new Step.StartTls(Reply.of(220, "2.0.0", "Ready to start TLS"));
    }

    private Step startAuth(Command.Auth a) {
        if (!settings.auth()) {
            return error(502, "5.5.1", "AUTH is not available on this port");
        }
        if (helo == null || !extended) {
            return error(503, "5.5.1", "Send EHLO first");
        }
        if (user() != null) {
            return error(503, "5.5.1", "Already authenticated");
        }
        if (inTransaction) {
            return error(503, "5.5.1", "AUTH is not allowed during a mail transaction");
        }
        if (!tls && settings.authRequiresTls()) {
            return error(538, "5.7.11", "Encryption required for requested authentication mechanism (STARTTLS first)");
        }
        return auth.start(a);
    }

    private void reset() {
        reversePath = null;
        params = null;
        inTransaction = false;
        chunking = false;
        recipients.clear();
    }

    private Step ok(String text) {
        return respond(250, "2.0.0", text);
    }

    private static Step respond(int code, String status, String text) {
        return new Step.Respond(Reply.of(code, status, text), false);
    }

    private Step error(int code, String status, String text) {
        return error(Reply.of(code, status, text));
    }

    private Step error(Reply reply) {
        if (countError()) {
            return new Step.Respond(tooManyErrors(), true);
        }
        return new Step.Respond(reply, false);
    }

    private Reply tooManyErrors() {
        return Reply.of(421, "4.7.0", settings.hostname() + " Too many errors, closing connection");
    }

    /** Counts one error; true when that was one too many. */
    public boolean countError() {
        return ++errors > settings.maxErrors();
    }

    /** Makes client-given text safe to echo in a reply: printable ASCII, at most 64 characters. */
    static String printable(String s) {
        return ClientText.printable(s, 64, true, "");
    }
}
