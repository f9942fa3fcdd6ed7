/**
 * A message's MIME structure for IMAP: {@link dev.tern.imap.mime.StructureParser} reads a message once, as a stream,
 * into a small {@link dev.tern.imap.mime.BodyPart} tree (offsets, line counts, content fields, the ENVELOPE fields)
 * that {@link dev.tern.imap.mime.StructureCodec} turns into bytes for a store to cache once per message;
 * {@link dev.tern.imap.mime.Sections} finds the octets of {@code BODY[section]} and decodes {@code BINARY[part]}.
 * Apache James Mime4j parses the field values and decodes base64 and quoted-printable.
 *
 * <p>Never: IMAP syntax (the {@code imap} package writes it), files (the caller supplies the octets), or an
 * exception for a malformed message: broken MIME gets the most sensible structure, not an error. Memory is bounded
 * by a line buffer and per-entity header, part and nesting limits, whatever the message's size.
 */
package dev.tern.imap.mime;
