package dev.tern.imap.mime;

import java.util.List;

/**
 * One MIME entity of a message, as BODYSTRUCTURE and {@code BODY[section]} need it: where its header and body lie in
 * the message's octets, its content fields, and its parts. The message itself is the root; a message/rfc822 part
 * has one child, the encapsulated message; a multipart has its parts. Small: no content, only offsets and fields.
 *
 * @param headerStart offset of the first header octet
 * @param bodyStart   offset of the first body octet (after the blank line)
 * @param end         offset just past the body (a multipart child ends before the CRLF of the next delimiter)
 * @param lines       lines in the body
 * @param type        media type, lower case ({@code text} when the header has none or an invalid one)
 * @param subtype     media subtype, lower case
 * @param params      content-type parameters as written, name then value
 * @param id          Content-ID, or null
 * @param description Content-Description, or null
 * @param encoding    Content-Transfer-Encoding, lower case ({@code 7bit} when absent)
 * @param md5         Content-MD5, or null
 * @param disposition Content-Disposition's value, lower case, or null
 * @param dispositionParams its parameters
 * @param language    Content-Language tags, empty for NIL
 * @param location    Content-Location, or null
 * @param envelope    the ENVELOPE when this entity is a message (the root or an encapsulated one), else null
 * @param parts       the parts of a multipart, or the encapsulated message of a message/rfc822; else empty
 */
public record BodyPart(long headerStart, long bodyStart, long end, long lines, String type, String subtype,
                       List<String> params, String id, String description, String encoding, String md5,
                       String disposition, List<String> dispositionParams, List<String> language, String location,
                       Envelope envelope, List<BodyPart> parts) {

    public BodyPart {
        params = List.copyOf(params);
        dispositionParams = List.copyOf(dispositionParams);
        language = List.copyOf(language);
        parts = List.copyOf(parts);
    }

    public boolean multipart() {
        return type.equals("multipart");
    }

    /** message/rfc822 (and message/global, RFC 6532), whose body is a message of its own. */
    public boolean encapsulated() {
        return type.equals("message") && (subtype.equals("rfc822") || subtype.equals("global"));
    }

    /** Body octets as stored. */
    public long size() {
        return end - bodyStart;
    }
}
