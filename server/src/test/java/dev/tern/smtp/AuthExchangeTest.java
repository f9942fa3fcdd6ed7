package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The SMTP AUTH exchange (RFC 4954): the SASL steps, the replies, and the failures that end a session. */
class AuthExchangeTest {
    /** Every reply the exchange counted as an error, in order. */
    private final List<Reply> errors = new ArrayList<>();
    private final AuthExchange auth = new AuthExchange("mx.test", reply -> {
        errors.add(reply);
        return new Session.Step.Respond(reply, false);
    });

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Reply reply(Session.Step step) {
        assertThat(step).isInstanceOf(Session.Step.Respond.class);
        return ((Session.Step.Respond) step).reply();
    }

    @Test
    void plainWithAnInitialResponseAsksForTheCredentialsToBeChecked() {
        Session.Step st = auth.start(new Command.Auth("PLAIN", b64("\0alice\0secret")));
        assertThat(st).isInstanceOfSatisfying(Session.Step.Authenticate.class, a -> {
            assertThat(a.mechanism()).isEqualTo("PLAIN");
            assertThat(a.user()).isEqualTo("alice");
            assertThat(a.password()).containsExactly("secret".toCharArray());
        });
        Reply ok = reply(auth.result("alice", true));
        assertThat(ok.code()).isEqualTo(235);
        assertThat(ok.status()).isEqualTo("2.7.0");
        assertThat(auth.user()).isEqualTo("alice");
        assertThat(errors).isEmpty();
    }

    @Test
    void loginTakesTwoChallenges() {
        assertThat(auth.start(new Command.Auth("LOGIN", null))).isInstanceOf(Session.Step.Challenge.class);
        assertThat(auth.response(b64("bob"))).isInstanceOf(Session.Step.Challenge.class);
        assertThat(auth.response(b64("pw"))).isInstanceOfSatisfying(Session.Step.Authenticate.class,
                a -> assertThat(a.user()).isEqualTo("bob"));
    }

    @Test
    void anotherIdentityIsNeverAuthorised() {
        assertThat(auth.start(new Command.Auth("PLAIN", b64("carol\0alice\0secret"))))
                .isInstanceOfSatisfying(Session.Step.Authenticate.class, a -> assertThat(a.password()).isNull());
    }

    @Test
    void refusalsAreCountedAsErrors() {
        assertThat(reply(auth.start(new Command.Auth("CRAM-MD5", null))).code()).isEqualTo(504);
        assertThat(reply(auth.start(new Command.Auth("PLAIN", "*"))).lines()).containsExactly("Authentication cancelled");
        assertThat(reply(auth.start(new Command.Auth("PLAIN", "!!"))).code()).isEqualTo(501);
        auth.start(new Command.Auth("LOGIN", null));
        assertThat(reply(auth.response("*")).status()).isEqualTo("5.0.0");
        auth.start(new Command.Auth("LOGIN", null));
        assertThat(reply(auth.response("not base64!")).status()).isEqualTo("5.5.2");
        assertThat(errors).extracting(Reply::code).containsExactly(504, 501, 501, 501, 501);
    }

    @Test
    void aResponseWithoutAnExchangeIsABugOfTheCaller() {
        assertThatThrownBy(() -> auth.response(b64("x"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theLastAllowedFailureClosesWith421() {
        for (int i = 1; i < Session.MAX_AUTH_FAILURES; i++) {
            auth.start(new Command.Auth("PLAIN", b64("\0alice\0wrong")));
            Reply r = reply(auth.result(null, false));
            assertThat(r.code()).isEqualTo(535);
            assertThat(r.status()).isEqualTo("5.7.8");
        }
        auth.start(new Command.Auth("PLAIN", b64("\0alice\0wrong")));
        Session.Step last = auth.result(null, false);
        assertThat(last).isEqualTo(new Session.Step.Respond(Reply.of(421, "4.7.0",
                "mx.test Too many failed authentication attempts, closing connection"), true));
        assertThat(auth.failures()).isEqualTo(Session.MAX_AUTH_FAILURES);
        assertThat(auth.user()).isNull();
    }

    @Test
    void aTemporaryFailureIsNotCounted() {
        auth.start(new Command.Auth("PLAIN", b64("\0alice\0secret")));
        Reply r = reply(auth.temporaryFailure("cannot check passwords now"));
        assertThat(r.code()).isEqualTo(454);
        assertThat(r.lines()).containsExactly("Temporary authentication failure: cannot check passwords now, try again later");
        assertThat(auth.failures()).isZero();
        assertThat(errors).isEmpty();
    }

    @Test
    void forgettingAfterStartTlsKeepsTheFailureCount() {
        auth.start(new Command.Auth("PLAIN", b64("\0alice\0wrong")));
        auth.result(null, false);
        auth.start(new Command.Auth("PLAIN", b64("\0alice\0secret")));
        auth.result("alice", true);
        auth.forget();
        assertThat(auth.user()).isNull();
        assertThat(auth.failures()).isEqualTo(1);
    }
}
