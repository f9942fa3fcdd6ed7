package dev.tern.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrlfOutputTest {

    private static String through(String in, int... cuts) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (CrlfOutput out = new CrlfOutput(sink)) {
            byte[] b = in.getBytes(StandardCharsets.ISO_8859_1);
            int from = 0;
            for (int cut : cuts) {
                out.write(b, from, cut - from);
                from = cut;
            }
            out.write(b, from, b.length - from);
        }
        return sink.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void bareLineFeedsBecomeCrlfAndTheRestStays() throws IOException {
        assertThat(through("a\nb\r\nc\rd\n\n")).isEqualTo("a\r\nb\r\nc\rd\r\n\r\n");
        assertThat(through("")).isEmpty();
        assertThat(through("\n")).isEqualTo("\r\n");
        assertThat(through("no line end")).isEqualTo("no line end");
    }

    @Test
    void aCrAndItsLfInTwoWritesStayOneLineEnd() throws IOException {
        assertThat(through("a\r\nb", 2)).isEqualTo("a\r\nb");
        assertThat(through("a\r\nb\n", 2, 3)).isEqualTo("a\r\nb\r\n");
        assertThat(through("a\n\nb", 1, 2)).isEqualTo("a\r\n\r\nb");
        assertThat(through("\r\n", 1)).isEqualTo("\r\n");
    }

    /** Any cutting of the same input into writes gives the same output, byte by byte or all at once. */
    @Test
    void theOutputDoesNotDependOnHowTheInputIsCut() throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            StringBuilder in = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                in.append("ab\r\n".charAt(random.nextInt(4)));
            }
            String whole = through(in.toString());
            assertThat(whole.replace("\r\n", "")).doesNotContain("\n");
            int[] cuts = random.ints(random.nextInt(5), 0, in.length() + 1).sorted().toArray();
            assertThat(through(in.toString(), cuts)).as("%s cut at %s", in, java.util.Arrays.toString(cuts))
                    .isEqualTo(whole);
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try (CrlfOutput out = new CrlfOutput(sink)) {
                for (byte b : in.toString().getBytes(StandardCharsets.ISO_8859_1)) {
                    out.write(b);
                }
            }
            assertThat(sink.toString(StandardCharsets.ISO_8859_1)).isEqualTo(whole);
        }
    }
}
