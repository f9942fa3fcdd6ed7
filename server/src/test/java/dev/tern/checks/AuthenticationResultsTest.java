package dev.tern.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.checks.dmarc.DmarcRecord.Policy;
import dev.tern.checks.dmarc.DmarcResult;
import dev.tern.checks.spf.SpfResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8601: the exact text Tern writes, and recognising fields that claim our authserv-id. */
class AuthenticationResultsTest {
    private static final SpfResult SPF_PASS = new SpfResult(SpfResult.Result.PASS, SpfResult.Identity.MAILFROM,
            "alice@example.com", "example.com",
            "domain of alice@example.com designates 192.0.2.1 as permitted sender", null);

    @Test
    void allThreeMethods() {
        String h = AuthenticationResults.header("mx.example.net", SPF_PASS, List.of(
                        new DkimResult("example.com", "tern", DkimResult.Result.PASS, null, "AbCdEfGhIjKlMn=="),
                        new DkimResult("Example.com", "tern-ed", DkimResult.Result.FAIL, "signature did not verify",
                                "XyZ0123456789")),
                new DmarcResult(DmarcResult.Result.PASS, "example.com", Policy.REJECT, Policy.NONE, true, true,
                        "SPF aligned with example.com"));
        assertThat(h).isEqualTo("""
                Authentication-Results: mx.example.net;\r
                \tspf=pass (domain of alice@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=alice@example.com;\r
                \tdkim=pass header.d=example.com header.s=tern header.b=AbCdEfGh;\r
                \tdkim=fail reason="signature did not verify" header.d=example.com header.s=tern-ed header.b=XyZ01234;\r
                \tdmarc=pass (p=reject dis=none) header.from=example.com\r
                """);
    }

    @Test
    void heloIdentityNoSignaturesAndADmarcFail() {
        SpfResult helo = new SpfResult(SpfResult.Result.FAIL, SpfResult.Identity.HELO, "postmaster@mx.example.org",
                "mx.example.org", "domain of postmaster@mx.example.org does not designate 192.0.2.1 as permitted sender",
                "x");
        String h = AuthenticationResults.header("mx.example.net", helo, List.of(),
                new DmarcResult(DmarcResult.Result.FAIL, "example.com", Policy.QUARANTINE, Policy.NONE, false, false,
                        "neither SPF nor DKIM aligned with example.com (p=quarantine, left out by pct=10)"));
        assertThat(h).isEqualTo("""
                Authentication-Results: mx.example.net;\r
                \tspf=fail (domain of postmaster@mx.example.org does not designate 192.0.2.1 as permitted sender) smtp.helo=mx.example.org;\r
                \tdkim=none;\r
                \tdmarc=fail (p=quarantine dis=none) reason="neither SPF nor DKIM aligned with example.com (p=quarantine, left out by pct=10)" header.from=example.com\r
                """);
    }

    @Test
    void nothingCheckedIsNone() {
        assertThat(AuthenticationResults.header("mx.example.net", null, null, null))
                .isEqualTo("Authentication-Results: mx.example.net; none\r\n");
    }

    @Test
    void awkwardTextIsQuotedAndCannotBreakTheHeader() {
        SpfResult spf = new SpfResult(SpfResult.Result.PERMERROR, SpfResult.Identity.MAILFROM, "\"a b\"@example.com",
                "example.com", "bad (record)\r\nX-Injected: yes \\", null);
        String h = AuthenticationResults.header("mx.example.net", spf, null,
                new DmarcResult(DmarcResult.Result.PERMERROR, null, Policy.NONE, Policy.NONE, false, false,
                        "no author domain in From:"));
        assertThat(h).isEqualTo("""
                Authentication-Results: mx.example.net;\r
                \tspf=permerror (bad \\(record\\)??X-Injected: yes \\\\) smtp.mailfrom="\\"a b\\"@example.com";\r
                \tdmarc=permerror reason="no author domain in From:"\r
                """);
    }

    @Test
    void signaturesSharingTheirFirstEightCharactersAreShownWhole() {
        String h = AuthenticationResults.header("mx", null, List.of(
                new DkimResult("a.example", "s", DkimResult.Result.PASS, null, "12345678AAA"),
                new DkimResult("a.example", "s", DkimResult.Result.PASS, null, "12345678BBB")), null);
        assertThat(h).contains("header.b=12345678AAA;").contains("header.b=12345678BBB\r\n");
    }

    @Test
    void recognisesFieldsClaimingOurAuthservId() {
        assertThat(AuthenticationResults.claims("Authentication-Results: mx.example.net; spf=pass", "mx.example.net"))
                .isTrue();
        assertThat(AuthenticationResults.claims("authentication-results:MX.Example.NET;dkim=pass", "mx.example.net"))
                .isTrue();
        assertThat(AuthenticationResults.claims("Authentication-Results: (forged) \r\n\t mx.example.net 1; none",
                "mx.example.net")).isTrue();
        assertThat(AuthenticationResults.claims("Authentication-Results: \"mx.example.net\"; none", "mx.example.net"))
                .isTrue();
        assertThat(AuthenticationResults.claims("Authentication-Results: mx.example.net", "mx.example.net")).isTrue();
        assertThat(AuthenticationResults.claims("Authentication-Results: mx.example.net.evil; spf=pass",
                "mx.example.net")).isFalse();
        assertThat(AuthenticationResults.claims("Authentication-Results: gmail.com; spf=pass", "mx.example.net"))
                .isFalse();
        assertThat(AuthenticationResults.claims("ARC-Authentication-Results: i=1; mx.example.net; spf=pass",
                "mx.example.net")).isFalse();
        assertThat(AuthenticationResults.claims("Authentication-Results: (unclosed comment mx.example.net",
                "mx.example.net")).isFalse();
    }
}
