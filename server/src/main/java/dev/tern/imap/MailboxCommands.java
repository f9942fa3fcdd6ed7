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
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
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

    /**
     * LIST and LSUB. A name is listed when it matches a pattern and meets the selection criteria (with none: it
     * exists, or mailboxes under it do); with RECURSIVEMATCH (RFC 5258 section 3.5), a name that matches but does
     * not meet them is listed too when a name under it does and is not listed itself, with the extended data item
     * {@code ("CHILDINFO" ("SUBSCRIBED"))}, which a name that meets them gets too when a name under it does. LSUB
     * lists the subscribed names and, where a subscribed name under an unsubscribed one matches no pattern (a
     * {@code %}), the unsubscribed one as {@code \Noselect} (RFC 3501 section 6.3.9).
     */
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
        boolean subscribedOnly = c.lsub() || c.selection().contains(ListSelect.SUBSCRIBED);
        boolean specialUseOnly = c.selection().contains(ListSelect.SPECIAL_USE);
        boolean criteria = subscribedOnly || specialUseOnly;
        Predicate<ImapStore.Mailbox> meets = m -> (!subscribedOnly || m.subscribed())
                && (!specialUseOnly || m.specialUse().isPresent());
        boolean recursive = c.lsub() || (subscribedOnly && c.selection().contains(ListSelect.RECURSIVEMATCH));
        boolean showSubscribed = c.returns().contains(ListReturn.SUBSCRIBED) || subscribedOnly;
        TreeMap<String, ImapStore.Mailbox> all = names(store.list(user), recursive ? meets : m -> false);
        for (ImapStore.Mailbox m : inboxFirst(all)) {
            if (!matches(patterns, m.name())) {
                continue;
            }
            SortedMap<String, ImapStore.Mailbox> under = under(all, m.name());
            boolean children = under.values().stream().anyMatch(ImapStore.Mailbox::exists);
            boolean selected = criteria ? meets.test(m) : m.exists() || children;
            boolean childInfo = recursive && under.values().stream().anyMatch(meets);
            if (!selected && !(childInfo && under.values().stream()
                    .anyMatch(d -> meets.test(d) && !matches(patterns, d.name())))) {
                continue; // RFC 5258 section 3.5: no CHILDINFO a listed name under it makes redundant
            }
            Set<String> attrs = new LinkedHashSet<>();
            if (!m.exists() || (c.lsub() && !selected)) {
                attrs.add(c.lsub() ? "\\Noselect" : "\\NonExistent"); // RFC 9051 7.3.1: \NonExistent implies \Noselect
            }
            if (!c.lsub()) {
                attrs.add(children ? "\\HasChildren" : "\\HasNoChildren");
                if (showSubscribed && m.subscribed()) {
                    attrs.add("\\Subscribed");
                }
                m.specialUse().ifPresent(attrs::add);
            }
            ResponseWriter line = ResponseWriter.untagged(utf8).atom(verb).atom("(" + String.join(" ", attrs) + ")")
                    .string("/").astring(wireName(m.name(), utf8));
            if (childInfo && !c.lsub()) {
                line.open().string("CHILDINFO").open().string("SUBSCRIBED").close().close();
            }
            out.add(line.bytes());
            if (c.returns().contains(ListReturn.STATUS) && m.exists()) {
                store.status(user, m.name()).ifPresent(s -> out.add(statusLine(m.name(), s, c.statusItems(), utf8)));
            }
        }
        return out.done(c, Status.OK, null, verb + " completed");
    }

    /**
     * The store's names by name, with, for RECURSIVEMATCH, every parent of a name that meets the criteria that the
     * store does not list (a subscription to {@code a/b/c} that is no mailbox implies {@code a} and {@code a/b}).
     */
    private static TreeMap<String, ImapStore.Mailbox> names(List<ImapStore.Mailbox> listed,
                                                            Predicate<ImapStore.Mailbox> parentsOf) {
        TreeMap<String, ImapStore.Mailbox> all = new TreeMap<>();
        listed.forEach(m -> all.put(m.name(), m));
        for (ImapStore.Mailbox m : listed) {
            if (parentsOf.test(m)) {
                for (int i = m.name().indexOf(ImapStore.DELIMITER); i > 0;
                        i = m.name().indexOf(ImapStore.DELIMITER, i + 1)) {
                    String parent = m.name().substring(0, i);
                    all.putIfAbsent(parent, new ImapStore.Mailbox(parent, Optional.empty(), false, false));
                }
            }
        }
        return all;
    }

    /** INBOX, then the other names in order (INBOX/... among them, by name). */
    private static List<ImapStore.Mailbox> inboxFirst(TreeMap<String, ImapStore.Mailbox> all) {
        List<ImapStore.Mailbox> out = new ArrayList<>(all.size());
        Optional.ofNullable(all.get("INBOX")).ifPresent(out::add);
        all.values().stream().filter(m -> !m.name().equals("INBOX")).forEach(out::add);
        return out;
    }

    /** The names under {@code name} (they sort between {@code name/} and {@code name0}, '0' following '/'). */
    private static SortedMap<String, ImapStore.Mailbox> under(TreeMap<String, ImapStore.Mailbox> all, String name) {
        return all.subMap(name + ImapStore.DELIMITER, name + (char) (ImapStore.DELIMITER.charAt(0) + 1));
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
