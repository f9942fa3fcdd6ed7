package dev.tern.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DKIM signing keys under {@code <data_dir>/dkim/}: one directory per domain, one PEM file per selector,
 * {@code <data_dir>/dkim/DOMAIN/SELECTOR.pem} (PKCS#8, or PKCS#1 for RSA), the algorithm told by the key.
 * Directories are created mode 0700 and files 0600. {@link #keysFor} looks at the domain directory's and the
 * files' modification times at each call and reads the keys again when any changed, so a running server signs
 * with keys added or replaced without a restart; a file that cannot be read is skipped, and {@link #load} says
 * why (the caller logs it: the server once per message it signs, the commands on their output). A domain with
 * such a file is read again at every call, since {@code chmod}, which may mend it, changes no modification time.
 */
public final class DkimKeys implements DkimSigner.KeySource {
    private static final String SUFFIX = ".pem";

    /**
     * The keys of a domain and the files that could not be used.
     *
     * @param keys     RSA first, then by selector
     * @param problems one text per file (or directory) that could not be used: {@code FILE: REASON}
     */
    public record Loaded(List<SigningKey> keys, List<String> problems) {
        static final Loaded NONE = new Loaded(List.of(), List.of());

        public Loaded {
            keys = List.copyOf(keys);
            problems = List.copyOf(problems);
        }
    }

    /** What was read from one domain directory, and the times that tell whether it is still current. */
    private record Entry(FileTime dirTime, Map<Path, FileTime> fileTimes, Loaded loaded) {
    }

    private final Path root;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    public DkimKeys(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The directory of a domain's keys. */
    public Path dir(String domain) {
        return root.resolve(normalize(domain));
    }

    /** The keys of {@code domain}, RSA first, then by selector; empty when it has none. */
    @Override
    public List<SigningKey> keysFor(String domain) {
        return load(domain).keys();
    }

    /**
     * The keys of {@code domain} and the files that could not be used, read again when the directory's or a
     * file's modification time has changed since the last call, else from memory.
     */
    public Loaded load(String domain) {
        String d = normalize(domain);
        if (d.isEmpty() || d.startsWith(".") || d.contains("/") || d.contains("\\")) {
            return Loaded.NONE;
        }
        Path dir = root.resolve(d);
        FileTime dirTime;
        try {
            dirTime = Files.getLastModifiedTime(dir);
        } catch (IOException e) {
            cache.remove(d);
            return Loaded.NONE;
        }
        Entry e = cache.get(d);
        // a file that could not be used is tried again each time: chmod, which may mend it, leaves mtime alone
        if (e == null || !e.loaded().problems().isEmpty() || !e.dirTime().equals(dirTime) || changed(e.fileTimes())) {
            e = read(d, dir, dirTime);
            cache.put(d, e);
        }
        return e.loaded();
    }

    /**
     * Generates a new key for {@code domain} under {@code selector} and stores it (written to a temporary file
     * and renamed into place). Refuses to replace an existing file unless {@code force}.
     */
    public SigningKey generate(String domain, String selector, Algorithm algorithm, boolean force) throws IOException {
        String d = normalize(domain);
        Path dir = root.resolve(d);
        Path file = dir.resolve(selector + SUFFIX);
        if (!force && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists already (use --force to replace it)");
        }
        createPrivateDir(root);
        createPrivateDir(dir);
        KeyPair pair = Keys.generate(algorithm);
        Path tmp = dir.resolve("." + selector + SUFFIX + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Keys.toPem(pair.getPrivate()), StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return new SigningKey(d, selector, algorithm, pair.getPrivate(), pair.getPublic());
    }

    /** Reads one key file; throws {@link IllegalArgumentException} saying what is wrong with its content. */
    public static SigningKey read(String domain, Path file) throws IOException {
        String name = file.getFileName().toString();
        PrivateKey key = Keys.fromPem(Files.readString(file, StandardCharsets.ISO_8859_1));
        return new SigningKey(normalize(domain), name.substring(0, name.length() - SUFFIX.length()),
                Keys.algorithm(key), key, Keys.publicKey(key));
    }

    private Entry read(String domain, Path dir, FileTime dirTime) {
        Map<Path, FileTime> times = new HashMap<>();
        List<SigningKey> keys = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : ds) {
                if (file.getFileName().toString().startsWith(".")) {
                    continue;
                }
                try {
                    times.put(file, Files.getLastModifiedTime(file));
                    keys.add(read(domain, file));
                } catch (IOException | IllegalArgumentException e) {
                    problems.add(file + ": " + reason(e));
                }
            }
        } catch (IOException e) {
            problems.add(dir + ": cannot list the keys: " + reason(e));
        }
        keys.sort(Comparator.comparing((SigningKey k) -> k.algorithm().ordinal()).thenComparing(SigningKey::selector));
        return new Entry(dirTime, Map.copyOf(times), new Loaded(keys, problems));
    }

    private static String reason(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static boolean changed(Map<Path, FileTime> times) {
        for (Map.Entry<Path, FileTime> t : times.entrySet()) {
            try {
                if (!Files.getLastModifiedTime(t.getKey()).equals(t.getValue())) {
                    return true;
                }
            } catch (IOException e) {
                return true; // gone or unreadable: read the directory again
            }
        }
        return false;
    }

    private static void createPrivateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    private static String normalize(String domain) {
        String d = domain.strip().toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }
}
