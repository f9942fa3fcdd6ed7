/**
 * The mail store: the interface delivery, POP3 and IMAP share ({@link dev.tern.mailbox.MailStore}, one user's
 * folders as an {@link dev.tern.mailbox.Account}, an open folder as a {@link dev.tern.mailbox.FolderView} with its
 * change feed of {@link dev.tern.mailbox.Change}s) and its Maildir implementation
 * ({@link dev.tern.mailbox.MaildirStore}): Maildir++ folders ({@code MaildirFolder} with its {@code MessageIndex},
 * {@code FolderScanner}, {@code FolderFiles}; {@code MaildirView} per session), durable UID lists ({@code UidList}),
 * flags and keywords in file names, a cache of per-message facts, APPEND received into {@code tmp/}
 * ({@code IncomingFile}). Also the durable delivery write ({@link dev.tern.mailbox.Maildir}),
 * the snapshot a POP3 session works on ({@link dev.tern.mailbox.Maildrop}), and which mailboxes a POP3 session
 * holds in this process ({@link dev.tern.mailbox.MailboxLocks}).
 *
 * <p>It never speaks a protocol (no IMAP syntax, sequence numbers or modified UTF-7: names arrive decoded, messages
 * are named by UID), never parses MIME itself (the IMAP layer hands it the function whose result it caches), never
 * decides who may read a mailbox (the sessions and {@code auth} do), and delivery never takes a session's lock.
 */
package dev.tern.mailbox;
