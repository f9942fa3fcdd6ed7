package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Header canonicalization (RFC 6376 3.4.1, 3.4.2) and header parsing, on the RFC's example (3.4.6). */
class CanonicalizationTest {
    private static final String HEADER = "A: X\r\nB : Y\t\r\n\tZ  \r\n";

    private static List<HeaderField> fields(String header) {
        byte[] b = header.getBytes(StandardCharsets.ISO_8859_1);
        return HeaderField.parse(b, b.length);
    }

    @Test
    void rfc6376Section346Headers() {
        List<HeaderField> f = fields(HEADER);
        assertThat(f).extracting(HeaderField::name).containsExactly("a", "b");
        assertThat(f.get(0).raw() + f.get(1).raw()).isEqualTo(HEADER);
        assertThat(Canonicalization.RELAXED.header(f.get(0).raw()) + Canonicalization.RELAXED.header(f.get(1).raw()))
                .isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(Canonicalization.SIMPLE.header(f.get(0).raw()) + Canonicalization.SIMPLE.header(f.get(1).raw()))
                .isEqualTo(HEADER);
    }

    @Test
    void scannerSplitsHeaderAndBodyWhereverTheChunksEnd() {
        String message = HEADER + "\r\n C \r\nD \t E\r\n\r\n\r\n";
        byte[] m = message.getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = 0; cut <= m.length; cut++) {
            StringBuilder body = new StringBuilder();
            List<List<HeaderField>> headers = new java.util.ArrayList<>();
            MessageScanner s = new MessageScanner() {
                @Override
                void headerDone(List<HeaderField> fields, boolean overflow) {
                    headers.add(fields);
                }

                @Override
                void body(byte[] b, int off, int len) {
                    body.append(new String(b, off, len, StandardCharsets.ISO_8859_1));
                }
            };
            s.update(m, 0, cut);
            s.update(m, cut, m.length - cut);
            s.end();
            assertThat(headers).hasSize(1);
            assertThat(headers.get(0)).extracting(HeaderField::raw).containsExactly("A: X\r\n", "B : Y\t\r\n\tZ  \r\n");
            assertThat(body.toString()).isEqualTo(" C \r\nD \t E\r\n\r\n\r\n");
        }
    }

    @Test
    void messageWithoutBodyOrWithoutHeader() {
        assertThat(fields("Subject: x\r\nX:\r\n")).extracting(HeaderField::name).containsExactly("subject", "x");
        assertThat(fields("no colon here\r\n continuation\r\nSubject: y\r\n")).extracting(HeaderField::name)
                .containsExactly("subject");
    }
}
