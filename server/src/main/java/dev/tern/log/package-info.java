/**
 * The mail log: {@link dev.tern.log.MailLog} writes every event line that operators and tools such as fail2ban
 * read (connections, logins, messages accepted and refused, deliveries, removals, notices), one line per event,
 * the same shape for SMTP, POP3 and IMAP. It owns the escaping of client text in those lines, the facts each
 * line carries as key-value pairs, how log lines look and at which level ({@link dev.tern.log.LogSetup}, set up in
 * code, no logback.xml), and the switch to JSON lines ({@link dev.tern.log.LogFormat},
 * {@code [log] format}).
 *
 * <p>It never decides anything: callers say what happened, it only formats and writes. It never writes
 * client-supplied text unescaped.
 */
package dev.tern.log;
