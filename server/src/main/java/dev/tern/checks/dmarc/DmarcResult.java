package dev.tern.checks.dmarc;

import java.util.Locale;

/**
 * The DMARC outcome for a message (RFC 7489).
 *
 * @param result      pass, fail, none (no policy), temperror (a DNS failure, or an aligned SPF or DKIM check that
 *                    failed temporarily and nothing passed), permerror (no usable author domain)
 * @param fromDomain  the author domain the result is about (the deciding one when From: had several); null when
 *                    there was none
 * @param policy      the domain's policy for this From domain ({@code sp=} for a subdomain); NONE without a record
 * @param disposition what to do with the message: {@link DmarcRecord.Policy#NONE} unless the result is fail; the
 *                    policy, one step weaker when {@code pct=} left the message out
 * @param spfAligned  SPF passed for a domain aligned with the From domain
 * @param dkimAligned a DKIM signature passed for a {@code d=} aligned with the From domain
 * @param reason      one line saying why
 */
public record DmarcResult(Result result, String fromDomain, DmarcRecord.Policy policy, DmarcRecord.Policy disposition,
                          boolean spfAligned, boolean dkimAligned, String reason) {

    /** RFC 7489 11.2 (the dmarc method of Authentication-Results). */
    public enum Result {
        NONE, PASS, FAIL, TEMPERROR, PERMERROR;

        private final String token = name().toLowerCase(Locale.ROOT);

        public String token() {
            return token;
        }
    }
}
