package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.io.StringReader;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SEARCH keys evaluated over small messages, as RFC 9051 section 6.4.4 defines them. */
class SearchEvaluatorTest {

    record Msg(long sequence, long uid, Set<String> flags, ZonedDateTime internalDate, long size, String head,
               String body) implements SearchMessage {
        @Override
        public List<String> header(String name) {
            return head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).toList();
        }

        @Override
        public String headerText() {
            return head;
        }

        @Override
        public Reader bodyText(boolean withHeaders) {
            return new StringReader(body);
        }
    }

    static final ZonedDateTime JUL_17_LATE = ZonedDateTime.of(1996, 7, 17, 23, 30, 0, 0, ZoneOffset.ofHours(-7));

    static final Msg ONE = new Msg(1, 10, Set.of("\\Seen", "$Work"), JUL_17_LATE, 3000,
            "From: Terry Gray <gray@example.edu>\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?= from Seattle\n"
            + "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\nX-Spam: no\n",
            "Hello Joe, do you think we can meet at 3:30 tomorrow?");
    static final Msg TWO = new Msg(2, 20, Set.of("\\Flagged"), JUL_17_LATE.plusDays(2), 100,
            "From: smith@example.com\nSubject: lunch\nDate: 1 Aug 96 10:00 GMT\n", "x".repeat(20_000) + "needle");

    static boolean match(String search, Msg m) throws Exception {
        Command.Search s = (Command.Search) CommandParserTest.ok("a SEARCH " + search);
        return SearchEvaluator.matches(s.key(), m,
                new SearchEvaluator.Context(2, 20, Optional.of(SequenceSet.of(20, 20))));
    }

    @Test
    void flagsAndKeywords() throws Exception {
        assertThat(match("SEEN", ONE)).isTrue();
        assertThat(match("UNSEEN", ONE)).isFalse();
        assertThat(match("FLAGGED UNSEEN", TWO)).isTrue();
        assertThat(match("KEYWORD $work", ONE)).isTrue();
        assertThat(match("UNKEYWORD $Work", TWO)).isTrue();
        assertThat(match("NEW", TWO)).isFalse(); // \Recent is not kept
        assertThat(match("OLD", TWO)).isTrue();
    }

    @Test
    void datesCompareTheDayOnly() throws Exception {
        assertThat(match("ON 17-Jul-1996", ONE)).isTrue(); // 23:30 -0700 is the 17th where it was received
        assertThat(match("BEFORE 17-Jul-1996", ONE)).isFalse();
        assertThat(match("SINCE 17-Jul-1996", ONE)).isTrue();
        assertThat(match("SINCE 18-Jul-1996", ONE)).isFalse();
        assertThat(match("SENTON 17-Jul-1996", ONE)).isTrue();
        assertThat(match("SENTBEFORE 1-Aug-1996", TWO)).isFalse();
        assertThat(match("SENTSINCE 1-Aug-1996", TWO)).isTrue(); // two-digit year 96 is 1996
        assertThat(SearchEvaluator.headerDate("garbage")).isEmpty();
        assertThat(SearchEvaluator.headerDate("Thu, 31 Feb 2024 00:00:00 +0000")).isEmpty();
        assertThat(SearchEvaluator.headerDate("Mon, 7 Feb 1994 21:52:25 -0800")).hasValue(LocalDate.of(1994, 2, 7));
    }

    @Test
    void headersDecodedAndCaseInsensitive() throws Exception {
        assertThat(match("FROM gray", ONE)).isTrue();
        assertThat(match("FROM GRAY@EXAMPLE", ONE)).isTrue();
        assertThat(match("CHARSET UTF-8 SUBJECT \"grüße\"", ONE)).isTrue();
        assertThat(match("HEADER X-Spam \"\"", ONE)).isTrue();
        assertThat(match("HEADER X-Spam \"\"", TWO)).isFalse();
        assertThat(match("TO anyone", ONE)).isFalse();
    }

    @Test
    void bodyAndTextStreamAcrossChunks() throws Exception {
        assertThat(match("BODY \"MEET AT 3:30\"", ONE)).isTrue();
        assertThat(match("BODY Seattle", ONE)).isFalse();
        assertThat(match("TEXT Seattle", ONE)).isTrue();
        assertThat(match("BODY NEEDLE", TWO)).isTrue();
        assertThat(dev.tern.imap.mime.BodyText.contains(new StringReader("a".repeat(8190) + "NEE" + "DLE"), "needle")).isTrue();
    }

    @Test
    void sizesSequencesAndNesting() throws Exception {
        assertThat(match("LARGER 2999 SMALLER 3001", ONE)).isTrue();
        assertThat(match("2", TWO)).isTrue();
        assertThat(match("*", TWO)).isTrue();
        assertThat(match("*", ONE)).isFalse();
        assertThat(match("UID 5:15", ONE)).isTrue();
        assertThat(match("UID $", TWO)).isTrue();
        assertThat(match("$", ONE)).isFalse();
        assertThat(match("OR SEEN FLAGGED", TWO)).isTrue();
        assertThat(match("NOT OR SEEN FLAGGED", TWO)).isFalse();
        assertThat(match("(OR (SEEN) (NOT (FLAGGED)) LARGER 50)", TWO)).isFalse();
        assertThat(match("OR (SEEN LARGER 5000) (UNSEEN SMALLER 200)", TWO)).isTrue();
    }
}
