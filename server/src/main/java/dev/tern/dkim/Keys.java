package dev.tern.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/** Key encodings: PEM private key files, public keys as DKIM key records carry them ({@code p=}). */
public final class Keys {
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key octets follow it (RFC 8410). */
    private static final byte[] ED25519_SPKI = hex("302a300506032b6570032100");
    /** version 0 and the rsaEncryption AlgorithmIdentifier, to wrap a PKCS#1 RSA key as PKCS#8. */
    private static final byte[] RSA_PKCS8_HEAD = hex("020100300d06092a864886f70d0101010500");

    private Keys() {
    }

    /** A new key pair: RSA of 2048 bits or Ed25519. */
    public static KeyPair generate(Algorithm algorithm) {
        try {
            if (algorithm == Algorithm.RSA_SHA256) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                return g.generateKeyPair();
            }
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate " + algorithm.tag() + " keys", e);
        }
    }

    /** The private key as a PEM "PRIVATE KEY" (PKCS#8) text. */
    public static String toPem(PrivateKey key) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
    }

    /**
     * The private key of a PEM text: "PRIVATE KEY" (PKCS#8, RSA or Ed25519) or "RSA PRIVATE KEY" (PKCS#1, as
     * older OpenSSL and opendkim-genkey write). Throws {@link IllegalArgumentException} saying what is wrong.
     */
    public static PrivateKey fromPem(String pem) {
        String type;
        byte[] der;
        int begin = pem.indexOf("-----BEGIN ");
        int dashes = begin < 0 ? -1 : pem.indexOf("-----", begin + 11);
        if (dashes < 0) {
            throw new IllegalArgumentException("no PEM block (-----BEGIN ...-----)");
        }
        type = pem.substring(begin + 11, dashes);
        int end = pem.indexOf("-----END " + type + "-----", dashes);
        if (end < 0) {
            throw new IllegalArgumentException("PEM block " + type + " has no END line");
        }
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(dashes + 5, end).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PEM block " + type + " is not base64");
        }
        switch (type) {
            case "RSA PRIVATE KEY" -> {
                return rsa(new PKCS8EncodedKeySpec(derSequence(RSA_PKCS8_HEAD, derOctetString(der))));
            }
            case "PRIVATE KEY" -> {
                PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
                try {
                    return KeyFactory.getInstance("Ed25519").generatePrivate(spec);
                } catch (GeneralSecurityException e) {
                    return rsa(spec);
                }
            }
            default -> throw new IllegalArgumentException("PEM block " + type + " is not a private key");
        }
    }

    private static PrivateKey rsa(PKCS8EncodedKeySpec spec) {
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("neither an RSA nor an Ed25519 private key");
        }
    }

    /** The algorithm a private key signs with. */
    public static Algorithm algorithm(PrivateKey key) {
        return key instanceof EdECPrivateKey ? Algorithm.ED25519_SHA256 : Algorithm.RSA_SHA256;
    }

    /** The public half of a private key (RSA from its CRT form; Ed25519 derived from the seed). */
    public static PublicKey publicKey(PrivateKey key) {
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                return KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (key instanceof EdECPrivateKey ed && ed.getBytes().isPresent()) {
                return ed25519FromSeed(ed.getBytes().get()).getPublic();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot derive the public key: " + e.getMessage());
        }
        throw new IllegalArgumentException("cannot derive the public key of a " + key.getAlgorithm() + " key");
    }

    /**
     * The Ed25519 key pair of a 32-octet seed (RFC 8032 5.1.5). The JDK derives keys only in its generator,
     * which takes the seed as its random octets.
     */
    public static KeyPair ed25519FromSeed(byte[] seed) throws GeneralSecurityException {
        if (seed.length != 32) {
            throw new InvalidKeySpecException("an Ed25519 seed has 32 octets, not " + seed.length);
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        g.initialize(NamedParameterSpec.ED25519, new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(seed, 0, bytes, 0, Math.min(bytes.length, seed.length));
            }
        });
        return g.generateKeyPair();
    }

    /** What {@code p=} carries: RSA, the SubjectPublicKeyInfo DER; Ed25519, the 32 raw key octets (RFC 8463). */
    static byte[] publicKeyData(Algorithm algorithm, PublicKey key) {
        byte[] spki = key.getEncoded();
        return algorithm == Algorithm.ED25519_SHA256 ? Arrays.copyOfRange(spki, ED25519_SPKI.length, spki.length) : spki;
    }

    /**
     * The public key of a {@code p=} value; RSA as SubjectPublicKeyInfo or as a bare PKCS#1 RSAPublicKey.
     * Throws {@link InvalidKeySpecException} when the octets are no such key.
     */
    static PublicKey parsePublic(Algorithm algorithm, byte[] data) throws GeneralSecurityException {
        if (algorithm == Algorithm.ED25519_SHA256) {
            if (data.length != 32) {
                throw new InvalidKeySpecException("an Ed25519 key has 32 octets, not " + data.length);
            }
            byte[] spki = Arrays.copyOf(ED25519_SPKI, ED25519_SPKI.length + 32);
            System.arraycopy(data, 0, spki, ED25519_SPKI.length, 32);
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        }
        KeyFactory rsa = KeyFactory.getInstance("RSA");
        try {
            return rsa.generatePublic(new X509EncodedKeySpec(data));
        } catch (InvalidKeySpecException e) {
            // a bare RSAPublicKey: wrap it as SubjectPublicKeyInfo (algorithm, BIT STRING with no unused bits)
            byte[] bits = new byte[data.length + 1];
            System.arraycopy(data, 0, bits, 1, data.length);
            byte[] spki = derSequence(hex("300d06092a864886f70d0101010500"), derTlv(0x03, bits));
            return rsa.generatePublic(new X509EncodedKeySpec(spki));
        }
    }

    private static byte[] derSequence(byte[] head, byte[] tail) {
        byte[] content = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, content, head.length, tail.length);
        return derTlv(0x30, content);
    }

    private static byte[] derOctetString(byte[] content) {
        return derTlv(0x04, content);
    }

    private static byte[] derTlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(len >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
