package dev.tern.e2e;

import static dev.tern.e2e.TernFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GET /metrics on the HTTP listener: Prometheus' text format, counting what really happened. */
class MetricsTest {
    @RegisterExtension
    final TernFixture tern = new TernFixture().submission().http().imap();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String method) throws Exception {
        var a = tern.tern().address("http");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** Sample name with its labels → value, from the text format. */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = get("GET");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Map<String, Double> out = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return out;
    }

    @Test
    void countsMessagesDeliveriesAndFailedLoginsAndShowsTheJvm() throws Exception {
        Map<String, Double> before = scrape();
        assertThat(before).containsEntry("tern_smtp_messages_total{result=\"accepted\"}", 0.0)
                .containsEntry("tern_queue_messages", 0.0)
                .containsKey("process_uptime_seconds");
        assertThat(before.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                .anyMatch(k -> k.startsWith("jvm_gc_"));

        String id;
        try (RawSmtp c = tern.open()) {
            id = c.deliver("<bob@example.org>", "Subject: counted\r\n\r\nhello\r\n", "<" + ALICE + ">");
            c.mailFrom("<bob@example.org>");
            c.rcptTo("<" + ALICE + ">");
            c.cmd("DATA").expect(354);
            c.write("Subject: bare LF\nbody\r\n.\r\n");
            c.read().expect(550, "5.6.0");
        }
        tern.awaitDelivery(ALICE, id);
        try (RawSmtp c = RawSmtp.connectTls(tern.submissionsAddress(), tern.trustingContext())) {
            c.read().expect(220);
            c.cmd("EHLO client.test").expect(250);
            c.cmd("AUTH PLAIN " + SubmissionTest.plain(ALICE, "wrong")).expect(535, "5.7.8");
        }

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            Map<String, Double> m = scrape();
            assertThat(m).containsEntry("tern_smtp_messages_total{result=\"accepted\"}", 1.0)
                    .containsEntry("tern_smtp_messages_total{result=\"rejected\"}", 1.0)
                    .containsEntry("tern_deliveries_total{status=\"sent\"}", 1.0)
                    .containsEntry("tern_deliveries_total{status=\"deferred\"}", 0.0)
                    .containsEntry("tern_queue_messages", 0.0)
                    .containsEntry("tern_auth_failures_total", 1.0)
                    .containsEntry("tern_auth_blocked_addresses", 0.0);
            assertThat(m.get("tern_smtp_connections_total") - before.get("tern_smtp_connections_total"))
                    .isEqualTo(2.0); // the two sessions above
        });
        assertThat(get("POST").statusCode()).isEqualTo(405);
        assertThat(get("HEAD").statusCode()).isEqualTo(200);
    }

    /** Sends an IMAP command and reads up to its tagged line. */
    private static String imap(java.io.BufferedReader in, java.io.Writer out, String tag, String command)
            throws Exception {
        out.write(tag + " " + command + "\r\n");
        out.flush();
        StringBuilder all = new StringBuilder();
        for (String l; (l = in.readLine()) != null; ) {
            all.append(l).append('\n');
            if (l.startsWith(tag + " ")) {
                break;
            }
        }
        return all.toString();
    }

    @Test
    void countsImapSessionsCommandsLoginsIdleAndBytes() throws Exception {
        var a = tern.tern().address("imaps");
        try (java.net.Socket bad = tern.trustingContext().getSocketFactory().createSocket(a.getAddress(), a.getPort());
             java.net.Socket s = tern.trustingContext().getSocketFactory().createSocket(a.getAddress(), a.getPort())) {
            var badIn = new java.io.BufferedReader(new java.io.InputStreamReader(bad.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            var badOut = new java.io.OutputStreamWriter(bad.getOutputStream(), java.nio.charset.StandardCharsets.UTF_8);
            badIn.readLine();
            assertThat(imap(badIn, badOut, "a", "LOGIN " + ALICE + " wrong")).contains("a NO [AUTHENTICATIONFAILED]");
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            var out = new java.io.OutputStreamWriter(s.getOutputStream(), java.nio.charset.StandardCharsets.UTF_8);
            in.readLine();
            assertThat(imap(in, out, "a", "LOGIN " + ALICE + " pw")).contains("a OK");
            imap(in, out, "b", "SELECT INBOX");
            imap(in, out, "c", "UID FETCH 1:* (FLAGS)");
            imap(in, out, "d", "FETCH 1:* (FLAGS)");
            imap(in, out, "e", "XYZZY");
            out.write("f IDLE\r\n");
            out.flush();
            assertThat(in.readLine()).startsWith("+ ");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
                Map<String, Double> m = scrape();
                assertThat(m).containsEntry("tern_imap_idle_sessions", 1.0)
                        .containsEntry("tern_imap_sessions", 2.0)
                        .containsEntry("tern_imap_logins_total{result=\"ok\"}", 1.0)
                        .containsEntry("tern_imap_logins_total{result=\"failed\"}", 1.0)
                        .containsEntry("tern_imap_commands_total{command=\"LOGIN\"}", 2.0)
                        .containsEntry("tern_imap_commands_total{command=\"FETCH\"}", 2.0)
                        .containsEntry("tern_imap_commands_total{command=\"SELECT\"}", 1.0)
                        .containsEntry("tern_imap_commands_total{command=\"INVALID\"}", 1.0)
                        .containsEntry("tern_imap_commands_total{command=\"IDLE\"}", 1.0)
                        .containsEntry("tern_imap_connections_total", 2.0);
                assertThat(m.get("tern_imap_sent_bytes_total")).isGreaterThan(500.0);
            });
            out.write("DONE\r\n");
            out.flush();
            assertThat(in.readLine()).startsWith("f OK");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                    assertThat(scrape()).containsEntry("tern_imap_idle_sessions", 0.0));
        }
    }
}
