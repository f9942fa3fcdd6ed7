/**
 * The MX's defences against abuse (issue 16), as decisions without sockets: DNS blocklists and allowlists
 * ({@link dev.tern.defence.DnsList}), the greet pause and unauthorised pipelining, rate limits in bounded
 * sliding windows ({@link dev.tern.defence.RateLimiter}), and greylisting kept durably in data_dir
 * ({@link dev.tern.defence.Greylist}). {@link dev.tern.defence.Defences} holds what every connection shares;
 * {@link dev.tern.defence.Defences.Screen} is the decisions for one connection, which the SMTP connection asks
 * at a few fixed points (connect, greeting, each command read, each RCPT). Every decision is logged through
 * {@link dev.tern.log.MailLog} and counted for /metrics here, so the connection only acts on the reply it gets.
 *
 * <p>It is not {@code dev.tern.policy}: that package says who may send to whom and never does I/O, while these
 * checks ask DNS and keep a file. It never touches sockets, the spool or mailboxes; DNS only through
 * {@link dev.tern.dns.DnsLookup} and the SPF check it is given ({@link dev.tern.defence.Defences.SenderSpf});
 * files only the greylist's, under data_dir. Time comes from an injected Clock. What it decided about a message
 * goes back to the intake as {@link dev.tern.defence.Defences.Verdicts} (its log line, its Authentication-Results).
 * Nothing here applies to the submission listeners, to {@code relay.trusted_networks} or to authenticated users,
 * except the per-user rate limits, which apply only to authenticated users.
 */
package dev.tern.defence;
