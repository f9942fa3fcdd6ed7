package dev.tern.checks;

import java.time.Duration;

/**
 * The {@code [checks]} table (docs/authentication.md): which checks the MX runs and what a failure costs, read by
 * ConfigLoader from the keys {@code checks.*} of config.Keys.
 *
 * @param spf         check SPF (key {@code spf}, default true)
 * @param dkim        verify DKIM signatures (key {@code dkim}, default true)
 * @param dmarc       evaluate DMARC (key {@code dmarc}, default true; needs the SPF and DKIM results)
 * @param dmarcReject refuse a DMARC fail whose disposition is reject with 550 5.7.1 (key {@code dmarc_reject},
 *                    default true)
 * @param spfReject   refuse an SPF fail with 550 5.7.23 (key {@code spf_reject}, default false: forwarding breaks
 *                    SPF, so a fail is only recorded)
 * @param timeBudget  all DNS of one message's checks ends within this (key {@code time_budget}, default 5s); what
 *                    is not answered by then is temperror
 * @param quarantineFolder the folder that local delivery files a DMARC quarantine into (key
 *                    {@code quarantine_folder}, default {@code Junk}); "" keeps it in INBOX
 */
public record ChecksSettings(boolean spf, boolean dkim, boolean dmarc, boolean dmarcReject, boolean spfReject,
                             Duration timeBudget, String quarantineFolder) {

    /** The defaults of the MX (authenticated submission and trusted networks run no checks). */
    public static final ChecksSettings DEFAULTS = new ChecksSettings(true, true, true, true, false, Duration.ofSeconds(5),
            "Junk");

    public ChecksSettings {
        if (timeBudget.isNegative() || timeBudget.isZero()) {
            throw new IllegalArgumentException("time_budget must be positive");
        }
    }
}
