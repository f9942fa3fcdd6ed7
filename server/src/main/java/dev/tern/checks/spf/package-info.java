/**
 * SPF (RFC 7208): record parsing, macros, and check_host() with its limits. Asks DNS only through
 * {@link dev.tern.dns.DnsLookup}; never decides what a result means for the message.
 */
package dev.tern.checks.spf;
