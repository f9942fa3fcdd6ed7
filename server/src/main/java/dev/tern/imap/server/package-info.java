/**
 * IMAP connections (the imap port with STARTTLS, and imaps with TLS from the first byte): one virtual thread each
 * reads lines and literals within their bounds, hands them to {@link dev.tern.imap.CommandAssembler} and
 * {@link dev.tern.imap.ImapSession}, writes what the session answers, upgrades to TLS, checks logins through the
 * shared {@link dev.tern.auth.Authenticator}, and pushes mailbox changes during IDLE.
 *
 * <p>Never: decide a protocol question (the session does), touch mailbox files (the {@link dev.tern.imap.ImapStore}
 * does), or write log text other than through {@link dev.tern.log.MailLog}.
 */
package dev.tern.imap.server;
