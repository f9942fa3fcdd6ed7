package dev.tern.checks.spf;

import static dev.tern.checks.spf.SpfResult.Result.FAIL;
import static dev.tern.checks.spf.SpfResult.Result.NEUTRAL;
import static dev.tern.checks.spf.SpfResult.Result.NONE;
import static dev.tern.checks.spf.SpfResult.Result.PASS;
import static dev.tern.checks.spf.SpfResult.Result.PERMERROR;
import static dev.tern.checks.spf.SpfResult.Result.SOFTFAIL;
import static dev.tern.checks.spf.SpfResult.Result.TEMPERROR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.checks.spf.SpfResult.Identity;
import dev.tern.dns.MemoryDns;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7208, section by section, on an in-memory DNS. */
class SpfTest {
    private final MemoryDns dns = new MemoryDns();
    private final Spf spf = new Spf(dns, "tern.example.net",
            Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC));

    private SpfResult check(String ip, String sender) {
        return spf.check(MemoryDns.addr(ip), sender, "mx.example.org");
    }

    private SpfResult.Result result(String ip, String sender) {
        return check(ip, sender).result();
    }

    /** 2.3, 2.4, 4.3: which identity, and the initial checks of the domain. */
    @Nested
    class Identities {
        @Test
        void mailFromIsChecked() {
            dns.txt("example.com", "v=spf1 ip4:192.0.2.1 -all");
            SpfResult r = check("192.0.2.1", "alice@example.com");
            assertThat(r.result()).isEqualTo(PASS);
            assertThat(r.identity()).isEqualTo(Identity.MAILFROM);
            assertThat(r.sender()).isEqualTo("alice@example.com");
            assertThat(r.domain()).isEqualTo("example.com");
            assertThat(r.reason()).isEqualTo("domain of alice@example.com designates 192.0.2.1 as permitted sender");
            assertThat(r.explanation()).isNull();
        }

        @Test
        void theNullReversePathChecksHeloAsPostmaster() {
            dns.txt("mx.example.org", "v=spf1 ip4:192.0.2.9 -all");
            SpfResult r = spf.check(MemoryDns.addr("192.0.2.9"), "", "mx.example.org");
            assertThat(r.result()).isEqualTo(PASS);
            assertThat(r.identity()).isEqualTo(Identity.HELO);
            assertThat(r.sender()).isEqualTo("postmaster@mx.example.org");
        }

        @Test
        void aHeloAddressLiteralOrSingleLabelIsNone() {
            assertThat(spf.checkHelo(MemoryDns.addr("192.0.2.9"), "[192.0.2.9]").result()).isEqualTo(NONE);
            assertThat(spf.checkHelo(MemoryDns.addr("192.0.2.9"), "localhost").result()).isEqualTo(NONE);
            assertThat(dns.queries()).isZero();
        }

        @Test
        void noSuchDomainAndNoRecordAreNone() {
            dns.txt("norecord.example", "some other text");
            assertThat(check("192.0.2.1", "a@nxdomain.example").reason()).contains("does not exist");
            assertThat(result("192.0.2.1", "a@nxdomain.example")).isEqualTo(NONE);
            assertThat(result("192.0.2.1", "a@norecord.example")).isEqualTo(NONE);
        }

        @Test
        void aMalformedDomainIsNone() {
            assertThat(result("192.0.2.1", "a@bad..example")).isEqualTo(NONE);
            assertThat(result("192.0.2.1", "a@" + "x".repeat(64) + ".example")).isEqualTo(NONE);
        }

        @Test
        void aTemporaryDnsErrorOrTimeoutIsTemperror() {
            dns.servfail("broken.example").timeout("slow.example");
            assertThat(result("192.0.2.1", "a@broken.example")).isEqualTo(TEMPERROR);
            assertThat(check("192.0.2.1", "a@slow.example").result()).isEqualTo(TEMPERROR);
        }
    }

    /** 4.5: selecting the record. */
    @Nested
    class Records {
        @Test
        void twoSpfRecordsArePermerror() {
            dns.txt("example.com", "v=spf1 +all").txt("example.com", "v=spf1 -all");
            assertThat(check("192.0.2.1", "a@example.com").reason()).contains("more than one SPF record");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }

        @Test
        void otherTxtRecordsAndLookAlikesAreIgnored() {
            dns.txt("example.com", "v=spf10 -all").txt("example.com", "google-site-verification=x")
                    .txt("example.com", "V=SPF1 ip4:192.0.2.1 -all");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
        }

        @Test
        void aRecordWithNoTermsIsNeutral() {
            dns.txt("example.com", "v=spf1");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(NEUTRAL);
        }

        @ParameterizedTest
        @ValueSource(strings = {"v=spf1 foo -all", "v=spf1 ip4:192.0.2.300", "v=spf1 ip4:192.0.2.0/33",
                "v=spf1 ip6:2001:db8::/129", "v=spf1 a:example.com/0024", "v=spf1 include", "v=spf1 include:",
                "v=spf1 all:foo", "v=spf1 redirect=a.example redirect=b.example", "v=spf1 exp=a.example exp=b.example",
                "v=spf1 a:%{x}.example", "v=spf1 mx:example", "v=spf1 include:example.123", "v=spf1 exists:%{c}.example.com",
                "v=spf1 ip4:192.0.2.1 -all\tmx", "v=spf1 -all foo=%{z}"})
        void aSyntaxErrorAnywhereIsPermerror(String record) {
            dns.txt("example.com", record);
            // even though ip4/-all would decide before reaching the bad term
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }

        @Test
        void unknownModifiersAreIgnored() {
            dns.txt("example.com", "v=spf1 moo=%{d}.cow ip4:192.0.2.1 -all x-foo=bar");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
        }
    }

    /** 4.6.2: qualifiers, and the default of "+". */
    @Nested
    class Qualifiers {
        @Test
        void eachQualifierGivesItsResult() {
            dns.txt("p.example", "v=spf1 +all").txt("n.example", "v=spf1 all").txt("f.example", "v=spf1 -all")
                    .txt("s.example", "v=spf1 ~all").txt("q.example", "v=spf1 ?all");
            assertThat(result("192.0.2.1", "a@p.example")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "a@n.example")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "a@f.example")).isEqualTo(FAIL);
            assertThat(result("192.0.2.1", "a@s.example")).isEqualTo(SOFTFAIL);
            assertThat(result("192.0.2.1", "a@q.example")).isEqualTo(NEUTRAL);
        }

        @Test
        void noMatchIsNeutral() {
            dns.txt("example.com", "v=spf1 ip4:198.51.100.0/24");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(NEUTRAL);
        }
    }

    /** 5.1 to 5.7: each mechanism. */
    @Nested
    class Mechanisms {
        @Test
        void all() {
            dns.txt("example.com", "v=spf1 -all ip4:192.0.2.1");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(FAIL); // left to right: all decides
        }

        @Test
        void include() {
            dns.txt("example.com", "v=spf1 include:p.example include:f.example include:t.example -all")
                    .txt("p.example", "v=spf1 ip4:192.0.2.1 -all")
                    .txt("f.example", "v=spf1 -all").txt("t.example", "v=spf1 ip4:192.0.2.3");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
            assertThat(result("192.0.2.2", "a@example.com")).isEqualTo(FAIL); // included fail is only "no match"
        }

        @Test
        void includeOfADomainWithoutRecordIsPermerror() {
            dns.txt("example.com", "v=spf1 include:none.example -all").exists("none.example");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }

        @Test
        void includeTemperrorAndPermerrorPropagate() {
            dns.txt("t.example", "v=spf1 include:broken.example -all").servfail("broken.example")
                    .txt("p.example", "v=spf1 include:bad.example -all").txt("bad.example", "v=spf1 frob");
            assertThat(result("192.0.2.1", "a@t.example")).isEqualTo(TEMPERROR);
            assertThat(result("192.0.2.1", "a@p.example")).isEqualTo(PERMERROR);
        }

        @Test
        void aWithDefaultDomainExplicitDomainAndCidr() {
            dns.txt("example.com", "v=spf1 a a:other.example/24 a:v6.example//64 -all")
                    .ip("example.com", "192.0.2.10").ip("other.example", "198.51.100.200")
                    .ip("v6.example", "2001:db8:1:2::1");
            assertThat(result("192.0.2.10", "a@example.com")).isEqualTo(PASS);
            assertThat(result("192.0.2.11", "a@example.com")).isEqualTo(FAIL);
            assertThat(result("198.51.100.7", "a@example.com")).isEqualTo(PASS);
            assertThat(result("2001:db8:1:2:ffff::9", "a@example.com")).isEqualTo(PASS);
            assertThat(result("2001:db8:1:3::1", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void aLooksUpOnlyTheClientsAddressFamily() {
            dns.txt("example.com", "v=spf1 a -all").ip("example.com", "192.0.2.10");
            assertThat(result("2001:db8::1", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void mx() {
            dns.txt("example.com", "v=spf1 mx mx:other.example/28 -all").mx("example.com", 10, "mx1.example.com")
                    .mx("example.com", 20, "mx2.example.com").ip("mx1.example.com", "192.0.2.1")
                    .ip("mx2.example.com", "2001:db8::25").mx("other.example", 5, "mx.other.example")
                    .ip("mx.other.example", "198.51.100.17");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
            assertThat(result("2001:db8::25", "a@example.com")).isEqualTo(PASS);
            assertThat(result("198.51.100.30", "a@example.com")).isEqualTo(PASS);
            assertThat(result("198.51.100.33", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void mxDoesNotFallBackToTheDomainsAddress() {
            dns.txt("example.com", "v=spf1 mx -all").ip("example.com", "192.0.2.1");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void moreThanTenMxRecordsIsPermerror() {
            dns.txt("example.com", "v=spf1 mx -all");
            for (int i = 0; i < 11; i++) {
                dns.mx("example.com", i, "mx" + i + ".example.com").ip("mx" + i + ".example.com", "192.0.2." + i);
            }
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }

        @Test
        void ptrMatchesOnlyValidatedNames() {
            dns.txt("example.com", "v=spf1 ptr -all").txt("other.example", "v=spf1 ptr:example.com -all")
                    .ptr("192.0.2.1", "mail.example.com").ip("mail.example.com", "192.0.2.1")
                    .ptr("192.0.2.2", "forged.example.com").ip("forged.example.com", "192.0.2.99")
                    .ptr("192.0.2.3", "example.company");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "a@other.example")).isEqualTo(PASS);
            assertThat(result("192.0.2.2", "a@example.com")).isEqualTo(FAIL); // name does not map back
            assertThat(result("192.0.2.3", "a@example.com")).isEqualTo(FAIL); // not a subdomain, just a prefix
        }

        @Test
        void ptrLooksAtTenNamesAtMost() {
            dns.txt("example.com", "v=spf1 ptr -all");
            for (int i = 0; i < 10; i++) {
                dns.ptr("192.0.2.1", "n" + i + ".elsewhere.example").ip("n" + i + ".elsewhere.example", "192.0.2.1");
            }
            dns.ptr("192.0.2.1", "mail.example.com").ip("mail.example.com", "192.0.2.1");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void ptrWithADnsErrorDoesNotMatch() {
            dns.txt("example.com", "v=spf1 ptr ?all").servfail("ptr:192.0.2.1");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(NEUTRAL);
        }

        @Test
        void ip4AndIp6() {
            dns.txt("example.com", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:0.0.0.0/0 -all")
                    .txt("six.example", "v=spf1 ip6:2001:db8::/32 -all");
            assertThat(result("192.0.2.200", "a@example.com")).isEqualTo(PASS);
            assertThat(result("2001:db8:ffff::1", "a@example.com")).isEqualTo(PASS);
            assertThat(result("2001:db9::1", "a@example.com")).isEqualTo(FAIL);
            assertThat(result("203.0.113.1", "a@example.com")).isEqualTo(PASS); // ip4:0.0.0.0/0
            assertThat(result("192.0.2.1", "a@six.example")).isEqualTo(FAIL); // ip6 never matches IPv4
        }

        @Test
        void anIpv4MappedIpv6ClientIsCheckedAsIpv4() {
            dns.txt("example.com", "v=spf1 ip4:192.0.2.1 -all");
            assertThat(result("::ffff:192.0.2.1", "a@example.com")).isEqualTo(PASS);
        }

        @Test
        void existsWithMacros() {
            dns.txt("example.com", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all")
                    .ip("1.2.0.192.alice._spf.example.com", "127.0.0.2");
            assertThat(result("192.0.2.1", "alice@example.com")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "bob@example.com")).isEqualTo(FAIL);
        }

        @Test
        void existsAsksForAnAEvenForAnIpv6Client() {
            dns.txt("example.com", "v=spf1 exists:ok.example.com -all").ip("ok.example.com", "127.0.0.2");
            assertThat(result("2001:db8::1", "a@example.com")).isEqualTo(PASS);
        }

        @Test
        void aDnsErrorInAMechanismIsTemperror() {
            dns.txt("example.com", "v=spf1 a:broken.example -all").servfail("broken.example");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(TEMPERROR);
        }
    }

    /** 6.1, 6.2: redirect and exp. */
    @Nested
    class Modifiers {
        @Test
        void redirectIsFollowedWhenNothingMatches() {
            dns.txt("example.com", "v=spf1 ip4:198.51.100.1 redirect=_spf.example.net")
                    .txt("_spf.example.net", "v=spf1 ip4:192.0.2.1 -all");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
            assertThat(result("192.0.2.2", "a@example.com")).isEqualTo(FAIL);
            assertThat(result("198.51.100.1", "a@example.com")).isEqualTo(PASS);
        }

        @Test
        void redirectIsIgnoredAfterAll() {
            dns.txt("example.com", "v=spf1 -all redirect=_spf.example.net")
                    .txt("_spf.example.net", "v=spf1 +all");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void redirectToADomainWithoutRecordIsPermerror() {
            dns.txt("example.com", "v=spf1 redirect=nothing.example");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }

        @Test
        void expGivesTheExplanationOfAFail() {
            dns.txt("example.com", "v=spf1 -all exp=explain._spf.%{d}")
                    .txt("explain._spf.example.com", "%{i} is not one of %{d}'s designated mail servers (%{c} via %{r}).");
            SpfResult r = check("192.0.2.1", "a@example.com");
            assertThat(r.result()).isEqualTo(FAIL);
            assertThat(r.explanation())
                    .isEqualTo("192.0.2.1 is not one of example.com's designated mail servers (192.0.2.1 via tern.example.net).");
        }

        @Test
        void aBrokenExpGivesTheDefaultExplanation() {
            dns.txt("a.example", "v=spf1 -all exp=nothing.example")
                    .txt("b.example", "v=spf1 -all exp=two.example").txt("two.example", "one").txt("two.example", "two")
                    .txt("c.example", "v=spf1 -all exp=bad.example").txt("bad.example", "bad %{x} macro");
            for (String d : new String[] {"a.example", "b.example", "c.example"}) {
                SpfResult r = check("192.0.2.1", "x@" + d);
                assertThat(r.result()).isEqualTo(FAIL);
                assertThat(r.explanation()).isEqualTo("domain of x@" + d + " does not designate 192.0.2.1 as permitted sender");
            }
        }

        @Test
        void anIncludedRecordsExpIsNotUsedButARedirectedOnesIs() {
            dns.txt("inc.example", "v=spf1 include:f.example -all")
                    .txt("red.example", "v=spf1 redirect=f.example exp=mine.example").txt("mine.example", "mine")
                    .txt("f.example", "v=spf1 -all exp=theirs.example").txt("theirs.example", "theirs");
            assertThat(check("192.0.2.1", "a@inc.example").explanation()).doesNotContain("theirs");
            assertThat(check("192.0.2.1", "a@red.example").explanation()).isEqualTo("theirs");
        }
    }

    /** 4.6.4: the limits, and loops. */
    @Nested
    class Limits {
        @Test
        void tenDnsTermsAreAllowedAndTheEleventhIsPermerror() {
            StringBuilder ten = new StringBuilder("v=spf1");
            for (int i = 0; i < 10; i++) {
                ten.append(" a:h").append(i).append(".example.com");
                dns.ip("h" + i + ".example.com", "198.51.100." + i);
            }
            dns.txt("ten.example", ten + " ip4:192.0.2.1 -all").txt("eleven.example", ten + " a:h0.example.com -all");
            assertThat(result("192.0.2.1", "a@ten.example")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "a@eleven.example")).isEqualTo(PERMERROR);
            assertThat(check("192.0.2.1", "a@eleven.example").reason()).contains("more than 10 DNS-querying terms");
        }

        @Test
        void termsInIncludesCountToo() {
            dns.txt("ten.example", "v=spf1 include:i1.example include:i2.example -all");
            dns.txt("eleven.example", "v=spf1 include:i1.example include:i3.example -all");
            dns.txt("i1.example", "v=spf1 a:x.example a:x.example a:x.example a:x.example ?all");
            dns.txt("i2.example", "v=spf1 a:x.example a:x.example a:x.example a:x.example ip4:192.0.2.1");
            dns.txt("i3.example", "v=spf1 a:x.example a:x.example a:x.example a:x.example a:x.example ip4:192.0.2.1");
            dns.ip("x.example", "198.51.100.1");
            assertThat(result("192.0.2.1", "a@ten.example")).isEqualTo(PASS); // 2 includes + 8 a = 10
            assertThat(result("192.0.2.1", "a@eleven.example")).isEqualTo(PERMERROR); // 2 + 9 = 11
        }

        @Test
        void ipAndAllAndExpDoNotCount() {
            StringBuilder r = new StringBuilder("v=spf1");
            for (int i = 0; i < 30; i++) {
                r.append(" ip4:198.51.100.").append(i);
            }
            dns.txt("example.com", r + " ip4:192.0.2.1 -all");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
        }

        @Test
        void twoVoidLookupsAreAllowedAndTheThirdIsPermerror() {
            dns.txt("two.example", "v=spf1 a:nx1.example mx:nx2.example ip4:192.0.2.1 -all")
                    .txt("three.example", "v=spf1 a:nx1.example mx:nx2.example exists:nx3.example ip4:192.0.2.1 -all")
                    .exists("nx2.example"); // no data counts as void too
            assertThat(result("192.0.2.1", "a@two.example")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "a@three.example")).isEqualTo(PERMERROR);
        }

        @Test
        void twentyVoidLookupsStopAtTheThird() {
            StringBuilder r = new StringBuilder("v=spf1");
            for (int i = 0; i < 20; i++) {
                r.append(" exists:void").append(i).append(".example");
            }
            dns.txt("example.com", r + " -all");
            SpfResult res = check("192.0.2.1", "a@example.com");
            assertThat(res.result()).isEqualTo(PERMERROR);
            assertThat(res.reason()).isEqualTo("more than 2 void lookups");
            assertThat(dns.queries()).isEqualTo(1 + 3);
        }

        @Test
        void anIncludeLoopEndsAtTheTermLimit() {
            dns.txt("example.com", "v=spf1 include:loop.example -all")
                    .txt("loop.example", "v=spf1 include:example.com -all");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
            assertThat(dns.queries()).isLessThanOrEqualTo(1 + Spf.MAX_DNS_TERMS + 1);
        }

        @Test
        void aRedirectToItselfEndsAtTheTermLimit() {
            dns.txt("example.com", "v=spf1 redirect=example.com");
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }

        @Test
        void aTenThousandOctetRecordIsEvaluated() {
            StringBuilder r = new StringBuilder("v=spf1");
            int i = 0;
            while (r.length() < 10_000 - 20) {
                r.append(" ip4:198.51.").append(i / 256 % 256).append('.').append(i % 256);
                i++;
            }
            r.append(" -all");
            dns.txt("example.com", r.toString());
            assertThat(r.length()).isGreaterThan(9_900);
            assertThat(result("198.51.0.7", "a@example.com")).isEqualTo(PASS);
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(FAIL);
        }

        @Test
        void aTenThousandOctetRecordOfGarbageIsPermerror() {
            dns.txt("example.com", "v=spf1 " + "%{".repeat(5_000));
            assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PERMERROR);
        }
    }

    @Test
    void theDefaultExplanationNamesTheSenderAndAddress() {
        dns.txt("example.com", "v=spf1 -all");
        SpfResult r = check("2001:db8:0:0:0:0:0:1", "alice@example.com");
        assertThat(r.explanation()).isEqualTo("domain of alice@example.com does not designate 2001:db8::1 as permitted sender");
    }

    @Test
    void aSenderWithoutLocalPartIsPostmaster() {
        dns.txt("example.com", "v=spf1 exists:%{l}.users.example.com -all").ip("postmaster.users.example.com", "127.0.0.1");
        assertThat(result("192.0.2.1", "example.com")).isEqualTo(PASS);
    }

    @Test
    void thePMacroNamesAValidatedHostOrUnknown() {
        dns.txt("example.com", "v=spf1 exists:%{p}.names.example.com -all")
                .ptr("192.0.2.1", "mail.example.com").ip("mail.example.com", "192.0.2.1")
                .ip("mail.example.com.names.example.com", "127.0.0.1").ip("unknown.names.example.com", "127.0.0.1");
        assertThat(result("192.0.2.1", "a@example.com")).isEqualTo(PASS);
        assertThat(result("192.0.2.2", "a@example.com")).isEqualTo(PASS); // via "unknown"
    }
}
