package dev.tern.imap;

import java.util.Optional;

/**
 * Checks a user's password for LOGIN and AUTHENTICATE PLAIN. The connection edge implements it over the shared
 * authentication path in {@code auth} (the same throttling and blocking as SMTP AUTH and POP3); the session only
 * asks.
 */
@FunctionalInterface
public interface ImapAuthenticator {

    /** The user's canonical name when the password is right; empty otherwise (why is the edge's to log). */
    Optional<String> login(String user, char[] password);
}
