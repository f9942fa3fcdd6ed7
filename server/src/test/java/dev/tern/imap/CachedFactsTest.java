package dev.tern.imap;

import static dev.tern.imap.MimeCorpus.crlf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.EnvelopeForm;
import dev.tern.imap.mime.StructureCodec;
import dev.tern.imap.mime.StructureParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The cached facts of a message as the first open of a folder computes them (its header only) against the whole
 * parse, over the MIME corpus of the unit tests and of the Dovecot comparison (test/interop/19-imap-dovecot/corpus):
 * the same ENVELOPE, the same header size, the same octets written; and records of another version or damaged
 * ones are refused, never misread.
 */
class CachedFactsTest {

    /** The interop scenario's corpus, read from the repository (the module's parent). */
    static final Path INTEROP_CORPUS = Path.of("..", "test", "interop", "19-imap-dovecot", "corpus");

    static List<byte[]> corpus() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String m : List.of(MimeCorpus.PLAIN, MimeCorpus.ALTERNATIVE, MimeCorpus.MIXED, MimeCorpus.RFC822,
                MimeCorpus.ENCODED, MimeCorpus.NO_CONTENT_TYPE, MimeCorpus.BROKEN_BOUNDARY,
                MimeCorpus.MULTIPART_NO_BOUNDARY, DovecotParityTest.LEAVES)) {
            out.add(crlf(m));
        }
        for (String odd : List.of("", "\r\n", "Subject: x", "From: <<<@@@,,,;;;:::\"\r\n\r\n",
                "To: (unclosed comment\r\n\r\n", "\u0000\u0001\r\n\r\n", "Subject: bare LF\n\nbody\n",
                "Subject: a\r\n folded\r\n\tagain\r\nFrom: \"Q\\\"uote\" <q@example.org>, b@example.org\r\n\r\nx")) {
            out.add(odd.getBytes(StandardCharsets.ISO_8859_1));
        }
        assertThat(INTEROP_CORPUS).isDirectory();
        try (Stream<Path> files = Files.list(INTEROP_CORPUS)) {
            for (Path p : files.sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
        }
        return out;
    }

    private static String written(EnvelopeForm e, boolean utf8) {
        ResponseWriter w = ResponseWriter.fragment(utf8);
        StructureWriter.envelope(w, e);
        return new String(w.bytesSoFar(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void theHeaderOnlyRecordGivesTheEnvelopeOfTheWholeParse() throws IOException {
        List<byte[]> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThan(20);
        for (byte[] m : corpus) {
            BodyPart whole = StructureParser.parse(new ByteArrayInputStream(m));
            StructureParser.Header header = StructureParser.header(new ByteArrayInputStream(m));
            assertThat(header.envelope()).isEqualTo(whole.envelope());
            assertThat(header.bodyStart()).isEqualTo(whole.bodyStart());

            StructureCodec.Facts lazy = StructureCodec.read(StructureCodec.encodeHeader(header)).orElseThrow();
            StructureCodec.Facts eager = StructureCodec.read(StructureCodec.encode(whole)).orElseThrow();
            assertThat(lazy.hasStructure()).isFalse();
            assertThat(lazy.structure()).isEmpty();
            assertThat(eager.structure()).hasValue(whole);
            assertThat(lazy.bodyStart()).isEqualTo(eager.bodyStart()).isEqualTo(whole.bodyStart());
            assertThat(lazy.envelope().envelope()).isEqualTo(whole.envelope());
            for (boolean utf8 : new boolean[] {false, true}) {
                String expected = written(EnvelopeForm.of(whole.envelope()), utf8);
                assertThat(written(lazy.envelope(), utf8)).isEqualTo(expected);
                assertThat(written(eager.envelope(), utf8)).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyCutOfARecordIsRefusedNeverMisread() throws IOException {
        for (byte[] m : corpus()) {
            BodyPart whole = StructureParser.parse(new ByteArrayInputStream(m));
            byte[] header = StructureCodec.encodeHeader(StructureParser.header(new ByteArrayInputStream(m)));
            for (int n = 0; n < header.length; n++) {
                assertThat(StructureCodec.read(Arrays.copyOf(header, n))).as("cut at %d", n).isEmpty();
            }
            byte[] record = StructureCodec.encode(whole);
            for (int n = header.length; n < record.length; n++) {
                byte[] cut = Arrays.copyOf(record, n);
                assertThat(StructureCodec.decode(cut)).as("cut at %d", n).isEmpty();
            }
            EnvelopeForm e = EnvelopeForm.of(whole.envelope());
            for (int to = 0; to < e.to(); to++) {
                assertThat(new EnvelopeForm(e.octets(), 0, to).valid()).isFalse();
            }
            assertThat(e.valid()).isTrue();
        }
    }

    @Test
    void aRecordOfAnotherVersionIsNotCurrent() throws IOException {
        byte[] record = StructureCodec.encode(StructureTest.parse(MimeCorpus.MIXED));
        assertThat(StructureCodec.current(record)).isTrue();
        assertThat(StructureCodec.hasStructure(record)).isTrue();
        byte[] old = record.clone();
        old[0] = 2; // the previous form: the tree alone, first octet 2
        assertThat(StructureCodec.current(old)).isFalse();
        assertThat(StructureCodec.hasStructure(old)).isFalse();
        assertThat(StructureCodec.read(old)).isEmpty();
        assertThat(StructureCodec.decode(old)).isEmpty();
    }
}
