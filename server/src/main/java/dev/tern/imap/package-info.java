/**
 * The IMAP protocol core (RFC 9051 IMAP4rev2, answering IMAP4rev1 clients of RFC 3501 too), as pure code:
 * {@link dev.tern.imap.CommandAssembler} gathers a command's lines and literals and tells the connection what to
 * read next; {@link dev.tern.imap.CommandParser} turns them into a {@link dev.tern.imap.Command} or a
 * {@link dev.tern.imap.ParseResult.Error} answered with a tagged BAD; {@link dev.tern.imap.ResponseWriter} and
 * {@link dev.tern.imap.StructureWriter} write responses; {@link dev.tern.imap.SearchEvaluator} decides SEARCH over a
 * {@link dev.tern.imap.SearchMessage}; {@link dev.tern.imap.ImapSession} is the state machine (with
 * {@code MailboxCommands} for the mailbox list, {@code SelectedCommands} and {@code SelectedView} for the selected
 * mailbox), with the store and the password check behind the ports {@link dev.tern.imap.ImapStore} and
 * {@link dev.tern.imap.ImapAuthenticator}. {@link dev.tern.imap.MailStoreImap} is the store served: the port over
 * the mail store of {@code dev.tern.mailbox} (the Maildir delivery and POP3 use), translating names, flags, the
 * change feed and the cached MIME structure; {@link dev.tern.imap.MemoryImapStore} is a store held in memory, for
 * tests.
 *
 * <p>Never: sockets, TLS, threads, clocks other than an injected one, files (the Maildir is reached only through
 * {@link dev.tern.mailbox.MailStore}),
 * or log lines. Every input is bounded (line length, command size, literal size, nesting) and every error is a value.
 * The connections are in {@code dev.tern.imap.server}.
 */
package dev.tern.imap;
