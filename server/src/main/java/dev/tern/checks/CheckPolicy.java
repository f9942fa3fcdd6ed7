package dev.tern.checks;

import dev.tern.checks.dmarc.DmarcRecord;
import dev.tern.checks.dmarc.DmarcResult;
import dev.tern.checks.spf.SpfResult;

/**
 * What the MX does with a message after its checks (issue 12): refuse it in the session (no backscatter), or
 * deliver it, marked as junk under a DMARC quarantine. A temporary error never refuses: only a definite fail does.
 */
public final class CheckPolicy {
    private CheckPolicy() {
    }

    /** The decision. */
    public sealed interface Decision {
    }

    /** Accept the message; {@code junk} when DMARC asks for quarantine (local delivery files it in Junk). */
    public record Deliver(boolean junk) implements Decision {
    }

    /** Refuse the message at the end of DATA with this reply. */
    public record Refuse(int code, String enhancedCode, String text) implements Decision {
    }

    /**
     * @param spf   null when SPF was not checked
     * @param dmarc null when DMARC was not evaluated
     */
    public static Decision decide(ChecksSettings settings, SpfResult spf, DmarcResult dmarc) {
        if (dmarc != null && settings.dmarcReject() && dmarc.result() == DmarcResult.Result.FAIL
                && dmarc.disposition() == DmarcRecord.Policy.REJECT) {
            return new Refuse(550, "5.7.1", "Message rejected per the DMARC policy of " + dmarc.fromDomain() + ": "
                    + dmarc.reason());
        }
        if (spf != null && settings.spfReject() && spf.result() == SpfResult.Result.FAIL) {
            return new Refuse(550, "5.7.23", "SPF: " + spf.explanation()); // RFC 7372: SPF validation failed
        }
        return new Deliver(dmarc != null && dmarc.result() == DmarcResult.Result.FAIL
                && dmarc.disposition() == DmarcRecord.Policy.QUARANTINE);
    }
}
