package dev.tern.junit;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes a {@link TestCa} with Bouncy Castle's certificate builder. A class of its own so that Bouncy Castle is
 * loaded only when a CA is made: its jars are signed, and the JVM checks a signed jar's signatures the first time
 * it loads a class from it (about a second of CPU in a fresh JVM), which a start from the cache never needs.
 */
final class TestCaMaker {
    private TestCaMaker() {
    }

    /** A new CA (EC P-256) and a server certificate from it. */
    static TestCa make() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair caKeys = g.generateKeyPair();
            KeyPair serverKeys = g.generateKeyPair();
            Instant now = Instant.now();
            X500Name caName = new X500Name("CN=tern-junit test CA " + now.toEpochMilli());
            X509v3CertificateBuilder cb = builder(caName, caName, caKeys, now);
            cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            cb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate ca = sign(cb, caKeys);
            X509v3CertificateBuilder sb = builder(caName, new X500Name("CN=localhost"), serverKeys, now);
            sb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            sb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            sb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            sb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate server = sign(sb, caKeys);
            return new TestCa(ca, server, TestCa.pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot make the test CA: " + e, e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, Instant now) {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(TestCa.VALIDITY)), subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuerKeys)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
