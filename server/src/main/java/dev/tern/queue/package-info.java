/**
 * The queue: the spool on disk ({@link dev.tern.queue.Spool}: pre-created slots sealed by a checksummed trailer,
 * its file format in {@code SlotFormat} and its free slots in {@code SlotPool}; small messages in the shared
 * {@code Journal}, whose fsync concurrent sessions share; the test-only stops of {@code CrashPoints}), queue IDs,
 * the delivery state of each recipient, the {@link dev.tern.queue.Scheduler} that attempts, retries and expires (its two lanes of
 * threads in {@code Lanes}, the local one in batches, per-domain places in {@code RouteSlots}), and the notices it owes senders (RFC 3464,
 * {@code Notices} and {@code Dsn}).
 *
 * <p>Never does: protocol details (SMTP and mailbox formats belong to {@code smtp} and {@code mailbox}), routing
 * decisions (the {@link dev.tern.queue.Transport} decides where a recipient goes), or network I/O.
 */
package dev.tern.queue;
