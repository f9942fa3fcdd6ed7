package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.log.LogCapture;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The MX listener behind a load balancer: 127.0.0.1 is the trusted proxy and sends PROXY headers naming other
 * clients, whose addresses then decide relaying and appear in the Received header and the log.
 */
class ProxyProtocolTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().trustedProxies("127.0.0.1/32").trustedNetworks("198.51.100.0/24")
            .toml("[smtp]\nproxy_protocol = true");
    final LogCapture log = new LogCapture();

    @AfterEach
    void close() {
        log.close();
    }

    private RawSmtp proxied(byte[] header) throws Exception {
        RawSmtp c = RawSmtp.connect(tern.smtp());
        c.write(header);
        c.read().expect(220);
        c.cmd("EHLO client.test").expect(250);
        return c;
    }

    private static byte[] v1(String line) {
        return (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 PROXY TCP4 header from {@code client} (4 bytes, hex) port 4000 to 127.0.0.1:25, with one TLV. */
    private static byte[] v2(String clientHex) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "21" + "11" + "0012"));
        b.writeBytes(HexFormat.of().parseHex(clientHex + "7f000001" + "0fa0" + "0019" + "040003000000"));
        return b.toByteArray();
    }

    @Test
    void aV1HeaderNamesTheClientOfTheReceivedHeaderAndTheLog() throws Exception {
        String id;
        try (RawSmtp c = proxied(v1("PROXY TCP4 192.0.2.7 127.0.0.1 56324 25"))) {
            // 192.0.2.7 is not in relay.trusted_networks, though the proxy's own 127.0.0.1 would not be either
            c.mailFrom("<a@b.example>");
            c.cmd("RCPT TO:<someone@elsewhere.example>").expect(554, "5.7.1");
            c.rcptTo("<" + ALICE + ">");
            id = RawSmtp.queueId(c.data("Subject: proxied\r\n\r\nvia a balancer\r\n"));
        }
        String msg = TernFixture.read(tern.awaitDelivery(ALICE, id));
        assertThat(TernFixture.unfoldedHeader(msg)).contains("[192.0.2.7]").doesNotContain("127.0.0.1");
        assertThat(log.containing(id + ": client=[192.0.2.7]")).hasSize(1);
    }

    @Test
    void spfJudgesTheAddressTheProxyNamed() throws Exception {
        tern.dns().txt("b.example", "v=spf1 ip4:192.0.2.7 -all"); // the client behind the proxy, not 127.0.0.1
        String id;
        try (RawSmtp c = proxied(v1("PROXY TCP4 192.0.2.7 127.0.0.1 56324 25"))) {
            c.mailFrom("<a@b.example>");
            c.rcptTo("<" + ALICE + ">");
            id = RawSmtp.queueId(c.data("Subject: proxied\r\n\r\nvia a balancer\r\n"));
        }
        assertThat(TernFixture.unfoldedHeader(TernFixture.read(tern.awaitDelivery(ALICE, id))))
                .contains("Authentication-Results: mx.test; spf=pass (");
    }

    @Test
    void aV2HeaderNamesAClientThatMayRelay() throws Exception {
        try (RawSmtp c = proxied(v2("c6336409"))) { // 198.51.100.9, in relay.trusted_networks
            c.mailFrom("<a@b.example>");
            c.rcptTo("<someone@elsewhere.example>");
            assertThat(RawSmtp.queueId(c.data("Subject: relayed\r\n\r\nout\r\n"))).isNotEmpty();
        }
        // the accepted line is written just after the 250
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(log.containing("client=[198.51.100.9]")).hasSize(1));
    }

    @Test
    void aV2LocalHeaderIsTheProxyItself() throws Exception {
        try (RawSmtp c = proxied(HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "20" + "00" + "0000"))) {
            c.cmd("QUIT").expect(221);
        }
    }

    @Test
    void aMalformedOrMissingHeaderIsClosedWithoutAReply() throws Exception {
        for (String first : new String[] {"EHLO client.test\r\n", "PROXY TCP4 192.0.2.7 127.0.0.1 56324\r\n"}) {
            try (RawSmtp c = RawSmtp.connect(tern.smtp())) {
                c.write(first);
                assertThat(c.readUntilClosed()).isEmpty();
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> log.containing("closed, PROXY protocol").size() == 2);
        assertThat(log.containing("connect from [127.0.0.1] on smtp: closed, PROXY protocol: (")).hasSize(2);
    }

    @Test
    void anUntrustedPeerIsClosedWithoutAReply() throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            s.connect(tern.smtp(), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(v1("PROXY TCP4 192.0.2.7 127.0.0.1 56324 25"));
            assertThat(s.getInputStream().readAllBytes()).isEmpty();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !log.containing("[127.0.0.2]").isEmpty());
        assertThat(log.containing("connect from [127.0.0.2] on smtp: closed, PROXY protocol: (not a trusted proxy)"))
                .hasSize(1);
    }
}
