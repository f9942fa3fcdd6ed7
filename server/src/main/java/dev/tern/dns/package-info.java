/**
 * DNS: the MX and address lookups of outbound delivery ({@link dev.tern.dns.MxResolver}) and the cached,
 * time-budgeted lookups of the message checks ({@link dev.tern.dns.DnsLookup}), both on the resolver that
 * {@link dev.tern.dns.Resolvers} builds from {@code [dns] servers} or the system's configuration. Answers keep
 * their meaning (NXDOMAIN, no data, temporary error, time-out). Never decides what an answer means for mail.
 */
package dev.tern.dns;
