package dev.tern.dkim;

/** The signing algorithms Tern signs with and accepts ({@code a=} of a DKIM-Signature). */
public enum Algorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376). */
    RSA_SHA256("rsa-sha256", "rsa"),
    /** PureEdDSA Ed25519 over the SHA-256 hash of the header data (RFC 8463). */
    ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    Algorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The {@code a=} value. */
    public String tag() {
        return tag;
    }

    /** The {@code k=} value of the key record. */
    public String keyType() {
        return keyType;
    }

    /** The algorithm named by {@code a=}, or null when Tern does not accept it. */
    static Algorithm of(String tag) {
        for (Algorithm a : values()) {
            if (a.tag.equalsIgnoreCase(tag)) {
                return a;
            }
        }
        return null;
    }
}
