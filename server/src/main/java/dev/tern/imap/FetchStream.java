package dev.tern.imap;

import dev.tern.imap.ResponseWriter.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The responses of a FETCH that needs no literal from the store and sets no flag (FLAGS, UID, ENVELOPE,
 * BODYSTRUCTURE and the like: what a client asks of a whole folder), composed message by message while the
 * connection writes them, into one buffer that goes out whenever it holds {@link #CHUNK} octets: no array per
 * response, and never the whole answer in memory. The messages, their sequence numbers and flags are taken when the
 * command is handled, as for any FETCH; the store is read as they are written. A message gone meanwhile is left out,
 * as a FETCH built at once leaves it out; should the store fail, what was composed is written and the tagged line
 * says NO {@code [SERVERBUG]} instead of OK ({@link #status}).
 */
final class FetchStream implements Output.Composed {

    /** Octets composed before they are handed to the connection's stream. */
    static final int CHUNK = 32 * 1024;
    /** Flag lists kept per FETCH: a folder's messages share a few sets of flags. */
    private static final int FLAG_LISTS = 64;

    private final ImapStore.Folder folder;
    private final int[] seqs;
    private final long[] uids;
    /** Per message, null when FLAGS is not asked. */
    private final List<Set<String>> flags;
    private final List<FetchAttribute> attrs;
    private final boolean uid;
    private final boolean utf8;
    private boolean failed;

    FetchStream(ImapStore.Folder folder, int[] seqs, long[] uids, List<Set<String>> flags,
                List<FetchAttribute> attrs, boolean uid, boolean utf8) {
        this.folder = folder;
        this.seqs = seqs;
        this.uids = uids;
        this.flags = flags;
        this.attrs = attrs;
        this.uid = uid;
        this.utf8 = utf8;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        ResponseWriter.Octets buf = new ResponseWriter.Octets(CHUNK + 4 * 1024);
        Map<Set<String>, String> flagLists = new IdentityHashMap<>();
        failed = false;
        for (int i = 0; i < seqs.length && !failed; i++) {
            int mark = buf.size();
            try {
                var m = folder.message(uids[i]);
                if (m.isEmpty()) {
                    continue; // expunged by another session, not yet told
                }
                String flagList = null;
                if (flags != null) {
                    Set<String> f = flags.get(i);
                    flagList = flagLists.get(f);
                    if (flagList == null) {
                        flagList = FetchResponder.flagList(f);
                        if (flagLists.size() < FLAG_LISTS) {
                            flagLists.put(f, flagList);
                        }
                    }
                }
                ResponseWriter w = ResponseWriter.untagged(utf8, buf);
                FetchResponder.items(w, seqs[i], m.get(), flagList, attrs, uid);
                w.end();
            } catch (IOException | UncheckedIOException e) {
                buf.truncate(mark);
                IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                failed = !(io instanceof NoSuchFileException); // else removed by another program: as if expunged
            } catch (FetchResponder.UnknownCte e) {
                throw new IllegalStateException("BINARY is never streamed", e);
            }
            if (buf.size() >= CHUNK) {
                buf.writeTo(out);
                buf.reset();
            }
        }
        buf.writeTo(out);
    }

    /** The tagged line, written after the responses: OK with {@code text}, or NO when the store failed. */
    Output status(String tag, String text) {
        return (Output.Composed) out -> out.write(failed
                ? ResponseWriter.status(tag, Status.NO, ResponseCode.of("SERVERBUG"), ImapSession.STORE_FAILED)
                : ResponseWriter.status(tag, Status.OK, null, text));
    }
}
