/**
 * Users and logins: the users file ({@link dev.tern.auth.UserStore}), Argon2id password hashes
 * ({@link dev.tern.auth.PasswordHasher}), SASL ({@link dev.tern.auth.SaslMechanism}), the brute-force defence
 * ({@link dev.tern.auth.LoginGuard}), and the one login path every protocol uses
 * ({@link dev.tern.auth.Authenticator}: guard, password check on its own bounded thread pool, log line, pacing).
 *
 * <p>It never speaks a protocol: SMTP, POP3 and IMAP turn its outcomes into their own replies. It never keeps
 * a password after a check.
 */
package dev.tern.auth;
