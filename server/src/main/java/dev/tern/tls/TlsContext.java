package dev.tern.tls;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of TLS for every listener that speaks it (SMTP STARTTLS, submissions, POP3 STLS, pop3s):
 * TLS 1.2 and 1.3 only, ECDHE with AEAD ciphers only for 1.2, the server's cipher order.
 *
 * <p>The certificate comes from the configured PEM files, or, when none is configured, from a self-signed
 * certificate made in {@code <data_dir>/tls} at the first start. Configured files are watched: when a new
 * connection is wrapped and the last look is more than {@code checkInterval} ago, their modification times,
 * sizes and identities are compared with the ones loaded; if they changed, the files are loaded again. A new
 * file that does not load (a half-written renewal) keeps the old context and logs an error. On reload, a
 * context built afresh from the new configuration is {@linkplain #adopt adopted} whole: its files, its watch
 * and its certificate serve the handshakes that start from then on.
 */
public final class TlsContext {
    private static final Logger log = LoggerFactory.getLogger(TlsContext.class);

    /** The protocols offered, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** The cipher suites offered, in the server's order of preference (those the JVM lacks are left out). */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    /** How long a handshake waits at most for the first load of {@link #inBackground}. */
    static final Duration FIRST_LOAD_WAIT = Duration.ofSeconds(60);
    /** How often, at most, the configured files are checked for changes. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(3);

    static {
        // Client-initiated renegotiation (TLS 1.2) costs the server a handshake for nothing: refuse it.
        // Read once by the JDK when its TLS classes initialise, so set before the first SSLContext.
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    /** The files served, and whether they are watched (configured ones are); replaced by {@link #adopt}. */
    private volatile Source source;
    private final Duration checkInterval;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** What handshakes use now; null until the first load of {@link #inBackground} has ended. */
    private volatile Loaded current;
    /** The first load of {@link #inBackground}; null for a context loaded at once. */
    private final Future<Loaded> first;
    /** Run each time something waits for {@link #first} (a load that waits to be wanted starts then). */
    private final Runnable wanted;
    /** The files' stamps when last looked at, loaded or not: a broken file is tried once per change. */
    private Stamps seen;
    private Instant lastCheck;

    private record Source(Path cert, Path key, boolean watch) {
    }

    private record Loaded(SSLContext context, SSLParameters parameters, X509Certificate leaf) {
    }

    private record Stamps(Stamp cert, Stamp key) {
        static Stamps of(Path cert, Path key) throws IOException {
            return new Stamps(Stamp.of(cert), Stamp.of(key));
        }
    }

    private record Stamp(long size, FileTime modified, Object key) {
        static Stamp of(Path p) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new Stamp(a.size(), a.lastModifiedTime(), a.fileKey());
            } catch (NoSuchFileException e) {
                return new Stamp(-1, null, null);
            }
        }
    }

    /** Nothing loaded yet: {@link #create} loads at once, {@link #inBackground} on a thread of its own. */
    private TlsContext(Path certFile, Path keyFile, boolean watch, Duration checkInterval, Clock clock,
                       Future<Loaded> first, Runnable wanted) throws IOException {
        this.first = first;
        this.wanted = wanted;
        this.source = new Source(certFile, keyFile, watch);
        this.checkInterval = checkInterval;
        this.clock = clock;
        this.seen = Stamps.of(certFile, keyFile);
        this.lastCheck = clock.instant();
    }

    private static TlsContext loadedNow(Path certFile, Path keyFile, boolean watch, Duration checkInterval,
                                        Clock clock) throws IOException {
        TlsContext t = new TlsContext(certFile, keyFile, watch, checkInterval, clock, null, null);
        t.current = loadAndLog(certFile, keyFile);
        return t;
    }

    private static Loaded loadAndLog(Path certFile, Path keyFile) throws IOException {
        Loaded l = load(certFile, keyFile);
        log.info("TLS certificate {} for {} (valid until {})", certFile, l.leaf().getSubjectX500Principal().getName(),
                l.leaf().getNotAfter().toInstant());
        return l;
    }

    /**
     * The TLS context of the configured PEM files ({@code certificate} and {@code privateKey} both given),
     * or of the self-signed certificate for {@code hostname} in {@code tlsDir} (both null). Fails with a
     * one-line message when the files cannot be used.
     */
    public static TlsContext create(Path certificate, Path privateKey, String hostname, Path tlsDir,
                                    Duration checkInterval, Clock clock) throws IOException {
        if (certificate != null && privateKey != null) {
            return loadedNow(certificate, privateKey, true, checkInterval, clock);
        }
        Path[] files = SelfSigned.ensure(tlsDir, hostname, clock);
        return loadedNow(files[0], files[1], false, checkInterval, clock);
    }

    /**
     * The context of {@code certificate} and {@code privateKey}, which {@code writeFiles} makes, both done on a
     * thread of its own from now on, so that listeners bind and greet meanwhile (tern-junit: the JDK's TLS set-up
     * is a good part of a first start). A handshake that starts before the load has ended waits for it; a load
     * that fails fails every handshake with its reason. The files are not watched. {@code wanted} runs whenever a
     * handshake, or a wait for this first load, comes before the load has ended: a {@code writeFiles} that waits
     * before it starts (tern-junit's waits until TLS is first needed) is told to go on.
     */
    public static TlsContext inBackground(Callable<?> writeFiles, Path certificate, Path privateKey, Clock clock,
                                          Runnable wanted) throws IOException {
        FutureTask<Loaded> first = new FutureTask<>(() -> {
            writeFiles.call();
            return loadAndLog(certificate, privateKey);
        });
        TlsContext t = new TlsContext(certificate, privateKey, false, DEFAULT_CHECK_INTERVAL, clock, first,
                wanted);
        Thread.ofPlatform().daemon().name("tern-tls-load").start(first);
        return t;
    }

    /**
     * Serves what {@code fresh} serves from now on (its files, watched or not, and the certificate it loaded);
     * connections already wrapped keep the context they were wrapped with.
     */
    public void adopt(TlsContext fresh) {
        lock.lock();
        try {
            fresh.lock.lock();
            try {
                source = fresh.source;
                seen = fresh.seen;
                lastCheck = fresh.lastCheck;
                current = fresh.current;
            } finally {
                fresh.lock.unlock();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the first load of {@link #inBackground} to end (returns at once for a context loaded at once): a
     * reload right after the start then finds the files that load writes.
     */
    public void awaitFirstLoad() throws IOException {
        settled();
    }

    /** The certificate served now (the first of the chain). */
    public X509Certificate certificate() {
        return unchecked(this::loaded).leaf();
    }

    /** The certificate loaded last, without looking whether its files changed since (for reports). */
    public X509Certificate loadedCertificate() {
        return unchecked(this::settled).leaf();
    }

    /** The certificate file in use (the configured one, or the self-signed one). */
    public Path certificateFile() {
        return source.cert();
    }

    /**
     * Wraps an accepted plain socket (after STARTTLS, or at once for implicit TLS) as the server side of TLS.
     * Closing the returned socket closes {@code plain}. The handshake starts at the first read or write, or
     * with {@link SSLSocket#startHandshake()}.
     */
    public SSLSocket wrap(Socket plain) throws IOException {
        Loaded l = loaded();
        SSLSocket s = (SSLSocket) l.context().getSocketFactory()
                .createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        s.setUseClientMode(false);
        s.setSSLParameters(l.parameters());
        return s;
    }

    /** The protocols a wrapped socket enables (for tests and logs). */
    public List<String> enabledProtocols() {
        return List.of(unchecked(this::loaded).parameters().getProtocols());
    }

    public List<String> enabledCipherSuites() {
        return List.of(unchecked(this::loaded).parameters().getCipherSuites());
    }

    /** {@code l}'s result, or its failure as an unchecked one. */
    private static Loaded unchecked(Callable<Loaded> l) {
        try {
            return l.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The context loaded last, after waiting for the first load of {@link #inBackground} to end. */
    private Loaded settled() throws IOException {
        Loaded l = current;
        if (l != null) {
            return l;
        }
        if (!first.isDone()) {
            wanted.run();
        }
        try {
            l = first.get(FIRST_LOAD_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("TLS is not available: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("TLS is not available: its set-up did not end within "
                    + FIRST_LOAD_WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the TLS context");
        }
        lock.lock();
        try {
            if (current == null) { // unless a reload adopted another meanwhile
                current = l;
            }
            return current;
        } finally {
            lock.unlock();
        }
    }

    /** The current context, reloaded first when the watched files changed and the last look is old enough. */
    private Loaded loaded() throws IOException {
        if (!source.watch()) {
            return settled();
        }
        Instant now = clock.instant();
        if (!lock.tryLock()) {
            return current; // another connection is looking right now
        }
        try {
            if (lastCheck != null && now.isBefore(lastCheck.plus(checkInterval))) {
                return current;
            }
            lastCheck = now;
            Path certFile = source.cert();
            Path keyFile = source.key();
            Stamps stamps;
            try {
                stamps = Stamps.of(certFile, keyFile);
            } catch (IOException e) {
                log.error("TLS: cannot look at {} or {}: {}; keeping the certificate loaded before", certFile, keyFile,
                        e.toString());
                return current;
            }
            if (stamps.equals(seen)) {
                return current;
            }
            seen = stamps;
            try {
                current = load(certFile, keyFile);
                log.info("TLS: reloaded {} for {} (valid until {})", certFile,
                        current.leaf().getSubjectX500Principal().getName(), current.leaf().getNotAfter().toInstant());
            } catch (IOException e) {
                log.error("TLS: cannot reload: {}; keeping the certificate loaded before", e.getMessage());
            }
            return current;
        } finally {
            lock.unlock();
        }
    }

    private static Loaded load(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new IOException(keyFile + ": a " + key.getAlgorithm() + " key does not fit the "
                    + chain.get(0).getPublicKey().getAlgorithm() + " certificate in " + certFile);
        }
        try {
            char[] pw = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            // in memory only, never written: one PBE iteration, not PKCS12's 10,000 (which cost a start ~100 ms)
            ks.setEntry("tern", new KeyStore.PrivateKeyEntry(key, chain.toArray(new X509Certificate[0])),
                    new KeyStore.PasswordProtection(pw, "PBEWithHmacSHA256AndAES_256",
                            new javax.crypto.spec.PBEParameterSpec(new byte[16], 1)));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            // no trust managers: clients are never asked for a certificate, and null would load the JDK's cacerts
            ctx.init(kmf.getKeyManagers(), new TrustManager[0], null);
            // Sign something to prove that the key is the certificate's: a mismatch would fail every handshake.
            checkKeyMatches(chain.get(0), key, keyFile, certFile);
            SSLParameters supported = ctx.getSupportedSSLParameters();
            Set<String> protocols = Set.of(supported.getProtocols());
            Set<String> suites = Set.of(supported.getCipherSuites());
            List<String> p = new ArrayList<>(PROTOCOLS.stream().filter(protocols::contains).toList());
            List<String> c = new ArrayList<>(CIPHER_SUITES.stream().filter(suites::contains).toList());
            SSLParameters params = new SSLParameters(c.toArray(new String[0]), p.toArray(new String[0]));
            params.setUseCipherSuitesOrder(true);
            params.setNeedClientAuth(false);
            params.setWantClientAuth(false);
            return new Loaded(ctx, params, chain.get(0));
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + ": cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static void checkKeyMatches(X509Certificate cert, PrivateKey key, Path keyFile, Path certFile)
            throws IOException {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA"
                : key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : null;
        if (alg == null) {
            return;
        }
        try {
            byte[] data = "tern".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature s = java.security.Signature.getInstance(alg);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            s.initVerify(cert.getPublicKey());
            s.update(data);
            if (!s.verify(sig)) {
                throw new IOException(keyFile + ": the private key does not belong to the certificate in " + certFile);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(keyFile + ": cannot check the key against " + certFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        Source src = source;
        return "TlsContext" + Arrays.asList(src.cert(), src.key());
    }
}
