package dev.tern.imap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.StructureParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * FETCH's responses composed while written: a message whose file is gone is left out, as a FETCH built at once
 * leaves it out; a store that fails stops the responses and turns the tagged OK into NO [SERVERBUG]; and the octets
 * go out in chunks, never as one array per response.
 */
class FetchStreamTest {

    private static final List<FetchAttribute> ATTRS = List.of(FetchAttribute.Simple.FLAGS,
            FetchAttribute.Simple.ENVELOPE);

    private static ImapStore.Message message(long uid, boolean gone) throws IOException {
        byte[] octets = ("Subject: m" + uid + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        BodyPart structure = StructureParser.parse(new ByteArrayInputStream(octets));
        return new ImapStore.Message() {
            @Override
            public long uid() {
                return uid;
            }

            @Override
            public ZonedDateTime internalDate() {
                return ZonedDateTime.now();
            }

            @Override
            public long size() {
                return octets.length;
            }

            @Override
            public BodyPart structure() {
                if (gone) {
                    throw new UncheckedIOException(new NoSuchFileException("m" + uid));
                }
                return structure;
            }

            @Override
            public InputStream open(long from, long to) {
                return new ByteArrayInputStream(octets, (int) from, (int) (to - from));
            }
        };
    }

    /** A folder that has messages 1 to {@code count}: {@code gone} lost its file, {@code failing} fails the store. */
    private static ImapStore.Folder folder(long gone, long failing) {
        return (ImapStore.Folder) Proxy.newProxyInstance(FetchStreamTest.class.getClassLoader(),
                new Class<?>[] {ImapStore.Folder.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("message")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    long uid = (Long) args[0];
                    if (uid == failing) {
                        throw new IOException("the disk failed");
                    }
                    return Optional.of(message(uid, uid == gone));
                });
    }

    private static String written(FetchStream s, String tag) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.writeTo(out);
        s.status(tag, "FETCH completed").writeTo(out);
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static FetchStream stream(ImapStore.Folder folder, int count) {
        int[] seqs = new int[count];
        long[] uids = new long[count];
        for (int i = 0; i < count; i++) {
            seqs[i] = i + 1;
            uids[i] = i + 1;
        }
        return new FetchStream(folder, seqs, uids, java.util.Collections.nCopies(count, Set.of("\\Seen")), ATTRS,
                false, false);
    }

    @Test
    void aMessageWhoseFileIsGoneIsLeftOut() throws IOException {
        assertThat(written(stream(folder(2, -1), 3), "a")).isEqualTo("""
                * 1 FETCH (FLAGS (\\Seen) ENVELOPE (NIL "m1" NIL NIL NIL NIL NIL NIL NIL NIL))\r
                * 3 FETCH (FLAGS (\\Seen) ENVELOPE (NIL "m3" NIL NIL NIL NIL NIL NIL NIL NIL))\r
                a OK FETCH completed\r
                """);
    }

    @Test
    void aFailingStoreEndsTheResponsesWithNo() throws IOException {
        assertThat(written(stream(folder(-1, 2), 3), "a")).isEqualTo("""
                * 1 FETCH (FLAGS (\\Seen) ENVELOPE (NIL "m1" NIL NIL NIL NIL NIL NIL NIL NIL))\r
                a NO [SERVERBUG] The mailbox store failed; try again\r
                """);
    }

    @Test
    void aLargeAnswerGoesOutInChunks() throws IOException {
        int count = 2000;
        List<Integer> writes = new java.util.ArrayList<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        stream(folder(-1, -1), count).writeTo(new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("octet by octet");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(len);
                all.write(b, off, len);
            }
        });
        assertThat(all.toString(StandardCharsets.US_ASCII).split("\r\n")).hasSize(count);
        assertThat(writes.size()).isGreaterThan(1).isLessThan(all.size() / FetchStream.CHUNK + 2);
        assertThat(writes.subList(0, writes.size() - 1)).allMatch(n -> n >= FetchStream.CHUNK);
    }
}
