package dev.tern.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import dev.tern.Tern;
import dev.tern.cli.Main;
import dev.tern.config.ConfigLoader;
import dev.tern.e2e.RawSmtp;
import dev.tern.queue.SpoolFiles;
import dev.tern.smtp.client.SmtpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarpit attack of the hardening issue, end to end: a "smarthost" on loopback that says {@code 220-} and then
 * one byte every second, never a whole reply, and 70 messages queued to it (more than the 64 delivery threads).
 * A message to a local user must still be delivered at once, and {@code tern queue delete} must answer at once
 * for a message whose attempt is stuck in the tarpit. The reply time-outs are 20 s here (5 minutes in
 * production): longer than the waits below, so nothing passes by timing out of the tarpit first.
 */
class TarpitTest {
    static final int MESSAGES = 70;
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    Path data;
    Tarpit tarpit;
    Tern tern;

    @BeforeEach
    void setUp() throws IOException {
        data = dir.resolve("data");
        tarpit = new Tarpit();
    }

    @AfterEach
    void tearDown() throws Exception {
        tarpit.close(); // first: the attempts reading it end at once
        if (tern != null) {
            tern.shutdown(Duration.ofSeconds(2));
        }
    }

    String toml(String http) {
        return "hostname = \"a.test\"\n"
                + "data_dir = '" + data.toAbsolutePath() + "'\n"
                + "local_domains = [\"a.test\"]\n"
                + "[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\n"
                + "http = " + http + "\n"
                + "[relay]\ntrusted_networks = [\"127.0.0.0/8\"]\n"
                + "[aliases]\n\"team@a.test\" = [\"carol@a.test\"]\n"
                + "[queue]\nretry_min = \"1h\"\nretry_max = \"2h\"\n"
                + "[delivery]\nsmarthost = \"127.0.0.1:" + tarpit.port() + "\"\nconnect_timeout = \"2s\"\n";
    }

    @Test
    void aTarpitMxStallsNeitherLocalDeliveryNorQueueCommands() throws Exception {
        Duration t = Duration.ofSeconds(20);
        tern = Tern.start(ConfigLoader.parse(toml("[\"127.0.0.1:0\"]"), "a.toml", false), Clock.systemDefaultZone(),
                new SmtpClient.Timeouts(Duration.ofSeconds(2), t, t, t, t, t, t));
        List<String> ids = new ArrayList<>();
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            for (int i = 0; i < MESSAGES; i++) {
                ids.add(c.deliver("<bob@a.test>", "Subject: to the tarpit " + i + "\r\n\r\nx\r\n",
                        "<u" + i + "@tarpit.test>"));
            }
        }
        // every delivery place for the domain is taken by an attempt reading the tarpit
        await("10 connections in the tarpit").atMost(WAIT).until(() -> tarpit.connections.get() >= 10);

        String local;
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            local = c.deliver("<bob@a.test>", "Subject: local\r\n\r\nlocal mail\r\n", "<team@a.test>");
        }
        await("local delivery").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> mailOf("carol@a.test").size() == 1);
        await("the local message finished").atMost(WAIT).until(() -> tern.scheduler().message(local) == null);

        // the first messages queued are the ones in the tarpit now: delete answers at once all the same
        Path cli = dir.resolve("cli.toml");
        Files.writeString(cli, toml("[\"127.0.0.1:" + tern.address("http").getPort() + "\"]"));
        for (String id : ids.subList(0, 10)) {
            int rc = assertTimeoutPreemptively(WAIT, () -> tern(cli, "queue", "delete", id));
            assertThat(rc).isZero();
            assertThat(tern.scheduler().message(id)).isNull();
        }
        assertThat(tarpit.connections.get()).isLessThanOrEqualTo(10); // never more than max_per_domain at once

        // once the tarpit lets go, the deleted messages leave the spool, and the others wait there
        tarpit.close();
        await("deleted messages gone from the spool").atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(SpoolFiles.queuedIds(data.resolve("spool")))
                        .doesNotContainAnyElementsOf(ids.subList(0, 10))
                        .containsAll(ids.subList(10, MESSAGES)));
    }

    List<Path> mailOf(String address) throws IOException {
        int at = address.indexOf('@');
        Path box = data.resolve("mail").resolve(address.substring(at + 1)).resolve(address.substring(0, at))
                .resolve("new");
        if (!Files.isDirectory(box)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(box)) {
            return s.toList();
        }
    }

    static int tern(Path config, String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--config", config.toString())).toArray(String[]::new);
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            return Main.run(all);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** Accepts every connection, sends {@code 220-}, then one byte a second; counts the connections open. */
    static final class Tarpit implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
        final CountDownLatch stop = new CountDownLatch(1);
        final Thread acceptor = Thread.ofVirtual().start(this::accept);

        Tarpit() throws IOException {
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (stop.getCount() > 0) {
                try {
                    Socket s = server.accept();
                    open.add(s);
                    Thread.ofVirtual().start(() -> drip(s));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void drip(Socket s) {
            connections.incrementAndGet();
            try (s) {
                OutputStream o = s.getOutputStream();
                o.write("220-".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                while (!stop.await(1, TimeUnit.SECONDS)) {
                    o.write('x');
                    o.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the client gave up
            } finally {
                connections.decrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            stop.countDown();
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
