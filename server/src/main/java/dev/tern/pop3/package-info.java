/**
 * The POP3 server (RFC 1939, with CAPA and response codes of RFC 2449, STLS of RFC 2595 and AUTH of RFC 5034)
 * over the Maildir mailboxes. The protocol is pure code ({@link dev.tern.pop3.Pop3Command},
 * {@link dev.tern.pop3.Pop3Session}, {@link dev.tern.pop3.Pop3Reply}, {@link dev.tern.pop3.SaslPlain},
 * {@link dev.tern.pop3.MessageWriter}); sockets, TLS, passwords and files are at the edge
 * ({@link dev.tern.pop3.Pop3Server} and its connections).
 */
package dev.tern.pop3;
