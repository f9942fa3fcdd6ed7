package dev.tern.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.net.ProxyHeader.Result;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyHeaderTest {

    /** Parses {@code b} as the caller does: reading only what Incomplete asks for, never past the header. */
    static Result feed(byte[] b) {
        int len = 0;
        while (true) {
            Result r = ProxyHeader.parse(Arrays.copyOf(b, Math.max(len, ProxyHeader.V1_MAX)), len);
            if (!(r instanceof Result.Incomplete i)) {
                return r;
            }
            assertThat(i.need()).isGreaterThan(len);
            if (i.need() > b.length) {
                return r;
            }
            len = i.need();
        }
    }

    private static Result v1(String line) {
        return feed((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25|192.0.2.7|56324",
        "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535|255.255.255.255|65535",
        "PROXY TCP6 2001:db8::7 2001:db8::1 4000 587|2001:db8::7|4000",
        "PROXY TCP6 ffff:f...f:ffff ::1 0 1|-|-",
        "PROXY TCP6 ::ffff:192.0.2.7 ::1 1 110|::ffff:192.0.2.7|1",
    })
    void v1NamesTheClient(String line, String ip, String port) throws Exception {
        Result r = v1(line);
        if (ip.equals("-")) {
            assertThat(r).isInstanceOf(Result.Malformed.class);
            return;
        }
        assertThat(r).isEqualTo(new Result.Proxied(
                new InetSocketAddress(InetAddress.getByName(ip), Integer.parseInt(port)), line.length() + 2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROXY UNKNOWN", "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535"})
    void v1UnknownMeansThePeer(String line) {
        assertThat(v1(line)).isEqualTo(new Result.Local(line.length() + 2));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY TCP4 192.0.2.7 198.51.100.1 56324",          // a field short
        "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25 x",     // a field too many
        "PROXY TCP4 192.0.2.7  198.51.100.1 56324 25",      // two spaces
        "PROXY TCP4 2001:db8::7 198.51.100.1 56324 25",     // v6 address under TCP4
        "PROXY TCP6 192.0.2.7 2001:db8::1 56324 25",        // v4 address under TCP6
        "PROXY TCP4 192.0.2.256 198.51.100.1 56324 25",
        "PROXY TCP4 192.0.2.07 198.51.100.1 56324 25",      // leading zero
        "PROXY TCP4 192.0.2.7 198.51.100.1 65536 25",       // port too large
        "PROXY TCP4 192.0.2.7 198.51.100.1 0056 25",        // leading zero in a port
        "PROXY TCP4 192.0.2.7 198.51.100.1 -1 25",
        "PROXY UDP4 192.0.2.7 198.51.100.1 56324 25",
        "PROXY tcp4 192.0.2.7 198.51.100.1 56324 25",
        "PROXY",
        "EHLO client.example",
        "proxy TCP4 192.0.2.7 198.51.100.1 56324 25",
    })
    void malformedV1IsRefused(String line) {
        assertThat(v1(line)).isInstanceOf(Result.Malformed.class);
    }

    @Test
    void v1NeedsCrlfAndAtMost107Bytes() {
        assertThat(feed("PROXY UNKNOWN\n".getBytes(StandardCharsets.US_ASCII))).isInstanceOf(Result.Malformed.class);
        assertThat(feed("PROXY TCP4 1.2.3.4\u0000 5.6.7.8 1 2\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(Result.Malformed.class);
        String longest = "PROXY UNKNOWN " + "x".repeat(ProxyHeader.V1_MAX - 16);
        assertThat(v1(longest)).isEqualTo(new Result.Local(ProxyHeader.V1_MAX));
        assertThat(v1(longest + "x")).isEqualTo(new Result.Malformed("v1 line longer than 107 bytes"));
        // an endless line is refused at 107 bytes, not read on
        byte[] endless = ("PROXY UNKNOWN " + "x".repeat(500)).getBytes(StandardCharsets.US_ASCII);
        assertThat(feed(endless)).isInstanceOf(Result.Malformed.class);
    }

    @Test
    void truncatedHeadersAskForMore() {
        byte[] line = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int n = 0; n < line.length; n++) {
            assertThat(feed(Arrays.copyOf(line, n))).isInstanceOf(Result.Incomplete.class);
        }
        byte[] v2 = v2(0x21, 0x11, "c0000207c633640100fa0019");
        for (int n = 0; n < v2.length; n++) {
            assertThat(feed(Arrays.copyOf(v2, n))).as("%d bytes", n).isInstanceOf(Result.Incomplete.class);
        }
    }

    /** A v2 header: signature, version/command, family/transport, length, then {@code hex}. */
    static byte[] v2(int versionCommand, int familyTransport, String hex) {
        byte[] body = HexFormat.of().parseHex(hex);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ProxyHeader.V2_SIGNATURE);
        out.write(versionCommand);
        out.write(familyTransport);
        out.write(body.length >> 8);
        out.write(body.length & 0xFF);
        out.writeBytes(body);
        return out.toByteArray();
    }

    @Test
    void v2Tcp4AndTcp6NameTheClient() throws Exception {
        // 192.0.2.7:250 -> 198.51.100.1:25
        assertThat(feed(v2(0x21, 0x11, "c0000207c633640100fa0019"))).isEqualTo(
                new Result.Proxied(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 250), 28));
        // 2001:db8::7 port 40000 -> 2001:db8::1 port 587
        String v6 = "20010db8000000000000000000000007" + "20010db8000000000000000000000001" + "9c40" + "024b";
        assertThat(feed(v2(0x21, 0x21, v6))).isEqualTo(
                new Result.Proxied(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 40000), 52));
    }

    @Test
    void v2TlvsAreSkipped() throws Exception {
        // PP2_TYPE_ALPN "h2", then PP2_TYPE_NOOP of 3 bytes: part of the header, not of the client's data
        byte[] h = v2(0x21, 0x11, "c0000207c633640100fa0019" + "010002" + "6832" + "040003" + "000000");
        assertThat(feed(h)).isEqualTo(
                new Result.Proxied(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 250), h.length));
    }

    @Test
    void v2LocalIsAHealthCheckFromTheProxyItself() {
        assertThat(feed(v2(0x20, 0x00, ""))).isEqualTo(new Result.Local(16));
        // LOCAL with an address block: still the proxy's own connection, the block ignored
        assertThat(feed(v2(0x20, 0x11, "c0000207c633640100fa0019"))).isEqualTo(new Result.Local(28));
        // PROXY with UNSPEC or UNIX addresses: no IP address to use
        assertThat(feed(v2(0x21, 0x00, ""))).isEqualTo(new Result.Local(16));
        assertThat(feed(v2(0x21, 0x31, "00".repeat(216)))).isEqualTo(new Result.Local(232));
    }

    @Test
    void malformedV2IsRefused() {
        assertThat(feed(v2(0x11, 0x11, "c0000207c633640100fa0019"))).isInstanceOf(Result.Malformed.class); // v1
        assertThat(feed(v2(0x22, 0x11, "c0000207c633640100fa0019"))).isInstanceOf(Result.Malformed.class); // cmd 2
        assertThat(feed(v2(0x21, 0x12, "c0000207c633640100fa0019"))).isInstanceOf(Result.Malformed.class); // UDP
        assertThat(feed(v2(0x21, 0x41, "c0000207c633640100fa0019"))).isInstanceOf(Result.Malformed.class); // family
        assertThat(feed(v2(0x21, 0x11, "c0000207c6336401"))).isInstanceOf(Result.Malformed.class); // short block
        assertThat(feed(v2(0x21, 0x21, "c0000207c633640100fa0019"))).isInstanceOf(Result.Malformed.class);
        byte[] badSignature = v2(0x21, 0x11, "c0000207c633640100fa0019");
        badSignature[11] = 0x0B;
        assertThat(feed(badSignature)).isInstanceOf(Result.Malformed.class);
        byte[] tls = HexFormat.of().parseHex("160301020001000100"); // a TLS ClientHello where a header belongs
        assertThat(feed(tls)).isInstanceOf(Result.Malformed.class);
    }
}
