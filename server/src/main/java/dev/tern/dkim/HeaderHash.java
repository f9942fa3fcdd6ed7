package dev.tern.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What signer and verifier share: the header data that is signed (RFC 6376 3.7) and the two algorithms. */
final class HeaderHash {
    private HeaderHash() {
    }

    /**
     * The signed header data: the fields named in {@code h=}, each instance taken from the bottom up (a name
     * listed more often than it occurs adds nothing for the extra ones), canonicalized, then the
     * DKIM-Signature field itself with its {@code b=} value empty and without its final CRLF.
     */
    static byte[] data(List<HeaderField> fields, List<String> signedNames, Canonicalization c, String signatureField) {
        Map<String, Integer> used = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        for (String name : signedNames) {
            String n = name.toLowerCase(Locale.ROOT);
            int skip = used.merge(n, 1, Integer::sum) - 1;
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (fields.get(i).name().equals(n) && skip-- == 0) {
                    sb.append(c.header(fields.get(i).raw()));
                    break;
                }
            }
        }
        String sig = c.header(signatureField);
        sb.append(sig, 0, sig.length() - 2);
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The names of an {@code h=} value, trimmed. */
    static List<String> names(String h) {
        List<String> names = new ArrayList<>();
        for (String n : h.split(":", -1)) {
            names.add(TagList.compact(n).toLowerCase(Locale.ROOT));
        }
        return names;
    }

    static byte[] sign(Algorithm algorithm, PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature s = signature(algorithm);
        s.initSign(key);
        s.update(input(algorithm, data));
        return s.sign();
    }

    static boolean verify(Algorithm algorithm, PublicKey key, byte[] data, byte[] signature)
            throws GeneralSecurityException {
        Signature s = signature(algorithm);
        s.initVerify(key);
        s.update(input(algorithm, data));
        return s.verify(signature);
    }

    private static Signature signature(Algorithm algorithm) throws GeneralSecurityException {
        return Signature.getInstance(algorithm == Algorithm.RSA_SHA256 ? "SHA256withRSA" : "Ed25519");
    }

    /** RSA hashes inside the signature; Ed25519 signs the SHA-256 hash of the data (RFC 8463 3). */
    private static byte[] input(Algorithm algorithm, byte[] data) throws GeneralSecurityException {
        return algorithm == Algorithm.RSA_SHA256 ? data : MessageDigest.getInstance("SHA-256").digest(data);
    }
}
