package dev.tern.imap;

import dev.tern.imap.Args.Bad;
import dev.tern.imap.Command.ListReturn;
import dev.tern.imap.Command.ListSelect;
import dev.tern.imap.Command.SearchReturn;
import dev.tern.imap.Command.StatusItem;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Parses one whole command (its lines and literals, as {@link CommandAssembler} gathered them) into a
 * {@link Command}, or an error the session answers with a tagged BAD. Pure: no state but the text being read.
 */
public final class CommandParser {

    private CommandParser() {
    }

    /**
     * @param lines      the command's lines without CRLF; each but the last ends with a literal marker
     * @param literals   the literals, one after each line but the last
     * @param utf8Names  mailbox names are UTF-8 (IMAP4rev2 or UTF8=ACCEPT enabled); else modified UTF-7
     */
    public static ParseResult parse(List<byte[]> lines, List<Literal> literals, boolean utf8Names) {
        Args in = new Args(lines, literals);
        String tag;
        try {
            tag = in.chars(c -> Args.atomChar(c) && c != '+' || c == ']', "a tag");
        } catch (Bad e) {
            return ParseResult.Error.bad("*", "Missing or invalid tag");
        }
        try {
            in.sp();
            String name = in.keyword();
            Command c = new CommandParser.One(in, tag, utf8Names).command(name);
            in.end();
            return new ParseResult.Ok(c);
        } catch (Bad e) {
            return ParseResult.Error.bad(tag, e.getMessage());
        }
    }

    /** Whether a line read during IDLE ends it ({@code DONE}, any case). */
    public static boolean isDone(byte[] line) {
        return new String(line, StandardCharsets.US_ASCII).equalsIgnoreCase("DONE");
    }

    private record One(Args in, String tag, boolean utf8Names) {

        Command command(String name) throws Bad {
            return switch (name) {
                case "CAPABILITY" -> new Command.Capability(tag);
                case "NOOP", "CHECK" -> new Command.Noop(tag);
                case "LOGOUT" -> new Command.Logout(tag);
                case "STARTTLS" -> new Command.StartTls(tag);
                case "AUTHENTICATE" -> authenticate();
                case "LOGIN" -> {
                    in.sp();
                    String user = in.astringText();
                    in.sp();
                    yield new Command.Login(tag, user, in.astringText());
                }
                case "ENABLE" -> {
                    List<String> caps = new ArrayList<>();
                    do {
                        in.sp();
                        caps.add(in.atom().toUpperCase(Locale.ROOT));
                    } while (!in.atEnd());
                    yield new Command.Enable(tag, caps);
                }
                case "SELECT", "EXAMINE" -> new Command.Select(tag, spMailbox(), name.equals("EXAMINE"));
                case "CREATE" -> new Command.Create(tag, spMailbox());
                case "DELETE" -> new Command.Delete(tag, spMailbox());
                case "RENAME" -> {
                    String from = spMailbox();
                    yield new Command.Rename(tag, from, spMailbox());
                }
                case "SUBSCRIBE", "UNSUBSCRIBE" -> new Command.Subscribe(tag, spMailbox(), name.equals("SUBSCRIBE"));
                case "LIST", "LSUB" -> list(name.equals("LSUB"));
                case "NAMESPACE" -> new Command.Namespace(tag);
                case "STATUS" -> status();
                case "APPEND" -> append();
                case "IDLE" -> new Command.Idle(tag);
                case "CLOSE" -> new Command.Close(tag);
                case "UNSELECT" -> new Command.Unselect(tag);
                case "EXPUNGE" -> new Command.Expunge(tag, Optional.empty());
                case "SEARCH" -> search(false);
                case "FETCH" -> fetch(false);
                case "STORE" -> store(false);
                case "COPY", "MOVE" -> copy(false, name.equals("MOVE"));
                case "UID" -> uid();
                default -> throw new Bad("Unknown command " + printable(name));
            };
        }

        private static String printable(String s) {
            return s.length() > 20 ? s.substring(0, 20) + "…" : s;
        }

        private Command uid() throws Bad {
            in.sp();
            String name = in.keyword();
            return switch (name) {
                case "SEARCH" -> search(true);
                case "FETCH" -> fetch(true);
                case "STORE" -> store(true);
                case "COPY", "MOVE" -> copy(true, name.equals("MOVE"));
                case "EXPUNGE" -> {
                    in.sp();
                    yield new Command.Expunge(tag, Optional.of(in.sequenceSet()));
                }
                default -> throw new Bad("Unknown command UID " + printable(name));
            };
        }

        private Command authenticate() throws Bad {
            in.sp();
            String mechanism = in.atom().toUpperCase(Locale.ROOT);
            Optional<byte[]> ir = Optional.empty();
            if (in.accept(' ')) {
                if (in.accept('=')) {
                    ir = Optional.of(new byte[0]);
                } else {
                    String b64 = in.chars(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=',
                            "a base64 initial response");
                    try {
                        ir = Optional.of(Base64.getDecoder().decode(b64));
                    } catch (IllegalArgumentException e) {
                        throw new Bad("Invalid base64 in the initial response");
                    }
                }
            }
            return new Command.Authenticate(tag, mechanism, ir);
        }

        private String spMailbox() throws Bad {
            in.sp();
            return mailbox(in.astring());
        }

        /** A mailbox name decoded for this client; INBOX in any case is INBOX. */
        String mailbox(byte[] raw) throws Bad {
            String name = decodeName(raw);
            return name.equalsIgnoreCase("INBOX") ? "INBOX" : name;
        }

        private String decodeName(byte[] raw) throws Bad {
            if (raw.length > 1000) {
                throw new Bad("Mailbox name too long");
            }
            if (utf8Names) {
                return Args.utf8(raw);
            }
            return ModifiedUtf7.decode(new String(raw, StandardCharsets.ISO_8859_1))
                    .orElseThrow(() -> new Bad("Mailbox name is not valid modified UTF-7"));
        }

        private Command list(boolean lsub) throws Bad {
            in.sp();
            Set<ListSelect> selection = EnumSet.noneOf(ListSelect.class);
            if (!lsub && in.peekIs('(')) {
                selection = options(ListSelect.class, "LIST selection option", o -> { });
                if (selection.contains(ListSelect.RECURSIVEMATCH) && !selection.contains(ListSelect.SUBSCRIBED)
                        && !selection.contains(ListSelect.SPECIAL_USE)) {
                    // RFC 5258 3.1: alone or with REMOTE only, BAD; with SPECIAL-USE let through (Dovecot does too)
                    throw new Bad("RECURSIVEMATCH needs the SUBSCRIBED selection option");
                }
                in.sp();
            }
            String reference = decodeName(in.astring());
            in.sp();
            List<String> patterns = new ArrayList<>();
            if (!lsub && in.accept('(')) {
                do {
                    patterns.add(decodeName(in.listMailbox()));
                } while (in.accept(' '));
                in.expect(')');
            } else {
                patterns.add(decodeName(in.listMailbox()));
            }
            Set<ListReturn> returns = EnumSet.noneOf(ListReturn.class);
            List<StatusItem> status = new ArrayList<>();
            if (!lsub && in.accept(' ')) {
                if (!in.keyword().equals("RETURN")) {
                    throw new Bad("Expected RETURN");
                }
                in.sp();
                returns = options(ListReturn.class, "LIST return option", o -> {
                    if (o == ListReturn.STATUS) {
                        in.sp();
                        status.addAll(statusItems());
                    }
                });
            }
            return new Command.ListCommand(tag, reference, patterns, selection, returns, status, lsub);
        }

        /** What follows one option in a list of options (e.g. STATUS's items), read by the caller. */
        private interface OptionArgument<E> {
            void read(E option) throws Bad;
        }

        /** {@code ( [option *(SP option)] )}: option names as the enum's constants, {@code -} read as {@code _}. */
        private <E extends Enum<E>> Set<E> options(Class<E> type, String what, OptionArgument<E> argument)
                throws Bad {
            in.expect('(');
            Set<E> out = EnumSet.noneOf(type);
            boolean first = true;
            while (!in.accept(')')) {
                if (!first) {
                    in.sp();
                }
                first = false;
                String name = in.keyword();
                E option;
                try {
                    option = Enum.valueOf(type, name.replace('-', '_'));
                } catch (IllegalArgumentException e) {
                    throw new Bad("Unknown " + what + " " + name);
                }
                out.add(option);
                argument.read(option);
            }
            return out;
        }

        private Command status() throws Bad {
            String mailbox = spMailbox();
            in.sp();
            return new Command.Status(tag, mailbox, statusItems());
        }

        private List<StatusItem> statusItems() throws Bad {
            in.expect('(');
            List<StatusItem> items = new ArrayList<>();
            do {
                String s = in.keyword();
                try {
                    items.add(StatusItem.valueOf(s));
                } catch (IllegalArgumentException e) {
                    throw new Bad("Unknown STATUS item " + s);
                }
            } while (in.accept(' '));
            in.expect(')');
            return items;
        }

        private Command append() throws Bad {
            String mailbox = spMailbox();
            in.sp();
            List<String> flags = List.of();
            if (in.peekIs('(')) {
                flags = in.flagList();
                for (String f : flags) {
                    if (f.equalsIgnoreCase("\\Recent")) {
                        throw new Bad("\\Recent cannot be set");
                    }
                }
                in.sp();
            }
            Optional<ZonedDateTime> date = Optional.empty();
            if (in.peekIs('"')) {
                date = Optional.of(dateTime(new String(in.string(), StandardCharsets.US_ASCII)));
                in.sp();
            }
            if (in.peekIs('~')) {
                throw new Bad("literal8 (BINARY APPEND) is not supported");
            }
            if (!in.peekIs('{')) {
                throw new Bad("Expected the message as a literal");
            }
            return new Command.Append(tag, mailbox, flags, date, in.literal());
        }

        /** {@code date-time}: {@code "17-Jul-1996 02:44:25 -0700"}, the day maybe space-padded. */
        static ZonedDateTime dateTime(String s) throws Bad {
            if (s.length() != 26 || s.charAt(2) != '-' || s.charAt(6) != '-' || s.charAt(11) != ' '
                    || s.charAt(14) != ':' || s.charAt(17) != ':' || s.charAt(20) != ' ') {
                throw new Bad("Invalid date-time (expected e.g. \"17-Jul-1996 02:44:25 -0700\")");
            }
            try {
                int day = Integer.parseInt(s.substring(0, 2).trim());
                int month = SearchParser.month(s.substring(3, 6));
                int year = Integer.parseInt(s.substring(7, 11));
                int h = Integer.parseInt(s.substring(12, 14));
                int m = Integer.parseInt(s.substring(15, 17));
                int sec = Integer.parseInt(s.substring(18, 20));
                char sign = s.charAt(21);
                int zh = Integer.parseInt(s.substring(22, 24));
                int zm = Integer.parseInt(s.substring(24, 26));
                if (month == 0 || (sign != '+' && sign != '-')) {
                    throw new Bad("Invalid date-time");
                }
                ZoneOffset zone = ZoneOffset.ofHoursMinutes(sign == '-' ? -zh : zh, sign == '-' ? -zm : zm);
                return ZonedDateTime.of(LocalDateTime.of(year, month, day, h, m, sec), zone);
            } catch (NumberFormatException | DateTimeException e) {
                throw new Bad("Invalid date-time " + s);
            }
        }

        private Command search(boolean uid) throws Bad {
            in.sp();
            Optional<Set<SearchReturn>> returns = Optional.empty();
            if (in.acceptWord("RETURN")) {
                in.sp();
                Set<SearchReturn> r = options(SearchReturn.class, "SEARCH return option", o -> { });
                returns = Optional.of(r.isEmpty() ? Set.of(SearchReturn.ALL) : Set.copyOf(r));
                in.sp();
            }
            Optional<String> charset = Optional.empty();
            if (in.acceptWord("CHARSET")) {
                in.sp();
                charset = Optional.of(in.astringText().toUpperCase(Locale.ROOT));
                in.sp();
            }
            return new Command.Search(tag, uid, charset, returns, new SearchParser(in).keys());
        }

        private Command fetch(boolean uid) throws Bad {
            in.sp();
            SequenceSet set = in.sequenceSet();
            in.sp();
            return new Command.Fetch(tag, uid, set, new FetchParser(in).attributes());
        }

        private Command store(boolean uid) throws Bad {
            in.sp();
            SequenceSet set = in.sequenceSet();
            in.sp();
            Command.StoreMode mode = in.accept('+') ? Command.StoreMode.ADD
                    : in.accept('-') ? Command.StoreMode.REMOVE : Command.StoreMode.REPLACE;
            String item = in.keyword();
            if (!item.equals("FLAGS") && !item.equals("FLAGS.SILENT")) {
                throw new Bad("Expected FLAGS, +FLAGS or -FLAGS (optionally .SILENT)");
            }
            in.sp();
            List<String> flags;
            if (in.peekIs('(')) {
                flags = in.flagList();
            } else {
                flags = new ArrayList<>();
                do {
                    flags.add(in.flag());
                } while (in.accept(' '));
            }
            for (String f : flags) {
                if (f.equalsIgnoreCase("\\Recent")) {
                    throw new Bad("\\Recent cannot be stored");
                }
            }
            return new Command.Store(tag, uid, set, mode, item.endsWith(".SILENT"), flags);
        }

        private Command copy(boolean uid, boolean move) throws Bad {
            in.sp();
            SequenceSet set = in.sequenceSet();
            return new Command.Copy(tag, uid, set, spMailbox(), move);
        }
    }
}
