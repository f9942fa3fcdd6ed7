package dev.tern.tls;

import dev.tern.io.Durable;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate Tern uses when none is configured: an ECDSA P-256 key and a self-signed certificate for the
 * host name, made at the first start in {@code <data_dir>/tls/} (key 0600) and reused after that, renewed
 * when it is expired or cannot be read. Mail clients will warn about it; it is for trying Tern out and for
 * opportunistic STARTTLS between MTAs, which does not check certificates.
 */
final class SelfSigned {
    private static final Logger log = LoggerFactory.getLogger(SelfSigned.class);
    static final String CERT_FILE = "selfsigned-cert.pem";
    static final String KEY_FILE = "selfsigned-key.pem";
    static final Duration VALIDITY = Duration.ofDays(365);

    private SelfSigned() {
    }

    /** The certificate and key files in {@code dir}, created there first when missing, unreadable or expired. */
    static Path[] ensure(Path dir, String hostname, Clock clock) throws IOException {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        if (Files.exists(cert) && Files.exists(key)) {
            try {
                List<X509Certificate> chain = Pem.certificates(cert);
                Pem.privateKey(key);
                if (chain.get(0).getNotAfter().toInstant().isAfter(clock.instant().plus(Duration.ofDays(1)))) {
                    log.warn("no [tls] certificate configured: using the self-signed certificate {}; mail clients"
                            + " will not trust it", cert);
                    return new Path[] {cert, key};
                }
                log.warn("{}: the self-signed certificate has expired; making a new one", cert);
            } catch (IOException e) {
                log.warn("{}: cannot use the self-signed certificate ({}); making a new one", cert, e.getMessage());
            }
        }
        generate(cert, key, hostname, clock);
        log.warn("no [tls] certificate configured: made a self-signed certificate for {} in {}; mail clients"
                + " will not trust it", hostname, cert);
        return new Path[] {cert, key};
    }

    static void generate(Path cert, Path key, String hostname, Clock clock) throws IOException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = g.generateKeyPair();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hostname).build();
            Instant now = clock.instant();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, hostname)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate c = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            Durable.writeAtomically(key, Pem.encode(new JcaPKCS8Generator(kp.getPrivate(), null).generate()), true);
            Durable.writeAtomically(cert, Pem.encode(c));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }
}
