package dev.tern.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import dev.tern.e2e.RawSmtp;
import dev.tern.queue.QueueReport;
import dev.tern.queue.QueueText;
import dev.tern.queue.QueuedMessage;
import dev.tern.queue.RecipientState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tern queue} against a real in-process server (over its HTTP listener) and against the spool alone. The
 * message waits for a smarthost on a closed port, so it stays deferred with a last error and a next attempt.
 */
class QueueCommandTest {
    @TempDir
    Path dir;

    private Path data;
    private int closedPort;
    private Tern tern;
    private String out;
    private String err;

    @BeforeEach
    void setUp() throws IOException {
        data = dir.resolve("data");
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens here once closed
        }
    }

    @AfterEach
    void tearDown() {
        if (tern != null) {
            tern.shutdown(Duration.ofSeconds(2));
        }
    }

    private String toml(String http, String extra) {
        return "hostname = \"a.test\"\n"
                + "data_dir = '" + data.toAbsolutePath() + "'\n"
                + "local_domains = [\"a.test\"]\n"
                + "[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\n"
                + "http = " + http + "\n"
                + "[relay]\ntrusted_networks = [\"127.0.0.0/8\"]\n"
                + "[queue]\nretry_min = \"1h\"\nretry_max = \"2h\"\n"
                + "[delivery]\nsmarthost = \"127.0.0.1:" + closedPort + "\"\nconnect_timeout = \"1s\"\n"
                + extra;
    }

    /** Starts a server with HTTP on an ephemeral port; returns the CLI's config file naming that port. */
    private Path startServer(String extra) throws Exception {
        tern = Tern.start(ConfigLoader.parse(toml("[\"127.0.0.1:0\"]", extra), "a.toml", false), Clock.systemDefaultZone());
        int port = tern.address("http").getPort();
        return config("[\"127.0.0.1:" + port + "\"]", extra);
    }

    private Path config(String http, String extra) throws IOException {
        Path f = Files.createTempFile(dir, "cli", ".toml");
        Files.writeString(f, toml(http, extra));
        return f;
    }

    /** Queues one message for carol@remote.test and waits until its first attempt has failed. */
    private String queueDeferred() throws IOException {
        String id;
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            id = c.deliver("<bob@a.test>", "Subject: hello queue\r\nFrom: bob@a.test\r\n\r\nbody\r\n",
                    "<carol@remote.test>");
        }
        awaitAttempts(id, 1);
        return id;
    }

    private void awaitAttempts(String id, int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            QueuedMessage m = tern.scheduler().message(id);
            RecipientState.Entry e = m.state().get(0);
            return e.status() == RecipientState.Status.DEFERRED && e.attempts() >= n;
        });
    }

    private int tern(Path config, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = config.toString();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            return Main.run(all);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
            out = withoutServerLog(o.toString(StandardCharsets.UTF_8));
            err = withoutServerLog(e.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * The command's own output: the in-process server logs to the same System.out, and an attempt that a flush
     * starts may log while the command's output is captured.
     */
    private static String withoutServerLog(String s) {
        return s.replaceAll("(?m)^\\d{4}-\\d\\d-\\d\\dT\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) .*\\R", "");
    }

    private Path queueDir() {
        return data.resolve("spool").resolve("queue");
    }

    @Test
    void everyCommandThroughTheRunningServer() throws Exception {
        Path cli = startServer("");
        assertThat(tern(cli, "queue", "list")).isZero();
        assertThat(out).endsWith("The queue is empty.\n");

        String id = queueDeferred();
        assertThat(tern(cli, "queue", "list")).isZero();
        assertThat(err).isEmpty();
        assertThat(out).contains(id + "  ").contains("from <bob@a.test>")
                .contains("to <carol@remote.test>  deferred, 1 attempt, next attempt in ")
                .contains("last error: ").contains("-- 1 message, 1 recipient, ");

        assertThat(tern(cli, "queue", "list", "--json")).isZero();
        JsonNode json = QueueReport.JSON.readTree(out);
        assertThat(json.path("messages").size()).isEqualTo(1);
        JsonNode m = json.path("messages").get(0);
        assertThat(m.path("id").asText()).isEqualTo(id);
        assertThat(m.path("sender").asText()).isEqualTo("bob@a.test");
        assertThat(m.path("held").asBoolean()).isFalse();
        assertThat(m.path("recipients").get(0).path("status").asText()).isEqualTo("deferred");
        assertThat(m.path("recipients").get(0).path("lastError").asText()).isNotEmpty();
        assertThat(m.path("recipients").get(0).path("nextAttempt").asText()).isNotEmpty();
        assertThat(m.has("headers")).isFalse();

        assertThat(tern(cli, "queue", "show", id)).isZero();
        assertThat(out).contains("id:        " + id).contains("from:      <bob@a.test>")
                .contains("to <carol@remote.test>  deferred").contains("headers:\n")
                .contains("  Subject: hello queue\n").contains("  Received: from ");

        assertThat(tern(cli, "queue", "show", id, "--json")).isZero();
        assertThat(QueueReport.JSON.readTree(out).path("headers").asText()).contains("Subject: hello queue\n");

        assertThat(tern(cli, "queue", "hold", id)).isZero();
        assertThat(out).endsWith(id + ": held\n");
        assertThat(queueDir().resolve(id + ".hold")).exists();
        assertThat(tern(cli, "queue", "list")).isZero();
        assertThat(out).contains("HELD").contains("on hold");
        assertThat(tern(cli, "queue", "release", id)).isZero();
        assertThat(queueDir().resolve(id + ".hold")).doesNotExist();
        // a release resumes the schedule (the next attempt is an hour away); a flush tries now
        assertThat(tern.scheduler().message(id).state().get(0).attempts()).isEqualTo(1);

        assertThat(tern(cli, "queue", "flush", id)).isZero();
        assertThat(out).endsWith(id + ": flushed\n");
        awaitAttempts(id, 2);
        assertThat(tern(cli, "queue", "flush")).isZero();
        assertThat(out).endsWith("flushed 1 message(s)\n");
        awaitAttempts(id, 3);

        // no such message: 1; not a queue ID: 2
        assertThat(tern(cli, "queue", "show", "ABCDEF0123")).isEqualTo(1);
        assertThat(err).contains("no message ABCDEF0123 in the queue");
        assertThat(tern(cli, "queue", "hold", "ABCDEF0123")).isEqualTo(1);
        assertThat(tern(cli, "queue", "show", "../users")).isEqualTo(2);
        assertThat(err).contains("not a queue ID");

        // listen.http edited in the file since the start: the server is still found through its tern.control
        Path unreachable = config("[\"127.0.0.1:" + closedPort + "\"]", "");
        assertThat(tern(unreachable, "queue", "hold", id)).isZero();
        assertThat(tern(unreachable, "queue", "release", id)).isZero();
        // the server holds the data directory: a CLI that cannot reach it must not touch the spool
        Files.delete(data.resolve("tern.control"));
        assertThat(tern(unreachable, "queue", "hold", id)).isEqualTo(1);
        assertThat(err).contains("a server is running on data_dir");
        assertThat(queueDir().resolve(id + ".hold")).doesNotExist();

        assertThat(tern(cli, "queue", "delete", id)).isZero();
        assertThat(out).endsWith(id + ": deleted\n");
        assertThat(dev.tern.queue.SpoolFiles.queuedIds(data.resolve("spool"))).doesNotContain(id);
        assertThat(queueDir().resolve(id + ".state")).doesNotExist();
        assertThat(tern.scheduler().message(id)).isNull();
        assertThat(tern(cli, "queue", "delete", id)).isEqualTo(1);
    }

    @Test
    void withoutAServerTheSpoolIsReadAndChangedUnderTheLock() throws Exception {
        startServer("");
        String id = queueDeferred();
        tern.shutdown(Duration.ofSeconds(2));
        tern = null;
        Path cli = config("[\"127.0.0.1:" + closedPort + "\"]", "");

        assertThat(tern(cli, "queue", "list")).isZero();
        assertThat(err).contains("the server is not running");
        assertThat(out).contains(id + "  ").contains("to <carol@remote.test>  deferred, 1 attempt")
                .contains("last error: ");
        assertThat(tern(cli, "queue", "list", "--json")).isZero();
        assertThat(QueueReport.JSON.readTree(out).path("messages").get(0).path("id").asText()).isEqualTo(id);
        assertThat(tern(cli, "queue", "show", id)).isZero();
        assertThat(out).contains("  Subject: hello queue\n");

        assertThat(tern(cli, "queue", "flush")).isEqualTo(1);
        assertThat(err).contains("the server is not running");

        assertThat(tern(cli, "queue", "hold", id)).isZero();
        assertThat(queueDir().resolve(id + ".hold")).exists();
        assertThat(tern(cli, "queue", "list")).isZero();
        assertThat(out).contains("HELD");
        assertThat(tern(cli, "queue", "release", id)).isZero();
        assertThat(queueDir().resolve(id + ".hold")).doesNotExist();

        // no HTTP listener at all: read from the spool too
        Path noHttp = config("[]", "");
        assertThat(tern(noHttp, "queue", "show", id)).isZero();

        assertThat(tern(cli, "queue", "delete", id)).isZero();
        assertThat(dev.tern.queue.SpoolFiles.queuedIds(data.resolve("spool"))).doesNotContain(id);
        assertThat(queueDir().resolve(id + ".state")).doesNotExist();
        assertThat(tern(cli, "queue", "delete", id)).isEqualTo(1);
        assertThat(err).contains("no message " + id);
        assertThat(tern(cli, "queue", "list")).isZero();
        assertThat(out).endsWith("The queue is empty.\n");
    }

    /** Issue 17: a page of the listing at a time, the totals alone, from the server and from the spool. */
    @Test
    void pagesAndSummary() throws Exception {
        Path cli = startServer("");
        String a = queueDeferred();
        String b = queueDeferred();
        String c = queueDeferred();

        assertThat(tern(cli, "queue", "list", "--limit", "2")).isZero();
        assertThat(out).contains(a + "  ").contains(b + "  ").doesNotContain(c)
                .contains("-- 2 messages, 2 recipients, ").endsWith("-- more follow: tern queue list --after " + b + "\n");
        assertThat(tern(cli, "queue", "list", "--after", b)).isZero();
        assertThat(out).contains(c + "  ").doesNotContain(a).doesNotContain("more follow");
        assertThat(tern(cli, "queue", "list", "--after", c)).isZero();
        assertThat(out).endsWith("No messages after " + c + ".\n");
        assertThat(tern(cli, "queue", "list", "--limit", "2", "--json")).isZero();
        JsonNode page = QueueReport.JSON.readTree(out);
        assertThat(page.path("messages").size()).isEqualTo(2);
        assertThat(page.path("next").asText()).isEqualTo(b);
        assertThat(tern(cli, "queue", "list", "--json")).isZero();
        assertThat(QueueReport.JSON.readTree(out).has("next")).isFalse();

        assertThat(tern(cli, "queue", "list", "--summary")).isZero();
        assertThat(out).startsWith("3 messages, 3 recipients (0 pending, 3 deferred), 0 held, ")
                .contains("the oldest arrived ");
        assertThat(tern(cli, "queue", "list", "--summary", "--json")).isZero();
        assertThat(QueueReport.JSON.readTree(out).path("deferred").asInt()).isEqualTo(3);

        // the message named in after= has left the queue: its ID still marks the place
        assertThat(tern(cli, "queue", "delete", a)).isZero();
        assertThat(tern(cli, "queue", "list", "--after", a, "--limit", "1")).isZero();
        assertThat(out).contains(b + "  ").doesNotContain(c + "  ").contains("--after " + b);

        assertThat(tern(cli, "queue", "list", "--limit", "-1")).isEqualTo(2);
        assertThat(tern(cli, "queue", "list", "--after", "nothex")).isEqualTo(2);
        String base = "http://127.0.0.1:" + tern.address("http").getPort();
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThat(status(http, "GET", base + "/queue?limit=x")).isEqualTo(400);
            assertThat(status(http, "GET", base + "/queue?after=../x")).isEqualTo(400);
            assertThat(status(http, "GET", base + "/queue?limit=1&after=" + b)).isEqualTo(200);
        }

        tern.shutdown(Duration.ofSeconds(2));
        tern = null;
        Path offline = config("[\"127.0.0.1:" + closedPort + "\"]", "");
        assertThat(tern(offline, "queue", "list", "--limit", "1")).isZero();
        assertThat(out).contains(b + "  ").endsWith("-- more follow: tern queue list --after " + b + "\n");
        assertThat(tern(offline, "queue", "list", "--summary")).isZero();
        assertThat(out).startsWith("2 messages, 2 recipients (0 pending, 2 deferred)");
    }

    /** Issue 10 #12: a sender's terminal escapes are shown escaped by list and show, and JSON-escaped by --json. */
    @Test
    void untrustedTextNeverReachesTheTerminalRaw() throws Exception {
        Path cli = startServer("");
        String osc52 = "\u001b]52;c;ZXZpbA==\u0007";
        String id;
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            c.cmd("HELO evil\u001b[2J\u0008.example").expect(250);
            id = c.deliver("<bob@a.test>", "Subject: " + osc52 + "hi\u009b31m\r\nX-Rtl: a\u202Eb\r\nFrom: bob@a.test"
                    + "\r\n\r\nbody\r\n", "<carol@remote.test>");
        }
        awaitAttempts(id, 1);
        assertThat(tern(cli, "queue", "show", id)).isZero();
        assertThat(out).contains("helo=evil\\x1b[2J\\x08.example")
                .contains("  Subject: \\x1b]52;c;ZXZpbA==\\x07hi\\x9b31m\n").contains("  X-Rtl: a\\u202eb\n");
        assertNoTerminalControls(out);
        assertThat(tern(cli, "queue", "list")).isZero();
        assertNoTerminalControls(out);
        for (String[] args : new String[][] {{"queue", "show", id, "--json"}, {"queue", "list", "--json"}}) {
            assertThat(tern(cli, args)).isZero();
            assertNoTerminalControls(out);
        }
        assertThat(QueueReport.JSON.readTree(out).path("messages").get(0).path("helo").asText())
                .isEqualTo("evil\u001b[2J\u0008.example");
    }

    private static void assertNoTerminalControls(String s) {
        assertThat(s.chars().filter(c -> c != '\n' && c != '\t' && Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT)).as(s).isEmpty();
    }

    @Test
    void changesAreRefusedOutsideTheAdminNetworks() throws Exception {
        Path cli = startServer("[http]\nadmin_networks = [\"192.0.2.0/24\"]\n");
        String id = queueDeferred();
        assertThat(tern(cli, "queue", "list")).isZero(); // reading is allowed
        assertThat(out).contains(id);
        assertThat(tern(cli, "queue", "hold", id)).isEqualTo(1);
        assertThat(err).contains("only from http.admin_networks");
        assertThat(queueDir().resolve(id + ".hold")).doesNotExist();
        assertThat(tern(cli, "queue", "delete", id)).isEqualTo(1);
        assertThat(dev.tern.queue.SpoolFiles.queuedIds(data.resolve("spool"))).contains(id);
    }

    @Test
    void endpointAnswersWrongMethodsAndPaths() throws Exception {
        startServer("");
        String base = "http://127.0.0.1:" + tern.address("http").getPort();
        try (HttpClient c = HttpClient.newHttpClient()) {
            assertThat(status(c, "GET", base + "/queue/flush")).isEqualTo(405);
            assertThat(status(c, "POST", base + "/queue")).isEqualTo(405);
            assertThat(status(c, "GET", base + "/queue/ABC/nope/x")).isEqualTo(404);
            assertThat(status(c, "GET", base + "/queue/ABC")).isEqualTo(404);
            assertThat(status(c, "POST", base + "/queue/ABC/hold")).isEqualTo(404);
            assertThat(status(c, "GET", base + "/queue")).isEqualTo(200);
            assertThat(status(c, "GET", base + "/health")).isEqualTo(200);
        }
    }

    private static int status(HttpClient c, String method, String url) throws Exception {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    @Test
    void textFormsOfAges() {
        var t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        assertThat(QueueText.age(t0, t0.plusSeconds(45))).isEqualTo("45s");
        assertThat(QueueText.age(t0, t0.plusSeconds(200))).isEqualTo("3m 20s");
        assertThat(QueueText.age(t0, t0.plusSeconds(2 * 3600 + 300))).isEqualTo("2h 5m");
        assertThat(QueueText.age(t0, t0.plusSeconds(3 * 86400 + 4 * 3600))).isEqualTo("3d 4h");
    }
}
