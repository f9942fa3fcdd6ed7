/**
 * Outbound SMTP sessions to one host: connect, greeting, EHLO (HELO when refused), opportunistic STARTTLS,
 * and one mail transaction with a reply per step, each reply whole within its RFC 5321 4.5.3.2 time and each
 * write watched ({@code WriteWatchdog}).
 *
 * <p>Never does: DNS, choosing hosts, or retry decisions (the caller's, {@code delivery.RemoteDelivery}).
 */
package dev.tern.smtp.client;
