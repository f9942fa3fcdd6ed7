package dev.tern.imap;

import dev.tern.auth.SaslMechanism;
import dev.tern.imap.ResponseWriter.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /**
     * What to write, in order and in one flush: whole responses with their CRLF, and the content of FETCH literals
     * streamed from the store ({@link Output.Content}); then the action.
     */
    public record Reply(List<Output> lines, Action action) {
        public Reply {
            lines = List.copyOf(lines);
        }

        static Reply of(List<byte[]> lines, Action action) {
            return new Reply(lines.stream().<Output>map(Output.Octets::new).toList(), action);
        }

        /** Everything written, streamed content read, as text: for tests. */
        public String text() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                for (Output o : lines) {
                    o.writeTo(out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString(StandardCharsets.UTF_8);
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

    /** The text of the NO {@code [SERVERBUG]} of a command the store failed. */
    static final String STORE_FAILED = "The mailbox store failed; try again";

    private final Settings settings;
    private final ImapAuthenticator authenticator;
    private final ImapStore store;
    private final MailboxCommands mailboxes;
    private State state = State.NOT_AUTHENTICATED;
    private boolean tls;
    private String user;
    private final Set<String> enabled = new LinkedHashSet<>();
    /** The selected mailbox as the client knows it, or null. */
    private SelectedView view;
    /** The UIDs saved by SEARCH RETURN (SAVE), for {@code $}. */
    private Optional<SequenceSet> saved = Optional.empty();
    /** Run when the selected folder has changes waiting (IDLE); null for none. */
    private Runnable wake;
    /** The tag of the AUTHENTICATE or IDLE waiting for its continuation. */
    private String pendingTag;
    /** The SASL exchange of the AUTHENTICATE in progress, or null. */
    private SaslMechanism sasl;

    public ImapSession(Settings settings, ImapAuthenticator authenticator, ImapStore store) {
        this.settings = settings;
        this.authenticator = authenticator;
        this.mailboxes = new MailboxCommands(store);
        this.store = store;
        this.tls = settings.tls();
    }

    public State state() {
        return state;
    }

    /** The user logged in, or null. */
    public String user() {
        return user;
    }

    /** Mailbox names are UTF-8 for this client (it enabled IMAP4rev2 or UTF8=ACCEPT): set the assembler so. */
    public boolean utf8() {
        return enabled.contains("IMAP4REV2") || enabled.contains("UTF8=ACCEPT");
    }

    /**
     * Where the message of an APPEND is received as it arrives ({@link ImapStore#receive}); empty before login,
     * when the connection reads and drops the octets and the command gets its BAD.
     */
    public Optional<Literal.Receiver> receiver() throws IOException {
        return user == null || state == State.LOGOUT ? Optional.empty() : Optional.of(store.receive(user));
    }

    /** The selected mailbox's name, or null. */
    public String selectedMailbox() {
        return view == null ? null : view.name;
    }

    /** {@code wake} runs, on any thread, whenever the selected mailbox has changes to tell (for IDLE). */
    public void wakeOnChange(Runnable wake) {
        this.wake = wake;
        if (view != null) {
            view.folder.onChange(wake);
        }
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
            case ParseResult.Ok ok -> withUpdates(ok.command());
        };
    }

    /** A command's reply with the selected mailbox's changes told before its tagged line. */
    private Reply withUpdates(Command c) {
        Reply r;
        try {
            r = command(c);
        } catch (ImapStore.LimitExceeded e) {
            r = tagged(c, Status.NO, ResponseCode.LIMIT, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            r = tagged(c, Status.NO, ResponseCode.of("SERVERBUG"), STORE_FAILED);
        }
        if (view == null || r.action() != Action.NONE || r.lines().isEmpty()) {
            return r;
        }
        boolean bySequence = switch (c) {
            case Command.Fetch f -> !f.uid();
            case Command.Store s -> !s.uid();
            case Command.Search s -> !s.uid();
            default -> false;
        };
        List<Output> lines = new ArrayList<>(r.lines());
        Output last = lines.remove(lines.size() - 1);
        view.update(!bySequence, t -> lines.add(new Output.Octets(untagged(t))));
        lines.add(last);
        return new Reply(lines, r.action());
    }

    private Reply command(Command c) throws IOException {
        Optional<String> wrongState = wrongState(c);
        if (wrongState.isPresent()) {
            return tagged(c, Status.BAD, null, wrongState.get());
        }
        boolean utf8 = utf8();
        return switch (c) {
            case Command.Capability x -> reply(Action.NONE, untagged("CAPABILITY " + String.join(" ", capabilities())),
                    ok(c, null, "CAPABILITY completed"));
            case Command.Noop x -> tagged(c, Status.OK, null, "NOOP completed");
            case Command.Logout x -> {
                state = State.LOGOUT;
                closeView();
                yield reply(Action.CLOSE, untagged("BYE Logging out"), ok(c, null, "LOGOUT completed"));
            }
            case Command.StartTls x -> startTls(x);
            case Command.Login x -> login(x.tag(), "LOGIN", x.user(), x.password().toCharArray());
            case Command.Authenticate x -> authenticate(x);
            case Command.Enable x -> enable(x);
            case Command.Select x -> select(x);
            case Command.Close x -> {
                if (!view.readOnly) {
                    SelectedCommands.expunge(Optional.empty(), view, new Responses(), true);
                }
                yield unselect(x);
            }
            case Command.Unselect x -> unselect(x);
            case Command.Idle x -> idle(x);
            case Command.ListCommand x -> mailboxes.list(x, user, utf8);
            case Command.Namespace x -> mailboxes.namespace(x);
            case Command.Status x -> mailboxes.status(x, user, utf8);
            case Command.Create x -> mailboxes.create(x, user);
            case Command.Delete x -> view != null && x.mailbox().equals(view.name)
                    ? tagged(c, Status.NO, ResponseCode.INUSE, "Mailbox is selected; UNSELECT first")
                    : mailboxes.delete(x, user);
            case Command.Rename x -> mailboxes.rename(x, user);
            case Command.Subscribe x -> mailboxes.subscribe(x, user);
            case Command.Append x -> mailboxes.append(x, user);
            case Command.Fetch x -> SelectedCommands.fetch(x, view, saved, utf8);
            case Command.Store x -> SelectedCommands.store(x, view, saved, utf8);
            case Command.Search x -> {
                SelectedCommands.Searched s = SelectedCommands.search(x, view, saved, utf8);
                if (s.save().isPresent()) {
                    saved = s.save();
                }
                yield s.reply();
            }
            case Command.Copy x -> SelectedCommands.copy(x, view, saved);
            case Command.Expunge x -> {
                if (view.readOnly) {
                    yield tagged(c, Status.NO, ResponseCode.READ_ONLY, "The mailbox is read-only (EXAMINE)");
                }
                Responses out = new Responses();
                SelectedCommands.expunge(x.uids(), view, out, false);
                yield out.done(c, Status.OK, null, c.name() + " completed");
            }
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

    private Reply login(String tag, String mechanism, String name, char[] password) {
        if (settings.authRequiresTls() && !tls) {
            return privacyRequired(tag);
        }
        return switch (authenticator.login(mechanism, name, password)) {
            case ImapAuthenticator.Result.Ok ok -> {
                user = ok.user();
                state = State.AUTHENTICATED;
                yield reply(Action.NONE, ResponseWriter.status(tag, Status.OK,
                        ResponseCode.capability(capabilities()), "Logged in"));
            }
            case ImapAuthenticator.Result.Failed f -> f.close()
                    ? reply(Action.CLOSE, untagged("BYE Too many failed logins"), ResponseWriter.status(tag,
                    Status.NO, ResponseCode.AUTHENTICATIONFAILED, "Authentication failed"))
                    : reply(Action.NONE, ResponseWriter.status(tag, Status.NO, ResponseCode.AUTHENTICATIONFAILED,
                    "Authentication failed"));
            case ImapAuthenticator.Result.Refused r -> reply(Action.NONE,
                    ResponseWriter.status(tag, Status.NO, ResponseCode.UNAVAILABLE, r.text()));
        };
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
                String mechanism = sasl.name();
                pendingTag = null;
                sasl = null;
                if (!cr.authzid().isEmpty() && !cr.authzid().equals(cr.user())) {
                    yield reply(Action.NONE, ResponseWriter.status(tag, Status.NO, ResponseCode.AUTHENTICATIONFAILED,
                            "Authentication failed"));
                }
                yield login(tag, mechanism, cr.user(), cr.password());
            }
        };
    }

    private Reply saslEnd(Status status, ResponseCode code, String text) {
        String tag = pendingTag;
        pendingTag = null;
        sasl = null;
        return reply(Action.NONE, ResponseWriter.status(tag, status, code, text));
    }

    private Reply idle(Command.Idle c) {
        pendingTag = c.tag();
        List<byte[]> lines = new ArrayList<>();
        lines.add(ResponseWriter.continuation("idling"));
        if (view != null) {
            view.update(true, t -> lines.add(untagged(t)));
        }
        return Reply.of(lines, Action.IDLE);
    }

    /**
     * During IDLE, when woken: the selected mailbox's changes as untagged responses (no lines when there are none).
     */
    public Reply idleUpdates() {
        List<byte[]> lines = new ArrayList<>();
        if (view != null) {
            try {
                view.update(true, t -> lines.add(untagged(t)));
            } catch (UncheckedIOException e) {
                // told on the next command
            }
        }
        return Reply.of(lines, Action.IDLE);
    }

    /** DONE ended IDLE; any other line ends it with BAD (RFC 2177). */
    public Reply idleDone(byte[] line) {
        String tag = pendingTag;
        pendingTag = null;
        boolean done = new String(line, StandardCharsets.US_ASCII).strip().equalsIgnoreCase("DONE");
        return reply(Action.NONE, done ? ResponseWriter.status(tag, Status.OK, null, "IDLE terminated")
                : ResponseWriter.status(tag, Status.BAD, null, "Expected DONE to end IDLE"));
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
            closeView();
        }
        Optional<ImapStore.Folder> open = store.open(user, c.mailbox(), c.readOnly());
        if (open.isEmpty()) {
            lines.add(ResponseWriter.status(c.tag(), Status.NO, ResponseCode.NONEXISTENT, "No such mailbox"));
            return reply(Action.NONE, lines.toArray(byte[][]::new));
        }
        view = new SelectedView(open.get(), c.mailbox(), c.readOnly());
        if (wake != null) {
            view.folder.onChange(wake);
        }
        boolean rev2 = enabled.contains("IMAP4REV2");
        lines.add(untagged(view.size() + " EXISTS"));
        if (!rev2) {
            lines.add(untagged("0 RECENT"));
            for (int seq = 1; seq <= view.size(); seq++) {
                if (!view.flags(seq).contains("\\Seen")) {
                    lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.unseen(seq), "First unseen"));
                    break;
                }
            }
        }
        List<String> flags = view.folder.flags();
        List<String> permanent = new ArrayList<>(flags);
        if (!view.folder.keywordsFull()) {
            permanent.add("\\*");
        }
        lines.add(untagged("FLAGS (" + String.join(" ", flags) + ")"));
        lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.permanentFlags(c.readOnly() ? List.of()
                : permanent), "Flags permitted"));
        lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.uidValidity(view.folder.uidValidity()),
                "UIDs valid"));
        lines.add(ResponseWriter.status("*", Status.OK, ResponseCode.uidNext(view.folder.uidNext()),
                "Predicted next UID"));
        if (rev2) {
            ResponseWriter list = ResponseWriter.untagged(true).atom("LIST").open().close().string("/");
            lines.add(list.astring(c.mailbox()).bytes());
        }
        lines.add(ResponseWriter.status(c.tag(), Status.OK, c.readOnly() ? ResponseCode.READ_ONLY
                : ResponseCode.READ_WRITE, c.name() + " completed"));
        state = State.SELECTED;
        saved = Optional.empty();
        return reply(Action.NONE, lines.toArray(byte[][]::new));
    }

    /** CLOSE (after its silent expunge) and UNSELECT: back to the authenticated state. */
    private Reply unselect(Command c) {
        closeView();
        return tagged(c, Status.OK, null, c.name() + " completed");
    }

    private void closeView() {
        if (view != null) {
            view.folder.onChange(null);
            view.folder.close();
            view = null;
        }
        saved = Optional.empty();
        if (state == State.SELECTED) {
            state = State.AUTHENTICATED;
        }
    }

    /** The connection ends: the selected folder is closed. */
    public void close() {
        closeView();
    }

    /** Whether the selected mailbox was opened with EXAMINE. */
    public boolean readOnly() {
        return view != null && view.readOnly;
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
        return Reply.of(List.of(lines), action);
    }
}
