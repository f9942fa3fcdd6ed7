/**
 * Text that came from a client ({@link dev.tern.text.ClientText}): strict UTF-8 decoding, and making it safe
 * (printable, bounded in length) before it is echoed in a reply or written to a log.
 *
 * <p>It never does I/O and never decides what a protocol accepts; it only turns bytes into safe text.
 */
package dev.tern.text;
