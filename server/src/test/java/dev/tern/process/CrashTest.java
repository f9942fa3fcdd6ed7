package dev.tern.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.auth.UserStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability contract against a real process: several clients send while the server is killed with
 * SIGKILL, twice; after a restart every message that got its 250 is in the Maildir exactly once, complete,
 * and no message is there twice.
 */
class CrashTest {
    static final String RCPT = "alice@example.test";

    @Test
    void sigkillLosesNoAcknowledgedMessageAndDuplicatesNone(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add(RCPT, "secret".toCharArray());
        Path cfg = ServerProcess.writeConfig(dir, data, "");
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> sent = ConcurrentHashMap.newKeySet();

        for (int cycle = 0; cycle < 2; cycle++) {
            try (ServerProcess server = ServerProcess.start(cfg)) {
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> senders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    String prefix = "c" + cycle + "t" + t + "m";
                    senders.add(Thread.ofPlatform().start(() -> send(server.smtpPort(), prefix, stop, sent, acked)));
                }
                int before = acked.size();
                // let traffic flow until a good number of messages were acknowledged in this cycle (bounded)
                await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() - before >= 60);
                server.kill();
                stop.set(true);
                for (Thread s : senders) {
                    s.join(30_000);
                }
            }
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(120);

        try (ServerProcess server = ServerProcess.start(cfg)) {
            Path newDir = data.resolve("mail/example.test/alice/new");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> markers(newDir).keySet().containsAll(acked));
            await().atMost(Duration.ofSeconds(30)).until(() -> spoolEmpty(data));
            Map<String, Integer> found = markers(newDir);
            for (String m : acked) {
                assertThat(found.get(m)).as("copies of acknowledged message %s", m).isEqualTo(1);
            }
            found.forEach((m, n) -> {
                assertThat(n).as("copies of message %s", m).isEqualTo(1);
                assertThat(sent).contains(m);
            });
            assertThat(server.terminate(60)).isZero();
        }
    }

    @Test
    void aMessageCutOffBySigkillIsNeitherDeliveredNorKeptAndItsSlotIsReused(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add(RCPT, "secret".toCharArray());
        Path cfg = ServerProcess.writeConfig(dir, data, "");
        Path newDir = data.resolve("mail/example.test/alice/new");
        Path slots = data.resolve("spool/slots");

        try (ServerProcess server = ServerProcess.start(cfg)) {
            sendOne(server.smtpPort(), "first");
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(newDir).containsKey("first") && spoolEmpty(data));
            // half a message, ending in a trailer of the spool's format that the client made up, then SIGKILL
            try (Data d = startData(server.smtpPort())) {
                byte[] whole = message("cut", 300);
                d.out().write(whole, 0, whole.length - 200); // not the end: no "." line
                d.out().write("TERN2 END 0123456789abcdef 0000000000000010 01234567\r\n".getBytes(StandardCharsets.US_ASCII));
                d.out().flush();
                await().atMost(Duration.ofSeconds(30)).until(() -> largestSlot(slots) > 250_000);
                server.kill();
            }
        }
        try (ServerProcess server = ServerProcess.start(cfg)) {
            // the recovery runs once the listener is open; the slot it empties then takes the next message
            awaitRecovered(server);
            assertThat(server.output()).contains("cut off by a stop before it was acknowledged");
            sendOne(server.smtpPort(), "second");
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(newDir).containsKey("second") && spoolEmpty(data));
            assertThat(markers(newDir)).containsOnlyKeys("first", "second");
            try (Stream<Path> files = Files.list(slots)) {
                assertThat(files.toList()).as("slots, reused rather than created").hasSize(1);
            }
            assertThat(server.terminate(60)).isZero();
        }
    }

    /**
     * The spool is recovered in the background while new mail is taken. Here the recovery is held in the middle
     * (a named pipe among the slots: opening it blocks until a writer comes, which none does), new messages are
     * accepted and delivered meanwhile, and the server is killed while clients still send; after a restart with
     * the pipe gone, every message queued before and every message acknowledged during the recovery is delivered
     * exactly once.
     */
    @Test
    void sigkillDuringTheBackgroundRecoveryLosesNoMessageAndDuplicatesNone(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add(RCPT, "secret".toCharArray());
        Path cfg = ServerProcess.writeConfig(dir, data, "[queue]\nretry_min = \"200ms\"\nretry_max = \"1s\"");
        Path box = data.resolve("mail/example.test/alice");
        Path newDir = box.resolve("new");
        Path slots = data.resolve("spool/slots");
        Files.createDirectories(box.getParent());
        Files.writeString(box, "not a directory: local delivery is deferred"); // keeps the messages queued
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> sent = ConcurrentHashMap.newKeySet();

        try (ServerProcess server = ServerProcess.start(cfg)) {
            for (int i = 0; i < 20; i++) {
                sendOne(server.smtpPort(), "old" + i);
                sent.add("old" + i);
                acked.add("old" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> server.output().split("status=deferred", -1).length > 20);
            server.kill();
        }
        Path pipe = slots.resolve(String.format("%08d", 1000));
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
        Files.delete(box);

        try (ServerProcess server = ServerProcess.start(cfg)) {
            assertThat(server.output()).contains("recovering the spool in the background");
            for (int i = 0; i < 10; i++) {
                sendOne(server.smtpPort(), "new" + i);
                sent.add("new" + i);
                acked.add("new" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> markers(newDir).keySet().containsAll(
                    Set.of("new0", "new1", "new2", "new3", "new4", "new5", "new6", "new7", "new8", "new9")));
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                String prefix = "during" + t + "m";
                senders.add(Thread.ofPlatform().start(() -> send(server.smtpPort(), prefix, stop, sent, acked)));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= 50);
            assertThat(markers(newDir).keySet()).as("queued before, not yet recovered").noneMatch(m -> m.startsWith("old"));
            assertThat(server.output()).doesNotContain("message(s) from the spool in");
            server.kill();
            stop.set(true);
            for (Thread t : senders) {
                t.join(30_000);
            }
        }
        Files.delete(pipe);

        try (ServerProcess server = ServerProcess.start(cfg)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> markers(newDir).keySet().containsAll(acked));
            await().atMost(Duration.ofSeconds(30)).until(() -> spoolEmpty(data));
            Map<String, Integer> found = markers(newDir);
            found.forEach((m, n) -> {
                assertThat(n).as("copies of message %s", m).isEqualTo(1);
                assertThat(sent).contains(m);
            });
            assertThat(server.terminate(60)).isZero();
        }
    }

    /**
     * A message's slot is truncated with no fsync of its own once its ID is in {@code spool/finished}; a power loss
     * may undo that truncation. Here a real server delivers a message, the user deletes the copy, the server is
     * killed, and the slot gets back the message's bytes (as a power loss could leave it): the next start must
     * not deliver it again.
     */
    @Test
    void aFinishedMessageWhoseTruncationIsUndoneIsNotDeliveredAgain(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add(RCPT, "secret".toCharArray());
        // in a slot (the journal's own windows are JournalCrashTest's)
        Path cfg = ServerProcess.writeConfig(dir, data,
                "[queue]\nretry_min = \"100ms\"\nretry_max = \"1s\"\njournal_max_message = 0");
        Path box = data.resolve("mail/example.test/alice");
        Path newDir = box.resolve("new");
        Path slots = data.resolve("spool/slots");
        Files.createDirectories(box.getParent());
        Files.writeString(box, "not a directory: local delivery is deferred"); // keeps the message in its slot

        try (ServerProcess server = ServerProcess.start(cfg)) {
            sendOne(server.smtpPort(), "first");
            await().atMost(Duration.ofSeconds(30)).until(() -> server.output().contains("status=deferred"));
            server.kill();
        }
        Path slot;
        try (Stream<Path> files = Files.list(slots)) {
            slot = files.filter(f -> !f.getFileName().toString().contains(".")).findFirst().orElseThrow();
        }
        byte[] queued = Files.readAllBytes(slot);
        assertThat(new String(queued, StandardCharsets.US_ASCII)).contains("X-Marker: first");
        Files.delete(box);

        try (ServerProcess server = ServerProcess.start(cfg)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(newDir).containsKey("first") && spoolEmpty(data));
            try (Stream<Path> files = Files.list(newDir)) {
                for (Path f : files.toList()) {
                    Files.delete(f); // the user fetched and deleted it
                }
            }
            server.kill();
        }
        assertThat(slot).isEmptyFile();
        Files.write(slot, queued); // what a power loss could leave: the truncation undone, spool/finished kept

        try (ServerProcess server = ServerProcess.start(cfg)) {
            awaitRecovered(server);
            assertThat(server.output()).contains("was finished before the stop; its slot is emptied");
            sendOne(server.smtpPort(), "second");
            await().atMost(Duration.ofSeconds(30)).until(() -> markers(newDir).containsKey("second") && spoolEmpty(data));
            assertThat(markers(newDir)).containsOnlyKeys("second");
            assertThat(server.terminate(60)).isZero();
        }
        // emptied at the start (every slot fsynced first): only the second message is named there now
        assertThat(new dev.tern.io.AppendLog(data.resolve("spool/finished")).read()).hasSize(1);
    }

    /** Waits until the server's background recovery has handed over what it found. */
    static void awaitRecovered(ServerProcess server) {
        await().atMost(Duration.ofSeconds(60)).until(() -> server.output().contains("message(s) from the spool in"));
    }

    private static long largestSlot(Path slots) throws IOException {
        try (Stream<Path> files = Files.list(slots)) {
            long max = 0;
            for (Path f : files.toList()) {
                max = Math.max(max, Files.size(f));
            }
            return max;
        }
    }

    /** A connection that said EHLO, MAIL, RCPT and DATA and was told 354: the content goes to {@code out}. */
    record Data(Socket socket, BufferedReader in, OutputStream out) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static Data startData(int port) throws IOException {
        return startData(port, RCPT);
    }

    static Data startData(int port, String rcpt) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        try {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            out.write("EHLO crash.test\r\n".getBytes(StandardCharsets.US_ASCII));
            expect(in, "250");
            out.write(("MAIL FROM:<sender@example.org>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            expect(in, "250");
            expect(in, "250");
            expect(in, "354");
            return new Data(s, in, out);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sends one complete message and checks it is acknowledged. */
    static void sendOne(int port, String marker) throws IOException {
        sendOne(port, marker, RCPT);
    }

    static void sendOne(int port, String marker, String rcpt) throws IOException {
        try (Data d = startData(port, rcpt)) {
            d.out().write(message(marker, 2));
            expect(d.in(), "250");
            d.out().write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            expect(d.in(), "221");
        }
    }

    /** Sends messages one after another, reconnecting after failures, until stopped. */
    private static void send(int port, String prefix, AtomicBoolean stop, Set<String> sent, Set<String> acked) {
        int n = 0;
        while (!stop.get()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                expect(in, "220");
                out.write("EHLO crash.test\r\n".getBytes(StandardCharsets.US_ASCII));
                expect(in, "250");
                while (!stop.get()) {
                    String marker = prefix + (n++);
                    sent.add(marker);
                    out.write(("MAIL FROM:<sender@example.org>\r\nRCPT TO:<" + RCPT + ">\r\nDATA\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    expect(in, "250");
                    expect(in, "250");
                    expect(in, "354");
                    out.write(message(marker, n % 7 == 0 ? 200 : 2));
                    out.flush();
                    if (expect(in, "250")) {
                        acked.add(marker);
                    }
                }
            } catch (IOException e) {
                // the server was killed or the connection broke: try again unless told to stop
                sleep(20);
            }
        }
    }

    /** A message with its marker in a header and on its last line; {@code kilobytes} of body in between. */
    static byte[] message(String marker, int kilobytes) {
        StringBuilder sb = new StringBuilder();
        sb.append("Subject: crash test ").append(marker).append("\r\nX-Marker: ").append(marker).append("\r\n\r\n");
        String line = "0123456789".repeat(10) + "\r\n";
        for (int i = 0; i < kilobytes * 10; i++) {
            sb.append(line);
        }
        sb.append("END ").append(marker).append("\r\n.\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a reply (all its lines); true if its code is the one expected, IOException otherwise. */
    static boolean expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) {
            throw new IOException("expected " + code + " but got " + line);
        }
        return true;
    }

    /** Marker → number of complete copies in the Maildir; an incomplete file fails the test at once. */
    static Map<String, Integer> markers(Path newDir) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        if (!Files.isDirectory(newDir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(newDir)) {
            for (Path f : files.toList()) {
                String text = Files.readString(f, StandardCharsets.US_ASCII);
                int i = text.indexOf("X-Marker: ");
                assertThat(i).as("marker header in %s", f).isPositive();
                String marker = text.substring(i + 10, text.indexOf("\r\n", i));
                assertThat(text).as("%s is complete", f).endsWith("END " + marker + "\r\n");
                out.merge(marker, 1, Integer::sum);
            }
        }
        return out;
    }

    /** False too while the server is writing a slot (read half-written, it "ends early"): not empty yet. */
    static boolean spoolEmpty(Path data) {
        try {
            return dev.tern.queue.SpoolFiles.isEmpty(data.resolve("spool"));
        } catch (java.io.UncheckedIOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
