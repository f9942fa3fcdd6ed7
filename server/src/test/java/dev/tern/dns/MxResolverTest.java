package dev.tern.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What delivery makes of the MX and address answers (the lookups themselves: {@link DnsjavaLookupTest}). */
class MxResolverTest {
    private final MemoryDns dns = new MemoryDns()
            .mx("example.test", 20, "mx3.example.test").mx("example.test", 10, "mx1.example.test")
            .mx("example.test", 10, "mx2.example.test").mx("example.test", 30, "mx1.example.test")
            .mx("nomail.test", 0, ".")
            .exists("bare.test").ip("bare.test", "192.0.2.7")
            .servfail("flaky.test")
            .ip("both.test", "192.0.2.1").ip("both.test", "2001:db8::1")
            .ip("v4.test", "192.0.2.2").timeout("v6.test");
    private final MxResolver mx = new MxResolver(() -> dns);

    @Test
    void hostsByPreferenceEachOnceTheBestFirst() {
        MxResolver.MxResult r = mx.mx("example.test");
        assertThat(r).isInstanceOfSatisfying(MxResolver.Hosts.class, h -> {
            assertThat(h.implicit()).isFalse();
            assertThat(h.hosts().subList(0, 2)).containsExactlyInAnyOrder("mx1.example.test", "mx2.example.test");
            assertThat(h.hosts()).hasSize(3).endsWith("mx3.example.test");
        });
    }

    @Test
    void nullMxNoSuchDomainNoMxAndATemporaryFailure() {
        assertThat(mx.mx("nomail.test")).isEqualTo(new MxResolver.NullMx());
        assertThat(mx.mx("nowhere.test")).isEqualTo(new MxResolver.NoSuchDomain());
        assertThat(mx.mx("bare.test")).isEqualTo(new MxResolver.Hosts(List.of("bare.test"), true));
        assertThat(mx.mx("flaky.test")).isEqualTo(new MxResolver.TempFail("MX lookup for flaky.test failed: SERVFAIL"));
    }

    @Test
    void addressesIpv4FirstAndATemporaryFailureOnlyWhenNoneCame() {
        assertThat(mx.addresses("both.test").addresses()).extracting(java.net.InetAddress::getHostAddress)
                .containsExactly("192.0.2.1", "2001:db8:0:0:0:0:0:1");
        assertThat(mx.addresses("both.test").tempFail()).isNull();
        assertThat(mx.addresses("nowhere.test")).isEqualTo(new MxResolver.Addresses(List.of(), null));
        assertThat(mx.addresses("v6.test").tempFail()).isEqualTo("AAAA lookup for v6.test failed: no answer");
        assertThat(mx.addresses("flaky.test").tempFail()).startsWith("AAAA lookup for flaky.test failed: SERVFAIL");
    }

    @Test
    void theLookupIsMadeAtTheFirstQuestionOnly() {
        int[] made = {0};
        MxResolver lazy = new MxResolver(() -> {
            made[0]++;
            return dns;
        });
        assertThat(made[0]).isZero();
        lazy.mx("example.test");
        lazy.addresses("both.test");
        assertThat(made[0]).isEqualTo(1);
    }
}
