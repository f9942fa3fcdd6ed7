package dev.tern.mailbox;

import dev.tern.io.Durable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * A folder's keywords and their letters ({@code tern-keywords}): keyword number N (0 to 25) is the lower-case letter
 * {@code 'a' + N} in a message's Maildir info field, as Dovecot does; the file has one line {@code N NAME} per
 * keyword and is replaced atomically before any file name carries a new letter. Not thread-safe: its folder's lock
 * guards it.
 */
final class Keywords {
    static final String FILE = "tern-keywords";
    static final int MAX = FolderView.MAX_KEYWORDS;

    private final Path file;
    private final List<String> names;

    private Keywords(Path file, List<String> names) {
        this.file = file;
        this.names = names;
    }

    static Keywords load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        List<String> names = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int sp = line.indexOf(' ');
                if (sp <= 0) {
                    continue;
                }
                int n;
                try {
                    n = Integer.parseInt(line.substring(0, sp));
                } catch (NumberFormatException e) {
                    continue;
                }
                String name = line.substring(sp + 1);
                if (n >= 0 && n < MAX && !name.isEmpty()) {
                    while (names.size() <= n) {
                        names.add(null);
                    }
                    names.set(n, name);
                }
            }
        } catch (NoSuchFileException e) {
            // no keyword used yet
        }
        return new Keywords(file, names);
    }

    /** A copy that later keywords do not change, for a snapshot read outside the folder's lock. */
    Keywords copy() {
        return new Keywords(file, new ArrayList<>(names));
    }

    /** The keywords in use, by letter order. */
    List<String> names() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n != null) {
                out.add(n);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The keyword names of a letter mask (bit N = letter 'a' + N). */
    Set<String> decode(int mask) {
        if (mask == 0) {
            return Set.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if ((mask & 1 << i) != 0 && names.get(i) != null) {
                out.add(names.get(i));
            }
        }
        return Set.copyOf(out);
    }

    /**
     * The letter mask of {@code keywords}, giving new ones letters (durably) when {@code assign}. All or nothing:
     * when the new ones do not all fit, none gets a letter and {@link FolderView.KeywordLimitException} says so.
     */
    int encode(Set<String> keywords, boolean assign) throws IOException {
        if (assign) {
            fits(keywords);
        }
        int mask = 0;
        boolean added = false;
        for (String k : keywords) {
            int i = indexOf(k);
            if (i < 0 && assign) {
                i = names.indexOf(null);
                if (i < 0) { // there is room: fits() said so
                    i = names.size();
                    names.add(k);
                } else {
                    names.set(i, k);
                }
                added = true;
            }
            if (i >= 0) {
                mask |= 1 << i;
            }
        }
        if (added) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i) != null) {
                    sb.append(i).append(' ').append(names.get(i)).append('\n');
                }
            }
            Durable.writeAtomically(file, sb.toString().getBytes(StandardCharsets.UTF_8), true);
        }
        return mask;
    }

    /** Fails with {@link FolderView.KeywordLimitException} unless the new ones of {@code keywords} all fit. */
    private void fits(Set<String> keywords) throws FolderView.KeywordLimitException {
        int free = MAX - names.size() + Collections.frequency(names, null);
        List<String> fresh = new ArrayList<>();
        for (String k : keywords) {
            if (indexOf(k) < 0 && fresh.stream().noneMatch(k::equalsIgnoreCase)) {
                fresh.add(k);
                if (fresh.size() > free) {
                    throw new FolderView.KeywordLimitException("A folder holds at most " + MAX + " keywords; "
                            + k + " would be one more");
                }
            }
        }
    }

    private int indexOf(String k) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) != null && names.get(i).equalsIgnoreCase(k)) {
                return i;
            }
        }
        return -1;
    }
}
