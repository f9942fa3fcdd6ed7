package dev.tern.checks;

import java.util.Locale;

/**
 * One DKIM signature's verification result, as DMARC and Authentication-Results need it; the DKIM verifier's
 * per-signature output maps onto it.
 *
 * @param domain    the signature's {@code d=} (lower case)
 * @param selector  its {@code s=}
 * @param result    the RFC 8601 result
 * @param reason    why (for fail, policy, neutral and the errors); null when there is nothing to say
 * @param signature the {@code b=} value (or its first characters): Authentication-Results shows the first 8
 *                  (RFC 6008) to tell signatures of the same {@code d=} apart; null when unknown
 */
public record DkimResult(String domain, String selector, Result result, String reason, String signature) {

    /** RFC 8601 2.7.1. */
    public enum Result {
        NONE, PASS, FAIL, POLICY, NEUTRAL, TEMPERROR, PERMERROR;

        private final String token = name().toLowerCase(Locale.ROOT);

        public String token() {
            return token;
        }
    }

    public DkimResult {
        domain = domain == null ? null : domain.toLowerCase(Locale.ROOT);
    }
}
