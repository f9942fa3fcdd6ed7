package dev.tern.imap;

/** What parsing one whole command gave: the command, or the error the session answers with a tagged BAD or NO. */
public sealed interface ParseResult {

    record Ok(Command command) implements ParseResult {
    }

    /**
     * A command that did not parse or may not be taken.
     *
     * @param tag  the client's tag, or {@code *} when not even a tag could be read (answered untagged)
     * @param bad  BAD (a protocol error) or, when false, NO (e.g. {@code [TOOBIG]} for an APPEND over the limit)
     * @param code the response code without brackets, or null
     * @param text the human text
     */
    record Error(String tag, boolean bad, String code, String text) implements ParseResult {

        static Error bad(String tag, String text) {
            return new Error(tag, true, null, text);
        }

        /** The response line as sent, without CRLF, e.g. {@code a1 BAD Unknown command FOO}. */
        public String line() {
            return tag + (bad ? " BAD " : " NO ") + (code == null ? "" : "[" + code + "] ") + text;
        }
    }
}
