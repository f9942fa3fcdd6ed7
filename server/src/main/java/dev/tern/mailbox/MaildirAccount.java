package dev.tern.mailbox;

import dev.tern.io.Durable;
import dev.tern.io.FileModes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One user's folders on disk. INBOX is the Maildir at the account's root; the folder {@code a/b} is the Maildir++
 * subfolder {@code .a.b} under it. On disk each level of a name is UTF-8, with {@code .}, {@code %}, {@code ~},
 * control characters and DEL written {@code %XX}, so that the Maildir++ separator {@code .} can be in a name.
 * The special-use folders are made (and, with INBOX, subscribed) the first time an account is opened ({@code tern-special-use} marks that it
 * was done, so that a folder the user deleted stays deleted); subscriptions are in {@code tern-subscriptions}, one
 * name per line, replaced atomically.
 */
final class MaildirAccount implements Account {
    static final String SUBSCRIPTIONS = "tern-subscriptions";
    static final String SPECIAL_MADE = "tern-special-use";
    /** A deleted folder is renamed to this prefix first, then removed; leftovers of a crash go at the next open. */
    static final String DELETING = "tern-deleting-";
    static final String INBOX = "INBOX";
    /** Longest on-disk folder directory name (most file systems allow 255 octets). */
    private static final int MAX_DIR_NAME = 250;

    /** The special-use folders, made on first use, and their attributes (RFC 6154). */
    static final Map<String, SpecialUse> SPECIAL = Map.of("Sent", SpecialUse.SENT, "Drafts", SpecialUse.DRAFTS,
            "Trash", SpecialUse.TRASH, "Junk", SpecialUse.JUNK, "Archive", SpecialUse.ARCHIVE);

    private final MaildirStore store;
    private final String user;
    private final Path root;

    private MaildirAccount(MaildirStore store, String user, Path root) {
        this.store = store;
        this.user = user;
        this.root = root;
    }

    static MaildirAccount open(MaildirStore store, String user, Path root) throws IOException {
        MaildirAccount a = new MaildirAccount(store, user, root);
        makeMaildir(root);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, DELETING + "*")) {
            for (Path p : ds) {
                deleteTree(p); // a DELETE cut short by a crash
            }
        }
        makeSpecialUse(root);
        return a;
    }

    /**
     * Makes the special-use folders in the account at {@code root} (whose INBOX exists), unless that was done
     * before: at the account's first opening, and before a delivery into one of them (the MX's Junk), whichever
     * comes first. Each folder made is durable before the mark {@code tern-special-use} is written.
     */
    static void makeSpecialUse(Path root) throws IOException {
        if (Files.exists(root.resolve(SPECIAL_MADE))) {
            return;
        }
        for (String name : new TreeSet<>(SPECIAL.keySet())) {
            Path d = folderDir(root, name);
            if (!Files.isDirectory(d.resolve("cur"))) {
                makeMaildir(d);
                Files.write(d.resolve("maildirfolder"), new byte[0]);
                Durable.syncDirectory(d);
            }
        }
        Durable.syncDirectory(root);
        // subscribed too, for clients that show only subscribed folders (LSUB, LIST (SUBSCRIBED))
        LinkedHashSet<String> subscribed = new LinkedHashSet<>(subscriptions(root));
        subscribed.add(INBOX);
        subscribed.addAll(new TreeSet<>(SPECIAL.keySet()));
        writeSubscriptions(root, subscribed);
        Durable.writeAtomically(root.resolve(SPECIAL_MADE), "made\n".getBytes(StandardCharsets.US_ASCII), true);
    }

    private static void makeMaildir(Path d) throws IOException {
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            FileModes.createDirectories(d.resolve(sub));
        }
    }

    @Override
    public String user() {
        return user;
    }

    // ---- names ----

    /** The name as kept: {@code INBOX} in upper case as the first level, any trailing delimiter dropped. */
    static String canonical(String name) {
        String n = name.endsWith(String.valueOf(DELIMITER)) ? name.substring(0, name.length() - 1) : name;
        int slash = n.indexOf(DELIMITER);
        String first = slash < 0 ? n : n.substring(0, slash);
        return first.equalsIgnoreCase(INBOX) ? INBOX + n.substring(first.length()) : n;
    }

    /** The directory of a folder, or null when the name cannot be one (an empty level, too long). */
    static Path folderDir(Path root, String name) {
        String n = canonical(name);
        if (n.equals(INBOX)) {
            return root;
        }
        if (n.isEmpty()) {
            return null;
        }
        StringBuilder dir = new StringBuilder();
        for (String level : n.split(String.valueOf(DELIMITER), -1)) {
            if (level.isEmpty()) {
                return null;
            }
            dir.append('.').append(escape(level));
        }
        return dir.toString().getBytes(StandardCharsets.UTF_8).length > MAX_DIR_NAME ? null
                : root.resolve(dir.toString());
    }

    private static String escape(String level) {
        StringBuilder sb = new StringBuilder(level.length());
        for (int i = 0; i < level.length(); i++) {
            char c = level.charAt(i);
            if (c == '.' || c == '%' || c == '~' || c < 0x20 || c == 0x7f) {
                sb.append('%').append(String.format("%02X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The folder name of a directory name ({@code .a.b} → {@code a/b}), or null when it is not a folder's. */
    static String nameOf(String dirName) {
        if (!dirName.startsWith(".") || dirName.equals(".") || dirName.equals("..")) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String level : dirName.substring(1).split("\\.", -1)) {
            if (level.isEmpty()) {
                return null;
            }
            if (!sb.isEmpty()) {
                sb.append(DELIMITER);
            }
            sb.append(UidList.unescape(level));
        }
        String n = sb.toString();
        return n.equalsIgnoreCase(INBOX) ? null : n; // a stray .INBOX would hide the real one
    }

    private boolean exists(Path dir) {
        return dir != null && Files.isDirectory(dir.resolve("cur"), LinkOption.NOFOLLOW_LINKS);
    }

    /** The names of every folder but INBOX, from the directory names. */
    private List<String> names() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, ".*")) {
            for (Path p : ds) {
                String n = nameOf(p.getFileName().toString());
                if (n != null && exists(p)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    // ---- the folder list ----

    @Override
    public List<FolderInfo> folders() throws IOException {
        Set<String> subscribed = new TreeSet<>(subscriptions());
        TreeMap<String, Boolean> all = new TreeMap<>(); // name → exists
        for (String n : names()) {
            all.put(n, true);
            for (int i = n.indexOf(DELIMITER); i > 0; i = n.indexOf(DELIMITER, i + 1)) {
                all.putIfAbsent(n.substring(0, i), false);
            }
        }
        boolean inboxChildren = all.keySet().stream().anyMatch(n -> n.startsWith(INBOX + DELIMITER));
        List<FolderInfo> out = new ArrayList<>();
        out.add(new FolderInfo(INBOX, true, inboxChildren, Optional.empty(), subscribed.contains(INBOX)));
        for (var e : all.entrySet()) {
            String n = e.getKey();
            if (n.equals(INBOX)) {
                continue;
            }
            String child = all.ceilingKey(n + DELIMITER);
            boolean children = child != null && child.startsWith(n + DELIMITER);
            out.add(new FolderInfo(n, e.getValue(), children, Optional.ofNullable(SPECIAL.get(n)),
                    subscribed.contains(n)));
        }
        return out;
    }

    @Override
    public List<String> subscriptions() throws IOException {
        return subscriptions(root);
    }

    private static List<String> subscriptions(Path root) throws IOException {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(root.resolve(SUBSCRIPTIONS), StandardCharsets.UTF_8)) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
            return out;
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    @Override
    public Optional<Status> status(String name) throws IOException {
        Path dir = folderDir(root, name);
        if (!exists(dir)) {
            return Optional.empty();
        }
        MaildirFolder f = store.acquire(user, root, dir, canonical(name));
        try {
            return Optional.of(f.status());
        } finally {
            f.release();
        }
    }

    @Override
    public Result create(String name) throws IOException {
        String n = canonical(name);
        Path dir = folderDir(root, n);
        if (dir == null) {
            return new Result.Refused(Reason.CANNOT, "Invalid folder name (an empty level, or too long)");
        }
        if (exists(dir)) {
            return new Result.Refused(Reason.ALREADYEXISTS, "Folder " + n + " exists already");
        }
        for (int i = 0; i < n.length(); i++) {
            if (n.charAt(i) < 0x20 || n.charAt(i) == 0x7f) {
                return new Result.Refused(Reason.CANNOT, "A folder name cannot hold control characters");
            }
        }
        makeMaildir(dir);
        Files.write(dir.resolve("maildirfolder"), new byte[0]);
        Durable.syncDirectory(dir);
        Durable.syncDirectory(root);
        return DONE;
    }

    @Override
    public Result delete(String name) throws IOException {
        String n = canonical(name);
        if (n.equals(INBOX)) {
            return new Result.Refused(Reason.CANNOT, "INBOX cannot be deleted");
        }
        Path dir = folderDir(root, n);
        if (!exists(dir)) {
            return new Result.Refused(Reason.NONEXISTENT, "No folder " + n);
        }
        if (store.inUse(root, dir, false)) {
            return new Result.Refused(Reason.INUSE, "Folder " + n + " is open in another session");
        }
        Path doomed = root.resolve(DELETING + UUID.randomUUID());
        Durable.moveAtomically(dir, doomed);
        Durable.syncDirectory(root);
        deleteTree(doomed);
        return DONE;
    }

    private static void deleteTree(Path top) throws IOException {
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public Result rename(String from, String to) throws IOException {
        String a = canonical(from);
        String b = canonical(to);
        if (a.equals(INBOX)) {
            return new Result.Refused(Reason.CANNOT, "Renaming INBOX is done by moving its messages");
        }
        Path src = folderDir(root, a);
        Path dst = folderDir(root, b);
        if (!exists(src)) {
            return new Result.Refused(Reason.NONEXISTENT, "No folder " + a);
        }
        if (dst == null || b.equals(INBOX)) {
            return new Result.Refused(Reason.CANNOT, "Invalid folder name " + b);
        }
        if (exists(dst)) {
            return new Result.Refused(Reason.ALREADYEXISTS, "Folder " + b + " exists already");
        }
        if (b.startsWith(a + DELIMITER)) {
            return new Result.Refused(Reason.CANNOT, "A folder cannot move under itself");
        }
        if (store.inUse(root, src, true)) {
            return new Result.Refused(Reason.INUSE, "Folder " + a + " (or one under it) is open in another session");
        }
        List<String> moving = new ArrayList<>();
        moving.add(a);
        for (String n : names()) {
            if (n.startsWith(a + DELIMITER)) {
                moving.add(n);
            }
        }
        for (String n : moving) {
            Path target = folderDir(root, b + n.substring(a.length()));
            if (target == null) {
                return new Result.Refused(Reason.CANNOT, "The new name of " + n + " would be too long");
            }
        }
        for (String n : moving) {
            Durable.moveAtomically(folderDir(root, n), folderDir(root, b + n.substring(a.length())));
        }
        Durable.syncDirectory(root);
        return DONE;
    }

    @Override
    public Result subscribe(String name) throws IOException {
        LinkedHashSet<String> s = new LinkedHashSet<>(subscriptions());
        if (s.add(canonical(name))) {
            writeSubscriptions(root, s);
        }
        return DONE;
    }

    @Override
    public Result unsubscribe(String name) throws IOException {
        LinkedHashSet<String> s = new LinkedHashSet<>(subscriptions());
        if (!s.remove(canonical(name))) {
            return new Result.Refused(Reason.NONEXISTENT, "Not subscribed to " + canonical(name));
        }
        writeSubscriptions(root, s);
        return DONE;
    }

    private static void writeSubscriptions(Path root, Set<String> names) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            if (n.indexOf('\n') < 0 && n.indexOf('\r') < 0) {
                sb.append(n).append('\n');
            }
        }
        Durable.writeAtomically(root.resolve(SUBSCRIPTIONS), sb.toString().getBytes(StandardCharsets.UTF_8), true);
    }

    // ---- messages ----

    @Override
    public Optional<FolderView> open(String name, FolderView.Listener listener) throws IOException {
        Path dir = folderDir(root, name);
        if (!exists(dir)) {
            return Optional.empty();
        }
        MaildirFolder f = store.acquire(user, root, dir, canonical(name));
        FolderView v = f.open(listener);
        f.release(); // the view holds it now
        return Optional.of(v);
    }

    @Override
    public Optional<FolderView.Appended> append(String name, InputStream content, Flags flags, Instant internalDate)
            throws IOException {
        Optional<FolderView> v = open(name, null);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try (FolderView view = v.get()) {
            return Optional.of(view.append(content, flags, internalDate));
        }
    }

    @Override
    public Incoming receive() throws IOException {
        FileModes.createDirectories(root.resolve("tmp"));
        return store.receive(root);
    }

    @Override
    public Optional<FolderView.Appended> append(String name, Incoming message, Flags flags, Instant internalDate)
            throws IOException {
        if (!(message instanceof IncomingFile in)) {
            throw new IllegalArgumentException("not received by this store: " + message);
        }
        Path dir = folderDir(root, name);
        if (!exists(dir)) {
            return Optional.empty();
        }
        MaildirFolder f = store.acquire(user, root, dir, canonical(name));
        try {
            return Optional.of(f.append(in, flags, internalDate));
        } finally {
            f.release();
        }
    }

    @Override
    public String toString() {
        return "account " + user.toLowerCase(Locale.ROOT);
    }
}
