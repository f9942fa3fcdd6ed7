package dev.tern.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, unpadded standard base64).
 *
 * <p>New hashes use the OWASP minimum for Argon2id (19 MiB, 2 passes, 1 lane). {@link #verify} reads the
 * parameters from the stored string, so the defaults can be raised later without invalidating old hashes.
 */
public final class PasswordHasher {
    /** Memory in KiB (OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1). */
    static final int MEMORY_KIB = 19_456;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    // Bounds on what verify() accepts from a stored string, so one bad line cannot make a login take
    // minutes or gigabytes. Generous compared with the defaults above.
    private static final int MAX_MEMORY_KIB = 4 * 1024 * 1024; // 4 GiB
    private static final int MAX_ITERATIONS = 1_000;
    private static final int MAX_PARALLELISM = 255;
    private static final int MIN_SALT_BYTES = 8;
    private static final int MAX_SALT_BYTES = 64;
    private static final int MIN_HASH_BYTES = 4;
    private static final int MAX_HASH_BYTES = 256;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

    private PasswordHasher() {
    }

    /** Hashes {@code password} with a fresh random salt and the current default parameters. */
    public static String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] out = new byte[HASH_BYTES];
        try {
            derive(password, salt, Argon2Parameters.ARGON2_VERSION_13, MEMORY_KIB, ITERATIONS, PARALLELISM, out);
            return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM
                    + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
        } finally {
            Arrays.fill(out, (byte) 0);
            Arrays.fill(salt, (byte) 0);
        }
    }

    /**
     * True when {@code password} matches the PHC string {@code phc}. False, never an exception, for a wrong
     * password and for a string that is not a well-formed Argon2id hash within sane parameter bounds.
     */
    public static boolean verify(char[] password, String phc) {
        Parsed p = parse(phc);
        if (p == null || password == null) {
            return false;
        }
        byte[] actual = new byte[p.hash.length];
        try {
            derive(password, p.salt, p.version, p.memoryKib, p.iterations, p.parallelism, actual);
            return MessageDigest.isEqual(actual, p.hash);
        } catch (RuntimeException e) {
            return false; // e.g. a password that is not valid UTF-16 (lone surrogate)
        } finally {
            Arrays.fill(actual, (byte) 0);
            Arrays.fill(p.hash, (byte) 0);
            Arrays.fill(p.salt, (byte) 0);
        }
    }

    /** True when {@code phc} is an Argon2id string that {@link #verify} would evaluate. */
    public static boolean isWellFormed(String phc) {
        Parsed p = parse(phc);
        if (p == null) {
            return false;
        }
        Arrays.fill(p.hash, (byte) 0);
        Arrays.fill(p.salt, (byte) 0);
        return true;
    }

    private static void derive(char[] password, byte[] salt, int version, int memoryKib, int iterations,
            int parallelism, byte[] out) {
        byte[] pw = utf8(password);
        Argon2Parameters.Builder builder = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(version)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt);
        Argon2Parameters params = builder.build();
        try {
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(params);
            generator.generateBytes(pw, out);
        } finally {
            Arrays.fill(pw, (byte) 0);
            params.clear();
            builder.clear();
        }
    }

    /** UTF-8 bytes of {@code password} without going through an immutable String; the caller wipes them. */
    private static byte[] utf8(char[] password) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer buf;
        try {
            buf = encoder.encode(CharBuffer.wrap(password));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("password is not valid Unicode", e);
        }
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        if (buf.hasArray()) {
            Arrays.fill(buf.array(), (byte) 0);
        }
        return bytes;
    }

    private record Parsed(int version, int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {
    }

    /** Parses {@code $argon2id[$v=V]$m=M,t=T,p=P$salt$hash}; null when anything is off. */
    private static Parsed parse(String phc) {
        if (phc == null || phc.isEmpty() || phc.length() > 1024) {
            return null;
        }
        String[] f = phc.split("\\$", -1);
        // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]; PHC allows v to be absent (then 0x10).
        int i;
        int version;
        if (f.length == 6 && f[0].isEmpty() && f[2].startsWith("v=")) {
            Integer v = number(f[2].substring(2));
            if (v == null || (v != 0x13 && v != 0x10)) {
                return null;
            }
            version = v == 0x13 ? Argon2Parameters.ARGON2_VERSION_13 : Argon2Parameters.ARGON2_VERSION_10;
            i = 3;
        } else if (f.length == 5 && f[0].isEmpty()) {
            version = Argon2Parameters.ARGON2_VERSION_10;
            i = 2;
        } else {
            return null;
        }
        if (!f[1].equals("argon2id")) {
            return null;
        }
        String[] kv = f[i].split(",", -1);
        if (kv.length != 3 || !kv[0].startsWith("m=") || !kv[1].startsWith("t=") || !kv[2].startsWith("p=")) {
            return null;
        }
        Integer m = number(kv[0].substring(2));
        Integer t = number(kv[1].substring(2));
        Integer p = number(kv[2].substring(2));
        if (m == null || t == null || p == null
                || p < 1 || p > MAX_PARALLELISM
                || t < 1 || t > MAX_ITERATIONS
                || m < 8L * p || m > MAX_MEMORY_KIB) {
            return null;
        }
        byte[] salt = base64(f[i + 1]);
        byte[] hash = base64(f[i + 2]);
        if (salt == null || hash == null
                || salt.length < MIN_SALT_BYTES || salt.length > MAX_SALT_BYTES
                || hash.length < MIN_HASH_BYTES || hash.length > MAX_HASH_BYTES) {
            return null;
        }
        return new Parsed(version, m, t, p, salt, hash);
    }

    /** A decimal without sign or leading zeros (PHC), at most 9 digits; null otherwise. */
    private static Integer number(String s) {
        if (s.isEmpty() || s.length() > 9 || (s.length() > 1 && s.charAt(0) == '0')) {
            return null;
        }
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        return Integer.parseInt(s);
    }

    /** Unpadded standard base64 as PHC requires; null for anything else. */
    private static byte[] base64(String s) {
        if (s.isEmpty() || s.indexOf('=') >= 0 || s.length() % 4 == 1) {
            return null;
        }
        try {
            return B64_DECODER.decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
