package dev.tern.imap;

import dev.tern.imap.ResponseWriter.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The lines of one reply being built: untagged data first, the tagged status last. */
final class Responses {

    final List<Output> lines = new ArrayList<>();

    Responses untagged(String text) {
        return add(("* " + text + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    Responses add(byte[] line) {
        lines.add(new Output.Octets(line));
        return this;
    }

    /** A response with streamed literals ({@link ResponseWriter#outputs()}). */
    Responses add(List<Output> response) {
        lines.addAll(response);
        return this;
    }

    Responses status(String tag, Status status, ResponseCode code, String text) {
        return add(ResponseWriter.status(tag, status, code, text));
    }

    ImapSession.Reply reply(ImapSession.Action action) {
        return new ImapSession.Reply(lines, action);
    }

    ImapSession.Reply done(Command c, Status status, ResponseCode code, String text) {
        return status(c.tag(), status, code, text).reply(ImapSession.Action.NONE);
    }
}
