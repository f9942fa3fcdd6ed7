package dev.tern.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * PEM files as Let's Encrypt (certbot, acme.sh, lego) and openssl write them: a certificate chain, leaf first
 * ({@code fullchain.pem}), and a private key, RSA or EC, in PKCS#8 ({@code BEGIN PRIVATE KEY}) or the
 * traditional form ({@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}). Errors are one line.
 */
final class Pem {
    private Pem() {
    }

    static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try (PEMParser p = new PEMParser(reader(file))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add(conv.getCertificate(h));
                }
            }
        } catch (CertificateException | RuntimeException e) {
            throw new IOException(file + ": not a valid PEM certificate: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(file + ": no \"BEGIN CERTIFICATE\" block found");
        }
        return chain;
    }

    static PrivateKey privateKey(Path file) throws IOException {
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
        try (PEMParser p = new PEMParser(reader(file))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    return conv.getPrivateKey(kp.getPrivateKeyInfo()); // an EC key may come without its public part
                }
                if (o instanceof PrivateKeyInfo info) {
                    return conv.getPrivateKey(info);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a valid PEM private key: " + e.getMessage(), e);
        }
        throw new IOException(file + ": no unencrypted private key found (expected \"BEGIN PRIVATE KEY\","
                + " \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\")");
    }

    static byte[] encode(Object... objects) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            for (Object o : objects) {
                pw.writeObject(o);
            }
        }
        return w.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static Reader reader(Path file) throws IOException {
        return new StringReader(Files.readString(file, StandardCharsets.US_ASCII));
    }
}
