package dev.tern.pop3;

import dev.tern.mailbox.Maildrop;
import dev.tern.text.ClientText;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The POP3 state machine of one connection (RFC 1939 AUTHORIZATION, TRANSACTION, UPDATE), as pure code: a
 * command line in, a {@link Step} out. Steps that need the outside world (TLS, checking a password, opening the
 * maildrop, sending a message, deleting) are carried out by the connection, which reports back through
 * {@link #tlsStarted}, {@link #loggedIn}, {@link #loginFailed} and {@link #updated}.
 *
 * <p>Every {@code -ERR} counts as an error; at {@code maxErrors} the session answers that it closes, and closes.
 */
public final class Pop3Session {
    /** RFC 2449 section 4: a command line is at most 255 octets with its CRLF. */
    public static final int MAX_COMMAND_LINE = 255;

    public enum State { AUTHORIZATION, TRANSACTION, UPDATE }

    /**
     * @param hostname        our name in the greeting
     * @param authRequiresTls no login without TLS
     * @param tlsAvailable    STLS can be offered (a TLS context exists)
     * @param maxErrors       -ERR replies after which the connection is closed
     */
    public record Settings(String hostname, boolean authRequiresTls, boolean tlsAvailable, int maxErrors) {
    }

    /** What the connection does next. */
    public sealed interface Step {
        /** Send {@code reply}; close afterwards when {@code close}. */
        record Respond(Pop3Reply reply, boolean close) implements Step {
        }

        /** Send {@code goAhead}, flush, throw away any buffered input, do the TLS handshake, call {@link #tlsStarted}. */
        record StartTls(Pop3Reply goAhead) implements Step {
        }

        /** Send the empty SASL challenge {@code "+ "}; the next line is the client's response. */
        record Challenge() implements Step {
        }

        /**
         * Check {@code user}'s password (and the login guard), lock and list the maildrop, then call
         * {@link #loggedIn} or {@link #loginFailed}. The connection wipes {@code password} afterwards.
         */
        record Authenticate(String user, char[] password, String mechanism) implements Step {
        }

        /** Send {@code header}, then the message byte-stuffed: all of it, or its header and {@code bodyLines} lines. */
        record Retrieve(Pop3Reply header, Maildrop.Message message, int bodyLines) implements Step {
        }

        /** QUIT in TRANSACTION: delete {@code delete}, mark {@code seen} as read, then call {@link #updated}. */
        record Update(List<Maildrop.Message> delete, List<Maildrop.Message> seen) implements Step {
        }
    }

    private final Settings settings;
    private State state = State.AUTHORIZATION;
    private boolean tls;
    /** The name given by USER, waiting for PASS; any other command forgets it. */
    private String pendingUser;
    /** True between "AUTH PLAIN" (without initial response) and the client's response line. */
    private boolean saslPending;
    private int errors;
    private String user;
    private List<Maildrop.Message> messages = List.of();
    private BitSet deleted = new BitSet();
    private final BitSet retrieved = new BitSet();

    /** @param tls whether the connection is already TLS (the pop3s port) */
    public Pop3Session(Settings settings, boolean tls) {
        this.settings = settings;
        this.tls = tls;
    }

    public Pop3Reply greeting() {
        return Pop3Reply.ok(settings.hostname() + " Tern POP3 server ready");
    }

    public State state() {
        return state;
    }

    public boolean tls() {
        return tls;
    }

    /** The logged-in user, or null. */
    public String user() {
        return user;
    }

    /** True while the next line is a SASL response, not a command. */
    public boolean saslPending() {
        return saslPending;
    }

    /** Handles one line as received, without its line end. */
    public Step handle(byte[] raw) {
        if (saslPending) {
            saslPending = false;
            return saslResponse(raw);
        }
        if (raw.length + 2 > MAX_COMMAND_LINE) {
            pendingUser = null;
            return error(Pop3Reply.err("Command line too long (at most 255 octets, RFC 2449)"));
        }
        String line = decode(raw);
        if (line == null) {
            pendingUser = null;
            return error(Pop3Reply.err("Command line is not valid UTF-8 or contains a control character"));
        }
        Pop3Command c = Pop3Command.parse(line);
        String userGiven = pendingUser;
        pendingUser = null; // PASS must follow USER at once (RFC 1939 section 7)
        if (c.keyword().isEmpty()) {
            return error(Pop3Reply.err("Empty command"));
        }
        return switch (state) {
            case AUTHORIZATION -> authorization(c, userGiven);
            case TRANSACTION -> transaction(c);
            case UPDATE -> error(Pop3Reply.err("Session is ending"));
        };
    }

    /** The line was longer than the input buffer allows; it has been read and dropped. */
    public Step lineTooLong() {
        pendingUser = null;
        boolean wasSasl = saslPending;
        saslPending = false;
        return error(Pop3Reply.err(wasSasl ? "SASL response too long" : "Command line too long (at most 255 octets, RFC 2449)"));
    }

    // ------------------------------------------------------------------------------------------ AUTHORIZATION

    private Step authorization(Pop3Command c, String userGiven) {
        List<String> a = c.args();
        switch (c.keyword()) {
            case "CAPA":
                return respond(capa());
            case "QUIT":
                return new Step.Respond(Pop3Reply.ok(settings.hostname() + " Tern POP3 server signing off"), true);
            case "STLS":
                if (!settings.tlsAvailable()) {
                    return error(Pop3Reply.err("STLS is not available on this server"));
                }
                if (tls) {
                    return error(Pop3Reply.err("Already using TLS"));
                }
                if (!a.isEmpty()) {
                    return error(Pop3Reply.err("STLS takes no argument"));
                }
                return new Step.StartTls(Pop3Reply.ok("Begin TLS negotiation"));
            case "USER":
                if (!loginAllowed()) {
                    return error(tlsRequired());
                }
                if (a.size() != 1) {
                    return error(Pop3Reply.err("USER takes one argument: your address, such as USER alice@example.org"));
                }
                pendingUser = a.get(0);
                return respond(Pop3Reply.ok("Send PASS"));
            case "PASS":
                if (!loginAllowed()) {
                    return error(tlsRequired());
                }
                if (userGiven == null) {
                    return error(Pop3Reply.err("Give USER first, then PASS right after it"));
                }
                if (c.rest().isEmpty()) {
                    return error(Pop3Reply.err("PASS takes your password as its argument"));
                }
                return new Step.Authenticate(userGiven, c.rest().toCharArray(), "USER");
            case "AUTH":
                return auth(a);
            case "APOP":
                return error(Pop3Reply.err("APOP is not offered; use USER and PASS or AUTH PLAIN over TLS"));
            case "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL":
                return error(Pop3Reply.err(c.keyword() + " needs a login first (USER and PASS, or AUTH)"));
            default:
                return error(unknown(c));
        }
    }

    private Step auth(List<String> a) {
        if (a.isEmpty()) {
            return respond(Pop3Reply.ok("SASL mechanisms follow", List.of("PLAIN")));
        }
        if (!a.get(0).equalsIgnoreCase("PLAIN")) {
            return error(Pop3Reply.err("Unsupported SASL mechanism; this server offers PLAIN"));
        }
        if (!loginAllowed()) {
            return error(tlsRequired());
        }
        if (a.size() > 2) {
            return error(Pop3Reply.err("Syntax: AUTH PLAIN [initial-response]"));
        }
        if (a.size() == 2) {
            return plain(a.get(1).equals("=") ? "" : a.get(1));
        }
        saslPending = true;
        return new Step.Challenge();
    }

    private Step saslResponse(byte[] raw) {
        String s = decode(raw);
        if (s != null && s.equals("*")) {
            return respond(Pop3Reply.err("AUTH cancelled"));
        }
        return plain(s == null ? "!" : s);
    }

    private Step plain(String base64) {
        SaslPlain.Credentials cr = SaslPlain.decode(base64);
        if (cr == null) {
            return error(Pop3Reply.err("Not a valid SASL PLAIN response (base64 of authzid NUL user NUL password)"));
        }
        return new Step.Authenticate(cr.user(), cr.password(), "PLAIN");
    }

    /** The connection checked the password and opened the maildrop: the session enters TRANSACTION. */
    public Step loggedIn(String user, List<Maildrop.Message> messages) {
        this.user = user;
        this.messages = List.copyOf(messages);
        this.deleted = new BitSet(messages.size());
        state = State.TRANSACTION;
        return respond(Pop3Reply.ok(user + " has " + count() + " message" + (count() == 1 ? "" : "s") + " ("
                + octets() + " octets)"));
    }

    /** The login failed (bad password, blocked address, mailbox in use, …): {@code reply} says why. */
    public Step loginFailed(Pop3Reply reply) {
        return error(reply);
    }

    // ------------------------------------------------------------------------------------------ TRANSACTION

    private Step transaction(Pop3Command c) {
        List<String> a = c.args();
        switch (c.keyword()) {
            case "STAT":
                if (!a.isEmpty()) {
                    return error(Pop3Reply.err("STAT takes no argument"));
                }
                return respond(Pop3Reply.ok(count() + " " + octets()));
            case "LIST", "UIDL": {
                boolean uidl = c.keyword().equals("UIDL");
                if (a.size() > 1) {
                    return error(Pop3Reply.err(c.keyword() + " takes at most one argument, a message number"));
                }
                if (a.size() == 1) {
                    Lookup l = lookup(a.get(0));
                    if (l.error != null) {
                        return error(l.error);
                    }
                    Maildrop.Message m = messages.get(l.index);
                    return respond(Pop3Reply.ok((l.index + 1) + " " + (uidl ? m.uid() : m.size())));
                }
                List<String> lines = new ArrayList<>(count());
                for (int i = 0; i < messages.size(); i++) {
                    if (!deleted.get(i)) {
                        Maildrop.Message m = messages.get(i);
                        lines.add((i + 1) + " " + (uidl ? m.uid() : m.size()));
                    }
                }
                return respond(Pop3Reply.ok(uidl ? "Unique IDs follow"
                        : count() + " messages (" + octets() + " octets)", lines));
            }
            case "RETR": {
                if (a.size() != 1) {
                    return error(Pop3Reply.err("RETR takes one argument, a message number"));
                }
                Lookup l = lookup(a.get(0));
                if (l.error != null) {
                    return error(l.error);
                }
                retrieved.set(l.index);
                Maildrop.Message m = messages.get(l.index);
                return new Step.Retrieve(Pop3Reply.ok(m.size() + " octets"), m, -1);
            }
            case "TOP": {
                if (a.size() != 2) {
                    return error(Pop3Reply.err("TOP takes two arguments, a message number and a number of lines"));
                }
                Lookup l = lookup(a.get(0));
                if (l.error != null) {
                    return error(l.error);
                }
                int lines = Pop3Command.count(a.get(1));
                if (lines < 0) {
                    return error(Pop3Reply.err("The number of lines must be a whole number, not \""
                            + printable(a.get(1)) + "\""));
                }
                return new Step.Retrieve(Pop3Reply.ok("Top of message follows"), messages.get(l.index), lines);
            }
            case "DELE": {
                if (a.size() != 1) {
                    return error(Pop3Reply.err("DELE takes one argument, a message number"));
                }
                Lookup l = lookup(a.get(0));
                if (l.error != null) {
                    return error(l.error);
                }
                deleted.set(l.index);
                return respond(Pop3Reply.ok("Message " + (l.index + 1) + " deleted"));
            }
            case "NOOP":
                return respond(Pop3Reply.ok(""));
            case "RSET":
                deleted.clear();
                return respond(Pop3Reply.ok("Maildrop has " + count() + " messages (" + octets() + " octets)"));
            case "QUIT": {
                state = State.UPDATE;
                List<Maildrop.Message> del = new ArrayList<>();
                List<Maildrop.Message> seen = new ArrayList<>();
                for (int i = 0; i < messages.size(); i++) {
                    if (deleted.get(i)) {
                        del.add(messages.get(i));
                    } else if (retrieved.get(i)) {
                        seen.add(messages.get(i));
                    }
                }
                return new Step.Update(del, seen);
            }
            case "CAPA":
                return respond(capa());
            case "USER", "PASS", "AUTH", "APOP":
                return error(Pop3Reply.err("Already logged in"));
            case "STLS":
                return error(Pop3Reply.err("STLS is only allowed before login (RFC 2595)"));
            default:
                return error(unknown(c));
        }
    }

    /** After {@link Step.Update}: how many deletions failed (0 = all done). The connection closes afterwards. */
    public Step updated(int deletedCount, int failed) {
        if (failed > 0) {
            return new Step.Respond(Pop3Reply.err("SYS/TEMP", "Some deleted messages not removed ("
                    + failed + " of " + (deletedCount + failed) + "); try again later"), true);
        }
        return new Step.Respond(Pop3Reply.ok(settings.hostname() + " Tern POP3 server signing off ("
                + deletedCount + " message" + (deletedCount == 1 ? "" : "s") + " deleted)"), true);
    }

    /** The STLS handshake succeeded: everything said before it is forgotten (RFC 2595 section 4). */
    public void tlsStarted() {
        tls = true;
        pendingUser = null;
    }

    // ------------------------------------------------------------------------------------------ helpers

    private record Lookup(int index, Pop3Reply error) {
    }

    private Lookup lookup(String arg) {
        int n = Pop3Command.number(arg);
        if (n < 0) {
            return new Lookup(-1, Pop3Reply.err("A message number is a whole number from 1, not \""
                    + printable(arg) + "\""));
        }
        if (n > messages.size()) {
            return new Lookup(-1, Pop3Reply.err("No such message; the maildrop has " + messages.size()
                    + " message" + (messages.size() == 1 ? "" : "s")));
        }
        if (deleted.get(n - 1)) {
            return new Lookup(-1, Pop3Reply.err("Message " + n + " is deleted"));
        }
        return new Lookup(n - 1, null);
    }

    private Pop3Reply capa() {
        List<String> caps = new ArrayList<>(List.of("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                "EXPIRE NEVER"));
        if (state == State.AUTHORIZATION && loginAllowed()) {
            caps.add("USER");
            caps.add("SASL PLAIN");
        }
        if (state == State.AUTHORIZATION && settings.tlsAvailable() && !tls) {
            caps.add("STLS");
        }
        caps.add("IMPLEMENTATION Tern");
        return Pop3Reply.ok("Capability list follows", caps);
    }

    private boolean loginAllowed() {
        return tls || !settings.authRequiresTls();
    }

    private Pop3Reply tlsRequired() {
        return Pop3Reply.err("AUTH", settings.tlsAvailable()
                ? "Login only over TLS: use STLS first, or the POP3S port"
                : "Login only over TLS: use the POP3S port");
    }

    private static Pop3Reply unknown(Pop3Command c) {
        return Pop3Reply.err("Unknown command \"" + printable(c.keyword()) + "\"");
    }

    private int count() {
        return messages.size() - deleted.cardinality();
    }

    private long octets() {
        long sum = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!deleted.get(i)) {
                sum += messages.get(i).size();
            }
        }
        return sum;
    }

    private Step respond(Pop3Reply r) {
        return new Step.Respond(r, false);
    }

    private Step error(Pop3Reply r) {
        errors++;
        if (errors >= settings.maxErrors()) {
            return new Step.Respond(Pop3Reply.err("Too many errors; closing the connection"), true);
        }
        return new Step.Respond(r, false);
    }

    /** At most 40 characters of client text, safe to echo on one line. */
    private static String printable(String s) {
        return ClientText.printable(s, 40, true, "\"");
    }

    /** Strict UTF-8 without control characters (TAB allowed), or null. */
    static String decode(byte[] raw) {
        for (byte b : raw) {
            if (b >= 0 && b < 0x20 && b != '\t' || b == 0x7F) {
                return null;
            }
        }
        return ClientText.utf8(raw, 0, raw.length);
    }
}
