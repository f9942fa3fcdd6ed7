package dev.tern.checks.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tern.dns.MemoryDns;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** RFC 7208 section 7: macro syntax and expansion, with the examples of 7.4. */
class MacrosTest {
    private static Macros.Values values(InetAddress ip) {
        return letter -> switch (letter) {
            case 's' -> "strong-bad@email.example.com";
            case 'l' -> "strong-bad";
            case 'o', 'd' -> "email.example.com";
            case 'i' -> Macros.dotted(ip);
            case 'v' -> ip.getAddress().length == 16 ? "ip6" : "in-addr";
            case 'h' -> "mx.example.org";
            case 'c' -> ip.getAddress().length == 16 ? Spf.compressed(ip) : ip.getHostAddress();
            case 'r' -> "tern.example.net";
            case 't' -> "1700000000";
            case 'p' -> "unknown";
            default -> throw new IllegalArgumentException();
        };
    }

    private static final InetAddress V4 = MemoryDns.addr("192.0.2.3");
    private static final InetAddress V6 = MemoryDns.addr("2001:db8::cb01");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "%{s} strong-bad@email.example.com",
            "%{o} email.example.com",
            "%{d} email.example.com",
            "%{d4} email.example.com",
            "%{d3} email.example.com",
            "%{d2} example.com",
            "%{d1} com",
            "%{dr} com.example.email",
            "%{d2r} example.email",
            "%{l} strong-bad",
            "%{l-} strong.bad",
            "%{lr} strong-bad",
            "%{lr-} bad.strong",
            "%{l1r-} strong",
            "%{ir}.%{v}._spf.%{d2} 3.2.0.192.in-addr._spf.example.com",
            "%{lr-}.lp._spf.%{d2} bad.strong.lp._spf.example.com",
            "%{lr-}.lp.%{ir}.%{v}._spf.%{d2} bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2} 3.2.0.192.in-addr.strong.lp._spf.example.com",
            "%{d2}.trusted-domains.example.net example.com.trusted-domains.example.net",
    })
    void rfc7208Section74Examples(String macro, String expected) throws Exception {
        Macros.check(macro, false, macro);
        assertThat(Macros.expand(macro, values(V4), false)).isEqualTo(expected);
    }

    @Test
    void rfc7208Section74Ipv6Example() throws Exception {
        assertThat(Macros.expand("%{ir}.%{v}._spf.%{d2}", values(V6), false)).isEqualTo(
                "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    }

    @Test
    void escapesAndUpperCaseLettersUrlEscape() throws Exception {
        assertThat(Macros.expand("a%%b%_c%-d", values(V4), true)).isEqualTo("a%b c%20d");
        assertThat(Macros.expand("%{S}", values(V4), false)).isEqualTo("strong-bad%40email.example.com");
    }

    @Test
    void explanationLettersExpandOnlyInExpText() throws Exception {
        assertThat(Macros.expand("%{c} via %{r} at %{t}", values(V6), true))
                .isEqualTo("2001:db8::cb01 via tern.example.net at 1700000000");
        assertThatThrownBy(() -> Macros.check("%{c}.example.com", false, "x")).isInstanceOf(SpfSyntaxException.class);
        Macros.check("%{c} %{r} %{t}", true, "x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "%{", "%{x}", "%{d0}", "%{d2r!}", "%a", "%{}", "a b", "%{d\u00e9}"})
    void malformedMacrosAreSyntaxErrors(String s) {
        assertThatThrownBy(() -> Macros.check(s, false, s)).isInstanceOf(SpfSyntaxException.class);
    }

    @Test
    void aHugeDigitTransformerKeepsEveryPart() throws Exception {
        assertThat(Macros.expand("%{d99999999999}", values(V4), false)).isEqualTo("email.example.com");
    }

    @Test
    void aLongExpansionIsCutFromTheLeftToWholeLabels() throws Exception {
        String s = "%{d}.".repeat(20) + "example.com";
        String r = Macros.expand(s, values(V4), false);
        assertThat(r.length()).isLessThanOrEqualTo(253);
        assertThat(r).endsWith(".example.com").doesNotStartWith(".");
        assertThat(("." + r).length()).isGreaterThan(253 - 20); // no more than one label's worth was cut too many
    }

    @Test
    void ipv6TextIsRfc5952() {
        assertThat(Spf.compressed(MemoryDns.addr("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Spf.compressed(MemoryDns.addr("2001:db8::1"))).isEqualTo("2001:db8::1");
        assertThat(Spf.compressed(MemoryDns.addr("::1"))).isEqualTo("::1");
        assertThat(Spf.compressed(MemoryDns.addr("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
    }
}
