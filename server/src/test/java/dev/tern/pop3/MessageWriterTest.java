package dev.tern.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import dev.tern.testing.Gen;
import java.nio.charset.StandardCharsets;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(Gen.Seed.class)
class MessageWriterTest {

    static String write(String message, int lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageWriter.write(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)), out, lines);
        return out.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // message (\n written as |n) | body lines | expected
            "H: 1\\r\\n\\r\\nb1\\r\\nb2\\r\\n | -1 | H: 1\\r\\n\\r\\nb1\\r\\nb2\\r\\n.\\r\\n",
            "H: 1\\r\\n\\r\\nb1\\r\\nb2\\r\\n | 0  | H: 1\\r\\n\\r\\n.\\r\\n",
            "H: 1\\r\\n\\r\\nb1\\r\\nb2\\r\\n | 1  | H: 1\\r\\n\\r\\nb1\\r\\n.\\r\\n",
            "H: 1\\r\\n\\r\\nb1\\r\\nb2\\r\\n | 9  | H: 1\\r\\n\\r\\nb1\\r\\nb2\\r\\n.\\r\\n",
            "H: 1\\r\\n\\r\\n.\\r\\n..x\\r\\n  | -1 | H: 1\\r\\n\\r\\n..\\r\\n...x\\r\\n.\\r\\n",
            "H: 1\\r\\n\\r\\nno end           | -1 | H: 1\\r\\n\\r\\nno end\\r\\n.\\r\\n",
            "H: 1\\n\\nlf only\\n             | -1 | H: 1\\r\\n\\r\\nlf only\\r\\n.\\r\\n",
            "H: 1\\r\\nno body\\r\\n          | 0  | H: 1\\r\\nno body\\r\\n.\\r\\n",
            "a\\rb\\r\\n\\r\\n.c\\r           | -1 | a\\rb\\r\\n\\r\\n..c\\r\\r\\n.\\r\\n",
            "''                               | -1 | .\\r\\n",
    })
    void table(String message, int lines, String expected) throws IOException {
        assertThat(write(unescape(message), lines)).isEqualTo(unescape(expected));
    }

    private static String unescape(String s) {
        return s.strip().replace("''", "").replace("\\r", "\r").replace("\\n", "\n");
    }

    /** For CRLF messages: un-stuffing the output gives back the message, and only the end is a lone dot. */
    static LongStream seeds() {
        return Gen.seeds(300);
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void roundTrip(long seed) throws IOException {
        String chars = new Gen(seed).string("-./", 60);
        String message = chars.replace("/", "\r\n"); // '-', '.', and line ends
        if (!message.isEmpty() && !message.endsWith("\r\n")) {
            message += "\r\n";
        }
        String out = write(message, -1);
        assertThat(out).endsWith(".\r\n");
        String body = out.substring(0, out.length() - 3);
        StringBuilder back = new StringBuilder();
        for (String line : body.split("\r\n", -1)) {
            assertThat(line).isNotEqualTo(".");
            back.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        String restored = body.isEmpty() ? "" : back.substring(0, back.length() - 2);
        assertThat(restored).isEqualTo(message);
    }
}
