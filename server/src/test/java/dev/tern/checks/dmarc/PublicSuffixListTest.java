package dev.tern.checks.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The list's own test vectors (tests/test_psl.txt from publicsuffix/list, all of them) and the DMARC cases. */
class PublicSuffixListTest {
    private static final PublicSuffixList PSL = PublicSuffixList.bundled();
    private static final Pattern CASE = Pattern.compile("^checkPublicSuffix\\((null|'[^']*'), (null|'[^']*')\\);");

    static Stream<Arguments> vectors() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (InputStream in = PublicSuffixListTest.class.getResourceAsStream("/dev/tern/checks/test_psl.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Matcher m = CASE.matcher(line.strip());
                if (m.find()) {
                    out.add(Arguments.of(unquote(m.group(1)), unquote(m.group(2))));
                }
            }
        }
        assertThat(out).hasSizeGreaterThan(70);
        return out.stream();
    }

    private static String unquote(String s) {
        return s.equals("null") ? null : s.substring(1, s.length() - 1);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("vectors")
    void checkPublicSuffix(String domain, String expected) {
        String want = expected == null ? null : IDN.toASCII(expected.toLowerCase(java.util.Locale.ROOT));
        assertThat(PSL.registrableDomain(domain)).isEqualTo(want);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "example.com, example.com",
            "mail.example.com, example.com",
            "a.b.c.example.co.uk, example.co.uk",
            "sub.example.test, example.test", // the default rule: .test is not on the list
            "example.test, example.test",
            "test, test", // a public suffix is its own organizational domain
            "co.uk, co.uk",
            "www.city.kawasaki.jp, city.kawasaki.jp", // exception under a wildcard
            "foo.bar.kawasaki.jp, foo.bar.kawasaki.jp", // the wildcard itself
            "MAIL.Example.COM., example.com",
    })
    void organizationalDomainForDmarc(String domain, String org) {
        assertThat(PSL.organizationalDomain(domain)).isEqualTo(org);
    }

    @Test
    void theShippedListSaysWhereItCameFrom() {
        assertThat(PSL.source()).contains("publicsuffix/list").containsPattern("\\(20\\d\\d-\\d\\d-\\d\\d\\)");
        assertThat(PSL.size()).isGreaterThan(9_000);
    }

    @Test
    void aSmallListFollowsTheAlgorithm() {
        PublicSuffixList l = PublicSuffixList.of(List.of("// c", "com", "*.jp", "!city.kawasaki.jp", "kawasaki.jp"));
        assertThat(l.publicSuffix("a.b.com")).isEqualTo("com");
        assertThat(l.publicSuffix("x.y.jp")).isEqualTo("y.jp");
        assertThat(l.publicSuffix("www.city.kawasaki.jp")).isEqualTo("kawasaki.jp");
        assertThat(l.publicSuffix("a.b.unlisted")).isEqualTo("unlisted");
    }
}
