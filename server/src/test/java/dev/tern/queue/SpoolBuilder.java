package dev.tern.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * Writes a deferred queue of many messages straight into a data directory's spool, in the spool's own format
 * and without an fsync each (a test fixture, not a way to queue mail): each message has one remote recipient,
 * deferred after {@code attempts} attempts, next tried within {@code retry_max}. For {@code bench/queue-scale.sh}
 * and the tests that need a big queue. Run as {@code SpoolBuilder DATA_DIR COUNT [SIZE [OVERDUE_PERCENT]]}: that
 * share of the messages (default none) was due in the hour before {@code now}, as after a server stopped for an
 * hour, so they are due at start.
 */
public final class SpoolBuilder {
    private SpoolBuilder() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SpoolBuilder DATA_DIR COUNT [SIZE [OVERDUE_PERCENT]]");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        int n = Integer.parseInt(args[1]);
        build(Path.of(args[0]), n, args.length > 2 ? Integer.parseInt(args[2]) : 1024,
                args.length > 3 ? Integer.parseInt(args[3]) : 0, Instant.now());
        System.out.printf("spool-builder: %d messages in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Writes {@code count} deferred messages of about {@code size} octets into {@code dataDir/spool}, arrived in
     * the hour before {@code now}, each next tried between 1 and 15 minutes after {@code now}.
     */
    public static void build(Path dataDir, int count, int size, Instant now) throws IOException {
        build(dataDir, count, size, 0, now);
    }

    /** As above, with {@code overduePercent} of the messages due at some time in the hour before {@code now}. */
    public static void build(Path dataDir, int count, int size, int overduePercent, Instant now) throws IOException {
        Path slots = dataDir.resolve("spool").resolve("slots");
        Path queue = dataDir.resolve("spool").resolve("queue");
        Files.createDirectories(slots);
        Files.createDirectories(queue);
        Random random = new Random(17);
        long firstId = now.minus(Duration.ofHours(1)).toEpochMilli() * 1000;
        String line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";
        for (int i = 0; i < count; i++) {
            String id = Long.toHexString(firstId + i * 30L).toUpperCase(java.util.Locale.ROOT);
            Instant arrival = now.minus(Duration.ofHours(1)).plusMillis(i * 30L / 1000);
            String to = "user" + i + "@deferred" + (i % 100) + ".example";
            Envelope env = new Envelope(id, "sender@example.org", arrival, "192.0.2.1", "client.example.org",
                    "ESMTP", false, null, null, null, List.of(new Envelope.Recipient(to, to, null, null)));
            StringBuilder content = new StringBuilder("Received: from client.example.org ([192.0.2.1])\r\n"
                    + "Subject: message " + i + "\r\nMessage-ID: <" + id + "@example.org>\r\n\r\n");
            while (content.length() < size) {
                content.append(line);
            }
            byte[] body = content.toString().getBytes(StandardCharsets.US_ASCII);
            ContentFacts facts = ContentFacts.of(body);
            long seal = random.nextLong();
            byte[] json = SlotFormat.JSON.writeValueAsBytes(env);
            byte[] head = SlotFormat.header(seal, json);
            CRC32C crc = new CRC32C();
            crc.update(head);
            crc.update(json);
            crc.update('\n');
            crc.update(body);
            crc.update(facts.bytes());
            byte[] trailer = SlotFormat.trailer(seal, body.length, facts, 0, java.util.Set.of(), crc.getValue());
            byte[] file = new byte[head.length + json.length + 1 + body.length + trailer.length];
            int at = 0;
            for (byte[] part : new byte[][] {head, json, {'\n'}, body, trailer}) {
                System.arraycopy(part, 0, file, at, part.length);
                at += part.length;
            }
            Files.write(slots.resolve(SlotFormat.slotName(i)), file);

            boolean overdue = i % 100 < overduePercent;
            Instant last = now.minusSeconds(random.nextInt(60));
            Instant next = overdue ? now.minusSeconds(60 + random.nextInt(59 * 60))
                    : now.plusSeconds(60 + random.nextInt(14 * 60));
            last = overdue ? next.minusSeconds(420) : last;
            RecipientState.Entry e = new RecipientState.Entry(RecipientState.Status.DEFERRED, 3,
                    "451 4.3.0 try again later", last, next, "4.3.0", "dns; mx." + to.substring(to.indexOf('@') + 1),
                    "smtp; 451 4.3.0 try again later", "mx" + (i % 100) + ".example[192.0.2.25]:25", false, false,
                    false);
            Files.write(queue.resolve(id + ".state"), SlotFormat.JSON.writeValueAsBytes(List.of(e)));
        }
        // the queue ID lease a server that wrote these would have left: every ID above is free
        Files.writeString(dataDir.resolve("spool").resolve("ids"),
                Long.toHexString(firstId + count * 30L + QueueIds.LEASE) + "\n");
    }
}
