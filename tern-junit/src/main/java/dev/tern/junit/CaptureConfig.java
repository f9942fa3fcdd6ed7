package dev.tern.junit;

import dev.tern.checks.ChecksSettings;
import dev.tern.config.Cidr;
import dev.tern.config.Config;
import dev.tern.defence.DefenceSettings;
import dev.tern.queue.Spool;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The configuration of a test server that the test left as it is, built in code: what {@link TernMail#toml}
 * gives {@code ConfigLoader}, key for key, without loading the TOML parser and Jackson (about 430 classes, a
 * good part of a first start). {@code CaptureConfigTest} holds the two equal, so a default changed in
 * {@code config.Keys} fails that test rather than drifting here.
 */
final class CaptureConfig {
    private static final List<Config.HostPort> LOOPBACK = List.of(new Config.HostPort(TernMail.HOST, 0));

    private CaptureConfig() {
    }

    static Config of(Path dataDir, Path certificate, Path privateKey) {
        return new Config(null, "localhost", dataDir.toAbsolutePath(), List.of("localhost"),
                new Config.Listen(LOOPBACK, LOOPBACK, LOOPBACK, LOOPBACK, LOOPBACK, LOOPBACK, LOOPBACK, List.of(),
                        List.of()),
                new Config.Limits(35L * 1024 * 1024, 100, 10_000, 50, Duration.ofSeconds(30), 10),
                new Config.Relay(List.of()),
                Map.of(),
                new Config.Queue(Duration.ofMinutes(1), Duration.ofMinutes(15), Duration.ofHours(4),
                        Duration.ofDays(5), Spool.JOURNAL_MAX),
                new Config.Delivery(25, null, Duration.ofSeconds(30), 64, 10, Duration.ofSeconds(5), 100),
                new Config.Dns(List.of()),
                new Config.Tls(certificate, privateKey),
                new Config.Smtp(true, false),
                new Config.Submission(true, false, false, false),
                new Config.Auth(10, Duration.ofMinutes(15), Duration.ZERO),
                new Config.Pop3(false, Duration.ofMinutes(10), false),
                new Config.Imap(false, Duration.ofMinutes(30), false),
                new Config.Http(List.of(network(new byte[] {127, 0, 0, 0}, 8), network(ipv6Loopback(), 128))),
                new Config.Log(false),
                new ChecksSettings(true, true, true, true, false, Duration.ofSeconds(5), "Junk"),
                new DefenceSettings(new DefenceSettings.Lists(List.of(), List.of(), 1, Duration.ofSeconds(5)),
                        Duration.ZERO, false, new DefenceSettings.Rates(60, 1000, 5000, 50, 200, 1000),
                        new DefenceSettings.Greylisting(false, Duration.ofMinutes(5), Duration.ofDays(35))),
                "tern-junit"); // what a refused reload names, as for the text TernMail.toml gives ConfigLoader.parse
    }

    private static byte[] ipv6Loopback() {
        byte[] a = new byte[16];
        a[15] = 1;
        return a;
    }

    private static Cidr network(byte[] address, int prefixLength) {
        try {
            return new Cidr(InetAddress.getByAddress(address), prefixLength);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length
        }
    }
}
