package dev.tern.imap;

import dev.tern.imap.mime.BodyText;
import java.io.IOException;
import java.io.Reader;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;

/**
 * What SEARCH looks at in one message. The store supplies it (from its index and cached fields, opening the
 * message only for BODY and TEXT); {@link SearchEvaluator} never touches files.
 */
public interface SearchMessage {

    long sequence();

    long uid();

    /** System flags with their backslash ({@code \Seen}) and keywords, as stored. */
    Set<String> flags();

    ZonedDateTime internalDate();

    /** RFC822.SIZE. */
    long size();

    /** The values of every header field of that name (any case), unfolded, encoded words not yet decoded. */
    List<String> header(String name) throws IOException;

    /** The whole header as text, for TEXT. */
    String headerText() throws IOException;

    /**
     * The body as text, read once per key: the text of its text parts (transfer encodings and charsets decoded as
     * far as the store can), not the headers of its parts nor a multipart's preamble and epilogue; with
     * {@code withHeaders} (for TEXT) the headers inside the body too (its parts' and those of encapsulated messages).
     */
    Reader bodyText(boolean withHeaders) throws IOException;

    /** Whether {@link #bodyText} holds {@code needle} in any case; a store may find it without making chars. */
    default boolean bodyContains(boolean withHeaders, String needle) throws IOException {
        return BodyText.contains(bodyText(withHeaders), needle);
    }
}
