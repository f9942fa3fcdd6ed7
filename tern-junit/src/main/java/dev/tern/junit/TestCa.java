package dev.tern.junit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made for one test server, and the server certificate it signed (for localhost,
 * 127.0.0.1 and ::1). Code under test trusts the CA through {@link #trustStore()}, {@link #sslContext()} or
 * {@link #pem()}, and so verifies the server's certificate as it would in production, instead of trusting all.
 *
 * <p>Servers take theirs from a cache on disk ({@link #cached()}): making one loads Bouncy Castle's certificate
 * builder, about a second of CPU in a fresh JVM, where reading one back costs the JDK's own parser only.
 */
public final class TestCa {
    static final Duration VALIDITY = Duration.ofDays(30);
    /** A cached CA with less validity left than this is made again. */
    private static final Duration RENEW_BEFORE = Duration.ofDays(1);
    /** The system property naming the cache directory; {@code none} makes a CA for every server. */
    public static final String CACHE_PROPERTY = "tern.junit.cache";
    /** The layout of the cache: a new one when the files change. */
    private static final String CACHE_ENTRY = "test-ca-1";
    private final X509Certificate ca;
    private final X509Certificate server;
    private final String serverKeyPem;

    TestCa(X509Certificate ca, X509Certificate server, String serverKeyPem) {
        this.ca = ca;
        this.server = server;
        this.serverKeyPem = serverKeyPem;
    }

    /**
     * The CA and server certificate kept in the cache directory ({@value #CACHE_PROPERTY}, by default
     * {@code $XDG_CACHE_HOME/tern-junit} or {@code ~/.cache/tern-junit}), made there when missing, unreadable or
     * within a day of expiry. Only the CA's certificate is kept, never its key; the server's key is readable by its
     * owner only. When the cache cannot be written, a new CA serves this server alone.
     */
    static TestCa cached() {
        Path root = cacheDirectory();
        return root == null ? create() : cached(root);
    }

    /** As {@link #cached()}, in {@code root}. */
    static TestCa cached(Path root) {
        Path dir = root.resolve(CACHE_ENTRY);
        TestCa kept = read(dir);
        if (kept != null && kept.server.getNotAfter().toInstant().isAfter(Instant.now().plus(RENEW_BEFORE))) {
            return kept;
        }
        TestCa made = create();
        made.keep(root, dir);
        return made;
    }

    private static Path cacheDirectory() {
        String set = System.getProperty(CACHE_PROPERTY);
        if (set != null && !set.isBlank()) {
            return set.equals("none") ? null : Path.of(set);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "tern-junit");
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "tern-junit");
    }

    /** The CA kept in {@code dir}, or null when there is none that reads back whole. */
    private static TestCa read(Path dir) {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            X509Certificate ca = (X509Certificate) f.generateCertificate(
                    new ByteArrayInputStream(Files.readAllBytes(dir.resolve("ca.pem"))));
            X509Certificate server = (X509Certificate) f.generateCertificate(
                    new ByteArrayInputStream(Files.readAllBytes(dir.resolve("server.pem"))));
            server.verify(ca.getPublicKey());
            String key = Files.readString(dir.resolve("server.key"), StandardCharsets.US_ASCII);
            return key.contains("-----BEGIN PRIVATE KEY-----") ? new TestCa(ca, server, key) : null;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return null; // none yet, or half there: make one
        }
    }

    /** Writes this CA to {@code dir} whole or not at all: another JVM may be doing the same. */
    private void keep(Path root, Path dir) {
        Path tmp = null;
        try {
            Files.createDirectories(root);
            tmp = Files.createTempDirectory(root, CACHE_ENTRY + ".new-");
            Files.writeString(tmp.resolve("ca.pem"), pem(ca), StandardCharsets.US_ASCII);
            Files.writeString(tmp.resolve("server.pem"), pem(server), StandardCharsets.US_ASCII);
            Path key = Files.createFile(tmp.resolve("server.key"));
            try {
                Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the temporary directory is the user's own
            }
            Files.writeString(key, serverKeyPem, StandardCharsets.US_ASCII);
            delete(dir); // an expired or broken one
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException | RuntimeException e) {
            // another JVM kept its own meanwhile (the next start reads that one), or the directory is read-only:
            // this CA serves this server only
        } finally {
            delete(tmp);
        }
    }

    private static void delete(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // left for the next start to replace
        }
    }

    /** A new CA (EC P-256) and a server certificate from it. */
    static TestCa create() {
        return TestCaMaker.make(); // Bouncy Castle's classes stay unloaded (and its signed jars unverified) until now
    }

    private static String pem(X509Certificate c) {
        try {
            return pem("CERTIFICATE", c.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The CA's certificate. */
    public X509Certificate certificate() {
        return ca;
    }

    /** The server's certificate, signed by the CA. */
    public X509Certificate serverCertificate() {
        return server;
    }

    /** The CA's certificate in PEM ({@code -----BEGIN CERTIFICATE-----}), for clients configured by file. */
    public String pem() {
        return pem(ca);
    }

    /** A PKCS#12 trust store holding the CA's certificate only (no password). */
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("tern-junit-ca", ca);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client SSLContext that trusts this CA and nothing else. */
    public SSLContext sslContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server's certificate in PEM, for Tern's tls.certificate. */
    String serverCertificatePem() {
        return pem(server);
    }

    /** The server's private key in PEM (PKCS#8), for Tern's tls.private_key. */
    String serverKeyPem() {
        return serverKeyPem;
    }
}
