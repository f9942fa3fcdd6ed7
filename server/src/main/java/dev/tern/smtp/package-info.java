/**
 * SMTP as pure code (RFC 5321, 6531, 3030, 4954, 3461): command parsing, addresses, ESMTP parameters
 * ({@link dev.tern.smtp.EsmtpParams}), replies with enhanced status codes, the session state machine
 * ({@link dev.tern.smtp.Session}: commands in, replies and steps out) with its AUTH exchange
 * ({@link dev.tern.smtp.AuthExchange}), the DATA and BDAT readers and the header sniffer.
 *
 * <p>It never touches sockets, files, clocks or threads.
 */
package dev.tern.smtp;
