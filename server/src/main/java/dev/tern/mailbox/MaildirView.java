package dev.tern.mailbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One session's handle on a {@link MaildirFolder}: what it changes reaches the other views, not itself (but its
 * APPEND and COPY into the folder do, as EXISTS). It holds no state of the folder; it reads files outside the
 * folder's lock, after asking the folder where they are.
 */
final class MaildirView implements FolderView {
    private final MaildirFolder folder;
    private final FolderView.Listener listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    MaildirView(MaildirFolder folder, FolderView.Listener listener) {
        this.folder = folder;
        this.listener = listener;
    }

    FolderView.Listener listener() {
        return listener;
    }

    @Override
    public String name() {
        return folder.name;
    }

    @Override
    public Snapshot snapshot() {
        return folder.snapshot();
    }

    @Override
    public long recentFrom() {
        return folder.claimRecent();
    }

    @Override
    public Optional<Message> message(long uid) throws IOException {
        Optional<MaildirFolder.Located> l = folder.locate(uid);
        if (l.isEmpty() || l.get().file() == null) {
            return Optional.empty();
        }
        Instant date;
        try {
            date = Files.getLastModifiedTime(l.get().file(), LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (NoSuchFileException e) {
            date = Instant.EPOCH; // renamed meanwhile by another session; the date is all we miss
        }
        return Optional.of(new Message(uid, l.get().size(), l.get().flags(), date));
    }

    @Override
    public InputStream content(long uid) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<MaildirFolder.Located> l = folder.locate(uid);
            if (l.isEmpty()) {
                throw new NoSuchFileException("UID " + uid + " in " + folder.name);
            }
            Path p = l.get().file();
            if (p == null) {
                break;
            }
            try {
                return FolderFiles.open(p);
            } catch (NoSuchFileException e) {
                // renamed between locate and open (a flag change): look again
            }
        }
        throw new NoSuchFileException("UID " + uid + " in " + folder.name);
    }

    @Override
    public OptionalLong octets(long uid) {
        return folder.octets(uid);
    }

    @Override
    public Optional<byte[]> facts(long uid, String kind, Predicate<byte[]> usable,
                                  Function<InputStream, byte[]> compute) throws IOException {
        return folder.facts(uid, kind, usable, compute, this);
    }

    @Override
    public List<Change.MessageFlags> store(List<Long> uids, Flags.Mode mode, Flags flags) throws IOException {
        return folder.store(uids, mode, flags, this);
    }

    @Override
    public Appended append(InputStream content, Flags flags, Instant internalDate) throws IOException {
        return folder.append(content, flags, internalDate);
    }

    @Override
    public Optional<Copied> copy(List<Long> uids, String target) throws IOException {
        return folder.store().copy(folder, this, uids, target, false);
    }

    @Override
    public Optional<Copied> move(List<Long> uids, String target) throws IOException {
        return folder.store().copy(folder, this, uids, target, true);
    }

    @Override
    public List<Long> expunge(Optional<List<Long>> only) throws IOException {
        return folder.expunge(only, this);
    }

    @Override
    public void refresh() throws IOException {
        folder.refreshIfChanged();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            folder.closed(this);
        }
    }
}
