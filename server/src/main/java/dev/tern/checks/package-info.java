/**
 * Message authentication on the MX: SPF ({@code checks.spf}), DMARC and the Public Suffix List
 * ({@code checks.dmarc}), the Authentication-Results header, the decision a failure leads to
 * ({@link dev.tern.checks.CheckPolicy}) and {@code tern dns check}'s comparison of a domain's records. DKIM
 * verification itself lives in {@code dev.tern.dkim}; its results enter here as {@link dev.tern.checks.DkimResult}.
 * Never does network I/O except DNS through {@link dev.tern.dns.DnsLookup}, never touches sockets, the spool or
 * the message store, and never writes log lines.
 */
package dev.tern.checks;
