package dev.tern.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tern.checks.spf.Spf;
import dev.tern.checks.spf.SpfResult;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dnsjava lookup against a real DNS server on loopback: answers, caching by TTL, the cache bound, the budget. */
class DnsjavaLookupTest {
    private final TestDnsServer server;
    private final MutableClock clock = new MutableClock();

    DnsjavaLookupTest() throws Exception {
        server = new TestDnsServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private DnsjavaLookup lookup(int maxEntries) {
        return new DnsjavaLookup(Resolvers.of(List.of(server.address()), Duration.ofSeconds(5)), clock,
                Duration.ofSeconds(5), maxEntries);
    }

    @Test
    void answersKeepTheirMeaning() {
        server.txt("example.test", "v=spf1 -all").txt("long.example.test", "x".repeat(600))
                .ip("example.test", "192.0.2.1").ip("example.test", "2001:db8::1").mx("example.test", 10, "MX.example.test");
        DnsjavaLookup dns = lookup(100);
        assertThat(dns.txt("example.test")).isEqualTo(new DnsAnswer.Found<>(List.of("v=spf1 -all")));
        assertThat(dns.txt("long.example.test").values()).containsExactly("x".repeat(600)); // strings joined
        assertThat(dns.a("example.test").values()).containsExactly(MemoryDns.addr("192.0.2.1"));
        assertThat(dns.aaaa("example.test").values()).containsExactly(MemoryDns.addr("2001:db8::1"));
        assertThat(dns.mx("example.test").values()).containsExactly(new DnsLookup.Mx(10, "mx.example.test"));
        assertThat(dns.mx("mx.example.test")).isEqualTo(new DnsAnswer.NxDomain<>());
        server.mx("nomail.example.test", 0, ".");
        assertThat(dns.mx("nomail.example.test").values()).containsExactly(new DnsLookup.Mx(0, "")); // RFC 7505
        assertThat(dns.txt("nothing.example.test")).isEqualTo(new DnsAnswer.NxDomain<>());
        assertThat(dns.ptr(MemoryDns.addr("192.0.2.1"))).isEqualTo(new DnsAnswer.NxDomain<>());
        assertThat(lookup(100).mx("nowhere.test")).isInstanceOf(DnsAnswer.NxDomain.class);
        server.ip("a-only.example.test", "192.0.2.2");
        assertThat(dns.txt("a-only.example.test")).isEqualTo(new DnsAnswer.NoData<>());
    }

    @Test
    void aPlainNamesKeyIsTheParsedNamesAndAnyOtherNameIsParsed() throws Exception {
        for (String name : List.of("example.test", "Example.TEST.", "_dmarc.client.test", "a-b_c.d", "x",
                "a".repeat(63) + ".test", ("a".repeat(62) + ".").repeat(4) + "t")) {
            org.xbill.DNS.Name parsed = org.xbill.DNS.Name.fromString(name.endsWith(".") ? name : name + ".");
            assertThat(DnsjavaLookup.plainKey(org.xbill.DNS.Type.TXT, name)).as(name)
                    .isEqualTo("TXT " + parsed.toString().toLowerCase(java.util.Locale.ROOT));
        }
        for (String odd : List.of("", ".", "a..b", ".a", "a b.test", "a\\.b", "caf\u00e9.test", "a@b.test",
                "a".repeat(64) + ".test", ("a".repeat(62) + ".").repeat(4) + "tt")) {
            assertThat(DnsjavaLookup.plainKey(org.xbill.DNS.Type.TXT, odd)).as(odd).isNull();
        }
        server.txt("MiXeD.example.test", "v=spf1 -all");
        DnsjavaLookup dns = lookup(100);
        assertThat(dns.txt("MiXeD.example.test").values()).containsExactly("v=spf1 -all");
        assertThat(dns.txt("mixed.EXAMPLE.test.").values()).containsExactly("v=spf1 -all");
        assertThat(server.queries()).isEqualTo(1); // the second from the cache, under the same key
        assertThat(dns.txt("a..b")).isEqualTo(new DnsAnswer.NxDomain<>());
    }

    @Test
    void answersAreCachedForTheirTtlAndNegativeOnesForTheSoaMinimum() {
        server.ttl(300).txt("example.test", "hello");
        DnsjavaLookup dns = lookup(100);
        dns.txt("example.test");
        dns.txt("example.test");
        dns.txt("Example.Test.");
        dns.txt("missing.example.test");
        dns.txt("missing.example.test");
        assertThat(server.queries()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(31)); // past the negative TTL (SOA minimum 30)
        dns.txt("missing.example.test");
        assertThat(server.queries()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(300));
        dns.txt("example.test");
        assertThat(server.queries()).isEqualTo(4);
    }

    @Test
    void theCacheIsBounded() {
        DnsjavaLookup dns = lookup(3);
        for (int i = 0; i < 10; i++) {
            server.txt("n" + i + ".example.test", "v" + i);
            dns.txt("n" + i + ".example.test");
        }
        assertThat(dns.cached()).isEqualTo(3);
    }

    @Test
    void aServerThatNeverAnswersGivesTimeoutWithinTheBudget() throws Exception {
        try (DatagramSocket mute = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsjavaLookup dns = new DnsjavaLookup(Resolvers.of(List.of((InetSocketAddress) mute.getLocalSocketAddress()),
                    Duration.ofSeconds(30)), Clock.systemUTC(), Duration.ofSeconds(30), 10);
            DnsLookup budgeted = dns.withBudget(Duration.ofMillis(500));
            Spf spf = new Spf(budgeted, "tern.test", Clock.systemUTC());
            SpfResult r = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> spf.check(MemoryDns.addr("192.0.2.1"), "a@example.test", "helo.test"));
            assertThat(r.result()).isEqualTo(SpfResult.Result.TEMPERROR);
            // once the budget is spent, every further question answers at once
            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> budgeted.txt("other.test")))
                    .isInstanceOf(DnsAnswer.Timeout.class);
        }
    }

    @Test
    void stopEndsEveryWaitAtOnceAndForGood() throws Exception {
        try (DatagramSocket mute = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            DnsjavaLookup dns = new DnsjavaLookup(Resolvers.of(List.of((InetSocketAddress) mute.getLocalSocketAddress()),
                    Duration.ofSeconds(60)), Clock.systemUTC(), Duration.ofSeconds(60), 10);
            DnsLookup budgeted = dns.withBudget(Duration.ofSeconds(60));
            java.util.concurrent.CompletableFuture<DnsAnswer<String>> waiting =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> budgeted.txt("example.test"));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                byte[] b = new byte[512];
                mute.setSoTimeout(10_000);
                mute.receive(new java.net.DatagramPacket(b, b.length)); // the question is out
                return true;
            });
            dns.stop();
            assertThat(waiting.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(DnsAnswer.Timeout.class);
            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> dns.withBudget(Duration.ofSeconds(60))
                    .a("other.test"))).isInstanceOf(DnsAnswer.Timeout.class);
        }
    }

    @Test
    void askersOfAQuestionOnTheWireShareItsOneQuery() throws Exception {
        server.txt("example.test", "v=spf1 -all").hold();
        DnsjavaLookup dns = new DnsjavaLookup(Resolvers.of(List.of(server.address()), Duration.ofSeconds(60)), clock,
                Duration.ofSeconds(60), 100);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<DnsAnswer<String>>> asked = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                asked.add(pool.submit(() -> dns.withBudget(Duration.ofSeconds(60)).txt("Example.Test.")));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> dns.merged() == 9);
            // one asker whose own budget ends first stops waiting; the others go on
            assertThat(dns.withBudget(Duration.ofMillis(200)).txt("example.test"))
                    .isInstanceOf(DnsAnswer.Timeout.class);
            server.release();
            for (var f : asked) {
                assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo(new DnsAnswer.Found<>(List.of("v=spf1 -all")));
            }
        }
        assertThat(server.queries()).isEqualTo(1);
        assertThat(dns.merged()).isEqualTo(10);
        assertThat(dns.txt("example.test")).isEqualTo(new DnsAnswer.Found<>(List.of("v=spf1 -all"))); // cached
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void aTemporaryAnswerIsSharedButNotKept() throws Exception {
        try (DatagramSocket mute = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            // the flight itself gives up after the lookup's time-out (300 ms): its askers all get Timeout
            InetSocketAddress at = (InetSocketAddress) mute.getLocalSocketAddress();
            DnsjavaLookup dns = new DnsjavaLookup(Resolvers.of(List.of(at), Duration.ofSeconds(60)), Clock.systemUTC(),
                    Duration.ofMillis(300), 10);
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> dns.txt("example.test"));
            var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> dns.txt("example.test"));
            assertThat(first.get(30, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(DnsAnswer.Timeout.class);
            assertThat(second.get(30, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(DnsAnswer.Timeout.class);
            assertThat(dns.cached()).isZero();
        }
    }

    @Test
    void spfOverRealDns() {
        server.txt("example.test", "v=spf1 mx:example.test -all").mx("example.test", 10, "mx.example.test")
                .ip("mx.example.test", "127.0.0.25");
        Spf spf = new Spf(lookup(100).withBudget(Duration.ofSeconds(10)), "tern.test", Clock.systemUTC());
        assertThat(spf.check(MemoryDns.addr("127.0.0.25"), "a@example.test", "h.test").result())
                .isEqualTo(SpfResult.Result.PASS);
        assertThat(spf.check(MemoryDns.addr("127.0.0.26"), "a@example.test", "h.test").result())
                .isEqualTo(SpfResult.Result.FAIL);
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
