/**
 * The mailbox store: Maildir mailboxes under {@code <data_dir>/mail/} written durably
 * ({@link dev.tern.mailbox.Maildir}), the snapshot a POP3 session works on ({@link dev.tern.mailbox.Maildrop}),
 * and which mailboxes a session holds in this process ({@link dev.tern.mailbox.MailboxLocks}).
 *
 * <p>It never speaks a protocol, never decides who may read a mailbox (the sessions and {@code auth} do), and
 * delivery never takes a session's lock.
 */
package dev.tern.mailbox;
