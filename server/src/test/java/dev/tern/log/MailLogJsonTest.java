package dev.tern.log;

import static dev.tern.log.MailLog.Service.POP3;
import static dev.tern.log.MailLog.Service.SMTP;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The mail log through the JSON encoder {@code [log] format = "json"} uses: one parseable object a line. */
class MailLogJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    final List<String> lines = new CopyOnWriteArrayList<>();
    final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    final JsonEncoder encoder = LogFormat.encoder(ctx);
    final Logger tern = ctx.getLogger("dev.tern");
    final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            lines.add(new String(encoder.encode(e), StandardCharsets.UTF_8));
        }
    };

    /** Whether the key-value pairs were built before this test (not while LogSetup's text lines are all). */
    final boolean keyValues = LogFormat.keyValues();

    MailLogJsonTest() {
        LogFormat.keyValues(true); // as LogFormat.json() says: these lines are JSON
        appender.setContext(ctx);
        appender.start();
        tern.addAppender(appender);
    }

    @AfterEach
    void close() {
        tern.detachAppender(appender);
        LogFormat.keyValues(keyValues);
    }

    /** The last line, checked to be exactly one JSON object ending in one line end. */
    private JsonNode last() throws Exception {
        String line = lines.get(lines.size() - 1);
        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n", "\r");
        return JSON.readTree(line);
    }

    /** The kvpList of a line ([{"k":"v"}, ...], Logback's shape) as one map. */
    static Map<String, String> facts(JsonNode line) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode pair : line.get("kvpList")) {
            pair.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
        }
        return out;
    }

    @Test
    void authFailureCarriesItsFacts() throws Exception {
        MailLog.authFailed(POP3, "192.0.2.7", "USER", "bob@example.org");
        JsonNode line = last();
        assertThat(line.get("level").asText()).isEqualTo("WARN");
        assertThat(line.get("loggerName").asText()).isEqualTo("dev.tern.auth");
        assertThat(line.get("timestamp").asLong()).isPositive();
        assertThat(line.get("formattedMessage").asText())
                .isEqualTo("auth failed: ip=[192.0.2.7], service=pop3, mechanism=USER, user=<bob@example.org>");
        assertThat(facts(line)).containsExactlyEntriesOf(expected("event", "auth_failed", "service", "pop3",
                "ip", "192.0.2.7", "mechanism", "USER", "user", "bob@example.org"));
    }

    /** Client text with a CR LF, quotes and a backslash stays inside its JSON string, escaped as in the text. */
    @Test
    void clientTextStaysInsideItsString() throws Exception {
        MailLog.accepted("4F2A1B9C", "192.0.2.1", "evil\r\n\"x\": 1, \\", "a\"b@example.org", 1234, 2);
        JsonNode line = last();
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("loggerName").asText()).isEqualTo("dev.tern.smtp");
        assertThat(facts(line)).containsExactlyEntriesOf(expected("event", "accepted", "service", "smtp",
                "queue_id", "4F2A1B9C", "ip", "192.0.2.1", "helo", "evil\\x0d\\x0a\"x\": 1, \\x5c",
                "from", "a\"b@example.org", "size", "1234", "nrcpt", "2"));
        assertThat(line.get("formattedMessage").asText()).isEqualTo("4F2A1B9C: client=[192.0.2.1], "
                + "helo=<evil\\x0d\\x0a\"x\": 1, \\x5c>, from=<a\"b@example.org>, size=1234, nrcpt=2");
        assertThat(line.has("x")).isFalse();
    }

    /** While the lines are text only, no key-value pair is built, and the message is the same. */
    @Test
    void textLinesBuildNoPairsAndSayTheSame() throws Exception {
        MailLog.accepted("4F2A1B9C", "192.0.2.1", "client.example", "a@b.example", 1234, 2, "spf=pass");
        JsonNode json = last();
        LogFormat.keyValues(false);
        MailLog.accepted("4F2A1B9C", "192.0.2.1", "client.example", "a@b.example", 1234, 2, "spf=pass");
        JsonNode text = last();
        assertThat(json.has("kvpList")).isTrue();
        assertThat(text.has("kvpList")).isFalse();
        assertThat(text.get("formattedMessage").asText()).isEqualTo(json.get("formattedMessage").asText())
                .isEqualTo("4F2A1B9C: client=[192.0.2.1], helo=<client.example>, from=<a@b.example>, size=1234, "
                        + "nrcpt=2, checks=<spf=pass>");
    }

    @Test
    void deliveryAndRejectLines() throws Exception {
        MailLog.delivery("4F2A1B9C", "c@d.example", null, "mx.d.example[192.0.2.4]:25", "0.4", "sent",
                "250 2.0.0 OK");
        JsonNode line = last();
        assertThat(facts(line)).containsAllEntriesOf(expected("event", "delivery", "queue_id", "4F2A1B9C",
                "to", "c@d.example", "relay", "mx.d.example[192.0.2.4]:25", "delay", "0.4", "status", "sent",
                "detail", "250 2.0.0 OK")).doesNotContainKey("orig_to");
        assertThat(line.get("formattedMessage").asText()).isEqualTo("4F2A1B9C: to=<c@d.example>, "
                + "relay=mx.d.example[192.0.2.4]:25, delay=0.4, status=sent (250 2.0.0 OK)");

        MailLog.rejected(null, "192.0.2.1", "x@y.example", null, "550 5.7.1 no");
        line = last();
        assertThat(facts(line)).containsAllEntriesOf(expected("event", "rejected", "ip", "192.0.2.1",
                "from", "x@y.example", "reply", "550 5.7.1 no")).doesNotContainKeys("queue_id", "user");
        assertThat(line.get("formattedMessage").asText())
                .isEqualTo("NOQUEUE: reject: client=[192.0.2.1], from=<x@y.example>: 550 5.7.1 no");
    }

    @Test
    void aBugCarriesItsStackTrace() throws Exception {
        MailLog.bug(SMTP, "192.0.2.1", new IllegalStateException("boom"));
        JsonNode line = last();
        assertThat(line.get("level").asText()).isEqualTo("ERROR");
        assertThat(line.get("throwable").toString()).contains("IllegalStateException", "boom");
    }

    private static Map<String, String> expected(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
