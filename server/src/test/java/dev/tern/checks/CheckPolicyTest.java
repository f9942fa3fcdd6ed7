package dev.tern.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tern.checks.dmarc.DmarcRecord.Policy;
import dev.tern.checks.dmarc.DmarcResult;
import dev.tern.checks.spf.SpfResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckPolicyTest {
    private static final ChecksSettings D = ChecksSettings.DEFAULTS;

    private static DmarcResult dmarc(DmarcResult.Result r, Policy disposition) {
        return new DmarcResult(r, "example.com", Policy.REJECT, disposition, false, false, "not aligned");
    }

    private static SpfResult spf(SpfResult.Result r) {
        return new SpfResult(r, SpfResult.Identity.MAILFROM, "a@example.com", "example.com", "why", "not allowed");
    }

    @Test
    void aDmarcRejectIsRefusedWith550And571() {
        assertThat(CheckPolicy.decide(D, null, dmarc(DmarcResult.Result.FAIL, Policy.REJECT))).isEqualTo(
                new CheckPolicy.Refuse(550, "5.7.1", "Message rejected per the DMARC policy of example.com: not aligned"));
        assertThat(CheckPolicy.decide(new ChecksSettings(true, true, true, false, false, Duration.ofSeconds(5), "Junk"), null,
                dmarc(DmarcResult.Result.FAIL, Policy.REJECT))).isEqualTo(new CheckPolicy.Deliver(false));
    }

    @Test
    void quarantineIsDeliveredAsJunkAndTemporaryErrorsAreDelivered() {
        assertThat(CheckPolicy.decide(D, null, dmarc(DmarcResult.Result.FAIL, Policy.QUARANTINE)))
                .isEqualTo(new CheckPolicy.Deliver(true));
        assertThat(CheckPolicy.decide(D, spf(SpfResult.Result.TEMPERROR), dmarc(DmarcResult.Result.TEMPERROR, Policy.NONE)))
                .isEqualTo(new CheckPolicy.Deliver(false));
    }

    @Test
    void anSpfFailIsOnlyRecordedUnlessSpfRejectIsOn() {
        assertThat(CheckPolicy.decide(D, spf(SpfResult.Result.FAIL), null)).isEqualTo(new CheckPolicy.Deliver(false));
        assertThat(CheckPolicy.decide(new ChecksSettings(true, true, true, true, true, Duration.ofSeconds(5), "Junk"),
                spf(SpfResult.Result.FAIL), null)).isEqualTo(new CheckPolicy.Refuse(550, "5.7.23", "SPF: not allowed"));
    }
}
