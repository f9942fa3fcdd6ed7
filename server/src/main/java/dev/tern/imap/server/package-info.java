/**
 * IMAP connections (the imap port with STARTTLS, and imaps with TLS from the first byte): one virtual thread each
 * reads lines and literals within their bounds, hands them to {@link dev.tern.imap.CommandAssembler} and
 * {@link dev.tern.imap.ImapSession}, writes what the session answers, upgrades to TLS, checks logins through the
 * shared {@link dev.tern.auth.Authenticator}, and pushes mailbox changes during IDLE. Message content passes
 * through its buffers only: an APPEND literal is copied into the store's receiver as it arrives, FETCH content is
 * streamed from the store as it is written. {@link dev.tern.imap.server.ImapMeters} counts for {@code /metrics}.
 *
 * <p>Never: decide a protocol question (the session does), touch mailbox files (the {@link dev.tern.imap.ImapStore}
 * does), or write log text other than through {@link dev.tern.log.MailLog}.
 */
package dev.tern.imap.server;
