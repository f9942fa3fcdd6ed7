/**
 * The running server as a whole: {@link dev.tern.Tern} wires every part by its constructor, in one place, and
 * takes it all down again; {@link dev.tern.StartChecks} and {@link dev.tern.StartFailure} check, before the
 * start, what the configuration names (files to read, addresses to listen on) and report a failure as
 * {@code FILE: KEY: REASON}. {@link dev.tern.Reloader} reads the configuration again on SIGHUP and
 * {@code tern reload} and hands each part its new settings; {@link dev.tern.ControlFile} tells commands where
 * the server running on a data directory answers.
 *
 * <p>It never speaks a protocol, decides policy or touches the spool or mailboxes itself: it only builds the
 * parts that do and connects them.
 */
package dev.tern;
