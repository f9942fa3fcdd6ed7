package dev.tern.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 10 #2 for POP3: a command dripped a byte at a time is cut after the idle time-out, without a reply. */
class Pop3TimeLimitTest {
    @RegisterExtension
    final Pop3Fixture pop = new Pop3Fixture().idleTimeout(Duration.ofSeconds(1));

    @Test
    void aClientDrippingACommandIsCut() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(pop.pop3(), 5000);
            s.setSoTimeout(10_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("+OK");
            OutputStream out = s.getOutputStream();
            byte[] drip = "NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP".getBytes(StandardCharsets.US_ASCII);
            boolean cut = false;
            for (int i = 0; i < drip.length && !cut; i++) {
                try {
                    out.write(drip[i]);
                    Thread.sleep(250); // the pace of the attack: each byte well within the per-read time-out
                    cut = s.getInputStream().available() > 0;
                } catch (java.io.IOException e) {
                    cut = true;
                }
            }
            assertThat(in.readLine()).isNull(); // closed, and no reply (RFC 1939 section 3)
        }
    }
}
