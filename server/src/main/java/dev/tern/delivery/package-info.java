/**
 * Delivery of queued messages: {@link dev.tern.delivery.Router} sends local recipients into their Maildir (a
 * message the MX quarantined into their Junk folder, {@code checks.quarantine_folder}) and
 * remote ones through {@link dev.tern.delivery.RemoteDelivery} (MX lookup, up to five hosts, one SMTP transaction
 * per domain, sessions reused through {@link dev.tern.delivery.SessionCache}); each recipient gets one
 * {@link dev.tern.queue.Attempt}. Submitted mail and Tern's notices leave DKIM-signed
 * ({@link dev.tern.delivery.OutboundSigner}); local delivery signs nothing.
 *
 * <p>Never does: retry or notice decisions (the scheduler's), limits on deliveries at once (the scheduler keeps
 * to the per-domain limit), the SMTP wire protocol itself ({@code smtp.client}) or DKIM itself ({@code dkim});
 * never holds a message back because it could not be signed.
 */
package dev.tern.delivery;
