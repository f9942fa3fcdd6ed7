package dev.tern.checks.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.checks.DkimResult;
import dev.tern.checks.dmarc.DmarcRecord.Policy;
import dev.tern.checks.dmarc.DmarcResult.Result;
import dev.tern.checks.spf.SpfResult;
import dev.tern.dns.MemoryDns;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7489: policy discovery, alignment, the result and the disposition, on an in-memory DNS. */
class DmarcTest {
    private final MemoryDns dns = new MemoryDns();
    private int draw = 0;
    private final RandomGenerator random = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int nextInt(int bound) {
            return draw;
        }
    };
    private final Dmarc dmarc = new Dmarc(dns, PublicSuffixList.bundled(), random);

    private static SpfResult spf(SpfResult.Result r, String domain) {
        return new SpfResult(r, SpfResult.Identity.MAILFROM, "x@" + domain, domain, "test", null);
    }

    private static DkimResult dkim(String d, DkimResult.Result r) {
        return new DkimResult(d, "sel", r, null, "abcdefghij");
    }

    private DmarcResult eval(String from, SpfResult spf, DkimResult... dkim) {
        return dmarc.evaluate(List.of(from), spf, List.of(dkim));
    }

    @Test
    void noRecordIsNone() {
        DmarcResult r = eval("example.com", spf(SpfResult.Result.PASS, "example.com"));
        assertThat(r.result()).isEqualTo(Result.NONE);
        assertThat(r.disposition()).isEqualTo(Policy.NONE);
        assertThat(r.reason()).isEqualTo("no DMARC record for example.com");
    }

    @Test
    void alignedSpfPasses() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcResult r = eval("example.com", spf(SpfResult.Result.PASS, "bounces.example.com"));
        assertThat(r.result()).isEqualTo(Result.PASS);
        assertThat(r.spfAligned()).isTrue();
        assertThat(r.dkimAligned()).isFalse();
        assertThat(r.policy()).isEqualTo(Policy.REJECT);
        assertThat(r.disposition()).isEqualTo(Policy.NONE);
    }

    @Test
    void alignedDkimPassesAndAnyOneSignatureIsEnough() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcResult r = eval("example.com", spf(SpfResult.Result.FAIL, "example.com"),
                dkim("other.example", DkimResult.Result.PASS), dkim("example.com", DkimResult.Result.FAIL),
                dkim("mail.example.com", DkimResult.Result.PASS));
        assertThat(r.result()).isEqualTo(Result.PASS);
        assertThat(r.dkimAligned()).isTrue();
    }

    @Test
    void unalignedPassesFailAndGetThePolicy() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcResult r = eval("example.com", spf(SpfResult.Result.PASS, "mailer.example"),
                dkim("mailer.example", DkimResult.Result.PASS));
        assertThat(r.result()).isEqualTo(Result.FAIL);
        assertThat(r.disposition()).isEqualTo(Policy.REJECT);
        assertThat(r.reason()).isEqualTo("neither SPF nor DKIM aligned with example.com (p=reject)");
    }

    @ParameterizedTest(name = "{0} vs {1}, {2}: {3}")
    @CsvSource({
            "example.com, example.com, s, true",
            "mail.example.com, example.com, s, false",
            "mail.example.com, example.com, r, true",
            "example.com, news.example.com, r, true",
            "a.example.co.uk, b.example.co.uk, r, true",
            "example.co.uk, other.co.uk, r, false", // co.uk is a public suffix
            "a.example.test, b.example.test, r, true", // the default rule
            "evil-example.com, example.com, r, false",
    })
    void alignment(String identifier, String from, String mode, boolean aligned) {
        dns.txt("_dmarc." + from, "v=DMARC1; p=none; adkim=" + mode + "; aspf=" + mode);
        DmarcResult viaSpf = eval(from, spf(SpfResult.Result.PASS, identifier));
        DmarcResult viaDkim = eval(from, null, dkim(identifier, DkimResult.Result.PASS));
        assertThat(viaSpf.spfAligned()).isEqualTo(aligned);
        assertThat(viaDkim.dkimAligned()).isEqualTo(aligned);
    }

    @Test
    void theOrganizationalDomainsRecordAppliesItsSpToSubdomains() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
        DmarcResult sub = eval("news.example.com", null);
        assertThat(sub.result()).isEqualTo(Result.FAIL);
        assertThat(sub.policy()).isEqualTo(Policy.QUARANTINE);
        assertThat(eval("example.com", null).policy()).isEqualTo(Policy.REJECT);
        dns.txt("_dmarc.other.example", "v=DMARC1; p=reject");
        assertThat(eval("a.b.other.example", null).policy()).isEqualTo(Policy.REJECT); // no sp: p
    }

    @Test
    void aSubdomainsOwnRecordWins() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject").txt("_dmarc.news.example.com", "v=DMARC1; p=none; sp=reject");
        assertThat(eval("news.example.com", null).policy()).isEqualTo(Policy.NONE);
    }

    @Test
    void pctLeavesSomeMessagesWithAWeakerPolicy() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=20");
        draw = 19;
        assertThat(eval("example.com", null).disposition()).isEqualTo(Policy.REJECT);
        draw = 20;
        DmarcResult out = eval("example.com", null);
        assertThat(out.disposition()).isEqualTo(Policy.QUARANTINE);
        assertThat(out.reason()).contains("left out by pct=20");
        dns.txt("_dmarc.q.example", "v=DMARC1; p=quarantine; pct=0");
        assertThat(eval("q.example", null).disposition()).isEqualTo(Policy.NONE);
    }

    @Test
    void recordParsing() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1;p=Quarantine ; SP=none; pct=50; adkim=s; aspf=x; "
                + "rua=mailto:agg@example.com, https://no.example; ruf=mailto:f@example.com; foo=bar");
        assertThat(r).isEqualTo(new DmarcRecord(Policy.QUARANTINE, Policy.NONE, 50, DmarcRecord.Alignment.STRICT,
                DmarcRecord.Alignment.RELAXED, List.of("mailto:agg@example.com"), List.of("mailto:f@example.com")));
        assertThat(DmarcRecord.parse("v=DMARC1; pct=1000; p=none").pct()).isEqualTo(100);
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus")).isNull();
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus; rua=mailto:a@example.com").policy()).isEqualTo(Policy.NONE);
        assertThat(DmarcRecord.isDmarc("v=DMARC1; p=none")).isTrue();
        assertThat(DmarcRecord.isDmarc("p=none; v=DMARC1")).isFalse();
        assertThat(DmarcRecord.isDmarc("v=dmarc1; p=none")).isFalse();
        assertThat(DmarcRecord.isDmarc("v=spf1 -all")).isFalse();
    }

    @Test
    void twoRecordsOrAnInvalidOneMeanNoDmarcAndNoFallback() {
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject");
        dns.txt("_dmarc.two.example.com", "v=DMARC1; p=none").txt("_dmarc.two.example.com", "v=DMARC1; p=reject");
        dns.txt("_dmarc.bad.example.com", "v=DMARC1; p=maybe");
        assertThat(eval("two.example.com", null).result()).isEqualTo(Result.NONE);
        assertThat(eval("two.example.com", null).reason()).contains("more than one");
        assertThat(eval("bad.example.com", null).result()).isEqualTo(Result.NONE);
    }

    @Test
    void otherTxtRecordsAreIgnored() {
        dns.txt("_dmarc.example.com", "hello").txt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(eval("example.com", null).result()).isEqualTo(Result.FAIL);
    }

    @Test
    void aDnsFailureIsTemperrorAndNeverARejection() {
        dns.servfail("_dmarc.example.com");
        DmarcResult r = eval("example.com", null);
        assertThat(r.result()).isEqualTo(Result.TEMPERROR);
        assertThat(r.disposition()).isEqualTo(Policy.NONE);
        dns.txt("_dmarc.t.example", "v=DMARC1; p=reject");
        assertThat(eval("t.example", spf(SpfResult.Result.TEMPERROR, "t.example")).result()).isEqualTo(Result.TEMPERROR);
        assertThat(eval("t.example", null, dkim("t.example", DkimResult.Result.TEMPERROR)).result())
                .isEqualTo(Result.TEMPERROR);
    }

    @Test
    void noFromDomainIsPermerror() {
        DmarcResult r = dmarc.evaluate(List.of(), null, List.of());
        assertThat(r.result()).isEqualTo(Result.PERMERROR);
        assertThat(r.fromDomain()).isNull();
    }

    @Test
    void severalFromDomainsTakeTheStrictestFailure() {
        dns.txt("_dmarc.a.example", "v=DMARC1; p=quarantine").txt("_dmarc.b.example", "v=DMARC1; p=reject");
        DmarcResult r = dmarc.evaluate(List.of("a.example", "B.example", "c.example"), spf(SpfResult.Result.PASS, "c.example"),
                List.of());
        assertThat(r.result()).isEqualTo(Result.FAIL);
        assertThat(r.fromDomain()).isEqualTo("b.example");
        assertThat(r.disposition()).isEqualTo(Policy.REJECT);
        DmarcResult same = dmarc.evaluate(List.of("b.example", "b.example."), spf(SpfResult.Result.PASS, "b.example"),
                List.of());
        assertThat(same.result()).isEqualTo(Result.PASS);
        assertThat(dmarc.evaluate(List.of("b.example", "c.example"), spf(SpfResult.Result.PASS, "b.example"), List.of())
                .result()).isEqualTo(Result.NONE); // c.example has no policy
    }

    @Test
    void authorDomainsOfFromFields() {
        assertThat(AuthorDomains.of(List.of("Alice <alice@Example.COM>"))).containsExactly("example.com");
        assertThat(AuthorDomains.of(List.of("\"Smith, J\" <j@a.example>, b@b.example (Bob <x@c.example>)")))
                .containsExactly("a.example", "b.example");
        assertThat(AuthorDomains.of(List.of("\"a@fake.example\"@real.example"))).containsExactly("real.example");
        assertThat(AuthorDomains.of(List.of("team: a@x.example, b@y.example;"))).containsExactly("x.example", "y.example");
        assertThat(AuthorDomains.of(List.of("undisclosed-recipients:;", "nobody"))).isEmpty();
        assertThat(AuthorDomains.of(List.of("a@one.example", "b@two.example"))).containsExactly("one.example", "two.example");
        assertThat(AuthorDomains.of(List.of("a@x.example,".repeat(1000)))).hasSize(AuthorDomains.MAX);
    }
}
