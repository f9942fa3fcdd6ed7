/**
 * Capture mode's store: the messages a capture-mode Tern accepted ({@link dev.tern.capture.CapturedMessage},
 * envelope, raw octets, session facts), waiting for them, and the failure scripts a test sets per stage and
 * address ({@link dev.tern.capture.Script}). It implements the SMTP server's
 * {@link dev.tern.smtp.server.Capture} seam; tern-junit and {@code tern serve --capture} sit on it.
 *
 * <p>It never delivers, queues or relays anything, and never touches sockets.
 */
package dev.tern.capture;
