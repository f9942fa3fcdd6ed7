/**
 * The network edge every protocol shares: listeners ({@link dev.tern.net.Listener}), connection limits and
 * the set of open connections with its orderly shutdown, the client's address (the peer's, or the one a
 * trusted proxy names in a PROXY header: {@link dev.tern.net.ProxyProtocol}, parsed by
 * {@link dev.tern.net.ProxyHeader}), the time limits of reads and writes
 * ({@link dev.tern.net.CommandDeadline}, {@link dev.tern.net.WriteWatchdog}) and the refusal and last-reply
 * helpers ({@link dev.tern.net.Edge}).
 *
 * <p>It never parses a mail protocol or decides policy; the only mail-log line it writes (through
 * {@code log.MailLog}) is the one for a connection closed at the PROXY header.
 */
package dev.tern.net;
