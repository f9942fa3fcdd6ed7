package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The MAIL and RCPT parameter checks on their own (RFC 1870, 6152, 6531, 3461); SessionTest covers them in a session. */
class EsmtpParamsTest {
    private static final long MAX = 1000;

    /** Parameters as the command parser gives them: the keyword upper-cased, null for one without a value. */
    private static Map<String, String> params(String... keyValue) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValue.length; i += 2) {
            m.put(keyValue[i], keyValue[i + 1]);
        }
        return m;
    }

    private static Reply refusal(EsmtpParams.Checked<?> c) {
        assertThat(c).isInstanceOf(EsmtpParams.Refused.class);
        return ((EsmtpParams.Refused<?>) c).reply();
    }

    @Test
    void noMailParametersGiveTheDefaults() {
        assertThat(EsmtpParams.mail(Map.of(), MAX))
                .isEqualTo(new EsmtpParams.Taken<>(Transaction.MailParams.NONE));
    }

    @Test
    void everyMailParameterIsTaken() {
        var c = EsmtpParams.mail(params("SIZE", "1000", "BODY", "8bitmime", "SMTPUTF8", null, "RET", "hdrs",
                "ENVID", "QQ+2B314", "AUTH", "<>"), MAX);
        assertThat(c).isEqualTo(new EsmtpParams.Taken<>(
                new Transaction.MailParams(1000, "8BITMIME", true, "HDRS", "QQ+314")));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "SIZE, null, 501", "SIZE, 1k, 501", "SIZE, 1001, 552", "SIZE, 99999999999999999999, 552",
            "BODY, BINARYMIME, 501", "SMTPUTF8, yes, 501", "RET, ALL, 501", "ENVID, +zz, 501", "X-FOO, 1, 555"})
    void aBadMailParameterIsRefused(String key, String value, int code) {
        Reply r = refusal(EsmtpParams.mail(params(key, value), MAX));
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.status()).isEqualTo(code == 552 ? "5.3.4" : "5.5.4");
    }

    @Test
    void theFirstBadParameterIsTheOneNamed() {
        Reply r = refusal(EsmtpParams.mail(params("X-ONE", "1", "X-TWO", "2"), MAX));
        assertThat(r.lines()).containsExactly("Unsupported MAIL parameter X-ONE");
    }

    @Test
    void rcptParametersAreNormalisedAndDecoded() {
        assertThat(EsmtpParams.rcpt(params("NOTIFY", "success,delay", "ORCPT", "rfc822;x+40y")))
                .isEqualTo(new EsmtpParams.Taken<>(new EsmtpParams.RcptParams("SUCCESS,DELAY", "rfc822;x@y")));
        assertThat(EsmtpParams.rcpt(Map.of()))
                .isEqualTo(new EsmtpParams.Taken<>(new EsmtpParams.RcptParams(null, null)));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "NOTIFY, null, 501", "NOTIFY, 'NEVER,SUCCESS', 501", "NOTIFY, 'SUCCESS,', 501", "ORCPT, rfc822, 501",
            "ORCPT, ;a@b, 501", "ORCPT, rfc822;, 501", "SIZE, 10, 555"})
    void aBadRcptParameterIsRefused(String key, String value, int code) {
        Reply r = refusal(EsmtpParams.rcpt(params(key, value)));
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.status()).isEqualTo("5.5.4");
    }
}
