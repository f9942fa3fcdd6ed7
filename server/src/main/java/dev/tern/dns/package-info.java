/**
 * DNS: the cached, single-flight lookups ({@link dev.tern.dns.DnsLookup} on dnsjava: {@link dev.tern.dns.DnsjavaLookup})
 * that the message checks (time-budgeted), the DNS lists and outbound delivery's MX and address lookups
 * ({@link dev.tern.dns.MxResolver}) ask, each through the resolver that {@link dev.tern.dns.Resolvers} builds from
 * {@code [dns] servers} or the system's configuration. Answers keep
 * their meaning (NXDOMAIN, no data, temporary error, time-out). Never decides what an answer means for mail.
 */
package dev.tern.dns;
