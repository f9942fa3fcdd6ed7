package dev.tern.imap;

/**
 * Checks a user's password for LOGIN and AUTHENTICATE. The connection edge implements it over the shared
 * authentication path in {@code auth} (the same throttling and blocking as SMTP AUTH and POP3); the session only
 * asks and answers.
 */
@FunctionalInterface
public interface ImapAuthenticator {

    /** What a login attempt gave. */
    sealed interface Result {
        /** Logged in as {@code user} (the canonical name). */
        record Ok(String user) implements Result {
        }

        /**
         * Wrong user or password: {@code NO [AUTHENTICATIONFAILED]}; {@code close} when this session has failed too
         * often and is ended ({@code * BYE}).
         */
        record Failed(boolean close) implements Result {
        }

        /** Not checked now (address blocked, too many checks, the users file unreadable): {@code NO [UNAVAILABLE]}. */
        record Refused(String text) implements Result {
        }
    }

    /** @param mechanism {@code LOGIN} for the LOGIN command, else the SASL mechanism (for the log) */
    Result login(String mechanism, String user, char[] password);
}
