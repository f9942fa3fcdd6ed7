package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tern.Tern;
import dev.tern.config.ConfigLoader;
import dev.tern.e2e.RawSmtp;
import dev.tern.queue.RecipientState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10 #10 with raw HTTP requests to a running server: a Host that is not this server's gets 421 (DNS
 * rebinding), a change from another site gets 403 and changes nothing; the CLI's and curl's requests pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpListenerTest {
    private Tern tern;
    private int port;
    private String id;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens here once closed: the message stays queued
        }
        String toml = "hostname = \"mx.a.test\"\n"
                + "data_dir = '" + dir.resolve("data").toAbsolutePath() + "'\n"
                + "local_domains = [\"a.test\"]\n"
                + "[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\n"
                + "http = [\"127.0.0.1:0\"]\n"
                + "[relay]\ntrusted_networks = [\"127.0.0.0/8\"]\n"
                + "[queue]\nretry_min = \"1h\"\nretry_max = \"2h\"\n"
                + "[delivery]\nsmarthost = \"127.0.0.1:" + closedPort + "\"\nconnect_timeout = \"1s\"\n";
        tern = Tern.start(ConfigLoader.parse(toml, "a.toml", false), Clock.systemDefaultZone());
        port = tern.address("http").getPort();
        try (RawSmtp c = RawSmtp.open(tern.address("smtp"))) {
            id = c.deliver("<bob@a.test>", "Subject: x\r\n\r\nbody\r\n", "<carol@remote.test>");
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                tern.scheduler().message(id).state().get(0).status() == RecipientState.Status.DEFERRED);
    }

    @AfterAll
    void stop() {
        if (tern != null) {
            tern.shutdown(Duration.ofSeconds(2));
        }
    }

    /** One request on its own connection; returns the status line and the body. */
    private String request(String method, String path, String... headers) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            for (String h : headers) {
                req.append(h.replace("PORT", String.valueOf(port))).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int eol = all.indexOf("\r\n");
            int body = all.indexOf("\r\n\r\n");
            return all.substring(0, eol) + "\n" + (body < 0 ? "" : all.substring(body + 4));
        }
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:PORT", "127.0.0.1", "localhost:PORT", "LOCALHOST.", "[::1]:PORT",
            "127.1.2.3:PORT", "mx.a.test:PORT", "MX.A.TEST"})
    void ownNamesAreAnswered(String host) throws IOException {
        assertThat(status(request("GET", "/queue", "Host: " + host))).isEqualTo(200);
        assertThat(status(request("GET", "/health", "Host: " + host))).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example", "evil.example:PORT", "127.0.0.1.nip.io:PORT", "localhost.evil.example",
            "mx.a.test.evil.example", "192.0.2.1:PORT", "[2001:db8::1]", "2130706433", "x@127.0.0.1", "",
            "127.0.0.1:PORT/x", "a.test"})
    void otherHostsGet421(String host) throws IOException {
        for (String path : new String[] {"/queue", "/queue/" + id, "/metrics", "/health"}) {
            String r = request("GET", path, "Host: " + host);
            assertThat(status(r)).as("%s %s", host, path).isEqualTo(421);
            assertThat(r).doesNotContain(id).contains("\"error\"");
        }
    }

    @Test
    void aMissingOrDoubledHostGets421() throws IOException {
        assertThat(status(request("GET", "/queue"))).isEqualTo(421);
        assertThat(status(request("GET", "/queue", "Host: 127.0.0.1:PORT", "Host: evil.example"))).isEqualTo(421);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Origin: http://evil.example", "Origin: null", "Origin: http://localhost:PORT",
            "Origin: https://127.0.0.1:PORT", "Origin: http://127.0.0.1:1", "Sec-Fetch-Site: cross-site",
            "Sec-Fetch-Site: same-site", "Content-Type: text/plain", "Content-Type: TEXT/PLAIN; charset=utf-8",
            "Content-Type: application/x-www-form-urlencoded", "Content-Type: multipart/form-data; boundary=x"})
    void crossSiteChangesGet403AndChangeNothing(String header) throws IOException {
        for (String[] req : new String[][] {{"POST", "/queue/flush"}, {"POST", "/queue/" + id + "/hold"},
                {"DELETE", "/queue/" + id}}) {
            String r = request(req[0], req[1], "Host: 127.0.0.1:PORT", header, "Content-Length: 0");
            assertThat(status(r)).as("%s %s %s", header, req[0], req[1]).isEqualTo(403);
        }
        assertThat(tern.scheduler().message(id)).isNotNull();
        assertThat(tern.scheduler().message(id).held()).isFalse();
        // reading stays open to such requests: a page of another site cannot read the answer anyway
        assertThat(status(request("GET", "/queue", "Host: 127.0.0.1:PORT", header))).isEqualTo(200);
    }

    @Test
    void sameOriginAndToolRequestsMayChange() throws IOException {
        assertThat(status(request("POST", "/queue/flush", "Host: 127.0.0.1:PORT", "Content-Length: 0")))
                .isEqualTo(200);
        assertThat(status(request("POST", "/queue/flush", "Host: 127.0.0.1:PORT", "Origin: http://127.0.0.1:PORT",
                "Sec-Fetch-Site: same-origin", "Content-Length: 0"))).isEqualTo(200);
        assertThat(status(request("POST", "/queue/flush", "Host: localhost:PORT", "Origin: http://localhost:PORT",
                "Content-Type: application/json", "Content-Length: 0"))).isEqualTo(200);
    }

    /**
     * While the spool is still read in the background, a message not found may be one not read yet: the queue's
     * answers say so (503) instead of "no message" (404), and the summary says its totals are partial.
     */
    @Test
    void unknownMessagesDuringTheRecoveryAre503NotMissing() throws IOException {
        String other = id.substring(0, id.length() - 1) + (id.endsWith("A") ? "B" : "A");
        String host = "Host: 127.0.0.1:PORT";
        assertThat(status(request("GET", "/queue/" + other, host))).isEqualTo(404);
        assertThat(request("GET", "/queue?summary", host)).contains("\"recovering\" : false");
        tern.scheduler().recovering();
        try {
            String show = request("GET", "/queue/" + other, host);
            assertThat(status(show)).isEqualTo(503);
            assertThat(show).contains("still being read");
            assertThat(status(request("POST", "/queue/" + other + "/hold", host, "Content-Length: 0"))).isEqualTo(503);
            assertThat(status(request("DELETE", "/queue/" + other, host))).isEqualTo(503);
            assertThat(request("GET", "/queue?summary", host)).contains("\"recovering\" : true");
            assertThat(status(request("GET", "/queue/" + id, host))).isEqualTo(200); // what is read is answered
        } finally {
            tern.scheduler().recover(java.util.List.of());
        }
        assertThat(status(request("DELETE", "/queue/" + other, host))).isEqualTo(404);
    }
}
