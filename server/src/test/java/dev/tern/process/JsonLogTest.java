package dev.tern.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.auth.UserStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [log] format = "json"}: a real server writes every log line, startup included, as one JSON object, and
 * a delivered message leaves its accepted and delivery lines with their facts as fields.
 */
class JsonLogTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDeliveredMessageIsLoggedAsJson(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new UserStore(data.resolve("users")).add("alice@example.test", "pw".toCharArray());
        Path cfg = ServerProcess.writeConfig(dir, data, "[log]\nformat = \"json\"\n");
        try (ServerProcess server = ServerProcess.start(cfg);
             Socket s = new Socket("127.0.0.1", server.smtpPort())) {
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            out.write(("EHLO client.test\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                    + "Subject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("221")) {
                assertThat(line).doesNotStartWith("4").doesNotStartWith("5");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> server.output().contains("\"status\":\"sent\""));
            assertThat(server.terminate(60)).isZero();

            List<JsonNode> logs = new ArrayList<>();
            for (String l : server.output().split("\n")) {
                if (!l.startsWith("tern: ")) { // the serve command's own announcements, not log lines
                    assertThat(l).startsWith("{");
                    logs.add(JSON.readTree(l));
                }
            }
            assertThat(logs).anyMatch(j -> j.get("loggerName").asText().equals("dev.tern.Tern"));
            Map<String, String> accepted = facts(logs, "accepted");
            assertThat(accepted).containsEntry("ip", "127.0.0.1").containsEntry("helo", "client.test")
                    .containsEntry("from", "s@example.org").containsEntry("nrcpt", "1").containsKey("queue_id");
            Map<String, String> delivery = facts(logs, "delivery");
            assertThat(delivery).containsEntry("queue_id", accepted.get("queue_id"))
                    .containsEntry("to", "alice@example.test").containsEntry("status", "sent");
        }
    }

    /** The facts of the one line whose event is {@code event}. */
    private static Map<String, String> facts(List<JsonNode> logs, String event) {
        List<Map<String, String>> found = new ArrayList<>();
        for (JsonNode j : logs) {
            Map<String, String> m = new LinkedHashMap<>();
            if (j.has("kvpList")) {
                j.get("kvpList").forEach(p -> p.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().asText())));
            }
            if (event.equals(m.get("event"))) {
                found.add(m);
            }
        }
        assertThat(found).hasSize(1);
        return found.get(0);
    }
}
