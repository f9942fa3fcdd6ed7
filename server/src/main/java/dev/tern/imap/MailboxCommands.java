package dev.tern.imap;

import dev.tern.imap.Command.ListReturn;
import dev.tern.imap.Command.ListSelect;
import dev.tern.imap.Command.StatusItem;
import dev.tern.imap.ResponseWriter.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The commands of the authenticated state that work on the mailbox list: LIST (with the RFC 9051 selection and
 * return options), LSUB, NAMESPACE, STATUS, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE and APPEND.
 */
final class MailboxCommands {

    private final ImapStore store;

    MailboxCommands(ImapStore store) {
        this.store = store;
    }

    /** A mailbox name as this client reads it: UTF-8, or modified UTF-7 for an IMAP4rev1 client. */
    static String wireName(String name, boolean utf8) {
        return utf8 ? name : ModifiedUtf7.encode(name);
    }

    ImapSession.Reply list(Command.ListCommand c, String user, boolean utf8) {
        Responses out = new Responses();
        String verb = c.lsub() ? "LSUB" : "LIST";
        if (c.patterns().size() == 1 && c.patterns().get(0).isEmpty() && !c.lsub()) {
            out.untagged("LIST (\\Noselect) \"/\" \"\"");
            return out.done(c, Status.OK, null, "LIST completed");
        }
        List<Pattern> patterns = new ArrayList<>();
        for (String p : c.patterns()) {
            patterns.add(pattern(c.reference() + p));
        }
        List<ImapStore.Mailbox> all = store.list(user);
        boolean subscribedOnly = c.lsub() || c.selection().contains(ListSelect.SUBSCRIBED);
        boolean showSubscribed = c.returns().contains(ListReturn.SUBSCRIBED)
                || c.selection().contains(ListSelect.SUBSCRIBED);
        for (ImapStore.Mailbox m : all) {
            if (!matches(patterns, m.name()) || (subscribedOnly && !m.subscribed())
                    || (c.selection().contains(ListSelect.SPECIAL_USE) && m.specialUse().isEmpty())) {
                continue;
            }
            boolean children = hasChildren(all, m.name());
            if (!m.exists() && !children && !subscribedOnly) {
                continue; // a name only a subscription keeps
            }
            Set<String> attrs = new LinkedHashSet<>();
            if (!m.exists()) {
                attrs.add(c.lsub() ? "\\Noselect" : "\\NonExistent"); // RFC 9051 7.3.1: \NonExistent implies \Noselect
            }
            if (!c.lsub()) {
                attrs.add(children ? "\\HasChildren" : "\\HasNoChildren");
                if (showSubscribed && m.subscribed()) {
                    attrs.add("\\Subscribed");
                }
                m.specialUse().ifPresent(attrs::add);
            }
            out.add(ResponseWriter.untagged(utf8).atom(verb).atom("(" + String.join(" ", attrs) + ")")
                    .string("/").astring(wireName(m.name(), utf8)).bytes());
            if (c.returns().contains(ListReturn.STATUS) && m.exists()) {
                store.status(user, m.name()).ifPresent(s -> out.add(statusLine(m.name(), s, c.statusItems(), utf8)));
            }
        }
        return out.done(c, Status.OK, null, verb + " completed");
    }

    /** Whether a mailbox under {@code name} exists (a name only a subscription keeps is none). */
    private static boolean hasChildren(List<ImapStore.Mailbox> all, String name) {
        String prefix = name + ImapStore.DELIMITER;
        return all.stream().anyMatch(m -> m.exists() && m.name().startsWith(prefix));
    }

    private static boolean matches(List<Pattern> patterns, String name) {
        return patterns.stream().anyMatch(p -> p.matcher(name).matches());
    }

    /** A LIST pattern as a regular expression: {@code *} any text, {@code %} any text but the delimiter. */
    static Pattern pattern(String pattern) {
        StringBuilder re = new StringBuilder();
        boolean inbox = pattern.length() >= 5 && pattern.substring(0, 5).equalsIgnoreCase("INBOX")
                && (pattern.length() == 5 || pattern.charAt(5) == '/' || pattern.charAt(5) == '*'
                || pattern.charAt(5) == '%');
        String rest = inbox ? pattern.substring(5) : pattern;
        if (inbox) {
            re.append("INBOX");
        }
        StringBuilder literal = new StringBuilder();
        for (char ch : rest.toCharArray()) {
            if (ch == '*' || ch == '%') {
                re.append(Pattern.quote(literal.toString())).append(ch == '*' ? ".*" : "[^/]*");
                literal.setLength(0);
            } else {
                literal.append(ch);
            }
        }
        re.append(Pattern.quote(literal.toString()));
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    ImapSession.Reply namespace(Command c) {
        return new Responses().untagged("NAMESPACE ((\"\" \"/\")) NIL NIL")
                .done(c, Status.OK, null, "NAMESPACE completed");
    }

    ImapSession.Reply status(Command.Status c, String user, boolean utf8) {
        Optional<ImapStore.Status> s = store.status(user, c.mailbox());
        if (s.isEmpty()) {
            return new Responses().done(c, Status.NO, ResponseCode.NONEXISTENT, "No such mailbox");
        }
        return new Responses().add(statusLine(c.mailbox(), s.get(), c.items(), utf8))
                .done(c, Status.OK, null, "STATUS completed");
    }

    private static byte[] statusLine(String name, ImapStore.Status s, List<StatusItem> items, boolean utf8) {
        ResponseWriter w = ResponseWriter.untagged(utf8).atom("STATUS").astring(wireName(name, utf8)).open();
        for (StatusItem i : items) {
            long v = switch (i) {
                case MESSAGES -> s.messages();
                case UIDNEXT -> s.uidNext();
                case UIDVALIDITY -> s.uidValidity();
                case UNSEEN -> s.unseen();
                case DELETED -> s.deleted();
                case SIZE -> s.size();
                case RECENT -> 0;
            };
            w.atom(i.name()).number(v);
        }
        return w.close().bytes();
    }

    ImapSession.Reply create(Command.Create c, String user) {
        String name = c.mailbox().endsWith("/") ? c.mailbox().substring(0, c.mailbox().length() - 1) : c.mailbox();
        if (name.isEmpty() || name.contains("//") || name.startsWith("/") || name.contains("*") || name.contains("%")) {
            return new Responses().done(c, Status.NO, ResponseCode.CANNOT, "Invalid mailbox name");
        }
        return outcome(c, store.create(user, name));
    }

    ImapSession.Reply delete(Command.Delete c, String user) {
        return outcome(c, store.delete(user, c.mailbox()));
    }

    ImapSession.Reply rename(Command.Rename c, String user) {
        return outcome(c, store.rename(user, c.from(), c.to()));
    }

    ImapSession.Reply subscribe(Command.Subscribe c, String user) {
        return outcome(c, store.subscribe(user, c.mailbox(), c.subscribe()));
    }

    private static ImapSession.Reply outcome(Command c, ImapStore.Outcome o) {
        Responses out = new Responses();
        return switch (o) {
            case ImapStore.Outcome.Done d -> out.done(c, Status.OK, null, c.name() + " completed");
            case ImapStore.Outcome.NoSuchMailbox n -> out.done(c, Status.NO, ResponseCode.NONEXISTENT,
                    "No such mailbox");
            case ImapStore.Outcome.AlreadyExists a -> out.done(c, Status.NO, ResponseCode.ALREADYEXISTS,
                    "Mailbox already exists");
            case ImapStore.Outcome.Cannot x -> out.done(c, Status.NO, ResponseCode.CANNOT, x.why());
            case ImapStore.Outcome.InUse x -> out.done(c, Status.NO, ResponseCode.INUSE, x.why());
        };
    }

    ImapSession.Reply append(Command.Append c, String user) throws IOException {
        Set<String> flags = new LinkedHashSet<>();
        for (String f : c.flags()) {
            if (f.equalsIgnoreCase("\\Recent")) {
                continue;
            }
            flags.add(f.startsWith("\\") ? canonicalFlag(f) : f);
        }
        Optional<ImapStore.Appended> a = store.append(user, c.mailbox(), flags, c.internalDate(), c.message());
        if (a.isEmpty()) {
            return new Responses().done(c, Status.NO, ResponseCode.TRYCREATE, "No such mailbox");
        }
        return new Responses().done(c, Status.OK, ResponseCode.appendUid(a.get().uidValidity(), a.get().uid()),
                "APPEND completed");
    }

    /** {@code \SEEN} → {@code \Seen}: system flags in the RFC's spelling. */
    static String canonicalFlag(String f) {
        String lower = f.toLowerCase(Locale.ROOT);
        return switch (lower) {
            case "\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft", "\\recent" ->
                    "\\" + Character.toUpperCase(lower.charAt(1)) + lower.substring(2);
            default -> f;
        };
    }
}
