package dev.tern.defence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreylistTest {
    private static final Duration DELAY = Duration.ofMinutes(5);
    private static final Duration EXPIRY = Duration.ofDays(35);

    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();

    private Greylist open() throws Exception {
        return new Greylist(dir.resolve("greylist"), DELAY, EXPIRY, 1000, clock);
    }

    @Test
    void deferredUntilARetryAfterTheDelayThenPassesUntilItExpires() throws Exception {
        try (Greylist g = open()) {
            assertThat(g.check("192.0.2.0/24", "a@b.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Defer(DELAY, true));
            clock.advance(Duration.ofMinutes(1));
            assertThat(g.check("192.0.2.0/24", "A@B.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Defer(Duration.ofMinutes(4), false));
            clock.advance(Duration.ofMinutes(4));
            assertThat(g.check("192.0.2.0/24", "a@b.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Pass(true));
            assertThat(g.check("192.0.2.0/24", "a@b.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Pass(false));
            // another recipient, another network: unknown triples
            assertThat(g.check("192.0.2.0/24", "a@b.example", "bob@example.test"))
                    .isInstanceOf(Greylist.Result.Defer.class);
            assertThat(g.check("198.51.100.0/24", "a@b.example", "alice@example.test"))
                    .isInstanceOf(Greylist.Result.Defer.class);
            clock.advance(EXPIRY.plusMinutes(1));
            assertThat(g.check("192.0.2.0/24", "a@b.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Defer(DELAY, true));
        }
    }

    @Test
    void remembersSpfDomainsAcrossAReopenUntilTheyExpire() throws Exception {
        try (Greylist g = open()) {
            assertThat(g.isKnownDomain("b.example")).isFalse();
            g.rememberDomain("B.example");
            g.pass("203.0.113.0/24", "c@b.example", "alice@example.test");
            assertThat(g.isKnownDomain("b.example")).isTrue();
            assertThat(g.isKnownDomain("other.example")).isFalse();
        }
        clock.advance(EXPIRY.minusMinutes(1));
        try (Greylist g = open()) {
            assertThat(g.isKnownDomain("b.example")).isTrue();
            assertThat(g.check("203.0.113.0/24", "c@b.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Pass(false)); // passed without the wait
            clock.advance(Duration.ofMinutes(2));
            assertThat(g.isKnownDomain("b.example")).isFalse();
        }
        assertThat(Files.readString(dir.resolve("greylist"))).doesNotContain("b.example");
    }

    @Test
    void survivesAReopenAndSkipsATornLine() throws Exception {
        try (Greylist g = open()) {
            g.check("192.0.2.0/24", "", "alice@example.test");
            g.check("192.0.2.0/24", "x@y.example", "alice@example.test");
            clock.advance(DELAY);
            assertThat(g.check("192.0.2.0/24", "", "alice@example.test")).isEqualTo(new Greylist.Result.Pass(true));
        }
        Files.writeString(dir.resolve("greylist"), "0123456789abcdef0123", StandardCharsets.US_ASCII,
                StandardOpenOption.APPEND); // a crash in the middle of a line
        try (Greylist g = open()) {
            assertThat(g.size()).isEqualTo(2);
            assertThat(g.check("192.0.2.0/24", "", "alice@example.test")).isEqualTo(new Greylist.Result.Pass(false));
            assertThat(g.check("192.0.2.0/24", "x@y.example", "alice@example.test"))
                    .isEqualTo(new Greylist.Result.Pass(true));
        }
        assertThat(Files.readString(dir.resolve("greylist"))).doesNotContain("alice").doesNotContain("192.0.2");
    }

    @Test
    void keepsAtMostItsBoundAndCompactsItsJournal() throws Exception {
        try (Greylist g = new Greylist(dir.resolve("greylist"), DELAY, EXPIRY, 100, clock)) {
            for (int i = 0; i < 10_000; i++) {
                g.check("192.0.2.0/24", "s" + i + "@x.example", "alice@example.test");
            }
            assertThat(g.size()).isEqualTo(100);
        }
        assertThat(Files.readAllLines(dir.resolve("greylist")).size()).isLessThanOrEqualTo(2 * 100 + 1001);
    }
}
