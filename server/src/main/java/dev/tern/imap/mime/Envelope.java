package dev.tern.imap.mime;

import java.util.List;

/**
 * The ENVELOPE of a message (RFC 9051 section 7.5.2): header values as written (encoded words not decoded, as
 * clients expect), each null for NIL; address lists null when the field is absent or holds no address. Sender and
 * Reply-To are From when absent, as the RFC says.
 */
public record Envelope(String date, String subject, List<Address> from, List<Address> sender,
                       List<Address> replyTo, List<Address> to, List<Address> cc, List<Address> bcc,
                       String inReplyTo, String messageId) {
}
