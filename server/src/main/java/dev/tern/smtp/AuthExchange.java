package dev.tern.smtp;

import dev.tern.auth.SaslMechanism;
import java.util.function.Function;

/**
 * The SMTP AUTH exchange of one session (RFC 4954): starts the SASL mechanism, takes the client's answers to
 * 334 challenges, hands credentials to the connection to check, and learns what came of it. It keeps the
 * authenticated user and the failures so far. The {@link Session} decides when AUTH may be given at all, and
 * every refusal goes through its error count.
 */
final class AuthExchange {
    /** Our name, for the 421 that ends the session after too many failures. */
    private final String hostname;
    /** The session's error reply: counts the error, and closes the connection after too many. */
    private final Function<Reply, Session.Step> error;

    /** The SASL exchange under way, or null. */
    private SaslMechanism sasl;
    /** The authenticated user, or null. */
    private String user;
    /** Failed AUTH attempts: the {@link Session#MAX_AUTH_FAILURES}th closes the connection. */
    private int failures;

    AuthExchange(String hostname, Function<Reply, Session.Step> error) {
        this.hostname = hostname;
        this.error = error;
    }

    /** The authenticated user, or null. */
    String user() {
        return user;
    }

    int failures() {
        return failures;
    }

    /** After STARTTLS: whoever authenticated before is forgotten (RFC 3207 4.2); the failures still count. */
    void forget() {
        user = null;
        sasl = null;
    }

    /** An AUTH command the session allows here: starts its mechanism with the initial response, if any. */
    Session.Step start(Command.Auth a) {
        SaslMechanism m = SaslMechanism.create(a.mechanism());
        if (m == null) {
            return error(504, "5.5.4", "Unrecognized authentication type; use one of: " + SaslMechanism.OFFERED);
        }
        byte[] initial = null;
        if (a.initialResponse() != null) {
            if (a.initialResponse().equals("*")) {
                return error(501, "5.0.0", "Authentication cancelled");
            }
            initial = a.initialResponse().equals("=") ? new byte[0] : SaslMechanism.decode(a.initialResponse());
            if (initial == null) {
                return error(501, "5.5.2", "Invalid base64 data in the initial response");
            }
        }
        sasl = m;
        return step(m, m.start(initial));
    }

    /** See {@link Session#authResponse}. */
    Session.Step response(String line) {
        SaslMechanism m = sasl;
        if (m == null) {
            throw new IllegalStateException("no AUTH exchange under way");
        }
        if (line.strip().equals("*")) {
            sasl = null;
            return error(501, "5.0.0", "Authentication cancelled");
        }
        byte[] decoded = SaslMechanism.decode(line);
        if (decoded == null) {
            sasl = null;
            return error(501, "5.5.2", "Invalid base64 data in the AUTH response");
        }
        return step(m, m.next(decoded));
    }

    /** See {@link Session#authResult}. */
    Session.Step result(String authenticatedUser, boolean ok) {
        sasl = null;
        if (ok) {
            user = authenticatedUser;
            return respond(235, "2.7.0", "Authentication successful");
        }
        if (++failures >= Session.MAX_AUTH_FAILURES) {
            return new Session.Step.Respond(Reply.of(421, "4.7.0", hostname
                    + " Too many failed authentication attempts, closing connection"), true);
        }
        return error(535, "5.7.8", "Authentication credentials invalid");
    }

    /** See {@link Session#authTemporaryFailure}. */
    Session.Step temporaryFailure(String why) {
        sasl = null;
        return respond(454, "4.7.0", "Temporary authentication failure: " + why + ", try again later");
    }

    private Session.Step step(SaslMechanism m, SaslMechanism.Outcome o) {
        return switch (o) {
            case SaslMechanism.Outcome.Challenge c -> new Session.Step.Challenge(
                    Reply.of(334, "", SaslMechanism.encode(c.data())));
            case SaslMechanism.Outcome.Malformed bad -> {
                sasl = null;
                yield error(501, "5.5.2", "Malformed " + m.name() + " response: " + bad.why());
            }
            case SaslMechanism.Outcome.Credentials cr -> {
                if (!cr.authzid().isEmpty() && !cr.authzid().equalsIgnoreCase(cr.user())) {
                    // we do not act on behalf of others: treated as bad credentials
                    yield new Session.Step.Authenticate(m.name(), cr.user(), null);
                }
                yield new Session.Step.Authenticate(m.name(), cr.user(), cr.password());
            }
        };
    }

    private static Session.Step respond(int code, String status, String text) {
        return new Session.Step.Respond(Reply.of(code, status, text), false);
    }

    private Session.Step error(int code, String status, String text) {
        return error.apply(Reply.of(code, status, text));
    }
}
