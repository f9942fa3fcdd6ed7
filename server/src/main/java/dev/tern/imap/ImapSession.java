package dev.tern.imap;

import dev.tern.auth.SaslMechanism;
import dev.tern.imap.ResponseWriter.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The IMAP session as a pure state machine (RFC 9051 section 3): commands in, responses and the next step out. It
 * decides which commands are valid in which state (not authenticated, authenticated, selected, logout), answers a
 * command in the wrong state with a tagged BAD saying so, and keeps what the client enabled. The connection reads,
 * writes and does what {@link Reply#action()} says; nothing here touches sockets, files, clocks or threads.
 * Commands valid in their state whose store operations are not written yet get {@code NO [UNAVAILABLE]}.
 */
public final class ImapSession {

    public enum State { NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT }

    /** What the connection does after writing a reply's lines. */
    public enum Action {
        /** Read the next command. */
        NONE,
        /** Start TLS now (the OK was the last plain-text line), then call {@link #tlsStarted()}. */
        START_TLS,
        /** Read one SASL response line and hand it to {@link #saslResponse(byte[])}. */
        AWAIT_SASL,
        /** Idle: push mailbox changes until the client sends DONE, then call {@link #idleDone()}. */
        IDLE,
        /** Close the connection. */
        CLOSE
    }

    /** The lines to write, each a whole response with its CRLF, in one flush; then the action. */
    public record Reply(List<byte[]> lines, Action action) {
        public Reply {
            lines = List.copyOf(lines);
        }

        /** The lines as text, for tests and logs. */
        public String text() {
            StringBuilder sb = new StringBuilder();
            lines.forEach(l -> sb.append(new String(l, StandardCharsets.UTF_8)));
            return sb.toString();
        }
    }

    /**
     * @param tls             the connection is already encrypted (imaps, or after STARTTLS)
     * @param startTls        STARTTLS is offered (a certificate is configured)
     * @param authRequiresTls LOGIN and AUTHENTICATE only over TLS ({@code [imap] auth_requires_tls})
     * @param literalPlus     LITERAL+ is advertised (else LITERAL-), as the command assembler is set up
     */
    public record Settings(boolean tls, boolean startTls, boolean authRequiresTls, boolean literalPlus) {
    }

    private final Settings settings;
    private final ImapAuthenticator authenticator;
    private final ImapStore store;
    private State state = State.NOT_AUTHENTICATED;
    private boolean tls;
    private String user;
    private final Set<String> enabled = new LinkedHashSet<>();
    private String selected;
    private boolean readOnly;
    /** The tag of the AUTHENTICATE or IDLE waiting for its continuation. */
    private String pendingTag;
    /** The SASL exchange of the AUTHENTICATE in progress, or null. */
    private SaslMechanism sasl;

    public ImapSession(Settings settings, ImapAuthenticator authenticator, ImapStore store) {
        this.settings = settings;
        this.authenticator = authenticator;
        this.store = store;
        this.tls = settings.tls();
    }

    public State state() {
        return state;
    }

    /** Mailbox names are UTF-8 for this client (it enabled IMAP4rev2 or UTF8=ACCEPT): set the assembler so. */
    public boolean utf8() {
        return enabled.contains("IMAP4REV2") || enabled.contains("UTF8=ACCEPT");
    }

    /** The selected mailbox's name, or null. */
    public String selectedMailbox() {
        return selected;
    }

    public Reply greeting() {
        return reply(Action.NONE, ResponseWriter.status("*", Status.OK,
                ResponseCode.capability(capabilities()), "Tern IMAP ready"));
    }

    /** The capabilities for the current state (RFC 9051 section 7.2.2). */
    public List<String> capabilities() {
        List<String> caps = new ArrayList<>(List.of("IMAP4rev2", "IMAP4rev1"));
        boolean authAllowed = tls || !settings.authRequiresTls();
        if (state == State.NOT_AUTHENTICATED) {
            if (!tls && settings.startTls()) {
                caps.add("STARTTLS");
            }
            if (authAllowed) {
                for (String m : SaslMechanism.OFFERED.split(" ")) {
                    caps.add("AUTH=" + m);
                }
                caps.add("SASL-IR");
            } else {
                caps.add("LOGINDISABLED");
            }
        }
        caps.add(settings.literalPlus() ? "LITERAL+" : "LITERAL-");
        caps.addAll(List.of("ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "ESEARCH", "SEARCHRES",
                "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CHILDREN", "STATUS=SIZE", "BINARY", "UTF8=ACCEPT"));
        return caps;
    }

    /** One parsed command (or the error its parsing gave). */
    public Reply handle(ParseResult result) {
        if (state == State.LOGOUT) {
            return reply(Action.CLOSE);
        }
        return switch (result) {
            case ParseResult.Error e -> reply(Action.NONE, (e.line() + "\r\n").getBytes(StandardCharsets.UTF_8));
            case ParseResult.Ok ok -> command(ok.command());
        };
    }

    private Reply command(Command c) {
        Optional<String> wrongState = wrongState(c);
        if (wrongState.isPresent()) {
            return tagged(c, Status.BAD, null, wrongState.get());
        }
        return switch (c) {
            case Command.Capability x -> reply(Action.NONE, untagged("CAPABILITY " + String.join(" ", capabilities())),
                    ok(c, null, "CAPABILITY completed"));
            case Command.Noop x -> tagged(c, Status.OK, null, "NOOP completed");
            case Command.Logout x -> {
                state = State.LOGOUT;
                yield reply(Action.CLOSE, untagged("BYE Logging out"), ok(c, null, "LOGOUT completed"));
            }
            case Command.StartTls x -> startTls(x);
            case Command.Login x -> login(x.tag(), x.user(), x.password().toCharArray());
            case Command.Authenticate x -> authenticate(x);
            case Command.Enable x -> enable(x);
            case Command.Select x -> select(x);
            case Command.Close x -> unselect(x);
            case Command.Unselect x -> unselect(x);
            case Command.Idle x -> {
                pendingTag = x.tag();
                yield reply(Action.IDLE, ResponseWriter.continuation("idling"));
            }
            default -> tagged(c, Status.NO, ResponseCode.UNAVAILABLE, c.name() + " is not served yet");
        };
    }

    /** Why {@code c} may not be used now (RFC 9051 section 6: commands by state), or empty when it may. */
    private Optional<String> wrongState(Command c) {
        String name = c.name();
        return switch (c) {
            case Command.Capability x -> Optional.empty();
            case Command.Noop x -> Optional.empty();
            case Command.Logout x -> Optional.empty();
            case Command.StartTls x -> state != State.NOT_AUTHENTICATED ? Optional.of("STARTTLS only before login")
                    : tls ? Optional.of("TLS is already active") : !settings.startTls()
                    ? Optional.of("STARTTLS is not offered here") : Optional.empty();
            case Command.Login x -> state != State.NOT_AUTHENTICATED ? Optional.of("Already logged in")
                    : Optional.empty();
            case Command.Authenticate x -> state != State.NOT_AUTHENTICATED ? Optional.of("Already logged in")
                    : Optional.empty();
            case Command.Enable x -> state != State.AUTHENTICATED
                    ? Optional.of("ENABLE is valid only after login and before SELECT") : Optional.empty();
            case Command.Select x -> needsLogin(name);
            case Command.Create x -> needsLogin(name);
            case Command.Delete x -> needsLogin(name);
            case Command.Rename x -> needsLogin(name);
            case Command.Subscribe x -> needsLogin(name);
            case Command.ListCommand x -> needsLogin(name);
            case Command.Namespace x -> needsLogin(name);
            case Command.Status x -> needsLogin(name);
            case Command.Append x -> needsLogin(name);
            case Command.Idle x -> needsLogin(name);
            default -> state != State.SELECTED ? Optional.of(name + " needs a selected mailbox (SELECT first)")
                    : Optional.empty();
        };
    }

    private Optional<String> needsLogin(String name) {
        return state == State.NOT_AUTHENTICATED ? Optional.of(name + " needs login first") : Optional.empty();
    }

    private Reply startTls(Command.StartTls c) {
        return reply(Action.START_TLS, ok(c, null, "Begin TLS negotiation now"));
    }

    /** TLS is up: the capabilities change (RFC 9051 section 6.2.1: the client asks for them again). */
    public void tlsStarted() {
        tls = true;
    }

    private static Reply privacyRequired(String tag) {
        return reply(Action.NONE, ResponseWriter.status(tag, Status.NO, ResponseCode.PRIVACYREQUIRED,
                "Login needs TLS first (STARTTLS or port 993)"));
    }

    private Reply login(String tag, String name, char[] password) {
        if (settings.authRequiresTls() && !tls) {
            return privacyRequired(tag);
        }
        Optional<String> who = authenticator.login(name, password);
        if (who.isEmpty()) {
            return reply(Action.NONE, ResponseWriter.status(tag, Status.NO, ResponseCode.AUTHENTICATIONFAILED,
                    "Authentication failed"));
        }
        user = who.get();
        state = State.AUTHENTICATED;
        return reply(Action.NONE, ResponseWriter.status(tag, Status.OK, ResponseCode.capability(capabilities()),
                "Logged in"));
    }

    private Reply authenticate(Command.Authenticate c) {
        if (settings.authRequiresTls() && !tls) {
            return privacyRequired(c.tag());
        }
        SaslMechanism mechanism = SaslMechanism.create(c.mechanism());
        if (mechanism == null) {
            return tagged(c, Status.NO, ResponseCode.CANNOT, "Unsupported mechanism " + c.mechanism()
                    + " (offered: " + SaslMechanism.OFFERED + ")");
        }
        pendingTag = c.tag();
        sasl = mechanism;
        return sasl(mechanism.start(c.initialResponse().orElse(null)));
    }

    /** The client's line after {@code +} during AUTHENTICATE: base64, or {@code *} to cancel (RFC 9051 6.2.2). */
    public Reply saslResponse(byte[] line) {
        String text = new String(line, StandardCharsets.US_ASCII).strip();
        if (text.equals("*")) {
            return saslEnd(Status.BAD, null, "AUTHENTICATE cancelled");
        }
        byte[] response = SaslMechanism.decode(text);
        if (response == null) {
            return saslEnd(Status.BAD, null, "Invalid base64 response");
        }
        return sasl(sasl.next(response));
    }

    private Reply sasl(SaslMechanism.Outcome outcome) {
        return switch (outcome) {
            case SaslMechanism.Outcome.Challenge ch ->
                    reply(Action.AWAIT_SASL, ResponseWriter.continuation(SaslMechanism.encode(ch.data())));
            case SaslMechanism.Outcome.Malformed m -> saslEnd(Status.BAD, null, "Malformed SASL response: " + m.why());
            case SaslMechanism.Outcome.Credentials cr -> {
                String tag = pendingTag;
                pendingTag = null;
                sasl = null;
                if (!cr.authzid().isEmpty() && !cr.authzid().equals(cr.user())) {
                    yield reply(Action.NONE, ResponseWriter.status(tag, Status.NO, ResponseCode.AUTHENTICATIONFAILED,
                            "Authentication failed"));
                }
                yield login(tag, cr.user(), cr.password());
            }
        };
    }

    private Reply saslEnd(Status status, ResponseCode code, String text) {
        String tag = pendingTag;
        pendingTag = null;
        sasl = null;
        return reply(Action.NONE, ResponseWriter.status(tag, status, code, text));
    }

    /** DONE ended IDLE. */
    public Reply idleDone() {
        String tag = pendingTag;
        pendingTag = null;
        return reply(Action.NONE, ResponseWriter.status(tag, Status.OK, null, "IDLE terminated"));
    }

    private Reply enable(Command.Enable c) {
        List<String> now = new ArrayList<>();
        for (String cap : c.capabilities()) {
            if ((cap.equals("IMAP4REV2") || cap.equals("UTF8=ACCEPT")) && enabled.add(cap)) {
                now.add(cap.equals("IMAP4REV2") ? "IMAP4rev2" : cap);
            }
        }
        return reply(Action.NONE, untagged("ENABLED" + (now.isEmpty() ? "" : " " + String.join(" ", now))),
                ok(c, null, "ENABLE completed"));
    }

    private Reply select(Command.Select c) {
        List<byte[]> lines = new ArrayList<>();
        if (state == State.SELECTED) {
            lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.CLOSED, "Previous mailbox closed"));
            state = State.AUTHENTICATED;
            selected = null;
        }
        Optional<ImapStore.Selected> box = store.select(user, c.mailbox(), c.readOnly());
        if (box.isEmpty()) {
            lines.add(ResponseWriter.status(c.tag(), Status.NO, ResponseCode.NONEXISTENT, "No such mailbox"));
            return reply(Action.NONE, lines.toArray(byte[][]::new));
        }
        ImapStore.Selected s = box.get();
        boolean rev2 = enabled.contains("IMAP4REV2");
        lines.add(untagged(s.messages() + " EXISTS"));
        if (!rev2) {
            lines.add(untagged("0 RECENT"));
            if (s.firstUnseen() > 0) {
                lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.unseen(s.firstUnseen()), "First unseen"));
            }
        }
        lines.add(untagged("FLAGS (" + String.join(" ", s.flags()) + ")"));
        lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.permanentFlags(c.readOnly() ? List.of()
                : s.permanentFlags()), "Flags permitted"));
        lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.uidValidity(s.uidValidity()), "UIDs valid"));
        lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.uidNext(s.uidNext()), "Predicted next UID"));
        if (rev2) {
            ResponseWriter list = ResponseWriter.untagged(true).atom("LIST").open().close().string("/");
            lines.add(list.astring(c.mailbox()).bytes());
        }
        lines.add(ResponseWriter.status(c.tag(), Status.OK, c.readOnly() ? ResponseCode.READ_ONLY
                : ResponseCode.READ_WRITE, c.name() + " completed"));
        state = State.SELECTED;
        selected = c.mailbox();
        readOnly = c.readOnly();
        return reply(Action.NONE, lines.toArray(byte[][]::new));
    }

    /** CLOSE and UNSELECT: back to the authenticated state (CLOSE's silent expunge comes with the store). */
    private Reply unselect(Command c) {
        state = State.AUTHENTICATED;
        selected = null;
        readOnly = false;
        return tagged(c, Status.OK, null, c.name() + " completed");
    }

    /** Whether the selected mailbox was opened with EXAMINE. */
    public boolean readOnly() {
        return readOnly;
    }

    private static byte[] untagged(String text) {
        return ("* " + text + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ok(Command c, ResponseCode code, String text) {
        return ResponseWriter.status(c.tag(), Status.OK, code, text);
    }

    private static Reply tagged(Command c, Status status, ResponseCode code, String text) {
        return reply(Action.NONE, ResponseWriter.status(c.tag(), status, code, text));
    }

    private static Reply reply(Action action, byte[]... lines) {
        return new Reply(List.of(lines), action);
    }
}
