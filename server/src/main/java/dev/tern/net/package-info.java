/**
 * The network edge every protocol shares: listeners ({@link dev.tern.net.Listener}), connection limits and
 * the set of open connections with its orderly shutdown, the client's address (the peer's, or the one a
 * trusted proxy names in a PROXY header: {@link dev.tern.net.ProxyProtocol}, parsed by
 * {@link dev.tern.net.ProxyHeader}), the time limits of reads and writes
 * ({@link dev.tern.net.CommandDeadline}, {@link dev.tern.net.WriteWatchdog}), the refusal and last-reply
 * helpers ({@link dev.tern.net.Edge}), how the JDK wakes a connection's thread for its socket
 * ({@link dev.tern.net.Pollers}), and the whole edge of a POP3 or IMAP connection and its service
 * ({@link dev.tern.net.LineConnection}, {@link dev.tern.net.LineServer}: limits, TLS, time limits, the catch
 * ladder, close, drain), whose protocol subclasses keep their reading of input and their session.
 *
 * <p>It never parses a mail protocol or decides policy; the mail-log lines it writes (through {@code log.MailLog})
 * are the ones every protocol writes alike: a connection closed at the PROXY header, and for POP3 and IMAP a
 * connection refused by the limits, a failed TLS handshake, a bug, a disconnect.
 */
package dev.tern.net;
