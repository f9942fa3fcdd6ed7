/**
 * The network edge every protocol shares: listeners ({@link dev.tern.net.Listener}), connection limits and
 * the set of open connections with its orderly shutdown, the time limits of reads and writes
 * ({@link dev.tern.net.CommandDeadline}, {@link dev.tern.net.WriteWatchdog}) and the refusal and last-reply
 * helpers ({@link dev.tern.net.Edge}).
 *
 * <p>It never parses a protocol, decides policy or writes mail-log lines.
 */
package dev.tern.net;
