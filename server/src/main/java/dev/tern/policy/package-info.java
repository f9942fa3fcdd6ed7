/**
 * Who may send to whom ({@link dev.tern.policy.RecipientRules}): local recipients that deliver somewhere,
 * relaying only for trusted networks and authenticated users, and the addresses an authenticated user may send
 * as. It implements the {@code smtp} package's {@code RecipientPolicy} and {@code SenderPolicy}.
 *
 * <p>It never does I/O (no sockets, files or DNS) and never builds replies beyond the refusal it returns; the
 * session decides when to ask.
 */
package dev.tern.policy;
