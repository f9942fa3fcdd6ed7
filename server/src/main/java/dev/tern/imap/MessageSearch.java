package dev.tern.imap;

import dev.tern.imap.mime.BodyPart;
import dev.tern.imap.mime.BodyText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A {@link SearchMessage} over one message of the selected folder: flags from the session's view, the rest from the
 * store's message, opened only when a key needs the header or the body, and the header read once.
 */
final class MessageSearch implements SearchMessage {

    /** A header larger than this is searched in its first this many octets. */
    static final int MAX_HEADER = 256 * 1024;
    /** A message up to this size is read whole once for a search of its body; a larger one part by part. */
    static final int IN_MEMORY = 256 * 1024;

    private final int seq;
    private final long uid;
    private final Set<String> flags;
    private final ImapStore.Folder folder;
    private ImapStore.Message message;
    private String header;

    MessageSearch(int seq, long uid, Set<String> flags, ImapStore.Folder folder) {
        this.seq = seq;
        this.uid = uid;
        this.flags = flags;
        this.folder = folder;
    }

    private ImapStore.Message message() throws IOException {
        if (message == null) {
            message = folder.message(uid).orElseThrow(() -> new IOException("message " + uid + " is gone"));
        }
        return message;
    }

    @Override
    public long sequence() {
        return seq;
    }

    @Override
    public long uid() {
        return uid;
    }

    @Override
    public Set<String> flags() {
        return flags;
    }

    @Override
    public ZonedDateTime internalDate() {
        try {
            return message().internalDate();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public long size() {
        try {
            return message().size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public List<String> header(String name) throws IOException {
        List<String> out = new ArrayList<>();
        String want = name.toLowerCase(Locale.ROOT) + ":";
        for (String field : headerText().split("\r?\n(?![ \t])")) {
            if (field.toLowerCase(Locale.ROOT).startsWith(want)) {
                out.add(field.substring(want.length()).replaceAll("\r?\n", "").strip());
            }
        }
        return out;
    }

    @Override
    public String headerText() throws IOException {
        if (header == null) {
            ImapStore.Message m = message();
            long end = Math.min(m.headerSize(), MAX_HEADER);
            try (InputStream in = m.open(0, end)) {
                header = new String(in.readNBytes((int) end), StandardCharsets.UTF_8);
            }
        }
        return header;
    }

    @Override
    public boolean bodyContains(boolean withHeaders, String needle) throws IOException {
        ImapStore.Message m = message();
        BodyPart root = m.structure();
        if (m.size() > IN_MEMORY) {
            return BodyText.contains(root, withHeaders, m::open, needle);
        }
        byte[] all = new byte[(int) m.size()]; // read once, not opened again for each part
        int read;
        try (InputStream in = m.open(0, m.size())) {
            read = in.readNBytes(all, 0, all.length);
        }
        int length = read;
        return BodyText.contains(root, withHeaders, (from, to) -> {
            int f = (int) Math.min(from, length);
            return new ByteArrayInputStream(all, f, (int) Math.min(to, length) - f);
        }, needle);
    }

    @Override
    public Reader bodyText(boolean withHeaders) throws IOException {
        ImapStore.Message m = message();
        return BodyText.of(m.structure(), withHeaders, m::open);
    }
}
