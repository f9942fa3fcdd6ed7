package dev.tern.imap;

import java.io.IOException;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;

/**
 * Whether a message matches a search key (RFC 9051 section 6.4.4): flags, dates (the date alone, as the RFC says:
 * the internal date in its own zone, the Date header in the zone it was written in), sizes, header fields with
 * encoded words decoded, and BODY/TEXT as case-insensitive substrings found while streaming the text. The key tree
 * is no deeper than {@link SearchParser#MAX_DEPTH}, so the recursion is bounded.
 */
public final class SearchEvaluator {

    /**
     * What a search runs against besides the message.
     *
     * @param messages   messages in the mailbox (what {@code *} stands for in a message-number set)
     * @param largestUid the largest UID in use (what {@code *} stands for in a UID set)
     * @param saved      the UIDs saved by {@code SEARCH RETURN (SAVE)}, for {@code $}; empty when none
     */
    public record Context(long messages, long largestUid, Optional<SequenceSet> saved) {
    }

    private static final Pattern DATE = Pattern.compile("(\\d{1,2})\\s+([A-Za-z]{3})[a-z]*\\s+(\\d{2,4})");

    private SearchEvaluator() {
    }

    public static boolean matches(SearchKey key, SearchMessage m, Context c) throws IOException {
        return switch (key) {
            case SearchKey.All a -> true;
            case SearchKey.And and -> {
                for (SearchKey k : and.keys()) {
                    if (!matches(k, m, c)) {
                        yield false;
                    }
                }
                yield true;
            }
            case SearchKey.Or or -> matches(or.left(), m, c) || matches(or.right(), m, c);
            case SearchKey.Not not -> !matches(not.key(), m, c);
            case SearchKey.Flag f -> hasFlag(m, f.flag()) == f.set();
            case SearchKey.Keyword k -> hasFlag(m, k.keyword()) == k.set();
            case SearchKey.Size s -> s.larger() ? m.size() > s.octets() : m.size() < s.octets();
            case SearchKey.Sequence s -> sequence(s, m, c);
            case SearchKey.Date d -> date(d, m);
            case SearchKey.Header h -> header(h, m);
            case SearchKey.Text t -> (t.withHeader() && contains(decode(m.headerText()), t.value()))
                    || m.bodyContains(t.withHeader(), t.value());
        };
    }

    private static boolean hasFlag(SearchMessage m, String flag) {
        for (String f : m.flags()) {
            if (f.equalsIgnoreCase(flag)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sequence(SearchKey.Sequence s, SearchMessage m, Context c) {
        if (s.set().saved()) {
            return c.saved().map(set -> set.contains(m.uid(), c.largestUid())).orElse(false);
        }
        return s.uid() ? s.set().contains(m.uid(), c.largestUid()) : s.set().contains(m.sequence(), c.messages());
    }

    private static boolean date(SearchKey.Date d, SearchMessage m) throws IOException {
        Optional<LocalDate> day;
        if (d.sent()) {
            day = m.header("Date").stream().findFirst().flatMap(SearchEvaluator::headerDate);
            if (day.isEmpty()) {
                return false; // no or unreadable Date: matches no SENT key
            }
        } else {
            day = Optional.of(m.internalDate().toLocalDate());
        }
        int cmp = day.get().compareTo(d.date());
        return switch (d.relation()) {
            case BEFORE -> cmp < 0;
            case ON -> cmp == 0;
            case SINCE -> cmp >= 0;
        };
    }

    /** The date of an RFC 5322 Date field ({@code Wed, 17 Jul 1996 02:23:25 -0700}), leniently. */
    static Optional<LocalDate> headerDate(String value) {
        Matcher x = DATE.matcher(value);
        if (!x.find()) {
            return Optional.empty();
        }
        int month = SearchParser.month(x.group(2));
        int year = Integer.parseInt(x.group(3));
        if (x.group(3).length() == 2) {
            year += year < 50 ? 2000 : 1900; // RFC 5322 section 4.3
        }
        try {
            return month == 0 ? Optional.empty() : Optional.of(LocalDate.of(year, month, Integer.parseInt(x.group(1))));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    private static boolean header(SearchKey.Header h, SearchMessage m) throws IOException {
        for (String v : m.header(h.field())) {
            if (h.value().isEmpty() || decode(v).toLowerCase(Locale.ROOT).contains(h.value().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    private static String decode(String value) {
        try {
            return DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    private static boolean contains(String haystack, String needle) {
        return haystack.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
    }
}
