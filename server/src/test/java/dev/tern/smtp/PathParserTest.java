package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5321 4.1.2 (Path, Mailbox, Local-part, Domain, address-literal), 4.5.3.1 (limits), RFC 6531 (UTF-8). */
class PathParserTest {

    private static Mailbox forward(String path) throws PathParser.PathException {
        return PathParser.forwardPath(path);
    }

    private static Mailbox reverse(String path) throws PathParser.PathException {
        return PathParser.reversePath(path);
    }

    private static String rep(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** A syntactically valid domain of exactly {@code n} octets (n >= 1), made of labels of at most 63. */
    private static String domainOf(int n) {
        StringBuilder sb = new StringBuilder();
        char c = 'a';
        while (sb.length() < n) {
            int left = n - sb.length();
            if (sb.length() > 0) {
                if (left == 1) { // cannot end with a dot: lengthen the previous label instead
                    sb.append('z');
                    break;
                }
                sb.append('.');
                left--;
            }
            sb.append(rep(c++, Math.min(63, left)));
        }
        assertThat(sb.length()).isEqualTo(n);
        return sb.toString();
    }

    @Test
    void nullReversePathIsNull() throws Exception {
        assertThat(reverse("<>")).isNull();
    }

    /** The client's characters come back in the reply's text: a control character as its code point, never raw. */
    @Test
    void aControlCharacterIsNamedNotEchoed() {
        assertThatThrownBy(() -> forward("<\nab@x.example>")).isInstanceOf(PathParser.PathException.class)
                .hasMessage("invalid character U+000A in the local part");
        assertThatThrownBy(() -> forward("<a\nb@x.example>")).hasMessage("expected '@' but found U+000A in the address");
        assertThatThrownBy(() -> forward("<a\rb@x.example>")).hasMessageNotContaining("\r");
        assertThatThrownBy(() -> forward("<,ab@x.example>")).hasMessage("invalid character ',' in the local part");
        assertThat(Reply.of(501, "5.1.3", "a\r\nb").lines()).containsExactly("a??b");
    }

    @Test
    void nullPathIsNotAForwardPath() {
        assertThatThrownBy(() -> forward("<>")).isInstanceOf(PathParser.PathException.class);
    }

    @ParameterizedTest(name = "{0} -> local={1} domain={2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "<a@b.example>|a|b.example",
        "<A.B@B.Example>|A.B|b.example",                        // local part kept, domain lower-cased
        "<user+tag@sub.example.org>|user+tag|sub.example.org",
        "<a-b@x-y.example>|a-b|x-y.example",
        "<1@2>|1|2",
        "<Joe.Q.Public@example.com>|Joe.Q.Public|example.com",
        "<@a.example,@b.example:u@c.example>|u|c.example",       // source route: accepted, dropped (RFC 5321 4.1.1.3, C.)
        "<@a.example:u@c.example>|u|c.example",
        "<a@[192.0.2.1]>|a|[192.0.2.1]",
        "<a@[0.0.0.0]>|a|[0.0.0.0]",
        "<a@[255.255.255.255]>|a|[255.255.255.255]",
        "<a@[IPv6:2001:db8::1]>|a|[ipv6:2001:db8::1]",
        "<a@[IPv6:::1]>|a|[ipv6:::1]",
        "<a@[IPv6:1:2:3:4:5:6:7:8]>|a|[ipv6:1:2:3:4:5:6:7:8]",
        "<a@[IPv6:::ffff:192.0.2.1]>|a|[ipv6:::ffff:192.0.2.1]",
    })
    void validPaths(String path, String local, String domain) throws Exception {
        for (Mailbox m : new Mailbox[] {reverse(path), forward(path)}) {
            assertThat(m.localPart()).isEqualTo(local);
            assertThat(m.domain()).isEqualTo(domain);
            assertThat(m.needsSmtpUtf8()).isFalse();
        }
    }

    @Test
    void atextCharactersAreAllAllowedInADotString() throws Exception {
        Mailbox m = forward("<!#$%&'*+-/=?^_`{|}~@x.example>");
        assertThat(m.localPart()).isEqualTo("!#$%&'*+-/=?^_`{|}~");
    }

    @Test
    void quotedLocalPartWithSpace() throws Exception {
        Mailbox m = forward("<\"a b\"@x.example>");
        assertThat(m.localPart()).isEqualTo("\"a b\"");
        assertThat(m.unquotedLocalPart()).isEqualTo("a b");
        assertThat(m.key()).isEqualTo("a b@x.example");
    }

    @Test
    void quotedLocalPartWithQuotedPair() throws Exception {
        Mailbox m = reverse("<\"a\\\"b\"@x>");
        assertThat(m.localPart()).isEqualTo("\"a\\\"b\"");
        assertThat(m.unquotedLocalPart()).isEqualTo("a\"b");
        assertThat(m.domain()).isEqualTo("x");
    }

    @Test
    void quotedLocalPartMayHoldSpecials() throws Exception {
        assertThat(forward("<\"a@b,c>d\"@x.example>").localPart()).isEqualTo("\"a@b,c>d\"");
        assertThat(forward("<\"a\\\\b\"@x.example>").unquotedLocalPart()).isEqualTo("a\\b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<postmaster>", "<PostMaster>", "<POSTMASTER>"})
    void postmasterWithoutDomainIsAForwardPath(String path) throws Exception {
        Mailbox m = forward(path);
        assertThat(m.localPart()).isEqualToIgnoringCase("postmaster");
        assertThat(m.localPart()).isEqualTo(path.substring(1, path.length() - 1));
        assertThat(m.domain()).isEmpty();
        assertThat(m.toString()).isEqualTo(m.localPart());
    }

    @Test
    void postmasterWithoutDomainIsNotAReversePath() {
        assertThatThrownBy(() -> reverse("<postmaster>")).isInstanceOf(PathParser.PathException.class);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "",
        "<",
        ">",
        "a@b.example",              // missing <>
        "<a@b.example",
        "a@b.example>",
        "<<a@b.example>>",
        "<a@b.example>x",           // trailing garbage
        "<a@b.example> ",
        " <a@b.example>",
        "<a@b.example >",
        "< a@b.example>",
        "<a>",                      // no domain
        "<a@>",
        "<@b>",
        "<@b.example:>",
        "<@b.example,c.example:u@d.example>", // route element without @
        "<@b.example;u@d.example>",
        "<@-b.example:u@d.example>",
        "<a@-b.example>",
        "<a@b-.example>",
        "<a@b.-c.example>",
        "<a@b..example>",
        "<a@.b.example>",
        "<a@b.example.>",
        "<a@b_c.example>",
        "<a@b example>",
        "<a@b@c.example>",
        "<a..b@x>",
        "<.a@x>",
        "<a.@x>",
        "<a b@x>",
        "<a(b)@x>",
        "<a,b@x>",
        "<a\\b@x>",
        "<a\"b@x>",
        "<\"a@x>",                  // unterminated quoted string
        "<\"a\"b@x>",               // quoted string followed by text
        "<\"a\tb\"@x>",             // control character in qtext
        "<\"a\\\u0001\"@x>",        // bad quoted-pair
        "<a@[192.0.2.1>",
        "<a@[192.0.2]>",
        "<a@[192.0.2.1.5]>",
        "<a@[256.0.0.1]>",
        "<a@[1.2.3.-4]>",
        "<a@[1..3.4]>",
        "<a@[1234.1.1.1]>",
        "<a@[]>",
        "<a@[example.com]>",
        "<a@[IPv6:]>",
        "<a@[IPv6:zz::1]>",
        "<a@[IPv6:2001 :db8::1]>",
        "<a@[IPv6:1234]>",
        "<a@[192.0.2.1]x>",
        "<a@b.example\u0000>",
    })
    void invalidPaths(String path) {
        assertThatThrownBy(() -> forward(path)).as(path).isInstanceOf(PathParser.PathException.class);
        assertThatThrownBy(() -> reverse(path)).as(path).isInstanceOf(PathParser.PathException.class);
    }

    /** RFC 5321 4.1.3: Snum = 1*3DIGIT, and DIGIT is %x30-39 (RFC 5234) — not any Unicode digit. */
    @ParameterizedTest
    @ValueSource(strings = {"<a@[\u0661.\u0662.\u0663.\u0664]>", "<a@[\uff11\uff19\uff12.0.2.1]>"})
    void addressLiteralDigitsAreAscii(String path) {
        assertThatThrownBy(() -> forward(path)).as(path).isInstanceOf(PathParser.PathException.class);
    }

    /**
     * RFC 5321 4.1.3: IPv6-hex = 1*4HEXDIG; IPv6-full = 8 groups; IPv6-comp has one "::" and at most 6 groups
     * besides it; IPv6v4-* end in a full IPv4-address-literal.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "<a@[IPv6:12345::1]>",
        "<a@[IPv6:1::2::3]>",
        "<a@[IPv6:1:2:3:4:5:6:7:8:9]>",
        "<a@[IPv6:1:2]>",
        "<a@[IPv6::::]>",
        "<a@[IPv6:::1.2.3]>",
    })
    void ipv6LiteralsOutsideTheGrammarAreRejected(String path) {
        assertThatThrownBy(() -> forward(path)).as(path).isInstanceOf(PathParser.PathException.class);
    }

    @Test
    void localPartUpTo64Octets() throws Exception {
        assertThat(forward("<" + rep('a', 64) + "@x.example>").localPart()).hasSize(64);
        assertThatThrownBy(() -> forward("<" + rep('a', 65) + "@x.example>"))
                .isInstanceOf(PathParser.PathException.class).hasMessageContaining("local part");
        // the quotes count: they are part of the local part as written
        assertThat(forward("<\"" + rep('a', 62) + "\"@x.example>").localPart()).hasSize(64);
        assertThatThrownBy(() -> forward("<\"" + rep('a', 63) + "\"@x.example>"))
                .isInstanceOf(PathParser.PathException.class);
    }

    @Test
    void localPartLimitIsInOctetsNotCharacters() throws Exception {
        assertThat(forward("<" + rep('ü', 32) + "@x.example>").localPart()).hasSize(32); // 64 octets
        assertThatThrownBy(() -> forward("<" + rep('ü', 33) + "@x.example>")) // 33 chars, 66 octets
                .isInstanceOf(PathParser.PathException.class);
        assertThatThrownBy(() -> forward("<" + rep('€', 22) + "@x.example>")) // 22 chars, 66 octets
                .isInstanceOf(PathParser.PathException.class);
    }

    @Test
    void domainOver255OctetsIsRejected() {
        assertThatThrownBy(() -> forward("<a@" + domainOf(256) + ">")).isInstanceOf(PathParser.PathException.class);
        assertThatThrownBy(() -> forward("<a@" + domainOf(400) + ">")).isInstanceOf(PathParser.PathException.class);
    }

    /** RFC 5321 4.5.3.1.3: "The maximum total length of a reverse-path or forward-path is 256 octets (including the punctuation and element separators)." */
    @Test
    void pathOfExactly256OctetsIsAccepted() throws Exception {
        String path = "<" + rep('a', 64) + "@" + domainOf(189) + ">";
        assertThat(path.getBytes(StandardCharsets.UTF_8)).hasSize(256);
        assertThat(forward(path).domain()).hasSize(189);
        assertThat(reverse(path).domain()).hasSize(189);
    }

    @ParameterizedTest
    @ValueSource(ints = {190, 191, 192, 250})
    void pathOver256OctetsIsRejected(int domainLength) {
        String path = "<" + rep('a', 64) + "@" + domainOf(domainLength) + ">";
        assertThat(path.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(256);
        assertThatThrownBy(() -> forward(path)).as("%d octets", path.length()).isInstanceOf(PathParser.PathException.class);
        assertThatThrownBy(() -> reverse(path)).as("%d octets", path.length()).isInstanceOf(PathParser.PathException.class);
    }

    @Test
    void sourceRouteCountsTowardThePathLength() {
        String route = "<@" + domainOf(250) + ":a@b.example>"; // 265 octets
        assertThat(route.length()).isEqualTo(265);
        assertThatThrownBy(() -> forward(route)).isInstanceOf(PathParser.PathException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "<用户@例子.广告>|用户|例子.广告",
        "<δοκιμή@παράδειγμα.δοκιμή>|δοκιμή|παράδειγμα.δοκιμή",
        "<ü@x.example>|ü|x.example",
        "<a@bücher.example>|a|bücher.example",
        "<\"ü b\"@x.example>|\"ü b\"|x.example",
        "<😀@x.example>|😀|x.example",
        "<@bücher.example:a@x.example>|a|x.example",
    })
    void utf8AddressesParseAndNeedSmtpUtf8(String path, String local, String domain) throws Exception {
        Mailbox m = forward(path);
        assertThat(m.localPart()).isEqualTo(local);
        assertThat(m.domain()).isEqualTo(domain);
        assertThat(m.needsSmtpUtf8()).isEqualTo(!path.startsWith("<@"));
        assertThat(reverse(path)).isEqualTo(m);
    }

    @Test
    void asciiAddressesDoNotNeedSmtpUtf8() throws Exception {
        assertThat(forward("<a@b.example>").needsSmtpUtf8()).isFalse();
        assertThat(forward("<\"a b\"@[192.0.2.1]>").needsSmtpUtf8()).isFalse();
        assertThat(forward("<postmaster>").needsSmtpUtf8()).isFalse();
    }

    @Test
    void errorMessagesAreSingleLinesFitForAReply() {
        for (String bad : new String[] {"<a@>", "<a..b@x>", "a@b", "<a@-b.example>", "<\"a@x>", "<a@[1.2.3]>"}) {
            assertThatThrownBy(() -> forward(bad)).satisfies(e -> {
                assertThat(e.getMessage()).isNotBlank().doesNotContain("\r").doesNotContain("\n");
            });
        }
    }
}
