package dev.tern.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of this server: the file {@code <data_dir>/users}, one line {@code address:phc-hash} per user,
 * addresses lower-cased, {@code #} comments and blank lines allowed.
 *
 * <p>Reads are served from memory; the file is re-read only when its size, modification time or identity
 * changed, so {@link #exists} is cheap enough for every RCPT while {@code tern user} edits the file from
 * another process. The server's store looks at the file (a {@code stat}) at most once per {@link #RECHECK}
 * ({@link #watching}): a change made by another process is seen within that bound; a change made through
 * this store is seen at once. Writes are read-modify-write under an exclusive lock on
 * {@code <data_dir>/users.lock} and replace the file atomically, keeping its owner, group and mode. Lines this
 * class does not understand are logged, ignored for lookups, and kept as they are when the file is rewritten.
 *
 * <p>A file that exists but cannot be read (permissions, an I/O error, a directory in its place, text that is
 * not UTF-8) is never taken for "no users": {@link #exists}, {@link #verify} and {@link #list} throw
 * {@link UncheckedIOException} until it can be read again, so callers answer "try again later" (451 4.3.0 to
 * RCPT, a temporary failure to a login) instead of "no such user". It is tried again at every call meanwhile
 * (a failed open costs little), so it is used again as soon as it is readable, without a restart.
 */
public final class UserStore {
    private static final Logger log = LoggerFactory.getLogger(UserStore.class);

    private static final String HEADER = """
            # Tern users: one "address:argon2id-hash" per line. Edit with "tern user add|passwd|delete|list".
            """;

    /**
     * One lock per lock file for this JVM. A {@link FileLock} is held by the whole process, and a second
     * {@code lock()} on the same file from another thread throws instead of waiting, so threads (and
     * several UserStore instances on one file) first queue here, then take the file lock against other
     * processes.
     */
    private static final Map<Path, ReentrantLock> PROCESS_LOCKS = new ConcurrentHashMap<>();

    /** How long the server's store answers from memory before it looks at the file again. */
    public static final Duration RECHECK = Duration.ofSeconds(1);

    private final Path file;
    private final Path lockFile;
    private final Reader reader;
    private final Clock clock;
    /** Zero: the file is looked at on every call. */
    private final Duration recheck;

    /** Guards the fields below; never held while hashing or while waiting for the file lock. */
    private final ReentrantLock lock = new ReentrantLock();
    /** address → hash of the well-formed lines as last read. */
    private Map<String, String> users = Map.of();
    /** What the file looked like when {@link #users} was read; null before the first read and after a failed one. */
    private Stamp stamp;
    /** When {@link #stamp} was last found to match the file (by {@link #clock}); null when it must be looked at. */
    private Instant checked;
    /** Why the file could not be read at the last try, or null when it could: each new reason is logged once. */
    private String problem;

    /** A store that looks at the file on every call ({@code tern user}, tests). */
    public UserStore(Path file) {
        this(file, Files::readAllBytes, Clock.systemUTC(), Duration.ZERO);
    }

    /**
     * The server's store: it looks at the file at most once per {@code recheck} (by {@code clock}), so a
     * change made by another process is seen within {@code recheck}. A file that could not be read is looked
     * at on every call until it can be.
     */
    public static UserStore watching(Path file, Clock clock, Duration recheck) {
        return new UserStore(file, Files::readAllBytes, clock, recheck);
    }

    /** With {@code reader} in place of {@link Files#readAllBytes} (tests inject read failures root would not see). */
    UserStore(Path file, Reader reader) {
        this(file, reader, Clock.systemUTC(), Duration.ZERO);
    }

    UserStore(Path file, Reader reader, Clock clock, Duration recheck) {
        this.file = file.toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
        this.reader = reader;
        this.clock = clock;
        this.recheck = recheck;
    }

    /** The next lookup looks at the file, however recently it did (a reload: {@code tern reload}, SIGHUP). */
    public void lookAgain() {
        lock.lock();
        try {
            checked = null;
        } finally {
            lock.unlock();
        }
    }

    /** Reads the whole users file. */
    interface Reader {
        byte[] read(Path file) throws IOException;
    }

    /** The users file. */
    public Path file() {
        return file;
    }

    /**
     * True when {@code address} (any case) is a user here.
     *
     * @throws UncheckedIOException while the users file exists but cannot be read
     */
    public boolean exists(String address) {
        return current().containsKey(normalize(address));
    }

    /**
     * True when {@code address} is a user and {@code password} is theirs. For an unknown user the same
     * hashing work is done against a dummy hash, so the time taken does not tell whether the user exists.
     *
     * @throws UncheckedIOException while the users file exists but cannot be read
     */
    public boolean verify(String address, char[] password) {
        String hash = address == null ? null : current().get(normalize(address));
        if (hash == null) {
            PasswordHasher.verify(password == null ? new char[0] : password, DummyHash.VALUE);
            return false;
        }
        return PasswordHasher.verify(password, hash);
    }

    /** Adds a user. Throws IllegalArgumentException when the address is malformed or already a user. */
    public void add(String address, char[] password) throws IOException {
        String a = checkAddress(address);
        String hash = hashOf(password);
        update(lines -> {
            if (find(lines, a) >= 0) {
                throw new IllegalArgumentException("user " + a + " exists already");
            }
            List<String> out = new ArrayList<>(lines);
            if (out.isEmpty()) {
                out.addAll(HEADER.lines().toList());
            }
            out.add(a + ":" + hash);
            return out;
        });
    }

    /** Replaces a user's password. Throws IllegalArgumentException when the user does not exist. */
    public void setPassword(String address, char[] password) throws IOException {
        String a = checkAddress(address);
        String hash = hashOf(password);
        update(lines -> {
            int i = find(lines, a);
            if (i < 0) {
                throw new IllegalArgumentException("no user " + a);
            }
            List<String> out = new ArrayList<>(lines);
            out.set(i, a + ":" + hash);
            return out;
        });
    }

    /** Removes a user (every line for that address). Throws IllegalArgumentException when unknown. */
    public void delete(String address) throws IOException {
        String a = checkAddress(address);
        update(lines -> {
            if (find(lines, a) < 0) {
                throw new IllegalArgumentException("no user " + a);
            }
            List<String> out = new ArrayList<>(lines.size());
            for (String line : lines) {
                Entry e = parse(line);
                if (e == null || !e.address.equals(a)) {
                    out.add(line);
                }
            }
            return out;
        });
    }

    /** The addresses of all users, sorted. */
    public List<String> list() {
        return current().keySet().stream().sorted().toList();
    }

    // ---------------------------------------------------------------- reading

    /**
     * The users as the file is now (or as it was at most {@link #recheck} ago), re-reading it only when it
     * changed since the last read.
     */
    private Map<String, String> current() {
        lock.lock();
        try {
            Instant at = clock.instant();
            if (fresh(at)) {
                return users;
            }
            Stamp now;
            try {
                now = Stamp.of(file);
                checked = at;
                if (now.equals(stamp)) {
                    return users;
                }
                users = index(now.absent() ? List.of() : readLines(), true);
                // Stamp taken before reading: if the file was replaced in between, the next call sees a
                // different stamp and reads again, never the other way round.
                stamp = now;
            } catch (NoSuchFileException e) {
                users = Map.of();
                stamp = Stamp.ABSENT;
            } catch (IOException e) {
                stamp = null;   // read again at the next call
                users = Map.of();
                String why = why(e);
                if (!why.equals(problem)) {
                    log.error("{}: cannot read the users ({}); recipients get 451 4.3.0 and logins a temporary"
                            + " failure until it can be read", file, why);
                    problem = why;
                }
                throw new UncheckedIOException(file + ": cannot read the users: " + why, e);
            }
            if (problem != null) {
                log.warn("{}: the users can be read again", file);
                problem = null;
            }
            return users;
        } finally {
            lock.unlock();
        }
    }

    /** True when the file was found unchanged less than {@link #recheck} before {@code at} (clock set back: false). */
    private boolean fresh(Instant at) {
        return checked != null && stamp != null && !at.isBefore(checked) && at.isBefore(checked.plus(recheck));
    }

    /** The file's lines; fails when it is not UTF-8 text (a half-copied or binary file is not "no users"). */
    private List<String> readLines() throws IOException {
        byte[] bytes = reader.read(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString().lines().toList();
        } catch (CharacterCodingException e) {
            throw new IOException("not UTF-8 text (fix or remove it)", e);
        }
    }

    /** One line for a read failure: "permission denied", "it is a directory"… */
    private String why(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (Files.isDirectory(file)) {
            return "it is a directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private record Entry(String address, String hash) {
    }

    /** The entry on a line, or null for a comment, a blank line or a malformed line. */
    private static Entry parse(String line) {
        String s = line.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return null;
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String address = s.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String hash = s.substring(colon + 1).strip();
        if (!isValidAddress(address) || !hash.startsWith("$") || hash.chars().anyMatch(Character::isWhitespace)) {
            return null;
        }
        return new Entry(address, hash);
    }

    /** address → hash; the first line for an address wins. Warns about bad lines when {@code warn}. */
    private Map<String, String> index(List<String> lines, boolean warn) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            Entry e = parse(line);
            if (e == null) {
                if (warn) {
                    log.warn("{}:{}: ignoring malformed line (expected address:argon2id-hash)", file, i + 1);
                }
            } else if (map.putIfAbsent(e.address, e.hash) != null && warn) {
                log.warn("{}:{}: ignoring second entry for {}", file, i + 1, e.address);
            }
        }
        return Map.copyOf(map);
    }

    /** Index of the line that defines {@code address} (the first one), or -1. */
    private static int find(List<String> lines, String address) {
        for (int i = 0; i < lines.size(); i++) {
            Entry e = parse(lines.get(i));
            if (e != null && e.address.equals(address)) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Reads the file afresh, applies {@code change} to its lines and writes the result, all under the
     * process-wide and the file lock so that concurrent writers in this and other processes never lose an
     * update. {@code change} may throw IllegalArgumentException to refuse; nothing is written then.
     */
    private void update(UnaryOperator<List<String>> change) throws IOException {
        Files.createDirectories(lockFile.getParent());
        ReentrantLock processLock = PROCESS_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
        processLock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock fileLock = ch.lock();
            try {
                rewrite(change);
            } finally {
                fileLock.release();
            }
        } finally {
            processLock.unlock();
        }
    }

    /** The part of {@link #update} done while holding both locks. */
    private void rewrite(UnaryOperator<List<String>> change) throws IOException {
        List<String> lines;
        try {
            lines = readLines();
        } catch (NoSuchFileException e) {
            lines = List.of();
        }
        List<String> changed = change.apply(lines);
        StringBuilder sb = new StringBuilder();
        for (String line : changed) {
            sb.append(line).append('\n');
        }
        FileOwnership.replace(file, sb.toString().getBytes(StandardCharsets.UTF_8));
        Stamp written = Stamp.of(file);
        Map<String, String> index = index(changed, false);
        lock.lock();
        try {
            users = index;
            stamp = written;
            checked = clock.instant();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String hashOf(char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("empty password");
        }
        return PasswordHasher.hash(password);
    }

    private static String normalize(String address) {
        return address.strip().toLowerCase(Locale.ROOT);
    }

    private static String checkAddress(String address) {
        Objects.requireNonNull(address, "address");
        String a = normalize(address);
        if (!isValidAddress(a)) {
            throw new IllegalArgumentException("not an address of the form local@domain: " + address);
        }
        return a;
    }

    /**
     * True for an address this store can hold: local@domain, one '@', both parts non-empty, no ':' (the
     * separator in the file), no white space or control characters, no leading '#'.
     */
    public static boolean isValidAddress(String a) {
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c == ':' || c == '#' && i == 0 || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return a.indexOf('@') == at && !a.substring(at + 1).contains("..");
    }

    /** Size, modification time and identity (inode) of the file; every atomic replace changes the identity. */
    private record Stamp(boolean absent, long size, FileTime modified, Object key) {
        static final Stamp ABSENT = new Stamp(true, -1, null, null);

        static Stamp of(Path file) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(false, a.size(), a.lastModifiedTime(), a.fileKey());
            } catch (NoSuchFileException e) {
                return ABSENT;
            }
        }
    }

    /** A hash of a random password with the default parameters, computed once, for unknown users. */
    private static final class DummyHash {
        static final String VALUE;

        static {
            char[] pw = new char[24];
            SecureRandom r = new SecureRandom();
            for (int i = 0; i < pw.length; i++) {
                pw[i] = (char) ('a' + r.nextInt(26));
            }
            VALUE = PasswordHasher.hash(pw);
        }
    }
}
