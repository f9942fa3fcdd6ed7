package dev.tern.imap;

import dev.tern.imap.Args.Bad;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The search-key grammar of RFC 9051 section 6.4.4 (with IMAP4rev1's RECENT, NEW, OLD), nesting bounded. */
final class SearchParser {

    /** Parentheses, NOT and OR nested deeper than this get BAD (no client needs more; the stack stays small). */
    static final int MAX_DEPTH = 64;

    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");

    private final Args in;

    SearchParser(Args in) {
        this.in = in;
    }

    /** {@code search-key *(SP search-key)} up to the end of the command. */
    SearchKey keys() throws Bad {
        List<SearchKey> keys = new ArrayList<>();
        keys.add(key(0));
        while (!in.atEnd()) {
            in.sp();
            keys.add(key(0));
        }
        return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
    }

    private SearchKey key(int depth) throws Bad {
        if (depth > MAX_DEPTH) {
            throw new Bad("Search keys nested too deeply (at most " + MAX_DEPTH + ")");
        }
        if (in.accept('(')) {
            List<SearchKey> keys = new ArrayList<>();
            keys.add(key(depth + 1));
            while (!in.accept(')')) {
                if (in.peek() < 0) {
                    throw new Bad("Missing ')'");
                }
                in.sp();
                keys.add(key(depth + 1));
            }
            return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
        }
        int c = in.peek();
        if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
            return new SearchKey.Sequence(in.sequenceSet(), false);
        }
        String name = in.keyword();
        return switch (name) {
            case "ALL" -> new SearchKey.All();
            case "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "SEEN", "RECENT" ->
                    new SearchKey.Flag(systemFlag(name), true);
            case "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN" ->
                    new SearchKey.Flag(systemFlag(name.substring(2)), false);
            case "NEW" -> new SearchKey.And(List.of(new SearchKey.Flag("\\Recent", true),
                    new SearchKey.Flag("\\Seen", false)));
            case "OLD" -> new SearchKey.Flag("\\Recent", false);
            case "KEYWORD", "UNKEYWORD" -> {
                in.sp();
                yield new SearchKey.Keyword(in.flag(), name.equals("KEYWORD"));
            }
            case "BEFORE", "ON", "SINCE" -> date(false, name);
            case "SENTBEFORE", "SENTON", "SENTSINCE" -> date(true, name.substring(4));
            case "LARGER", "SMALLER" -> {
                in.sp();
                yield new SearchKey.Size(name.equals("LARGER"), in.number());
            }
            case "FROM", "TO", "CC", "BCC", "SUBJECT" -> {
                in.sp();
                yield new SearchKey.Header(name, in.astringText());
            }
            case "HEADER" -> {
                in.sp();
                String field = in.astringText().toUpperCase(Locale.ROOT);
                in.sp();
                yield new SearchKey.Header(field, in.astringText());
            }
            case "BODY", "TEXT" -> {
                in.sp();
                yield new SearchKey.Text(name.equals("TEXT"), in.astringText());
            }
            case "UID" -> {
                in.sp();
                yield new SearchKey.Sequence(in.sequenceSet(), true);
            }
            case "NOT" -> {
                in.sp();
                yield new SearchKey.Not(key(depth + 1));
            }
            case "OR" -> {
                in.sp();
                SearchKey a = key(depth + 1);
                in.sp();
                yield new SearchKey.Or(a, key(depth + 1));
            }
            default -> throw new Bad("Unknown search key " + name);
        };
    }

    private static String systemFlag(String name) {
        return "\\" + name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
    }

    private SearchKey date(boolean sent, String relation) throws Bad {
        in.sp();
        boolean quoted = in.accept('"');
        LocalDate d = date();
        if (quoted) {
            in.expect('"');
        }
        return new SearchKey.Date(sent, SearchKey.Relation.valueOf(relation), d);
    }

    /** {@code date-text}: {@code 1-Feb-1994}. */
    private LocalDate date() throws Bad {
        String text = in.chars(c -> Character.isLetterOrDigit(c) || c == '-', "a date");
        String[] p = text.split("-", -1);
        if (p.length != 3 || p[0].isEmpty() || p[0].length() > 2 || p[2].length() != 4
                || !p[0].chars().allMatch(Character::isDigit) || !p[2].chars().allMatch(Character::isDigit)) {
            throw new Bad("Invalid date " + text + " (expected e.g. 1-Feb-2024)");
        }
        int month = MONTHS.indexOf(p[1].toUpperCase(Locale.ROOT));
        try {
            return LocalDate.of(Integer.parseInt(p[2]), month + 1, Integer.parseInt(p[0]));
        } catch (DateTimeException e) {
            throw new Bad("Invalid date " + text);
        }
    }

    static int month(String name) {
        return MONTHS.indexOf(name.toUpperCase(Locale.ROOT)) + 1;
    }
}
