package dev.tern.smtp.server;

import dev.tern.checks.ChecksSettings;
import dev.tern.checks.dmarc.PublicSuffixList;
import dev.tern.dns.DnsjavaLookup;
import dev.tern.dns.Resolvers;
import dev.tern.dns.TestDnsServer;
import dev.tern.smtp.HeaderSniffer;
import dev.tern.smtp.Session;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the MX's checks add to one message of bench/run.sh's tern-checks row, in one thread: the header capture
 * for From:, the DKIM verifier fed the content, then SPF, DKIM's end, DMARC, the decision and the
 * Authentication-Results field ({@link MessageChecks.Run#finish}), with every DNS answer from the cache (as in
 * the bench's steady state; a loopback DNS server answers the first questions). The message is the one
 * smtp-source sends (1 KB, unsigned, From: bench@client.test), the client 127.0.0.1. Run with {@code -prof gc}:
 * gc.alloc.rate.norm is the bytes allocated per message, which the machine's load does not change. Its
 * {@link #main} prints the same per message and the thread's CPU time per message (both counted by the JVM, so
 * a loaded machine distorts them much less than a time per operation):
 * <pre>
 * java -cp "server/target/classes:server/target/test-classes:$(cat server/target/bench.classpath)" \
 *     dev.tern.smtp.server.ChecksBench [MESSAGES]
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChecksBench {
    private TestDnsServer server;
    private MessageChecks checks;
    private InetAddress client;
    private byte[] message;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        server = new TestDnsServer().ttl(300)
                .txt("client.test", "v=spf1 ip4:127.0.0.0/8 -all")
                .txt("_dmarc.client.test", "v=DMARC1; p=reject");
        Clock clock = Clock.systemUTC();
        DnsjavaLookup dns = new DnsjavaLookup(Resolvers.of(List.of(server.address()), Duration.ofSeconds(5)), clock,
                Duration.ofSeconds(5), 10_000);
        checks = new MessageChecks(dns, ChecksSettings.DEFAULTS, "tern.test", clock, PublicSuffixList.bundled(),
                new SplittableRandom(1), a -> false);
        client = InetAddress.getByName("127.0.0.1");
        StringBuilder sb = new StringBuilder("From: <bench@client.test>\r\nTo: <alice@example.test>\r\n"
                + "Date: Tue, 01 Dec 2026 00:00:00 +0000 (UTC)\r\nMessage-Id: <20261201000000.1234@client.test>\r\n"
                + "Subject: bench\r\n\r\n");
        while (sb.length() < 1024) {
            sb.append("La de da de da 1.\r\n");
        }
        message = sb.toString().getBytes(StandardCharsets.US_ASCII);
        if (!one().summary().startsWith("spf=pass dkim=none dmarc=pass")) {
            throw new IllegalStateException("the checks did not pass: " + one().summary());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }

    /** Warms up with MESSAGES (default 200,000) messages, then prints CPU and bytes per message over as many. */
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        ChecksBench b = new ChecksBench();
        b.setup();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try {
            int sink = 0;
            for (int i = 0; i < n; i++) {
                sink += b.one().header().length;
            }
            long cpu = threads.getCurrentThreadCpuTime();
            long bytes = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++) {
                sink += b.one().header().length;
            }
            cpu = threads.getCurrentThreadCpuTime() - cpu;
            bytes = threads.getCurrentThreadAllocatedBytes() - bytes;
            System.out.printf("%d messages: %.2f us CPU and %d bytes allocated per message (%s; %d)%n", n,
                    cpu / 1000.0 / n, bytes / n, b.one().summary(), sink);
        } finally {
            b.tearDown();
        }
    }

    @Benchmark
    public MessageChecks.Outcome one() {
        HeaderSniffer sniffer = new HeaderSniffer(true);
        MessageChecks.Run run = checks.begin(Session.Mode.MX, client, null);
        // as the connection's reader feeds them: the whole 1 KB message in one write
        sniffer.write(message, 0, message.length);
        run.update(message, 0, message.length);
        return run.finish(client, "client.test", "bench@client.test", sniffer.fromFields(), List.of());
    }
}
