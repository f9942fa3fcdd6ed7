package dev.tern.dkim;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A DKIM key record (RFC 6376 3.6.1) as published at {@code selector._domainkey.domain}: the key type
 * {@code k=} (default rsa), the key {@code p=} (empty: revoked), the hash algorithms {@code h=} and service
 * types {@code s=} it may be used with, and the flags {@code t=} ({@code y}: testing; {@code s}: the
 * {@code i=} domain must be {@code d=} itself). Unknown tags are ignored, as the RFC says.
 */
record KeyRecord(String keyType, String p, List<String> hashes, List<String> services, List<String> flags) {

    /** The record is not a usable DKIM key record; the message says why. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static KeyRecord parse(String text) throws Invalid {
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (TagList.Malformed e) {
            throw new Invalid("key record: " + e.getMessage());
        }
        String v = tags.get("v");
        if (v != null && !v.equals("DKIM1")) {
            throw new Invalid("key record has v=" + TagList.printable(v) + ", not DKIM1");
        }
        String p = tags.get("p");
        if (p == null) {
            throw new Invalid("key record has no p= tag");
        }
        String k = tags.get("k");
        return new KeyRecord(k == null ? "rsa" : k.strip(), TagList.compact(p), list(tags.get("h")),
                list(tags.get("s")), list(tags.get("t")));
    }

    private static List<String> list(String value) {
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(":")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    boolean revoked() {
        return p.isEmpty();
    }

    boolean testing() {
        return flags.contains("y");
    }

    /** Whether the record lets a key sign with {@code algorithm} for email. Null when it does; else why not. */
    String refuses(Algorithm algorithm) {
        if (!keyType.equalsIgnoreCase(algorithm.keyType())) {
            return "key record has k=" + TagList.printable(keyType) + ", the signature a=" + algorithm.tag();
        }
        if (!hashes.isEmpty() && !hashes.contains("sha256")) {
            return "key record does not allow sha256 (h=" + TagList.printable(String.join(":", hashes)) + ")";
        }
        if (!services.isEmpty() && !services.contains("*") && !services.contains("email")) {
            return "key record is not for email (s=" + TagList.printable(String.join(":", services)) + ")";
        }
        return null;
    }

    /** The public key; throws {@link Invalid} when {@code p=} is no key of the type. */
    PublicKey publicKey(Algorithm algorithm) throws Invalid {
        byte[] data;
        try {
            data = Base64.getDecoder().decode(p);
        } catch (IllegalArgumentException e) {
            throw new Invalid("key record p= is not base64");
        }
        try {
            return Keys.parsePublic(algorithm, data);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Invalid("key record p= is not an " + algorithm.keyType() + " public key");
        }
    }

    /** The size of an RSA key in bits; 0 for other keys. */
    static int rsaBits(PublicKey key) {
        return key instanceof RSAPublicKey r ? r.getModulus().bitLength() : 0;
    }
}
