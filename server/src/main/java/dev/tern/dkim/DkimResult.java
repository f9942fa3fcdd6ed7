package dev.tern.dkim;

import java.util.Locale;

/**
 * The result of one DKIM-Signature (RFC 8601 2.7.1), with what Authentication-Results reports of it:
 * {@code header.d}, {@code header.s}, {@code header.a} and the first characters of {@code b=}
 * ({@code header.b}, RFC 6008). {@code domain}, {@code selector}, {@code algorithm} and {@code b} are null when
 * the signature was too malformed to tell them.
 */
public record DkimResult(Status status, String reason, String domain, String selector, String algorithm, String b) {

    /** How many characters of {@code b=} {@code header.b} carries. */
    static final int B_PREFIX = 8;

    /** RFC 8601's dkim results, as Tern uses them (docs/dkim.md has the table). */
    public enum Status {
        /** The signature verified. */
        PASS,
        /** The body hash or the signature did not verify. */
        FAIL,
        /** The signature could not be processed: malformed tags, a missing tag, expired, from the future. */
        NEUTRAL,
        /** The key could not be fetched for now (DNS failure, time budget spent): try again later. */
        TEMPERROR,
        /** No usable key: no record, a malformed or revoked one, a key not for this algorithm. */
        PERMERROR,
        /** Verifiable in principle, but not acceptable: rsa-sha1, an RSA key under 1024 bits, {@code l=}. */
        POLICY;

        /** The keyword of Authentication-Results ({@code pass}, {@code fail}, ...). */
        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The result as an Authentication-Results resinfo: {@code dkim=pass (reason) header.d=example.org
     * header.s=tern header.a=rsa-sha256 header.b=abcdEFGH}; properties that are unknown are left out.
     */
    public String resinfo() {
        StringBuilder sb = new StringBuilder("dkim=").append(status.keyword());
        if (reason != null && !reason.isEmpty()) {
            sb.append(" (").append(reason.replace('(', '[').replace(')', ']').replace('\\', '/')).append(')');
        }
        if (domain != null) {
            sb.append(" header.d=").append(domain);
        }
        if (selector != null) {
            sb.append(" header.s=").append(selector);
        }
        if (algorithm != null) {
            sb.append(" header.a=").append(algorithm);
        }
        if (b != null) {
            String prefix = b.substring(0, Math.min(B_PREFIX, b.length()));
            // '/' and '=' are tspecials (RFC 2045): such a value is quoted
            sb.append(" header.b=").append(prefix.matches("[A-Za-z0-9+]*") ? prefix : '"' + prefix + '"');
        }
        return sb.toString();
    }
}
