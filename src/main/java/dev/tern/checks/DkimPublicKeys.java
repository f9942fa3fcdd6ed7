package dev.tern.checks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The DKIM public keys of a domain's keys under {@code <data_dir>/dkim/<domain>/}, as the {@code p=} of the TXT
 * record to publish. Reads files named {@code <selector>.rsa.key} and {@code <selector>.ed25519.key} (or
 * {@code .pem}): a PEM private key (PKCS#8), or a PEM public key. This is the only place that knows the key
 * files' layout for {@code tern dns check}; the DKIM signer owns writing them.
 */
public final class DkimPublicKeys {
    private DkimPublicKeys() {
    }

    /**
     * One key's DNS record.
     *
     * @param selector  the {@code s=} it signs with
     * @param algorithm "rsa" or "ed25519" (the record's {@code k=})
     * @param publicKey the {@code p=} value, base64
     */
    public record Key(String selector, String algorithm, String publicKey) {
        /** The TXT record value: {@code v=DKIM1; k=rsa; p=…}. */
        public String txt() {
            return "v=DKIM1; k=" + algorithm + "; p=" + publicKey;
        }
    }

    /** The keys found for {@code domain}, sorted by file name; empty when there are none. */
    public static List<Key> of(Path dataDir, String domain) throws IOException {
        Path dir = dataDir.resolve("dkim").resolve(domain.toLowerCase(Locale.ROOT));
        List<Key> keys = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return keys;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.{key,pem}")) {
            ds.forEach(files::add);
        }
        files.sort(null);
        for (Path f : files) {
            String[] parts = f.getFileName().toString().split("\\.");
            if (parts.length != 3 || !(parts[1].equals("rsa") || parts[1].equals("ed25519"))) {
                continue;
            }
            try {
                keys.add(new Key(parts[0], parts[1], publicKey(Files.readString(f, StandardCharsets.US_ASCII), parts[1])));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException(f + ": not a usable " + parts[1] + " key (" + e.getMessage() + ")", e);
            }
        }
        return keys;
    }

    /** The p= value of a PEM private (PKCS#8) or public key. */
    static String publicKey(String pem, String algorithm) throws GeneralSecurityException {
        boolean isPublic = pem.contains("BEGIN PUBLIC KEY");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        Base64.Encoder b64 = Base64.getEncoder();
        if (algorithm.equals("rsa")) {
            if (isPublic) {
                return b64.encodeToString(der); // SubjectPublicKeyInfo, as RFC 6376 3.6.1 wants
            }
            KeyFactory kf = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey k = (RSAPrivateCrtKey) kf.generatePrivate(new PKCS8EncodedKeySpec(der));
            return b64.encodeToString(kf.generatePublic(new RSAPublicKeySpec(k.getModulus(), k.getPublicExponent()))
                    .getEncoded());
        }
        if (isPublic) {
            return b64.encodeToString(Arrays.copyOfRange(der, der.length - 32, der.length)); // the raw key (RFC 8463)
        }
        EdECPrivateKey k = (EdECPrivateKey) KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] seed = k.getBytes().orElseThrow(() -> new GeneralSecurityException("no Ed25519 seed"));
        return b64.encodeToString(new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded());
    }
}
