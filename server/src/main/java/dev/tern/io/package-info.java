/**
 * Files that must survive a crash, and who may read them: atomic replacement with fsyncs
 * ({@link dev.tern.io.Durable}), directory fsyncs shared between callers ({@link dev.tern.io.DirectorySync}) and,
 * generally, one fsync shared by the callers that wait at the same moment ({@link dev.tern.io.SharedSync}, which wakes
 * each waiting caller once), and directory fsyncs one thread puts off to the end of a batch
 * ({@link dev.tern.io.DeferredSyncs}); a log of short records made durable by
 * group commit ({@link dev.tern.io.AppendLog});
 * owner-only modes whatever the umask ({@link dev.tern.io.FileModes}), and reading a part of a file
 * ({@link dev.tern.io.BoundedInput}); writing a message with CRLF line ends ({@link dev.tern.io.CrlfOutput}).
 *
 * <p>Never does: decide what a file holds or where it goes (its owners do), or any network I/O.
 */
package dev.tern.io;
