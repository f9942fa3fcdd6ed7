package dev.tern.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
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
 *
 * <p>A file of certificates only, or of one PKCS#8 key only, is read by the JDK alone; Bouncy Castle, whose
 * classes take a good part of a second of CPU to load, reads the rest (and says what is wrong with a bad file).
 */
final class Pem {
    private Pem() {
    }

    static List<X509Certificate> certificates(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<byte[]> blocks = blocksIfAll(text, "CERTIFICATE");
        if (blocks != null && !blocks.isEmpty()) {
            try {
                CertificateFactory f = CertificateFactory.getInstance("X.509");
                List<X509Certificate> chain = new ArrayList<>();
                for (byte[] der : blocks) {
                    chain.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
                }
                return chain;
            } catch (CertificateException | RuntimeException e) {
                // Bouncy Castle's reading below says what is wrong
            }
        }
        return certificatesByBouncyCastle(text, file);
    }

    static List<X509Certificate> certificatesByBouncyCastle(String text, Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try (PEMParser p = new PEMParser(new StringReader(text))) {
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
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<byte[]> blocks = blocksIfAll(text, "PRIVATE KEY");
        if (blocks != null && blocks.size() == 1) {
            for (String algorithm : List.of("EC", "RSA")) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
                } catch (GeneralSecurityException | RuntimeException e) {
                    // another algorithm, or Bouncy Castle's reading below
                }
            }
        }
        return privateKeyByBouncyCastle(text, file);
    }

    static PrivateKey privateKeyByBouncyCastle(String text, Path file) throws IOException {
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
        try (PEMParser p = new PEMParser(new StringReader(text))) {
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

    /**
     * The content of each PEM block of {@code text}, when every block is a {@code type} without headers; null when
     * another type, a header or a broken block is there.
     */
    private static List<byte[]> blocksIfAll(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int at = 0;
        while ((at = text.indexOf("-----BEGIN ", at)) >= 0) {
            int stop = text.indexOf(end, at);
            if (!text.startsWith(begin, at) || stop < 0) {
                return null;
            }
            String body = text.substring(at + begin.length(), stop);
            if (body.contains(":") || body.contains("-----")) {
                return null;
            }
            try {
                out.add(Base64.getMimeDecoder().decode(body));
            } catch (IllegalArgumentException e) {
                return null;
            }
            at = stop + end.length();
        }
        return out;
    }
}
