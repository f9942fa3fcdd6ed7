/**
 * SMTP connections: {@link dev.tern.smtp.server.SmtpServer} holds what every connection needs and shuts them
 * down in order; a connection reads, writes, upgrades to TLS and keeps the time limits, handing each command to
 * the pure {@link dev.tern.smtp.Session}, each login to {@link dev.tern.auth.Authenticator}, and each message to
 * {@link dev.tern.smtp.server.Intake} (transaction, envelope, spool, Received header, reply; no sockets), which
 * on the MX runs {@link dev.tern.smtp.server.MessageChecks} (SPF, DKIM, DMARC of {@code dev.tern.checks} and
 * {@code dev.tern.dkim}, and the Authentication-Results field).
 * In capture mode (tern-junit) {@link dev.tern.smtp.server.Capture} takes accepted messages instead of the
 * spool and may answer a stage in Tern's place.
 *
 * <p>It never decides policy and never formats log lines (that is {@link dev.tern.log.MailLog}).
 */
package dev.tern.smtp.server;
