/**
 * DMARC (RFC 7489): policy records, identifier alignment, the result and the disposition; the Public Suffix List
 * that finds organizational domains; the author domains of a From: field. Asks DNS only through
 * {@link dev.tern.dns.DnsLookup}; never refuses a message itself (see {@link dev.tern.checks.CheckPolicy}).
 */
package dev.tern.checks.dmarc;
