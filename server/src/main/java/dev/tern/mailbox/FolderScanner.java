package dev.tern.mailbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reconciles a folder's directories with its {@link MessageIndex} and {@link UidList}: what other programs did
 * (delivery into new/, POP3's commit, mutt or Dovecot renaming and deleting) becomes expunges, flag changes and new
 * UIDs. It remembers when it last looked, so that an unchanged folder costs two stat calls. Called under the
 * folder's lock; it tells no one: the folder tells its views what a {@link Found} holds.
 */
final class FolderScanner {
    /** New files get their UIDs (one UID list record) in batches of at most this many. */
    private static final int MAX_BATCH = 10_000;

    /** What a scan changed: expunged UIDs, messages whose flags changed on disk, and new UIDs (ascending). */
    record Found(List<Long> gone, List<Change.MessageFlags> changed, List<Long> added) {
    }

    private final FolderFiles files;
    private final Clock clock;
    private long newStamp = Long.MIN_VALUE;
    private long curStamp = Long.MIN_VALUE;

    FolderScanner(FolderFiles files, Clock clock) {
        this.files = files;
        this.clock = clock;
    }

    /** Whether new/ or cur/ changed since the last scan (or changed so recently that it cannot be told). */
    boolean changed() throws IOException {
        return stamp("new") != newStamp || stamp("cur") != curStamp;
    }

    /** A stamp of a directory's last change; forced to "changed" while it is too recent to trust. */
    private long stamp(String sub) throws IOException {
        try {
            FileTime t = Files.getLastModifiedTime(files.sub(sub));
            long ms = t.toMillis();
            // a change in the same clock tick as the last scan would keep the stamp: rescan until it is old
            return clock.millis() - ms < 2000 ? Long.MIN_VALUE + 1 + (System.nanoTime() & 0xFFFF) : ms;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /**
     * Compares the directories with the index: gone files are expunged, flags changed on disk are taken, new
     * files get UIDs in arrival order (modification time, then name). {@code initial}: sizes and flags of the
     * entries from the UID list are not known yet, so no flag change is reported.
     */
    Found scan(MessageIndex index, UidList uidList, Keywords keywords, boolean initial) throws IOException {
        long newBefore = stamp("new");
        long curBefore = stamp("cur");
        Map<String, String> onDisk = new HashMap<>(Math.max(16, index.size() * 2));
        Set<String> inNew = new HashSet<>();
        list("cur", onDisk, null);
        list("new", onDisk, inNew);
        List<Long> gone = new ArrayList<>();
        List<Change.MessageFlags> changed = new ArrayList<>();
        boolean[] dropped = new boolean[index.size()];
        for (int i = 0; i < index.size(); i++) {
            String base = index.base(i);
            String file = onDisk.remove(base);
            if (file == null) {
                gone.add(index.uid(i));
                dropped[i] = true;
                continue;
            }
            boolean n = inNew.contains(base);
            int bits = FolderFiles.parseFlags(file) | (n ? FolderFiles.IN_NEW : 0);
            int kw = FolderFiles.parseKeywords(file);
            if (index.octets(i) < 0) {
                index.octets(i, files.size(file, n));
            }
            if (!initial && ((bits & FolderFiles.SYSTEM_BITS) != (index.bits(i) & FolderFiles.SYSTEM_BITS)
                    || kw != index.keywordBits(i))) {
                changed.add(new Change.MessageFlags(index.uid(i), MessageIndex.flags(bits, kw, keywords)));
            }
            index.flags(i, bits, kw);
        }
        index.removeIf(i -> dropped[i]);
        uidList.remove(gone);
        List<Long> added = adopt(onDisk, inNew, index, uidList);
        newStamp = newBefore;
        curStamp = curBefore;
        return new Found(gone, changed, added);
    }

    /** Files no entry has: given UIDs in arrival order and added to the index. */
    private List<Long> adopt(Map<String, String> unknown, Set<String> inNew, MessageIndex index, UidList uidList)
            throws IOException {
        record New(String base, String file, boolean inNew, long mtime) {
        }
        List<New> found = new ArrayList<>();
        for (var e : unknown.entrySet()) {
            boolean n = inNew.contains(e.getKey());
            Path p = files.sub(n ? "new" : "cur").resolve(e.getValue());
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException ex) {
                continue;
            }
            if (a.isRegularFile()) {
                found.add(new New(e.getKey(), e.getValue(), n, a.lastModifiedTime().toMillis()));
            }
        }
        found.sort(Comparator.comparingLong(New::mtime).thenComparing(New::base));
        List<Long> added = new ArrayList<>();
        for (int from = 0; from < found.size(); from += MAX_BATCH) {
            List<New> batch = found.subList(from, Math.min(found.size(), from + MAX_BATCH));
            long first = uidList.add(batch.stream().map(New::base).toList());
            for (int k = 0; k < batch.size(); k++) {
                New f = batch.get(k);
                index.add((int) (first + k), f.base(), files.size(f.file(), f.inNew()),
                        FolderFiles.parseFlags(f.file()) | (f.inNew() ? FolderFiles.IN_NEW : 0),
                        FolderFiles.parseKeywords(f.file()));
                added.add(first + k);
            }
        }
        return added;
    }

    /** Base name to file name of the messages in {@code sub}; {@code inNew} collects those of new/. */
    private void list(String sub, Map<String, String> out, Set<String> inNew) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(files.sub(sub))) {
            for (Path p : ds) {
                String file = p.getFileName().toString();
                if (file.startsWith(".")) {
                    continue;
                }
                String base = Maildrop.baseName(file);
                if (inNew != null) {
                    if (out.containsKey(base)) {
                        continue; // also in cur/ (another program moving it): cur/ is where it is going
                    }
                    inNew.add(base);
                }
                out.put(base, file);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // no such directory: no messages there
        }
    }
}
