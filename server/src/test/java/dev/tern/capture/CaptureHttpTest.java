package dev.tern.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import dev.tern.e2e.RawSmtp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tern serve --capture}'s HTTP side: captured messages and failure scripts as JSON. */
class CaptureHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private Tern tern;
    private final CaptureStore store = new CaptureStore();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        tern = Tern.capture(ConfigLoader.parse("""
                hostname = "mx.test"
                data_dir = '%s'
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                http = ["127.0.0.1:0"]
                """.formatted(dir), "test.toml", false), Clock.systemUTC(), store, null);
    }

    @AfterEach
    void stop() {
        tern.shutdown(Duration.ofSeconds(1));
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tern.address("http").getPort() + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private void send(String to) throws Exception {
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            c.cmd("MAIL FROM:<app@shop.example>").expect(250);
            c.cmd("RCPT TO:<" + to + ">").expect(250);
            c.cmd("DATA").expect(354);
            c.cmd("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nX-Tag: one\r\n\r\nbody\r\n.").expect(250);
        }
    }

    @Test
    void listsMessagesWithHeadersAndRawThenDeletesThem() throws Exception {
        send("ann@anywhere.example");
        JsonNode list = JSON.readTree(call("GET", "/capture/messages", null).body());
        JsonNode m = list.get("messages").get(0);
        assertThat(m.get("from").asText()).isEqualTo("app@shop.example");
        assertThat(m.get("to").get(0).asText()).isEqualTo("ann@anywhere.example");
        assertThat(m.get("subject").asText()).isEqualTo("Grüße");
        String id = m.get("id").asText();

        JsonNode one = JSON.readTree(call("GET", "/capture/messages/" + id, null).body());
        assertThat(one.get("headers").get(1).toString()).isEqualTo("[\"X-Tag\",\"one\"]");
        HttpResponse<String> raw = call("GET", "/capture/messages/" + id + "/raw", null);
        assertThat(raw.headers().firstValue("Content-Type")).hasValue("message/rfc822");
        assertThat(raw.body()).isEqualTo("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nX-Tag: one\r\n\r\nbody\r\n");
        assertThat(call("GET", "/capture/messages/C999", null).statusCode()).isEqualTo(404);

        assertThat(call("DELETE", "/capture/messages", null).body()).contains("\"deleted\" : 1");
        assertThat(store.messages()).isEmpty();
    }

    @Test
    void setsAndClearsScripts() throws Exception {
        HttpResponse<String> set = call("POST", "/capture/scripts",
                "{\"stage\": \"rcpt\", \"address\": \"full@x.example\", \"times\": 1,"
                        + " \"reply\": {\"code\": 552, \"enhanced\": \"5.2.2\", \"text\": \"Mailbox full\"}}");
        assertThat(set.statusCode()).isEqualTo(201);
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            c.cmd("MAIL FROM:<a@b.example>").expect(250);
            assertThat(c.cmd("RCPT TO:<full@x.example>").expect(552).lastLine()).contains("5.2.2 Mailbox full");
            c.cmd("RCPT TO:<full@x.example>").expect(250); // once only
        }
        assertThat(call("GET", "/capture/scripts", null).body()).contains("\"stage\" : \"RCPT\"");
        assertThat(call("POST", "/capture/scripts", "{\"stage\": \"NOPE\", \"drop\": true}").body())
                .contains("no stage NOPE");
        assertThat(call("POST", "/capture/scripts", "{\"stage\": \"MAIL\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/capture/scripts", "not json").statusCode()).isEqualTo(400);
        assertThat(call("DELETE", "/capture/scripts", null).body()).contains("\"deleted\" : 1");
        assertThat(store.scripts()).isEmpty();
    }

    @Test
    void metricsServeTheCountsWithoutTheChecksCaptureModeDoesNotMake() throws Exception {
        send("ann@anywhere.example");
        HttpResponse<String> metrics = call("GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("tern_smtp_messages_total{result=\"accepted\"} 1")
                .doesNotContain("tern_checks_total");
    }
}
