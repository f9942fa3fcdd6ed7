package dev.tern.checks.spf;

/**
 * The outcome of one SPF check (RFC 7208 2.6).
 *
 * @param result      what check_host() returned
 * @param identity    which identity was checked: MAIL FROM, or HELO when the reverse-path was null
 * @param sender      the checked identity as an address ({@code postmaster@helo.name} for HELO)
 * @param domain      the domain whose policy was evaluated first (the sender's domain)
 * @param reason      one line saying why, for a log line and the Authentication-Results comment
 * @param explanation for {@link Result#FAIL} only: the text to put in the SMTP reply (the domain's {@code exp=}
 *                    text, or a default); null otherwise
 */
public record SpfResult(Result result, Identity identity, String sender, String domain, String reason,
                        String explanation) {

    /** RFC 7208 2.6; {@link #token()} is the name RFC 8601 uses. */
    public enum Result {
        NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

        private final String token = name().toLowerCase(java.util.Locale.ROOT);

        /** The lower-case name: {@code pass}, {@code softfail}, … */
        public String token() {
            return token;
        }
    }

    /** The identity checked (RFC 7208 2.3, 2.4). */
    public enum Identity {
        MAILFROM, HELO
    }
}
