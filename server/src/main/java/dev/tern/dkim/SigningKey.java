package dev.tern.dkim;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;

/** A private key to sign for {@code domain} under {@code selector}, with its public half for the DNS record. */
public record SigningKey(String domain, String selector, Algorithm algorithm, PrivateKey privateKey,
        PublicKey publicKey) {

    /** The name of the TXT record: {@code selector._domainkey.domain} (no final dot). */
    public String recordName() {
        return selector + "._domainkey." + domain;
    }

    /** The text of the key record: {@code v=DKIM1; k=rsa; p=...}. */
    public String recordText() {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKeyText();
    }

    /** The {@code p=} value of the key record: the public key data, base64. */
    public String publicKeyText() {
        return Base64.getEncoder().encodeToString(Keys.publicKeyData(algorithm, publicKey));
    }

    /**
     * The record in zone-file form, one line: {@code NAME. IN TXT "..." "..."}, the text cut into strings of
     * at most 255 octets (the most one DNS character-string holds).
     */
    public String zoneLine() {
        String text = recordText();
        StringBuilder sb = new StringBuilder(recordName()).append(". IN TXT");
        for (int i = 0; i < text.length(); i += 255) {
            sb.append(" \"").append(text, i, Math.min(text.length(), i + 255)).append('"');
        }
        return sb.toString();
    }
}
