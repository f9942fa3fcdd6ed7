package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Paging of the queue listing ({@code GET /queue?limit=&after=}) and its totals. */
class QueueReportPageTest {
    /** A listed message: an ID that is its arrival in microseconds, as Tern makes them. */
    record Item(Instant arrival, String id) {
        static Item at(long micros) {
            return new Item(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), Long.toHexString(micros)
                    .toUpperCase(Locale.ROOT));
        }
    }

    private static final List<Item> ITEMS = List.of(Item.at(5_000), Item.at(1_000), Item.at(3_000), Item.at(4_000),
            Item.at(2_000));

    private static QueueReport.Page<Item> page(String after, int limit) {
        return QueueReport.page(ITEMS, Item::arrival, Item::id, after, limit);
    }

    private static List<String> ids(QueueReport.Page<Item> p) {
        return p.items().stream().map(Item::id).toList();
    }

    @Test
    void oldestFirstAllWithoutALimit() {
        QueueReport.Page<Item> all = page(null, 0);
        assertThat(ids(all)).containsExactly("3E8", "7D0", "BB8", "FA0", "1388");
        assertThat(all.next()).isNull();
    }

    @Test
    void pagesFollowEachOtherToTheEnd() {
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            QueueReport.Page<Item> p = page(after, 2);
            seen.addAll(ids(p));
            after = p.next();
            pages++;
        } while (after != null && pages < 10);
        assertThat(seen).containsExactly("3E8", "7D0", "BB8", "FA0", "1388");
        assertThat(pages).isEqualTo(3);
        assertThat(page("FA0", 1).next()).isNull(); // the last one: nothing follows
    }

    @Test
    void aMessageGoneMeanwhileStillMarksThePlace() {
        assertThat(ids(page("9C4", 0))).containsExactly("BB8", "FA0", "1388"); // 2,500 µs: between 7D0 and BB8
        assertThat(ids(page("1", 2))).containsExactly("3E8", "7D0");
        assertThat(ids(page("FFFFFFFFFFFFFFFFFF", 0))).isEmpty(); // beyond any time
        assertThat(page("FFFFFFFFFFFFFFFFFF", 1).next()).isNull();
        assertThat(ids(page("fa0", 0))).containsExactly("1388"); // IDs in either case
    }

    @Test
    void summaryCountsMessagesRecipientsAndTheOldest() {
        Instant t = Instant.parse("2026-11-30T10:00:00Z");
        QueueReport.Rcpt deferred = new QueueReport.Rcpt("a@x.test", null, "deferred", 1, "451", t, t, null);
        QueueReport.Rcpt pending = new QueueReport.Rcpt("b@x.test", null, "pending", 0, null, null, null, null);
        QueueReport.Rcpt sent = new QueueReport.Rcpt("c@x.test", null, "delivered", 1, null, t, null, null);
        List<QueueReport> reports = List.of(
                new QueueReport("B", t.plusSeconds(5), 100, "s@x.test", "", "", "ESMTP", true, List.of(deferred), null),
                new QueueReport("A", t, 50, "s@x.test", "", "", "ESMTP", false, List.of(pending, sent, deferred), null));
        assertThat(QueueReport.Summary.of(reports)).isEqualTo(new QueueReport.Summary(2, 4, 1, 2, 1, 150, t, false));
        assertThat(QueueReport.Summary.of(List.of())).isEqualTo(new QueueReport.Summary(0, 0, 0, 0, 0, 0, null, false));
        java.time.Clock clock = java.time.Clock.fixed(t.plusSeconds(60), java.time.ZoneOffset.UTC);
        assertThat(QueueText.summary(QueueReport.Summary.of(reports), clock)).startsWith("2 messages, 4 recipients")
                .doesNotContain("still being read");
        assertThat(QueueText.summary(QueueReport.Summary.of(reports).recovering(true), clock))
                .startsWith("-- the spool is still being read").contains("2 messages, 4 recipients");
        assertThat(QueueText.summary(QueueReport.Summary.of(List.of()), clock)).isEqualTo("The queue is empty.\n");
        assertThat(QueueText.summary(QueueReport.Summary.of(List.of()).recovering(true), clock))
                .startsWith("No message read yet.\n-- the spool is still being read");
    }
}
