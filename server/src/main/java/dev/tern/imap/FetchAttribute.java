package dev.tern.imap;

import dev.tern.imap.mime.Section;
import java.util.List;
import java.util.Optional;

/** One attribute of FETCH (RFC 9051 section 6.4.5); the macros ALL, FAST and FULL expand to these when parsed. */
public sealed interface FetchAttribute {

    /** The attributes with no argument. */
    enum Simple implements FetchAttribute {
        ENVELOPE, FLAGS, INTERNALDATE, RFC822_SIZE, BODYSTRUCTURE, BODY, UID, RFC822, RFC822_HEADER, RFC822_TEXT;

        /** The name as written in the response, e.g. {@code RFC822.SIZE}. */
        public String imapName() {
            return name().replace('_', '.');
        }
    }

    /** {@code <offset.length>} of a partial fetch. */
    record Partial(long offset, long length) {
    }

    /** {@code BODY[section]<partial>} and {@code BODY.PEEK[…]}. */
    record Body(Section section, Optional<Partial> partial, boolean peek) implements FetchAttribute {
    }

    /** {@code BINARY[part]<partial>} and {@code BINARY.PEEK[…]} (RFC 3516, in RFC 9051). */
    record Binary(List<Integer> part, Optional<Partial> partial, boolean peek) implements FetchAttribute {
        public Binary {
            part = List.copyOf(part);
        }
    }

    /** {@code BINARY.SIZE[part]}. */
    record BinarySize(List<Integer> part) implements FetchAttribute {
        public BinarySize {
            part = List.copyOf(part);
        }
    }
}
